import { once } from 'node:events';
import { getBytes, SigningKey, type BaseWallet } from 'ethers';
import request from 'supertest';
import WebSocket from 'ws';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { signIn } from '../support/fans';
import { envelopeDigest } from '@fanmesh/protocol';
import { DEMO_EVENT_ID, DEMO_VENUE_ID } from '@fanmesh/venues';
import { fanPrincipal } from '../support/app';
import { pairDeviceKey } from '../support/devices';

/**
 * "Deployable safely": limits and revocations hold across API instances, because they live in
 * Redis and Postgres, not in one process. Two instances share one database and one Redis here, as
 * two replicas behind a balancer would; requests come through the balancer (X-Forwarded-For from a
 * loopback peer), as a fan's would.
 */
describe('two API instances, one Redis: shared rate limits and revocations', () => {
  let a: RunningApp;
  let b: RunningApp;
  const env = { RATE_LIMITS: 'auth.nonce=10/1m,auth.siwe=5/1m,ws.connect=4/1m,ws.subscribe=5/1m,polls.ballot=3/1m,device.messages=6/1m,gate.scans=4/1m' };

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('rate-limits');
    a = await startApp('rl-a', { databaseUrl, env: { ...env, INSTANCE_ID: 'api-a' } });
    b = await startApp('rl-b', { databaseUrl, env: { ...env, INSTANCE_ID: 'api-b' } });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const nonces = async () => Number((await a.app.get(DataSource).query('SELECT count(*)::int AS n FROM auth_nonces'))[0].n);

  it('lets one address have 10 nonces a minute in total, not per instance; the rest get 429 rate_limited with Retry-After and insert nothing', async () => {
    const before = await nonces();
    const answers = [];
    for (let i = 0; i < 30; i++)
      answers.push(
        await request((i % 2 ? b : a).url)
          .post('/api/v1/auth/nonce')
          .set('x-forwarded-for', '203.0.113.7'),
      );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(10);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused).toHaveLength(20);
    for (const r of refused) {
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ status: 429, code: 'rate_limited', limit: 10, windowSeconds: 60 });
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(r.body.retryAfterSeconds).toBe(Number(r.headers['retry-after']));
    }
    expect((await nonces()) - before).toBe(10);
    // another address has its own bucket
    await request(b.url).post('/api/v1/auth/nonce').set('x-forwarded-for', '203.0.113.8').expect(200);
  });

  it('limits /auth/siwe the same way, before the body is even looked at', async () => {
    const codes = [];
    for (let i = 0; i < 8; i++) {
      const r = await request((i % 2 ? a : b).url)
        .post('/api/v1/auth/siwe')
        .set('x-forwarded-for', '198.51.100.20')
        .send({ message: 'x'.repeat(60), signature: '0x' + '1'.repeat(130) });
      codes.push(`${r.status} ${r.body.code}`);
    }
    expect(codes).toEqual([...Array(5).fill('400 malformed_siwe_message'), ...Array(3).fill('429 rate_limited')]);
  });

  it('believes X-Forwarded-For only from our own proxies: a client cannot pick a fresh address per request', async () => {
    // the peer is loopback (a trusted proxy), so the hop left of it is the client; what the client
    // itself prepended is further left and ignored
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push((await request(a.url).post('/api/v1/auth/nonce').set('x-forwarded-for', `10.9.${i}.1, 192.0.2.44`)).status);
    expect(answers.filter((s) => s === 429)).toHaveLength(2);
  });

  it('limits websocket connects per address across both instances, closing the extra ones with 4429', async () => {
    const outcomes = [];
    for (let i = 0; i < 6; i++) {
      const ws = new WebSocket(`${(i % 2 ? b : a).url.replace(/^http/, 'ws')}/ws`, { headers: { 'x-forwarded-for': '203.0.113.99' } });
      const frames: Array<{ type: string; code?: string }> = [];
      ws.on('message', (d) => frames.push(JSON.parse(String(d))));
      await once(ws, 'open');
      ws.send(JSON.stringify({ type: 'ping', id: i }));
      const closed = await Promise.race([
        once(ws, 'close').then(([code, reason]) => `${code} ${String(reason).split(':')[0]}`),
        new Promise((r) => setTimeout(() => r('open'), 500)),
      ]);
      outcomes.push({ closed, first: frames[0] });
      ws.close();
    }
    expect(outcomes.map((o) => o.closed)).toEqual(['open', 'open', 'open', 'open', '4429 rate_limited', '4429 rate_limited']);
    expect(outcomes.slice(0, 4).map((o) => o.first?.type)).toEqual(['pong', 'pong', 'pong', 'pong']);
    // the refused ones were told why, and were never read: no pong
    expect(outcomes.slice(4).map((o) => o.first)).toEqual([
      expect.objectContaining({ type: 'error', code: 'rate_limited' }),
      expect.objectContaining({ type: 'error', code: 'rate_limited' }),
    ]);
  });

  it('limits ballots per fan across both instances, before the ballot is even read', async () => {
    const fan = `Bearer ${await a.tokenFor(fanPrincipal)}`;
    const codes = [];
    for (let i = 0; i < 6; i++) {
      const r = await request((i % 2 ? b : a).url)
        .post(`/api/v1/polls/${DEMO_EVENT_ID}/ballots`)
        .set('authorization', fan)
        .set('x-forwarded-for', `198.51.100.${30 + i}`) // a fresh address per request does not help: the bucket is the fan's
        .send({ option: 0, issuedAt: 'x', signature: '0x' });
      codes.push(`${r.status} ${r.body.code}`);
    }
    expect(codes.slice(0, 3).every((c) => c.startsWith('4') && !c.startsWith('429'))).toBe(true);
    expect(codes.slice(3)).toEqual(Array(3).fill('429 rate_limited'));
  });

  it('limits websocket subscriptions per address across both instances: the extra ones get a rate_limited error frame, the socket stays', async () => {
    const answers: Array<{ type: string; code?: string; id?: number }> = [];
    for (const api of [a, b]) {
      const ws = new WebSocket(`${api.url.replace(/^http/, 'ws')}/ws`, { headers: { 'x-forwarded-for': '203.0.113.120' } });
      const frames: Array<{ type: string; code?: string; id?: number }> = [];
      ws.on('message', (d) => frames.push(JSON.parse(String(d))));
      await once(ws, 'open');
      for (let i = 0; i < 4; i++) ws.send(JSON.stringify({ type: 'subscribe', channel: `event:${DEMO_EVENT_ID}`, id: i }));
      ws.send(JSON.stringify({ type: 'ping', id: 99 }));
      await expect.poll(() => frames.some((f) => f.type === 'pong'), { timeout: 5000 }).toBe(true);
      answers.push(...frames.filter((f) => f.type !== 'pong'));
      ws.close();
    }
    expect(answers.map((f) => f.type + (f.code ? ` ${f.code}` : ''))).toEqual([...Array(5).fill('subscribed'), ...Array(3).fill('error rate_limited')]);
  });

  const expectRateLimited = (r: request.Response, limit: number) => {
    expect(r.status).toBe(429);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 429, code: 'rate_limited', limit, windowSeconds: 60 });
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(r.body.retryAfterSeconds).toBe(Number(r.headers['retry-after']));
  };

  it('gives a device one budget of signed messages across both instances, spent only by messages it signed', async () => {
    const { device } = await pairDeviceKey(a, DEMO_VENUE_ID, 'N101', { kind: 'hotspot' });
    const { device: neighbour } = await pairDeviceKey(a, DEMO_VENUE_ID, 'N101', { kind: 'hotspot' });
    let seq = 0;
    const envelope = (d: BaseWallet, n: number, signer: BaseWallet = d) => {
      const body = JSON.stringify({ type: 'heartbeat', uptimeS: n });
      const sentAt = new Date().toISOString();
      const signature = new SigningKey(signer.privateKey).sign(getBytes(envelopeDigest(d.address, n, sentAt, body))).serialized;
      return { deviceId: d.address, seq: n, sentAt, body, signature };
    };
    // someone else's signatures over this device's id are refused and cost the device nothing
    for (let i = 0; i < 8; i++) {
      const forged = await request((i % 2 ? b : a).url)
        .post('/api/v1/devices/messages')
        .send(envelope(device, 1000 + i, neighbour));
      expect(forged.body.code).toBe('bad_envelope_signature');
    }
    const answers = [];
    for (let i = 0; i < 10; i++)
      answers.push(
        await request((i % 2 ? b : a).url)
          .post('/api/v1/devices/messages')
          .send(envelope(device, ++seq)),
      );
    expect(answers.map((r) => r.status)).toEqual([...Array(6).fill(200), ...Array(4).fill(429)]);
    for (const r of answers.slice(6)) expectRateLimited(r, 6);
    expect(answers[6].body.detail).toContain('device.messages');
    // the refused ones were never taken: six heartbeats kept, the device's seq at 6
    const ds = a.app.get(DataSource);
    const address = device.address.toLowerCase();
    expect((await ds.query('SELECT count(*)::int AS n FROM device_heartbeats WHERE device = $1', [address]))[0].n).toBe(6);
    expect(Number((await ds.query('SELECT last_seq FROM devices WHERE address = $1', [address]))[0].last_seq)).toBe(6);
    // another device has its own budget
    await request(b.url).post('/api/v1/devices/messages').send(envelope(neighbour, 1)).expect(200);
  });

  it('gives a scanner one budget of scans across both instances, online scans and offline uploads alike', async () => {
    const venue = (await request(a.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)).body as { gates: { id: string }[] };
    const [gate, other] = venue.gates;
    const steward = (n: number) =>
      a.tokenFor({ subject: `0x${n.toString(16).padStart(40, '0')}`, kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] }).then((t) => `Bearer ${t}`);
    const scanner = await steward(0x5ca1);
    const scan = (api: RunningApp, auth: string, gateId = gate.id) =>
      request(api.url).post(`/api/v1/gates/${gateId}/scans`).set('authorization', auth).send({ code: 'not-a-ticket' });
    const upload = (api: RunningApp, auth: string) =>
      request(api.url)
        .post(`/api/v1/gates/${other.id}/offline-scans`)
        .set('authorization', auth)
        .send({ scans: [{ code: 'not-a-ticket', scannedAt: new Date().toISOString() }] });
    const answers = [await scan(a, scanner), await scan(b, scanner), await upload(a, scanner), await scan(b, scanner, other.id), await scan(a, scanner), await upload(b, scanner)];
    // the first four were read and answered (a malformed code is a deny, not an error); the rest are refused on either instance
    expect(answers.slice(0, 4).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(answers[0].body).toMatchObject({ decision: 'deny', reason: 'malformed_code' });
    for (const r of answers.slice(4)) expectRateLimited(r, 4);
    expect(answers[4].body.detail).toContain('gate.scans');
    // the budget is the scanner's, not the client address's nor the gate's: another steward at the same gates scans on
    const colleague = await steward(0x5ca2);
    expect((await scan(b, colleague)).status).toBe(200);
    expect((await upload(a, colleague)).status).toBe(200);
  });

  it('ends a family everywhere: a refresh race on both instances leaves no working token on either, within seconds', async () => {
    const fan = await signIn(a.url);
    const results = await Promise.all([a, b, a].map((api) => request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: fan.refreshToken })));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    const { accessToken, refreshToken } = won[0].body;
    for (const api of [a, b]) {
      await expect
        .poll(async () => (await request(api.url).get('/api/v1/auth/me').set('authorization', `Bearer ${accessToken}`)).status, { timeout: 5000, interval: 100 })
        .toBe(401);
      expect((await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken })).status).toBe(401);
    }
  });
});
