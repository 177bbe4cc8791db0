import { DataSource, DataSourceOptions, MixedList, EntitySchema } from 'typeorm';
import type { AppConfig } from '@fanmesh/config';
import { PglitePool } from './pglite-pool';
import { DbLogger } from './typeorm-logger';

export interface DatabaseParts {
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
}

/** Postgres when DATABASE_URL is set, else the embedded PGlite under the data folder; one schema for both. */
export function createDataSource(db: AppConfig['db'], parts: DatabaseParts): DataSource {
  const common = {
    type: 'postgres' as const,
    entities: parts.entities,
    migrations: parts.migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto' as const,
    logger: new DbLogger(),
    maxQueryExecutionTime: 1000,
  };
  if (db.kind === 'postgres') {
    return new DataSource({
      ...common,
      url: db.url,
      extra: { max: db.poolSize, application_name: 'fanmesh-api' },
    } as DataSourceOptions);
  }
  const dir = db.dir;
  return new DataSource({
    ...common,
    driver: {
      Pool: class extends PglitePool {
        constructor() {
          super(dir);
        }
      },
    },
  } as DataSourceOptions);
}

/** True when the data source runs on the embedded, single-session PGlite. */
export function isEmbedded(ds: DataSource): boolean {
  return (ds.driver as unknown as { master?: unknown }).master instanceof PglitePool;
}

const MIGRATION_LOCK = 0x46414e4d; // 'FANM': one migrator at a time across API instances

/**
 * Applies pending migrations. Several API instances may boot at once against one Postgres, so the
 * run is wrapped in an advisory lock held on its own connection; the second instance waits, then finds
 * nothing to do.
 */
export async function migrate(ds: DataSource): Promise<string[]> {
  if (isEmbedded(ds)) return (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}
