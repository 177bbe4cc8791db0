import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, ConfigModule } from '@fanmesh/config';
import { ProblemFilter } from '@fanmesh/common';
import { DbModule } from '@fanmesh/db';
import { BusModule, RealtimeModule } from '@fanmesh/realtime';
import { IdentityModule } from '@fanmesh/identity';
import { VenuesModule } from '@fanmesh/venues';
import { AccessModule } from '@fanmesh/access';
import { DevicesModule } from '@fanmesh/devices';
import { ChainModule, ChainService } from '@fanmesh/chain';
import { CoverageModule } from '@fanmesh/coverage';
import { SensingModule } from '@fanmesh/sensing';
import { MomentsModule } from '@fanmesh/moments';
import { RewardsModule } from '@fanmesh/rewards';
import { DropsModule } from '@fanmesh/drops';
import { PollsModule } from '@fanmesh/polls';
import { HealthController } from './health/health.controller';
import { CHAIN_HEALTH } from './health/chain-health';
import { HttpMetricsMiddleware, Metrics, MetricsController } from './metrics/metrics';

const contexts = [VenuesModule, IdentityModule, AccessModule, ChainModule, DevicesModule, CoverageModule, SensingModule, MomentsModule, RewardsModule, DropsModule, PollsModule];

/** Every entity and migration of every context, in one place, so both databases get the same schema. */
export const database = {
  entities: contexts.flatMap((m) => m.entities),
  migrations: contexts.flatMap((m) => m.migrations),
};

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            base: { instance: config.instanceId },
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
            // Health probes and scrapes every few seconds would drown the log.
            // Probes, scrapes and gate scans (thousands a second, each kept in scan_log and metrics) are not access-logged.
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' || /\/scans(\/batch)?$/.test(req.url ?? '') },
            customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
          },
        }),
        DbModule.forRoot(database),
        BusModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
        IdentityModule,
        RealtimeModule,
        ChainModule,
        VenuesModule,
        AccessModule,
        DevicesModule,
        CoverageModule,
        SensingModule,
        MomentsModule,
        RewardsModule,
        DropsModule,
        PollsModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        Metrics,
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: CHAIN_HEALTH, useExisting: ChainService },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }
}
