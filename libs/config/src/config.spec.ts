import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';
import { WELL_KNOWN_DEV_KEYS } from './production';

/** A production environment with nothing to refuse: each test below breaks one thing. */
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

/** The problems a ConfigError lists, or [] when the environment loads. */
function refusals(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no environment at all', () => {
    const c = loadConfig({});
    expect(c.db.kind).toBe('pglite');
    expect(c.bus.kind).toBe('memory');
    expect(c.chain.kind).toBe('embedded');
    expect(c.port).toBe(3000);
  });

  it('switches to real services when their URLs are set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/x', REDIS_URL: 'redis://r:6379', CHAIN_RPC_URL: 'https://rpc.example', CHAIN_NETWORK: 'spicy' });
    expect(c.db).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/x', schema: 'public', poolSize: 20 });
    expect(c.bus).toEqual({ kind: 'redis', url: 'redis://r:6379' });
    expect(c.chain).toMatchObject({ kind: 'rpc', network: 'spicy' });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).db.kind).toBe('pglite');
  });

  it('stops with a message naming each bad variable and what it expects', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const msg = (error as Error).message;
    expect(msg).toMatch(/PORT: expected/);
    expect(msg).toMatch(/DATABASE_URL: expected a URL starting with postgres:\/\/ or postgresql:\/\//);
    expect(msg).toMatch(/LOG_LEVEL/);
    expect((error as ConfigError).problems).toHaveLength(3);
  });

  it('requires AUTH_SECRET in production, and a key only with an RPC URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_SECRET/);
    expect(() => loadConfig({ CHAIN_PRIVATE_KEY: '0x' + '11'.repeat(32) })).toThrow(/CHAIN_RPC_URL/);
    expect(() => loadConfig({ CHAIN_RPC_URL: 'http://x', CHAIN_PRIVATE_KEY: '0x12' })).toThrow(/CHAIN_PRIVATE_KEY: expected a 0x-prefixed 32-byte hex private key/);
  });

  describe('in production', () => {
    it('starts with real services, own keys, a random secret, an admin and a public origin', () => {
      expect(refusals(PRODUCTION)).toEqual([]);
      const c = loadConfig(PRODUCTION);
      expect(c.auth).toMatchObject({ publicOrigin: 'https://fans.example.com', chainId: 88888 });
    });

    it('refuses the embedded PGlite database (no DATABASE_URL)', () => {
      expect(refusals({ ...PRODUCTION, DATABASE_URL: undefined })).toEqual([expect.stringMatching(/^DATABASE_URL: expected a postgres:\/\/ URL in production/)]);
    });

    it('refuses the in-process bus (no REDIS_URL)', () => {
      expect(refusals({ ...PRODUCTION, REDIS_URL: '' })).toEqual([expect.stringMatching(/^REDIS_URL: expected a redis:\/\/ URL in production/)]);
    });

    it('refuses the embedded chain (no CHAIN_RPC_URL)', () => {
      const got = refusals({ ...PRODUCTION, CHAIN_RPC_URL: undefined, CHAIN_PRIVATE_KEY: undefined });
      expect(got).toEqual([expect.stringMatching(/^CHAIN_RPC_URL: expected the chain's JSON-RPC URL in production/)]);
      // CHAIN_EMBEDDED=off (no chain at all) is no way round it
      expect(refusals({ ...PRODUCTION, CHAIN_RPC_URL: undefined, CHAIN_PRIVATE_KEY: undefined, CHAIN_EMBEDDED: 'off' })).toEqual(got);
    });

    it('refuses every well-known dev key as the chain key or the ticket-issuer key', () => {
      for (const [i, key] of WELL_KNOWN_DEV_KEYS.entries()) {
        expect(refusals({ ...PRODUCTION, CHAIN_PRIVATE_KEY: key })).toEqual([
          expect.stringMatching(new RegExp(`^CHAIN_PRIVATE_KEY: expected a key of your own in production, but it is account #${i} of the public dev mnemonic`)),
        ]);
        expect(refusals({ ...PRODUCTION, TICKET_ISSUER_KEY: key.toUpperCase().replace('0X', '0x') })).toEqual([
          expect.stringMatching(/^TICKET_ISSUER_KEY: expected a key of your own/),
        ]);
      }
      expect(refusals({ ...PRODUCTION, TICKET_ISSUER_KEY: '0x' + '11'.repeat(32) })).toEqual([expect.stringMatching(/^TICKET_ISSUER_KEY: .*made-up pattern/)]);
      expect(refusals({ ...PRODUCTION, CHAIN_PRIVATE_KEY: '0x' + '0'.repeat(63) + '1' })).toEqual([expect.stringMatching(/^CHAIN_PRIVATE_KEY: .*made-up pattern/)]);
      // and the same keys stay fine for development
      expect(refusals({ CHAIN_RPC_URL: 'http://127.0.0.1:8545', CHAIN_PRIVATE_KEY: WELL_KNOWN_DEV_KEYS[0] })).toEqual([]);
    });

    it('refuses a low-entropy AUTH_SECRET: too short, too few characters, or repeated', () => {
      expect(refusals({ ...PRODUCTION, AUTH_SECRET: 'short-secret' })).toEqual([expect.stringMatching(/^AUTH_SECRET: expected at least 32 characters/)]);
      for (const weak of [
        'a'.repeat(40),
        '0123456789'.repeat(4),
        'test-secret-test-secret-test-secret-0123456789',
        'changeme'.repeat(5),
        'abababababababababababababababababababab',
      ]) {
        expect(refusals({ ...PRODUCTION, AUTH_SECRET: weak }), weak).toEqual([
          expect.stringMatching(/^AUTH_SECRET: expected at least 32 characters of random text in production, but it (repeats itself|uses only)/),
        ]);
      }
      expect(refusals({ ...PRODUCTION, AUTH_SECRET: undefined })).toEqual([expect.stringMatching(/^AUTH_SECRET: expected/)]);
    });

    it('refuses a real chain without the hot key that attests on it', () => {
      expect(refusals({ ...PRODUCTION, CHAIN_PRIVATE_KEY: undefined })).toEqual([expect.stringMatching(/^CHAIN_PRIVATE_KEY: expected the API's hot key/)]);
    });

    it('refuses to start without ADMIN_ADDRESS', () => {
      expect(refusals({ ...PRODUCTION, ADMIN_ADDRESS: undefined })).toEqual([expect.stringMatching(/^ADMIN_ADDRESS: expected the 0x address/)]);
    });

    it('refuses to start without PUBLIC_ORIGIN, or with a plain-http one', () => {
      expect(refusals({ ...PRODUCTION, PUBLIC_ORIGIN: undefined })).toEqual([expect.stringMatching(/^PUBLIC_ORIGIN: expected the https:\/\/ origin fans open/)]);
      expect(refusals({ ...PRODUCTION, PUBLIC_ORIGIN: 'http://fans.example.com' })).toEqual([expect.stringMatching(/^PUBLIC_ORIGIN: expected an https:\/\/ origin/)]);
      expect(refusals({ ...PRODUCTION, PUBLIC_ORIGIN: 'https://fans.example.com/app' })[0]).toMatch(/^PUBLIC_ORIGIN: expected an origin only/);
    });

    it('names the chain id sign-in messages must carry: the preset, CHAIN_ID, never a mismatch', () => {
      expect(refusals({ ...PRODUCTION, CHAIN_NETWORK: 'custom' })).toEqual([expect.stringMatching(/^CHAIN_ID: expected the numeric id of the chain/)]);
      expect(loadConfig({ ...PRODUCTION, CHAIN_NETWORK: 'custom', CHAIN_ID: '424242' }).auth.chainId).toBe(424242);
      expect(refusals({ ...PRODUCTION, CHAIN_ID: '1' })).toEqual([expect.stringMatching(/^CHAIN_ID: expected 88888 for CHAIN_NETWORK=chiliz/)]);
      expect(loadConfig({}).auth.chainId).toBe(31337);
    });

    it('collects every refusal into one message, each naming its variable and what to set', () => {
      let error: unknown;
      try {
        loadConfig({ NODE_ENV: 'production', AUTH_SECRET: 'x'.repeat(32), CHAIN_PRIVATE_KEY: WELL_KNOWN_DEV_KEYS[0] });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      // the dev key twice: it is a published key, and a key with no CHAIN_RPC_URL
      expect(names.sort()).toEqual([
        'ADMIN_ADDRESS',
        'AUTH_SECRET',
        'CHAIN_PRIVATE_KEY',
        'CHAIN_PRIVATE_KEY',
        'CHAIN_RPC_URL',
        'DATABASE_URL',
        'FEED_SECRET',
        'PUBLIC_ORIGIN',
        'REDIS_URL',
        'TICKET_ISSUER_KEY',
      ]);
      for (const name of names) expect((error as Error).message).toContain(`  - ${name}: expected`);
    });
  });

  it('reads per-route rate limit overrides, and refuses a malformed one', () => {
    expect(loadConfig({ RATE_LIMITS: 'auth.nonce=5/2s,ws.connect=off,auth.siwe=100/1m' }).rateLimits).toEqual({
      'auth.nonce': { limit: 5, windowMs: 2000 },
      'ws.connect': 'off',
      'auth.siwe': { limit: 100, windowMs: 60_000 },
    });
    expect(loadConfig({}).rateLimits).toEqual({});
    expect(refusals({ RATE_LIMITS: 'auth.nonce=lots' })).toEqual([expect.stringMatching(/^RATE_LIMITS: expected comma-separated name=<count>\/<window>/)]);
  });

  it('keeps scan logs 90 days and heartbeats 30 by default, takes other whole days, and refuses none or a fraction', () => {
    expect(loadConfig({}).retention).toEqual({ scanLogDays: 90, heartbeatDays: 30 });
    expect(loadConfig({ RETENTION_SCAN_LOG_DAYS: '14', RETENTION_HEARTBEAT_DAYS: '7' }).retention).toEqual({ scanLogDays: 14, heartbeatDays: 7 });
    expect(refusals({ RETENTION_SCAN_LOG_DAYS: '0' })).toEqual([expect.stringMatching(/^RETENTION_SCAN_LOG_DAYS: expected/)]);
    expect(refusals({ RETENTION_HEARTBEAT_DAYS: '1.5' })).toEqual([expect.stringMatching(/^RETENTION_HEARTBEAT_DAYS: expected/)]);
  });

  it('reads the first emission schedule from EMISSION_*, leaves unset fields to the chain, and refuses odd values', () => {
    expect(loadConfig({}).emission).toEqual({ weeklyFan: undefined, decayBps: undefined, seasonWeeks: undefined, start: undefined });
    expect(loadConfig({ EMISSION_WEEKLY_FAN: '1500.5', EMISSION_DECAY_BPS: '2500', EMISSION_SEASON_WEEKS: '52', EMISSION_START: '2027-01-04T00:00:00Z' }).emission).toEqual({
      weeklyFan: '1500.5',
      decayBps: 2500,
      seasonWeeks: 52,
      start: 1_799_020_800,
    });
    expect(refusals({ EMISSION_WEEKLY_FAN: '-5' })).toEqual([expect.stringMatching(/^EMISSION_WEEKLY_FAN: expected an amount of FAN/)]);
    expect(refusals({ EMISSION_WEEKLY_FAN: '1e6' })).toEqual([expect.stringMatching(/^EMISSION_WEEKLY_FAN: expected/)]);
    expect(refusals({ EMISSION_DECAY_BPS: '10001' })).toEqual([expect.stringMatching(/^EMISSION_DECAY_BPS: expected/)]);
    expect(refusals({ EMISSION_SEASON_WEEKS: '0' })).toEqual([expect.stringMatching(/^EMISSION_SEASON_WEEKS: expected/)]);
    expect(refusals({ EMISSION_START: 'next monday' })).toEqual([expect.stringMatching(/^EMISSION_START: expected/)]);
  });
});
