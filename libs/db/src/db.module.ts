import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { createDataSource, DatabaseParts, isEmbedded, migrate } from './data-source';

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/** Provides the initialized, migrated TypeORM DataSource; repositories inject `DataSource`. */
@Global()
@Module({})
export class DbModule {
  static forRoot(parts: DatabaseParts): DynamicModule {
    return {
      module: DbModule,
      providers: [
        {
          provide: DataSource,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => {
            const logger = new Logger('Database');
            const ds = createDataSource(config.db, parts);
            try {
              await ds.initialize();
            } catch (err) {
              const where = config.db.kind === 'postgres' ? 'DATABASE_URL' : `the embedded database in ${config.db.dir}`;
              throw new Error(`cannot open ${where}: ${(err as Error).message}. Check that the database is running and reachable.`);
            }
            const applied = await migrate(ds);
            logger.log({ kind: isEmbedded(ds) ? 'pglite' : 'postgres', migrationsApplied: applied.length }, 'database ready');
            return ds;
          },
        },
        DataSourceCloser,
      ],
      exports: [DataSource],
    };
  }
}
