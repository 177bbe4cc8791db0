import type { AddressInfo } from 'node:net';
import type { Provider } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '@fanmesh/config';
import { Principal } from '@fanmesh/common';
import { TokenService } from '@fanmesh/identity';
import { createApp } from '../../apps/api/src/app';
import { createTempDataDir, createTestDatabase, testRedisUrl } from './databases';

export interface RunningApp {
  app: NestExpressApplication;
  config: AppConfig;
  url: string;
  tokenFor(principal: Principal): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** 'real' = the machine's Postgres and Redis (default); 'embedded' = PGlite + in-process bus. */
  services?: 'real' | 'embedded';
  databaseUrl?: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** Providers only this test gives, e.g. `{ provide: SETTLEMENT_FAILPOINTS, useValue: … }` (fault injection). */
  providers?: Provider[];
}

/** Boots the real app on a free port, as `npm start` would, against real or embedded services. */
export async function startApp(label: string, opts: TestAppOptions = {}): Promise<RunningApp> {
  const services = opts.services ?? 'real';
  const dataDir = opts.dataDir ?? createTempDataDir(label);
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    AUTH_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    CHAIN_EMBEDDED: 'off',
    ...(services === 'real' ? await realServices(label, opts.databaseUrl) : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const app = await createApp(config, { testProviders: opts.providers });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const tokens = app.get(TokenService);
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    tokenFor: async (p) => (await tokens.issue(p)).token,
    close: () => app.close(),
  };
}

export const adminPrincipal: Principal = { subject: '0x00000000000000000000000000000000000000a1', kind: 'account', roles: ['admin'] };
export const staffPrincipal = (venueId: string): Principal => ({ subject: '0x00000000000000000000000000000000000000b2', kind: 'account', roles: [`staff@${venueId}`] });
export const fanPrincipal: Principal = { subject: '0x00000000000000000000000000000000000000c3', kind: 'account', roles: ['fan'] };

/**
 * The machine's Postgres and Redis. Each database gets its own Redis namespace (named after it), so
 * instances sharing a database share channels and locks, and nothing else running on this Redis
 * (other spec files, a simulator, a dev server) shows up in a test's channels.
 */
async function realServices(label: string, databaseUrl?: string): Promise<Record<string, string>> {
  const url = databaseUrl ?? (await createTestDatabase(label));
  return {
    DATABASE_URL: url,
    // Two spec files at once, each with up to two instances: small pools keep Postgres under max_connections.
    DATABASE_POOL_SIZE: '8',
    REDIS_URL: testRedisUrl(),
    REDIS_NAMESPACE: new URL(url).pathname.slice(1).slice(0, 64),
  };
}
