import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import Redis from 'ioredis';
import type { TestProject } from 'vitest/node';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

const HOW_TO_START = {
  postgres: 'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start  (or point TEST_DATABASE_URL at one)',
  redis: "start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no  (or point TEST_REDIS_URL at one)",
};

/** The suite runs against real services; when one is missing it stops with what to do, never skips. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const pg = new Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${(err as Error).message}); ${HOW_TO_START.postgres}`);
  }
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    await pg.end();
    throw new Error(`Redis is not reachable at ${TEST_REDIS_URL} (${(err as Error).message}); ${HOW_TO_START.redis}`);
  } finally {
    redis.disconnect();
  }
  project.provide('testRunId', runId);
  project.provide('testDatabaseUrl', TEST_DATABASE_URL);
  project.provide('testRedisUrl', TEST_REDIS_URL);

  return async () => {
    // Each spec made its own databases; drop them all (and any a crashed earlier run left behind a day ago).
    const { rows } = await pg.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'fanmesh_t_%'`);
    for (const { datname } of rows) {
      const mine = datname.startsWith(`fanmesh_t_${runId}_`);
      const stale = /^fanmesh_t_([0-9a-z]+?)[0-9a-f]{4}_/.exec(datname);
      const old = stale && Date.now() - parseInt(stale[1], 36) > 86_400_000;
      if (mine || old) await pg.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    }
    await pg.end();
    // And the Redis namespaces of this run's databases (each test database had its own).
    const r = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `fanmesh_t_${runId}_*`, 'COUNT', 1000);
        if (keys.length) await r.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } catch {
      // a Redis that went away keeps its keys; they are namespaced and harmless
    } finally {
      r.disconnect();
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    testRunId: string;
    testDatabaseUrl: string;
    testRedisUrl: string;
  }
}
