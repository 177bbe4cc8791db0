import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@fanmesh/config';
import { TokenService } from '@fanmesh/identity';
import { createApp } from '../../apps/api/src/app';
import { adminPrincipal, fanPrincipal, RunningApp, startApp } from '../support/app';
import { createTempDataDir, createTestDatabase, testRedisUrl } from '../support/databases';

const secret = () => randomBytes(36).toString('base64url');
const METRICS_TOKEN = secret();

/**
 * The app as NODE_ENV=production configures it (real Postgres and Redis, own keys and secrets, an
 * https public origin), with the chain switched off for this test only: what /metrics and
 * /api/docs answer by default.
 */
async function productionApp(env: Record<string, string> = {}): Promise<{ app: NestExpressApplication; url: string; token: (p: typeof adminPrincipal) => Promise<string> }> {
  const databaseUrl = await createTestDatabase('prod-ops');
  const config = loadConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: createTempDataDir('prod-ops'),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: testRedisUrl(),
    REDIS_NAMESPACE: new URL(databaseUrl).pathname.slice(1).slice(0, 64),
    CHAIN_RPC_URL: 'http://127.0.0.1:9',
    CHAIN_ID: '31337',
    CHAIN_PRIVATE_KEY: Wallet.createRandom().privateKey,
    TICKET_ISSUER_KEY: Wallet.createRandom().privateKey,
    AUTH_SECRET: secret(),
    FEED_SECRET: secret(),
    ADMIN_ADDRESS: adminPrincipal.subject,
    PUBLIC_ORIGIN: 'https://fans.example.com',
    ...env,
  });
  const app = await createApp({ ...config, chain: { kind: 'off' } });
  await app.listen(0, '127.0.0.1');
  const tokens = app.get(TokenService);
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, token: async (p) => (await tokens.issue(p)).token };
}

/** Issue 19: operations endpoints are operators' only in production, open in dev. */
describe('/metrics and /api/docs in production and in dev', () => {
  let prod: Awaited<ReturnType<typeof productionApp>>;
  let scraped: Awaited<ReturnType<typeof productionApp>>;
  let dev: RunningApp;

  beforeAll(async () => {
    [prod, scraped, dev] = await Promise.all([productionApp(), productionApp({ METRICS_TOKEN, API_DOCS: 'admin' }), startApp('dev-ops', { services: 'embedded' })]);
  });
  afterAll(async () => {
    await Promise.all([prod?.app.close(), scraped?.app.close(), dev?.close()]);
  });

  it('keeps /metrics to admins in production by default', async () => {
    const anonymous = await request(prod.url).get('/metrics').expect(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    expect(anonymous.body.code).toBe('unauthenticated');
    expect(
      (
        await request(prod.url)
          .get('/metrics')
          .set('authorization', `Bearer ${await prod.token(fanPrincipal)}`)
          .expect(403)
      ).body.code,
    ).toBe('forbidden');
    expect((await request(prod.url).get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(401)).body.code).toBe('unauthenticated'); // no scrape token configured
    const admin = await request(prod.url)
      .get('/metrics')
      .set('authorization', `Bearer ${await prod.token(adminPrincipal)}`)
      .expect(200);
    expect(admin.text).toContain('fanmesh_http_request_duration_seconds');
  });

  it('lets a scraper in with METRICS_TOKEN, and nobody with a wrong one', async () => {
    const res = await request(scraped.url).get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(res.text).toContain('fanmesh_process_cpu_seconds_total');
    expect(
      (
        await request(scraped.url)
          .get('/metrics')
          .set('authorization', `Bearer ${METRICS_TOKEN.slice(0, -1)}x`)
          .expect(401)
      ).body.code,
    ).toBe('unauthenticated');
    await request(scraped.url).get('/metrics').expect(401);
  });

  it('serves no API docs in production by default; with API_DOCS=admin, to admins only', async () => {
    await request(prod.url).get('/api/docs/openapi.json').expect(404);
    await request(prod.url).get('/api/docs/').expect(404);
    await request(prod.url)
      .get('/api/docs/openapi.json')
      .set('authorization', `Bearer ${await prod.token(adminPrincipal)}`)
      .expect(404);

    expect((await request(scraped.url).get('/api/docs/openapi.json').expect(401)).body.code).toBe('unauthenticated');
    expect(
      (
        await request(scraped.url)
          .get('/api/docs/')
          .set('authorization', `Bearer ${await scraped.token(fanPrincipal)}`)
          .expect(403)
      ).body.code,
    ).toBe('forbidden');
    const doc = await request(scraped.url)
      .get('/api/docs/openapi.json')
      .set('authorization', `Bearer ${await scraped.token(adminPrincipal)}`)
      .expect(200);
    expect(doc.body.info.title).toBe('FanMesh API');
  });

  it('leaves both open in dev', async () => {
    expect((await request(dev.url).get('/metrics').expect(200)).text).toContain('fanmesh_http_request_duration_seconds');
    expect((await request(dev.url).get('/api/docs/openapi.json').expect(200)).body.info.title).toBe('FanMesh API');
    await request(dev.url).get('/api/docs').redirects(1).expect(200);
  });

  it('takes the defaults from NODE_ENV, and explicit settings over them', () => {
    expect(loadConfig({}).edge).toMatchObject({ metrics: 'public', apiDocs: 'public', hsts: false });
    expect(loadConfig({ METRICS_ACCESS: 'restricted', API_DOCS: 'off' }).edge).toMatchObject({ metrics: 'restricted', apiDocs: 'off' });
    expect(() => loadConfig({ API_DOCS: 'maybe' })).toThrow(/API_DOCS: expected/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: expected at least 32 characters/);
  });
});
