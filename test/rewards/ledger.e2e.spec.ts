import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionDirectory } from '@fanmesh/directory';
import type { DomainEvent } from '@fanmesh/events';
import { RewardEventsService, RewardsService } from '@fanmesh/rewards';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';
import { WsClient } from '../support/ws-client';

const STEWARD = '0x00000000000000000000000000000000000057e1';

/** Small pools, so caps and pool exhaustion show with a handful of fans. */
const POOLS = [
  { kind: 'admission', perUnit: '10', accountCap: '10', pool: '50' },
  { kind: 'verification', perUnit: '3', accountCap: '7', pool: '1000' },
  { kind: 'moment', perUnit: '2', accountCap: '4', pool: '1000' },
  { kind: 'witness', perUnit: '1', accountCap: '5', pool: '100' },
  { kind: 'coverage', perUnit: '0', accountCap: '100', pool: '100' },
  { kind: 'sensing', perUnit: '1', accountCap: '5', pool: '100' },
  { kind: 'drop', perUnit: '0', accountCap: '100', pool: '100' },
];

describe('the rewards ledger', () => {
  let a: RunningApp;
  let b: RunningApp;
  let admin: string;
  let staff: string;
  let steward: string;
  let eventId: string;
  let tickets: IssuedTicket[];
  let gateId: string;
  let fanWs: WsClient;
  let staffWs: WsClient;

  const me = async (holder: string) =>
    (
      await request(a.url)
        .get('/api/v1/rewards/me')
        .set('authorization', `Bearer ${await a.tokenFor({ subject: holder, kind: 'account', roles: ['fan'] })}`)
        .expect(200)
    ).body;
  const ledger = async () => {
    const ds = a.app.get(DataSource);
    const [row] = await ds.query(`SELECT count(*)::int AS n, coalesce(sum(amount), 0)::text AS total FROM reward_entries WHERE event_id = $1`, [eventId]);
    return row as { n: number; total: string };
  };
  const until = async <T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (ok(v) || Date.now() > deadline) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('rewards-ledger');
    a = await startApp('rewards-ledger-a', { databaseUrl });
    b = await startApp('rewards-ledger-b', { databaseUrl });
    admin = `Bearer ${await a.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await a.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    steward = `Bearer ${await a.tokenFor({ subject: STEWARD, kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const venue = (await request(a.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
    gateId = venue.gates.find((g: { code: string }) => g.code === 'N-A').id;
    eventId = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Rewards night');
    tickets = await issueTickets(a.url, admin, eventId, 8, ['N101', 'N102']);
  });
  afterAll(async () => {
    fanWs?.close();
    staffWs?.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('shows the default pools of an event, and lets an admin change them before the gates open', async () => {
    const defaults = (await request(a.url).get(`/api/v1/events/${eventId}/reward-pools`).expect(200)).body;
    expect(defaults.frozen).toBe(false);
    expect(defaults.pools.map((p: { kind: string }) => p.kind).sort()).toEqual(['admission', 'coverage', 'drop', 'moment', 'sensing', 'verification', 'witness']);
    const set = await request(a.url).put(`/api/v1/events/${eventId}/reward-pools`).set('authorization', admin).send({ pools: POOLS }).expect(200);
    expect(set.body.pools.find((p: { kind: string }) => p.kind === 'admission')).toMatchObject({ perUnit: '10', accountCap: '10', pool: '50', remaining: '50', paid: '0' });
  });

  it('refuses bad pool configurations with a code and changes nothing', async () => {
    const bad = [
      { body: { pools: POOLS, extra: 1 }, code: 'validation_failed' },
      { body: { pools: [{ ...POOLS[0], perUnit: '-1' }, ...POOLS.slice(1)] }, code: 'validation_failed' },
      { body: { pools: [{ ...POOLS[0], perUnit: 10 }, ...POOLS.slice(1)] }, code: 'validation_failed' },
      { body: { pools: POOLS.slice(1) }, code: 'bad_pool' },
      { body: { pools: [POOLS[0], POOLS[0], ...POOLS.slice(2)] }, code: 'bad_pool' },
      { body: { pools: [{ ...POOLS[0], accountCap: '60' }, ...POOLS.slice(1)] }, code: 'bad_pool' },
    ];
    for (const { body, code } of bad) {
      const res = await request(a.url).put(`/api/v1/events/${eventId}/reward-pools`).set('authorization', admin).send(body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
    }
    const after = (await request(a.url).get(`/api/v1/events/${eventId}/reward-pools`).expect(200)).body;
    expect(after.pools.find((p: { kind: string }) => p.kind === 'admission').pool).toBe('50');
    await request(a.url)
      .get(`/api/v1/events/${randomUUID()}/reward-pools`)
      .expect(404)
      .expect((r) => expect(r.body.code).toBe('event_not_found'));
    await request(a.url)
      .post(`/api/v1/events/${eventId}/epochs/close`)
      .set('authorization', staff)
      .send({})
      .expect(409)
      .expect((r) => expect(r.body.code).toBe('event_not_ended'));
  });

  it('pays admissions and stewards live, within the pool and the caps, pushing each fan’s balance and batched staff totals', async () => {
    await openGates(a.url, admin, eventId);
    const frozen = await request(a.url).put(`/api/v1/events/${eventId}/reward-pools`).set('authorization', admin).send({ pools: POOLS }).expect(409);
    expect(frozen.body.code).toBe('pools_frozen');

    const fan0 = tickets[0].holder;
    fanWs = await WsClient.connect(a.url, await a.tokenFor({ subject: fan0, kind: 'account', roles: ['fan'] }));
    await fanWs.subscribe(`fan:${fan0}`);
    staffWs = await WsClient.connect(a.url, await a.tokenFor(staffPrincipal(DEMO_VENUE_ID)));
    await staffWs.subscribe(`staff:${DEMO_VENUE_ID}`);

    for (const t of tickets.slice(0, 7)) {
      const res = await request(a.url)
        .post(`/api/v1/gates/${gateId}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(t, t.wallet) })
        .expect(200);
      expect(res.body.decision).toBe('admit');
    }
    // 7 admissions and 7 verifications are 14 entries
    const l = await until(ledger, (v) => v.n === 14);
    expect(l.n).toBe(14);
    // admissions: 10 each until the 50 pool ran out; the steward: 3 + 3 + 1 (cap 7), then 0
    expect(l.total).toBe(String(50 + 7));
    expect((await me(fan0)).balance).toBe('10');
    expect((await me(STEWARD)).balance).toBe('7');
    const paidFans = await Promise.all(tickets.slice(0, 7).map(async (t) => (await me(t.holder)).balance));
    expect(paidFans.filter((x) => x === '10')).toHaveLength(5);
    expect(paidFans.filter((x) => x === '0')).toHaveLength(2);
    const stewardEntries = (await me(STEWARD)).entries;
    expect(stewardEntries.every((e: { kind: string; reason: string }) => e.kind === 'verification' && e.reason.length > 0)).toBe(true);

    const credited = await fanWs.next((f) => f.type === 'message' && (f.data as { type: string }).type === 'rewards.credited');
    expect(credited.data).toMatchObject({ type: 'rewards.credited', eventId, kind: 'admission', amount: '10', balance: '10', reason: 'checked in at the gate' });

    const totals = await staffWs.next(
      (f) =>
        f.type === 'message' &&
        (f.data as { type: string; eventId?: string }).type === 'rewards.totals' &&
        (f.data as { byKind: { admission: { paid: string } } }).byKind.admission.paid === '50',
      8000,
    );
    expect((totals.data as { byKind: Record<string, { paid: string }> }).byKind.verification.paid).toBe('7');
    // per second, not per entry
    const totalsFrames = staffWs.messages(`staff:${DEMO_VENUE_ID}`).filter((f) => (f.data as { type: string }).type === 'rewards.totals');
    expect(totalsFrames.length).toBeLessThan(14);
  });

  it('pays nothing twice when the same admissions are redelivered to the consumer and replayed by hand on two instances at once', async () => {
    const before = await ledger();
    const ra = a.app.get(RewardsService);
    const rb = b.app.get(RewardsService);
    const list = await a.app.get(AdmissionDirectory).fans(eventId);
    expect(list.every((x) => x.steward === STEWARD)).toBe(true);
    const facts = list.map((x) => ({ type: 'admission' as const, eventId, admissionId: x.admissionId, holder: x.holder, steward: x.steward }));
    expect(facts).toHaveLength(7);
    // A replayed delivery: the consumer handed the same access.admitted events again, on either instance.
    const events: DomainEvent<'access.admitted'>[] = list.map((x, i) => ({
      id: String(i + 1),
      name: 'access.admitted',
      createdAt: new Date(),
      payload: {
        admissionId: x.admissionId,
        ticketId: x.ticketId,
        eventId,
        venueId: DEMO_VENUE_ID,
        gateId: x.gateId,
        section: x.section,
        holder: x.holder,
        steward: x.steward,
        mode: 'online',
        at: new Date(x.admittedAt).toISOString(),
      },
    }));
    const redeliver = (api: RunningApp) => api.app.get(DataSource).transaction((tx) => api.app.get(RewardEventsService).onEvents(events, { tx, afterCommit: () => undefined }));
    const results = await Promise.all([redeliver(a), redeliver(b), ra.record(facts), rb.record(facts), rb.record(facts.slice().reverse())]);
    expect(results.slice(2)).toEqual([
      { entries: 0, paid: 0n },
      { entries: 0, paid: 0n },
      { entries: 0, paid: 0n },
    ]);
    expect(await ledger()).toEqual(before);
  });

  it('holds a pool with two instances writing different causes at the same moment', async () => {
    const ra = a.app.get(RewardsService);
    const rb = b.app.get(RewardsService);
    const other = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Race night');
    await request(a.url)
      .put(`/api/v1/events/${other}/reward-pools`)
      .set('authorization', admin)
      .send({ pools: POOLS.map((p) => (p.kind === 'admission' ? { ...p, pool: '95' } : p)) })
      .expect(200);
    // (its gates stay shut: the venue's "Rewards night" has them open, and one venue holds one open event at a time; the ledger does not ask)
    const fact = (i: number) => ({ type: 'admission' as const, eventId: other, admissionId: randomUUID(), holder: `0x${(i + 1).toString(16).padStart(40, '0')}`, steward: null });
    const facts = Array.from({ length: 40 }, (_, i) => fact(i));
    await Promise.all(facts.map((f, i) => (i % 2 ? ra : rb).record([f])));
    const totals = (await request(a.url).get(`/api/v1/events/${other}/reward-totals`).set('authorization', staff).expect(200)).body;
    const admission = totals.byKind.find((k: { kind: string }) => k.kind === 'admission');
    // 9 full admissions and one clipped to the last 5: exactly the pool, whatever the interleaving
    expect(admission).toMatchObject({ paid: '95', remaining: '0', entries: 40 });
    const ds = a.app.get(DataSource);
    const [{ total }] = await ds.query(`SELECT sum(amount)::text AS total FROM reward_entries WHERE event_id = $1`, [other]);
    expect(total).toBe('95');
  });

  it('pays moment presence to the fans admitted when it happened, within the per-account cap, once', async () => {
    const rewards = a.app.get(RewardsService);
    const before = (await me(tickets[0].holder)).balance;
    const early = { momentId: randomUUID(), eventId, venueId: DEMO_VENUE_ID, at: new Date(Date.now() - 3_600_000).toISOString() };
    await rewards.momentConfirmed(early);
    expect((await me(tickets[0].holder)).balance).toBe(before); // nobody was in an hour ago
    const moments = Array.from({ length: 3 }, () => ({ momentId: randomUUID(), eventId, venueId: DEMO_VENUE_ID, at: new Date().toISOString() }));
    for (const m of moments) await rewards.momentConfirmed(m);
    await rewards.momentConfirmed(moments[0]); // replay
    // 2 per moment, cap 4: the third moment pays 0
    expect((await me(tickets[0].holder)).balance).toBe(String(Number(before) + 4));
    expect((await me(tickets[7].holder)).balance).toBe('0'); // never admitted
    const ds = a.app.get(DataSource);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM reward_entries WHERE kind = 'moment' AND event_id = $1`, [eventId]);
    expect(n).toBe(7 * 3);
  });
});
