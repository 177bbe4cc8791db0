import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fanmesh/config';

/** A production environment with nothing to refuse (as libs/config's own spec has it); each test breaks one thing. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://fanmesh@db:5432/fanmesh',
  REDIS_URL: 'redis://redis:6379',
  CHAIN_RPC_URL: 'https://rpc.chiliz.example',
  CHAIN_NETWORK: 'chiliz',
  CHAIN_PRIVATE_KEY: '0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63',
  TICKET_ISSUER_KEY: '0x0b3c1c4a6a2f5e5a4f7d8e9c0d1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b',
  AUTH_SECRET: 'q8Jz0vX3rT6yN1wK4mB7pC2sL5dF9gH0jV3xZ6nQ',
  FEED_SECRET: 'Zr4Lx9Qe2Wn7Ty1Uk5Ob8Ia3Ps6Dm0Gf4Hj7Kc2Vb9',
  ADMIN_ADDRESS: '0x00000000000000000000000000000000000000a1',
  PUBLIC_ORIGIN: 'https://fans.example.com',
};

function refusals(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

/** Issue 19: the production start-up refusals and defaults of the web edge. */
describe('production start-up (issue 19)', () => {
  it('refuses to start without FEED_SECRET, naming it', () => {
    expect(refusals(PRODUCTION)).toEqual([]);
    const problems = refusals({ ...PRODUCTION, FEED_SECRET: undefined });
    expect(problems).toEqual([expect.stringMatching(/^FEED_SECRET: expected at least 32 characters of random text in production/)]);
    expect(() => loadConfig({ ...PRODUCTION, FEED_SECRET: '' })).toThrow(/ - FEED_SECRET: expected/);
  });

  it('refuses a guessable FEED_SECRET, or AUTH_SECRET doubling as it', () => {
    expect(refusals({ ...PRODUCTION, FEED_SECRET: 'feed-secret-feed-secret-feed-secret-1' })).toEqual([
      expect.stringMatching(/^FEED_SECRET: expected at least 32 characters of random text in production, but it/),
    ]);
    expect(refusals({ ...PRODUCTION, FEED_SECRET: PRODUCTION.AUTH_SECRET })).toEqual([
      expect.stringMatching(/^FEED_SECRET: expected a secret of its own in production, not AUTH_SECRET again/),
    ]);
  });

  it('outside production, leaves FEED_SECRET to the data dir', () => {
    expect(loadConfig({}).feedSecret).toBeUndefined();
    expect(loadConfig({ FEED_SECRET: PRODUCTION.FEED_SECRET }).feedSecret).toBe(PRODUCTION.FEED_SECRET);
  });

  it('restricts /metrics and turns /api/docs off by default, sends HSTS, and lets the PWA fetch its own origin only', () => {
    expect(loadConfig(PRODUCTION).edge).toEqual({ metrics: 'restricted', apiDocs: 'off', hsts: true, connectSources: [] });
    expect(loadConfig({ ...PRODUCTION, METRICS_ACCESS: 'public', API_DOCS: 'admin', CSP_CONNECT_SRC: 'https://portal.example.com, http://10.0.0.2:*' }).edge).toMatchObject({
      metrics: 'public',
      apiDocs: 'admin',
      connectSources: ['https://portal.example.com', 'http://10.0.0.2:*'],
    });
    expect(refusals({ ...PRODUCTION, METRICS_TOKEN: 'metrics-metrics-metrics-metrics-metrics' })).toEqual([expect.stringMatching(/^METRICS_TOKEN: .* but it/)]);
    expect(refusals({ ...PRODUCTION, CSP_CONNECT_SRC: "https://x.example; script-src 'unsafe-inline'" })).toEqual([expect.stringMatching(/^CSP_CONNECT_SRC: expected/)]);
  });

  it('sends HSTS outside production only for an https public origin', () => {
    expect(loadConfig({}).edge.hsts).toBe(false);
    expect(loadConfig({ PUBLIC_ORIGIN: 'http://localhost:8080' }).edge.hsts).toBe(false);
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://fans.example.com' }).edge.hsts).toBe(true);
  });
});
