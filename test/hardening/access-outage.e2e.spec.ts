import { connect, createServer, Server, Socket } from 'node:net';
import Redis from 'ioredis';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { asDomainError, toProblem } from '@fanmesh/common';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createTestDatabase, testRedisUrl } from '../support/databases';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';

/**
 * A TCP hop in front of a real Postgres or Redis: `cut()` makes the service go away for the app
 * (every open connection dropped, new ones refused), `restore()` brings it back on the same port.
 */
async function outage(target: string) {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(to.port), to.hostname);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ]) {
        sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          sockets.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    port = (server!.address() as { port: number }).port;
  };
  await listen();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cut: async () => {
      await new Promise((r) => {
        server!.close(r);
        for (const s of sockets) s.destroy();
      });
    },
    restore: listen,
  };
}

/** Issue 19, item 2: a dependency outage is a 503 naming it, with Retry-After, never a 500 `internal`. */
describe('access: scans while Postgres or Redis is away', () => {
  const apps: RunningApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close().catch(() => undefined))));

  async function gateNight(api: RunningApp, n: number): Promise<{ gateId: string; steward: string; tickets: IssuedTicket[] }> {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e1', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
    const gateId = venue.gates.find((g: { code: string }) => g.code === 'N-A').id;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Outage night');
    const tickets = await issueTickets(api.url, admin, eventId, n, ['N103']);
    await openGates(api.url, admin, eventId);
    return { gateId, steward, tickets };
  }

  it('answers 503 database_unavailable with Retry-After while Postgres is away, on scans and every other route, and admits again once it is back', async () => {
    const pg = await outage(await createTestDatabase('access-outage-pg'));
    const api = await startApp('access-outage-pg', { databaseUrl: pg.url });
    apps.push(api);
    const { gateId, steward, tickets } = await gateNight(api, 3);
    const scan = (t: IssuedTicket) =>
      request(api.url)
        .post(`/api/v1/gates/${gateId}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(t, t.wallet) });
    expect((await scan(tickets[0])).body.decision).toBe('admit'); // gate, event and tickets are now in the scan caches

    await pg.cut();
    const down = await scan(tickets[1]);
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(down.headers['retry-after']).toBe('2');
    expect(down.body).toMatchObject({ status: 503, code: 'database_unavailable', dependency: 'database', retryAfterSeconds: 2 });
    const batch = await request(api.url)
      .post(`/api/v1/gates/${gateId}/scans/batch`)
      .set('authorization', steward)
      .send({ codes: [qrFor(tickets[2], tickets[2].wallet)] });
    expect(batch.status).toBe(503);
    expect(batch.body.code).toBe('database_unavailable');
    // not only scans: any route that meets the outage
    const events = await request(api.url).get('/api/v1/events');
    expect(events.status).toBe(503);
    expect(events.body.code).toBe('database_unavailable');

    // the scanner retries after the outage: admitted, exactly once
    await pg.restore();
    let again = await scan(tickets[1]);
    for (let i = 0; i < 20 && again.status === 503; i++) {
      await new Promise((r) => setTimeout(r, Number(again.headers['retry-after']) * 100));
      again = await scan(tickets[1]);
    }
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ decision: 'admit', ticketId: tickets[1].id });
  });

  it('keeps admitting at the gate while Redis is away (scans do not need it)', async () => {
    const redis = await outage(testRedisUrl());
    const api = await startApp('access-outage-redis', { env: { REDIS_URL: redis.url } });
    apps.push(api);
    const { gateId, steward, tickets } = await gateNight(api, 3);
    const scan = (t: IssuedTicket) =>
      request(api.url)
        .post(`/api/v1/gates/${gateId}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(t, t.wallet) });
    expect((await scan(tickets[0])).body.decision).toBe('admit');

    await redis.cut();
    const during = await scan(tickets[1]);
    expect(during.status).toBe(200);
    expect(during.body).toMatchObject({ decision: 'admit', ticketId: tickets[1].id });
    expect((await scan(tickets[1])).body).toMatchObject({ decision: 'deny', reason: 'already_admitted' });
    // a revocation commits, and its cache broadcast is best effort: the admission insert re-checks the ticket
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    await request(api.url).post(`/api/v1/tickets/${tickets[2].id}/revoke`).set('authorization', admin).expect(204);
    expect((await scan(tickets[2])).body).toMatchObject({ decision: 'deny', reason: 'revoked' });
    await redis.restore();
  });

  it("maps the drivers' own connection failures to 503 problems naming the dependency", async () => {
    // ioredis with its commands refused by a Redis that is not there
    const dead = await outage(testRedisUrl());
    await dead.cut();
    const redis = new Redis(dead.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 20 });
    redis.on('error', () => undefined);
    const redisErr = await redis.get('x').catch((e: unknown) => e);
    redis.disconnect();
    // pg refused at connect, and a TypeORM query on a connection that dies under it
    const pgErr = await new Client({ connectionString: dead.url.replace(/^redis/, 'postgres') }).connect().catch((e: unknown) => e);
    const pg = await outage(await createTestDatabase('access-outage-drv'));
    const ds = await new DataSource({ type: 'postgres', url: pg.url, poolSize: 1 }).initialize();
    const cut = ds.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await pg.cut();
    const queryErr = await cut;
    await ds.destroy().catch(() => undefined);

    expect(toProblem(asDomainError(redisErr))).toMatchObject({ status: 503, code: 'redis_unavailable', dependency: 'redis', retryAfterSeconds: 2 });
    expect(toProblem(asDomainError(pgErr))).toMatchObject({ status: 503, code: 'database_unavailable', dependency: 'database' });
    expect(toProblem(asDomainError(queryErr))).toMatchObject({ status: 503, code: 'database_unavailable', dependency: 'database' });
    // and a plain bug is still an internal error, not an outage
    expect(asDomainError(new TypeError("Cannot read properties of undefined (reading 'x')")).code).toBe('internal');
  });
});
