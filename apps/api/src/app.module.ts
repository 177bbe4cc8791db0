import { DynamicModule, MiddlewareConsumer, Module, NestModule, Provider } from '@nestjs/common';
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
import { EventsModule } from '@fanmesh/events';
import { HealthController } from './health/health.controller';
import { CHAIN_HEALTH } from './health/chain-health';
import { HttpMetricsMiddleware, Metrics, MetricsController } from './metrics/metrics';
import { PersonalDataController } from './privacy/personal-data.controller';

const contexts = [
  EventsModule,
  VenuesModule,
  IdentityModule,
  AccessModule,
  ChainModule,
  DevicesModule,
  CoverageModule,
  SensingModule,
  MomentsModule,
  RewardsModule,
  DropsModule,
  PollsModule,
];

/** Every entity and migration of every context, in one place, so both databases get the same schema. */
export const database = {
  entities: contexts.flatMap((m) => m.entities),
  migrations: contexts.flatMap((m) => m.migrations),
};

/** Providers only a test gives (fault injection such as SETTLEMENT_FAILPOINTS), visible to every module. */
@Module({})
class TestProvidersModule {}

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig, testProviders: Provider[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...(testProviders.length ? [{ module: TestProvidersModule, global: true, providers: testProviders, exports: testProviders }] : []),
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            base: { instance: config.instanceId },
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
            // Health probes and scrapes every few seconds would drown the log.
            // Probes, scrapes and gate scans (thousands a second, each kept in scan_log and metrics) are not access-logged.
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' || /\/scans(\/batch)?$/.test(req.url ?? '') },
            // Outside production a request is a debug line (LOG_LEVEL=debug shows them), so the terminal stays readable.
            customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : config.env !== 'production' ? 'debug' : res.statusCode >= 400 ? 'warn' : 'info'),
          },
        }),
        DbModule.forRoot(database),
        BusModule.forRoot(),
        EventsModule.forRoot(),
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
      controllers: [HealthController, MetricsController, PersonalDataController],
      providers: [Metrics, { provide: APP_FILTER, useClass: ProblemFilter }, { provide: CHAIN_HEALTH, useExisting: ChainService }],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }
}
