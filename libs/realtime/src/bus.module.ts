import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { Bus, MemoryBus, RedisBus } from './bus';

export const BUS = Symbol('BUS');

@Injectable()
class BusCloser implements OnApplicationShutdown {
  constructor(@Inject(BUS) private readonly bus: Bus) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Global()
@Module({})
export class BusModule {
  static forRoot(): DynamicModule {
    return {
      module: BusModule,
      providers: [
        {
          provide: BUS,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig): Promise<Bus> => {
            if (config.bus.kind === 'memory') return new MemoryBus();
            const bus = new RedisBus(config.bus.url, config.bus.namespace);
            try {
              await bus.connect();
            } catch (err) {
              await bus.close();
              throw new Error(`cannot reach Redis at REDIS_URL: ${(err as Error).message}. Start Redis or unset REDIS_URL for in-process mode.`);
            }
            new Logger('Bus').log({ kind: 'redis' }, 'bus ready');
            return bus;
          },
        },
        BusCloser,
      ],
      exports: [BUS],
    };
  }
}
