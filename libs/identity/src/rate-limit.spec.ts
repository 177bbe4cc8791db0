import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CommonError } from '@fanmesh/common';
import { loadConfig } from '@fanmesh/config';
import { clientIp, MemoryRateLimitStore, RateLimiter, RedisRateLimitStore } from './rate-limit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('token buckets', () => {
  it('in memory: bursts `limit`, then refills at limit per window, and says when to come back', async () => {
    const m = new MemoryRateLimitStore();
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) expect((await m.take('k', 3, 3000, t0)).allowed).toBe(true);
    expect(await m.take('k', 3, 3000, t0)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1000 });
    expect((await m.take('k', 3, 3000, t0 + 500)).allowed).toBe(false);
    expect((await m.take('k', 3, 3000, t0 + 1000)).allowed).toBe(true); // one token back per second
    expect((await m.take('other', 3, 3000, t0)).allowed).toBe(true);
  });

  describe('in Redis', () => {
    const url = inject('testRedisUrl');
    const namespace = `fanmesh_rl_unit_${randomBytes(3).toString('hex')}`;
    const stores: RedisRateLimitStore[] = [];
    const store = async () => {
      const s = new RedisRateLimitStore(url, namespace);
      await s.connect();
      stores.push(s);
      return s;
    };
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      const r = new Redis(url);
      const keys = await r.keys(`${namespace}:*`);
      if (keys.length) await r.del(...keys);
      await r.quit();
    });

    it('is one bucket for every instance: two stores on one Redis allow `limit` between them', async () => {
      const [one, two] = [await store(), await store()];
      const taken = [];
      for (let i = 0; i < 10; i++) taken.push((await (i % 2 ? one : two).take('shared', 4, 60_000)).allowed);
      expect(taken.filter(Boolean)).toHaveLength(4);
      const refused = await one.take('shared', 4, 60_000);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(14_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(15_000);
    });

    it('refills by Redis time and expires idle buckets', async () => {
      const s = await store();
      expect((await s.take('refill', 2, 400)).allowed).toBe(true);
      expect((await s.take('refill', 2, 400)).allowed).toBe(true);
      expect((await s.take('refill', 2, 400)).allowed).toBe(false);
      await sleep(250);
      expect((await s.take('refill', 2, 400)).allowed).toBe(true);
      await sleep(500);
      const r = new Redis(url);
      expect(await r.exists(`${namespace}:refill`)).toBe(0);
      await r.quit();
    });

    it('keeps limiting in memory while Redis is unreachable, instead of failing requests', async () => {
      const away = new RedisRateLimitStore('redis://127.0.0.1:1', namespace); // never connected
      stores.push(away);
      const taken = [];
      for (let i = 0; i < 5; i++) taken.push((await away.take('down', 3, 60_000)).allowed);
      expect(taken).toEqual([true, true, true, false, false]);
    });
  });
});

describe('clientIp', () => {
  const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff ? { 'x-forwarded-for': xff } : {} });
  it('is the peer when it is not one of our proxies, whatever X-Forwarded-For says', () => {
    expect(clientIp(req('203.0.113.5', '1.2.3.4'))).toBe('203.0.113.5');
    expect(clientIp(req('::ffff:203.0.113.5'))).toBe('203.0.113.5');
  });
  it('walks X-Forwarded-For from the right through trusted proxies only', () => {
    expect(clientIp(req('127.0.0.1', '203.0.113.7'))).toBe('203.0.113.7');
    expect(clientIp(req('::1', '6.6.6.6, 203.0.113.7, 10.0.0.2'))).toBe('203.0.113.7');
    expect(clientIp(req('10.1.2.3', 'garbage'))).toBe('10.1.2.3');
    expect(clientIp(req('127.0.0.1'))).toBe('127.0.0.1');
  });
});

describe('RateLimiter', () => {
  const policy = { key: 'ip' as const, limit: 2, windowMs: 60_000 };
  const limiter = (env: Record<string, string>) => new RateLimiter(new MemoryRateLimitStore(), loadConfig(env));
  const prod = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://u@db/x',
    REDIS_URL: 'redis://r:6379',
    CHAIN_RPC_URL: 'https://rpc.example',
    CHAIN_NETWORK: 'chiliz',
    CHAIN_PRIVATE_KEY: '0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63',
    TICKET_ISSUER_KEY: '0x0b3c1c4a6a2f5e5a4f7d8e9c0d1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b',
    AUTH_SECRET: 'q8Jz0vX3rT6yN1wK4mB7pC2sL5dF9gH0jV3xZ6nQ',
    ADMIN_ADDRESS: '0x00000000000000000000000000000000000000a1',
    PUBLIC_ORIGIN: 'https://fans.example.com',
    FEED_SECRET: 'Zr4pT9wQ2mX7vB1nK6yH3cJ8fL0dS5gA2eU7iO4t',
  };

  it('limits per address, and per principal where the policy says so', async () => {
    const l = limiter({});
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await l.take('t', policy, { ip: '203.0.113.1' }));
    expect(results.map((r) => r === undefined)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ name: 't', limit: 2, windowMs: 60_000, retryAfterSeconds: 30 });
    const byPrincipal = { ...policy, key: 'principal' as const };
    expect(await l.take('p', byPrincipal, { ip: '203.0.113.2', principal: '0xa' })).toBeUndefined();
    expect(await l.take('p', byPrincipal, { ip: '203.0.113.3', principal: '0xa' })).toBeUndefined();
    expect(await l.take('p', byPrincipal, { ip: '203.0.113.4', principal: '0xa' })).toBeDefined();
  });

  it('exempts this machine outside production only, and obeys RATE_LIMITS overrides', async () => {
    const dev = limiter({});
    for (let i = 0; i < 5; i++) expect(await dev.take('t', policy, { ip: '127.0.0.1' })).toBeUndefined();
    const production = limiter(prod);
    await production.take('t', policy, { ip: '127.0.0.1' });
    await production.take('t', policy, { ip: '127.0.0.1' });
    expect(await production.take('t', policy, { ip: '127.0.0.1' })).toBeDefined();
    const off = limiter({ RATE_LIMITS: 't=off' });
    for (let i = 0; i < 5; i++) expect(await off.take('t', policy, { ip: '203.0.113.1' })).toBeUndefined();
    const more = limiter({ RATE_LIMITS: 't=3/1m' });
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push(await more.take('t', policy, { ip: '203.0.113.1' }));
    expect(taken.map((r) => r === undefined)).toEqual([true, true, true, false]);
  });

  it('enforces a limit on a verified identity with a 429 rate_limited naming it, without an address to exempt, overridable by name', async () => {
    const device = { name: 'd', limit: 2, windowMs: 60_000, per: 'device' };
    const l = limiter({});
    await l.enforce(device, '0xAbC');
    await l.enforce(device, '0xabc'); // one bucket, whatever the address's case
    const refused = await l.enforce(device, '0xABC').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(CommonError);
    expect(refused).toMatchObject({ code: 'rate_limited', status: 429, extra: { limit: 2, windowSeconds: 60, retryAfterSeconds: 30 } });
    expect((refused as CommonError).detail).toBe('Too many requests (d): at most 2 per 60 s from one device. Retry in 30 s.');
    await l.enforce(device, '0xdef'); // another identity, its own bucket
    const off = limiter({ RATE_LIMITS: 'd=off' });
    for (let i = 0; i < 5; i++) await off.enforce(device, '0xabc');
    const fewer = limiter({ RATE_LIMITS: 'd=1/1m' });
    await fewer.enforce(device, '0xabc');
    await expect(fewer.enforce(device, '0xabc')).rejects.toMatchObject({ code: 'rate_limited', extra: { limit: 1 } });
  });
});
