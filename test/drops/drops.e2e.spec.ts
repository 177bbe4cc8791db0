import { randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { MomentDirectory } from '@fanmesh/directory';
import { DropFiringService } from '@fanmesh/drops';
import { EventDispatcher } from '@fanmesh/events';
import { feedSignature } from '@fanmesh/moments';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { createEvent, openGates } from '../support/tickets';
import { WsClient } from '../support/ws-client';
import { admit, crowd, CrowdFan } from './crowd';

const ADDRESS = /0x[0-9a-f]{40}/i;

function redeemOver(agent: http.Agent, base: string, dropId: string, auth: string): Promise<{ status: number; body: { code: string } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v1/drops/${dropId}/redeem`, { method: 'POST', agent, headers: { authorization: auth } }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (c) => (text += c))
        .on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject).end();
  });
}
const minutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe('sponsor drops', () => {
  let a: RunningApp;
  let b: RunningApp;
  let admin: string;
  let staff: string;
  let eventId: string;
  let gates: { id: string; sectionCodes: string[] }[];
  const sponsors: { id: string; key: string }[] = [];
  const sockets: WsClient[] = [];
  const stewardToken = (i: number) => a.tokenFor({ subject: `0x${(0x5700 + i).toString(16).padStart(40, '0')}`, kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] });
  const fanAuth = async (f: { address: string }) => `Bearer ${await a.tokenFor({ subject: f.address, kind: 'account', roles: ['fan'] })}`;
  const asSponsor = (api: RunningApp, s: { key: string }) => ({
    get: (path: string) => request(api.url).get(`/api/v1${path}`).set('x-api-key', s.key),
    post: (path: string, body: object = {}) => request(api.url).post(`/api/v1${path}`).set('x-api-key', s.key).send(body),
    patch: (path: string, body: object) => request(api.url).patch(`/api/v1${path}`).set('x-api-key', s.key).send(body),
  });
  const dropBody = (over: Record<string, unknown> = {}) => ({
    eventId,
    content: {
      title: 'GOAL! Half-price pint',
      body: 'Show this code at any Lisbon Lager bar.',
      imageUrl: 'https://cdn.example/pint.png',
      cta: { label: 'Find a bar', url: 'https://lager.example/bars' },
    },
    reward: { kind: 'coupon' },
    trigger: { kind: 'manual' },
    inventory: 10,
    window: { startsAt: minutes(-5), endsAt: minutes(60) },
    ...over,
  });
  const codes = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
  /** Creates, loads and approves a drop; returns its id. */
  const armed = async (s: { id: string; key: string }, over: Record<string, unknown>, load?: string[]) => {
    const created = await asSponsor(a, s).post('/drops', dropBody(over)).expect(201);
    if (load)
      for (let i = 0; i < load.length; i += 5000)
        await asSponsor(a, s)
          .post(`/drops/${created.body.id}/codes`, { codes: load.slice(i, i + 5000) })
          .expect(200);
    await request(b.url).post(`/api/v1/drops/${created.body.id}/approve`).set('authorization', staff).send({ version: created.body.version }).expect(200);
    return created.body.id as string;
  };
  const listen = async (api: RunningApp, f: { address: string }) => {
    const c = await WsClient.connect(api.url, await api.tokenFor({ subject: f.address, kind: 'account', roles: ['fan'] }));
    sockets.push(c);
    expect((await c.subscribe(`fan:${f.address}`)).type).toBe('subscribed');
    return c;
  };

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('drops');
    a = await startApp('drops-a', { databaseUrl, env: { INSTANCE_ID: 'api-a' } });
    b = await startApp('drops-b', { databaseUrl, env: { INSTANCE_ID: 'api-b' } });
    admin = `Bearer ${await a.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await a.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    for (const name of ['Lisbon Lager', 'Harbour Telecom']) {
      const s = await request(a.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name }).expect(201);
      const k = await request(a.url).post(`/api/v1/sponsors/${s.body.id}/keys`).set('authorization', admin).expect(201);
      sponsors.push({ id: s.body.id, key: k.body.key });
    }
    gates = (await request(a.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)).body.gates;
    eventId = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Drops night');
    await openGates(a.url, admin, eventId);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all([a?.close(), b?.close()]);
  });

  it('fires a home-goal drop to exactly the checked-in fans of the chosen sections, within a second, once', async () => {
    const [lager] = sponsors;
    const inTarget = crowd(24, ['N101', 'N102']);
    const elsewhere = crowd(8, ['S101']);
    const notIn = crowd(6, ['N101']); // ticketed for the targeted sections, never scanned in
    await admit(a.url, admin, eventId, [...inTarget, ...elsewhere], gates, stewardToken);
    await request(a.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', admin)
      .send({ tickets: notIn.map((f, i) => ({ holder: f.address, section: f.section, seat: `x${i}`, tier: 'standard' })) })
      .expect(201);

    const dropId = await armed(lager, { trigger: { kind: 'moment', moment: 'goal', team: 'home' }, audience: { sections: ['N101', 'N102'] }, inventory: 40 }, codes(40, 'PINT'));
    const all = [...inTarget, ...elsewhere, ...notIn];
    const clients = new Map<string, WsClient>();
    for (const [i, f] of all.entries()) clients.set(f.address, await listen(i % 2 ? a : b, f));
    const sponsorSocket = await WsClient.connect(b.url, await b.tokenFor({ subject: lager.id, kind: 'sponsor', roles: [`sponsor@${DEMO_VENUE_ID}`] }));
    sockets.push(sponsorSocket);
    await sponsorSocket.subscribe(`sponsor:${lager.id}`);

    // Moments arrive through the moments context's real confirm path: the official feed webhook (HMAC-signed).
    const secret = (await request(a.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/feed-secret`).set('authorization', admin).expect(201)).body.secret as string;
    const feed = async (body: { eventId: string; ref: string; kind: string; team?: string; at: string }) => {
      const ts = String(Math.floor(Date.now() / 1000));
      return (
        await request(a.url)
          .post(`/api/v1/feeds/${DEMO_VENUE_ID}/moments`)
          .set({ 'x-fanmesh-timestamp': ts, 'x-fanmesh-signature': feedSignature(secret, ts, DEMO_VENUE_ID, body) })
          .send(body)
          .expect(200)
      ).body;
    };
    // Not this trigger: an away goal and half time fire nothing.
    await feed({ eventId, ref: 'feed-away-goal', kind: 'goal', team: 'away', at: new Date(Date.now() - 240_000).toISOString() });
    await feed({ eventId, ref: 'feed-halftime', kind: 'halftime', at: new Date(Date.now() - 150_000).toISOString() });

    const goalMsg = { eventId, ref: 'feed-home-goal', kind: 'goal', team: 'home', at: new Date().toISOString() };
    const firedAt = performance.now();
    const confirmed = await feed(goalMsg);
    expect(confirmed.moment, JSON.stringify(confirmed)).toMatchObject({ kind: 'goal', team: 'home', status: 'confirmed' });
    const arrivals = await Promise.all(
      inTarget.map(async (f) => {
        const frame = await clients.get(f.address)!.next((m) => m.type === 'message' && (m.data as { dropId?: string }).dropId === dropId, 2000);
        return { f, frame, ms: performance.now() - firedAt };
      }),
    );
    expect(Math.max(...arrivals.map((x) => x.ms))).toBeLessThan(1000);
    expect(arrivals[0].frame.data).toMatchObject({ type: 'drop.delivered', dropId, title: 'GOAL! Half-price pint', reward: { kind: 'coupon' } });
    expect(JSON.stringify(arrivals.map((x) => x.frame))).not.toMatch(/PINT-/); // the code is never pushed
    expect((await asSponsor(a, lager).get(`/drops/${dropId}`).expect(200)).body).toMatchObject({ status: 'fired' });

    // The same goal again (the feed retried, or replayed into the other instance) fires nothing more; nor does a second goal.
    await new Promise((r) => setTimeout(r, 1100)); // a new timestamp, so a new signature: a retry, not a replayed request
    expect((await feed(goalMsg)).changed).toBe(false);
    const [goal] = (await b.app.get(MomentDirectory).confirmed(eventId)).filter((m) => m.kind === 'goal' && m.team === 'home');
    expect(await b.app.get(DropFiringService).fireForMoment(goal)).toEqual([]);
    expect(await b.app.get(DropFiringService).fireForMoment({ ...goal, momentId: randomUUID() })).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    // Other contexts talk on fan channels too (rewards for being there at a goal): count drop messages only.
    const drops = (f: CrowdFan) =>
      clients
        .get(f.address)!
        .messages(`fan:${f.address}`)
        .filter((m) => (m.data as { type?: string }).type?.startsWith('drop.'));
    for (const f of [...elsewhere, ...notIn]) expect(drops(f), f.section).toEqual([]);
    for (const f of inTarget) expect(drops(f)).toHaveLength(1);

    // A phone that was offline during the goal reconnects and gets the drop from the channel's replay buffer.
    const late = await WsClient.connect(b.url, await b.tokenFor({ subject: inTarget[2].address, kind: 'account', roles: ['fan'] }));
    sockets.push(late);
    await late.subscribe(`fan:${inTarget[2].address}`, 0);
    expect(
      late
        .messages(`fan:${inTarget[2].address}`)
        .filter((m) => (m.data as { dropId?: string }).dropId === dropId)
        .map((m) => m.data),
    ).toEqual([expect.objectContaining({ type: 'drop.delivered', dropId })]);

    // The fan acknowledges, opens and redeems; the code is shown to them alone.
    const winner = inTarget[0];
    await request(b.url)
      .post(`/api/v1/drops/${dropId}/delivered`)
      .set('authorization', await fanAuth(winner))
      .expect(204);
    await request(a.url)
      .post(`/api/v1/drops/${dropId}/opened`)
      .set('authorization', await fanAuth(winner))
      .expect(204);
    const redeemed = await request(a.url)
      .post(`/api/v1/drops/${dropId}/redeem`)
      .set('authorization', await fanAuth(winner))
      .expect(200);
    expect(redeemed.body).toMatchObject({ dropId, rewardKind: 'coupon', slot: 1 });
    expect(redeemed.body.code).toMatch(/^PINT-\d{5}$/);
    const again = await request(b.url)
      .post(`/api/v1/drops/${dropId}/redeem`)
      .set('authorization', await fanAuth(winner))
      .expect(409);
    expect(again.body).toMatchObject({ code: 'limit_reached' });
    expect(again.headers['content-type']).toContain('application/problem+json');
    const outsider = await request(a.url)
      .post(`/api/v1/drops/${dropId}/redeem`)
      .set('authorization', await fanAuth(elsewhere[0]))
      .expect(403);
    expect(outsider.body.code).toBe('not_targeted');
    const mine = await request(b.url)
      .get('/api/v1/drops/mine')
      .set('authorization', await fanAuth(winner))
      .expect(200);
    expect(mine.body).toEqual([expect.objectContaining({ dropId, codes: [redeemed.body.code], rewardKind: 'coupon' })]);
    const theirs = await request(b.url)
      .get('/api/v1/drops/mine')
      .set('authorization', await fanAuth(inTarget[1]))
      .expect(200);
    expect(theirs.body).toEqual([expect.objectContaining({ dropId, codes: [] })]);

    // Analytics: aggregates by section, live on the sponsor channel, as CSV; never an address.
    const live = await sponsorSocket.next(
      (m) => m.type === 'message' && (m.data as { type: string; redeemed?: number }).type === 'drop.analytics' && (m.data as { redeemed: number }).redeemed === 1,
      4000,
    );
    expect(live.data).toMatchObject({ dropId, targeted: inTarget.length, delivered: 1, opened: 1, redeemed: 1, claimed: 1 });
    const stats = await asSponsor(b, lager).get(`/drops/${dropId}/analytics`).expect(200);
    expect(stats.body).toMatchObject({ targeted: 24, delivered: 1, opened: 1, redeemed: 1, inventory: 40, claimed: 1 });
    expect(stats.body.bySection).toEqual([
      { section: 'N101', targeted: 12, delivered: winner.section === 'N101' ? 1 : 0, opened: winner.section === 'N101' ? 1 : 0, redeemed: winner.section === 'N101' ? 1 : 0 },
      { section: 'N102', targeted: 12, delivered: winner.section === 'N102' ? 1 : 0, opened: winner.section === 'N102' ? 1 : 0, redeemed: winner.section === 'N102' ? 1 : 0 },
    ]);
    expect(stats.body.timeline.reduce((n: number, t: { redeemed: number }) => n + t.redeemed, 0)).toBe(1);
    const csv = await asSponsor(a, lager).get(`/drops/${dropId}/analytics/export`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('"scope","key","targeted","delivered","opened","redeemed"');
    expect(csv.text).toContain('"section","N101","12"');
    for (const body of [JSON.stringify(stats.body), csv.text, JSON.stringify(live)]) expect(body).not.toMatch(ADDRESS);
  });

  it('gives exactly 1,000 codes to 5,000 fans redeeming at once across two instances, never two to one fan', async () => {
    const [lager] = sponsors;
    const fans = crowd(5000, ['E101', 'E102', 'E103', 'E201', 'E202']);
    await admit(a.url, admin, eventId, fans, gates, stewardToken);
    const uploaded = codes(1000, 'SCARF');
    const dropId = await armed(
      lager,
      { audience: { sections: ['E101', 'E102', 'E103', 'E201', 'E202'] }, inventory: 1000, window: { startsAt: minutes(-2), endsAt: minutes(50) } },
      uploaded,
    );
    const fired = await asSponsor(b, lager).post(`/drops/${dropId}/fire`).expect(200);
    expect(fired.body).toEqual({ dropId, targeted: 5000 });
    expect((await asSponsor(a, lager).post(`/drops/${dropId}/fire`).expect(409)).body.code).toBe('already_fired');

    const tokens = await Promise.all(fans.map((f) => fanAuth(f)));
    // All 5,000 at once, alternating instances, over up to 200 keep-alive connections per instance
    // (5,000 fresh connections at once overflow the listen backlog of a loaded 2-core machine).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
    const results = await Promise.all(fans.map(async (f, i) => ({ fan: f.address, ...(await redeemOver(agent, (i % 2 ? a : b).url, dropId, tokens[i])) })));
    agent.destroy();
    const won = results.filter((r) => r.status === 200);
    const lost = results.filter((r) => r.status !== 200);
    expect(won).toHaveLength(1000);
    expect(new Set(won.map((r) => r.body.code)).size).toBe(1000);
    expect(new Set(won.map((r) => r.fan)).size).toBe(1000);
    expect(won.every((r) => uploaded.includes(r.body.code))).toBe(true);
    expect(lost.map((r) => `${r.status} ${r.body.code}`)).toEqual(Array(4000).fill('409 sold_out'));
    const stats = await request(a.url).get(`/api/v1/drops/${dropId}/analytics`).set('authorization', staff).expect(200);
    expect(stats.body).toMatchObject({ targeted: 5000, redeemed: 1000, claimed: 1000, inventory: 1000 });
    // The winners again, all at once on both instances: nobody gets a second code.
    const twice = await Promise.all(
      won.slice(0, 200).map(
        async (r, i) =>
          (
            await request((i % 2 ? b : a).url)
              .post(`/api/v1/drops/${dropId}/redeem`)
              .set('authorization', await fanAuth({ address: r.fan }))
          ).body.code,
      ),
    );
    expect(new Set(twice)).toEqual(new Set(['limit_reached']));
  }, 240_000);

  it('lets one fan tapping many times at once hold no more than the per-fan limit', async () => {
    const [, telecom] = sponsors;
    const fans = crowd(30, ['W101']);
    await admit(a.url, admin, eventId, fans, gates, stewardToken);
    const dropId = await armed(telecom, { reward: { kind: 'collectible', name: 'Golden scarf' }, audience: { sections: ['W101'] }, inventory: 100, perFanLimit: 2 });
    await request(a.url).post(`/api/v1/drops/${dropId}/fire`).set('authorization', staff).expect(200);
    const taps = await Promise.all(
      fans.flatMap((f) =>
        Array.from({ length: 5 }, async (_, k) => ({
          fan: f.address,
          res: await request((k % 2 ? a : b).url)
            .post(`/api/v1/drops/${dropId}/redeem`)
            .set('authorization', await fanAuth(f)),
        })),
      ),
    );
    for (const f of fans) {
      const mine = taps.filter((t) => t.fan === f.address);
      expect(
        mine
          .filter((t) => t.res.status === 200)
          .map((t) => t.res.body.slot)
          .sort(),
      ).toEqual([1, 2]);
      expect(mine.filter((t) => t.res.status !== 200).map((t) => t.res.body.code)).toEqual(['limit_reached', 'limit_reached', 'limit_reached']);
    }
    const serials = taps.filter((t) => t.res.status === 200).map((t) => t.res.body.code);
    expect(new Set(serials).size).toBe(60);
    expect(serials.every((s) => /^\d{3}\/100$/.test(s))).toBe(true);
  });

  it('keeps sponsors apart: another sponsor cannot see, edit, load, fire or read analytics of a drop, and nothing changes', async () => {
    const [lager, telecom] = sponsors;
    const created = await asSponsor(a, lager)
      .post('/drops', dropBody({ trigger: { kind: 'moment', moment: 'kickoff' } }))
      .expect(201);
    const id = created.body.id;
    const before = (await asSponsor(a, lager).get(`/drops/${id}`).expect(200)).body;
    const tries = [
      asSponsor(b, telecom).get(`/drops/${id}`),
      asSponsor(b, telecom).patch(`/drops/${id}`, { inventory: 99 }),
      asSponsor(b, telecom).post(`/drops/${id}/codes`, { codes: ['STOLEN-1'] }),
      asSponsor(b, telecom).post(`/drops/${id}/fire`),
      asSponsor(b, telecom).post(`/drops/${id}/cancel`),
      asSponsor(b, telecom).get(`/drops/${id}/analytics`),
      asSponsor(b, telecom).get(`/drops/${id}/analytics/export`),
    ];
    for (const res of await Promise.all(tries)) expect([res.status, res.body.code]).toEqual([404, 'drop_not_found']);
    expect((await asSponsor(a, lager).get(`/drops/${id}`).expect(200)).body).toEqual(before);
    // Sponsors are refused staff actions; lists hold only their own drops and never an address.
    expect((await asSponsor(a, telecom).post(`/drops/${id}/approve`)).status).toBe(403);
    const theirs = (await asSponsor(b, telecom).get('/drops').expect(200)).body as { id: string; sponsorId: string }[];
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((d) => d.sponsorId === telecom.id)).toBe(true);
    const ours = (await asSponsor(b, lager).get('/drops').expect(200)).body as { id: string; sponsorId: string }[];
    expect(ours.every((d) => d.sponsorId === lager.id)).toBe(true);
    expect(JSON.stringify([theirs, ours])).not.toMatch(ADDRESS);
    // Staff see every drop of their venue; staff of another venue see none of them.
    const venueDrops = (await request(a.url).get(`/api/v1/drops?venueId=${DEMO_VENUE_ID}`).set('authorization', staff).expect(200)).body as { id: string }[];
    expect(venueDrops.map((d) => d.id)).toEqual(expect.arrayContaining([...ours, ...theirs].map((d) => d.id)));
    const otherStaff = `Bearer ${await a.tokenFor(staffPrincipal(randomUUID()))}`;
    expect((await request(a.url).get(`/api/v1/drops/${id}`).set('authorization', otherStaff)).status).toBe(403);
    expect((await request(a.url).get(`/api/v1/drops?venueId=${DEMO_VENUE_ID}`).set('authorization', otherStaff)).status).toBe(403);
    // ... and a sponsor's socket cannot listen to another sponsor's analytics.
    const spy = await WsClient.connect(a.url, await a.tokenFor({ subject: telecom.id, kind: 'sponsor', roles: [`sponsor@${DEMO_VENUE_ID}`] }));
    sockets.push(spy);
    expect(await spy.subscribe(`sponsor:${lager.id}`)).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it('refuses bad drops with a code and changes nothing', async () => {
    const [lager] = sponsors;
    const s = asSponsor(a, lager);
    const count = async () => (await s.get('/drops').expect(200)).body.length;
    const n0 = await count();
    const refuse = async (body: object, status: number, code: string) => {
      const res = await s.post('/drops', body);
      expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([status, code]);
      expect(res.headers['content-type']).toContain('application/problem+json');
    };
    await refuse(dropBody({ inventory: 0 }), 422, 'no_inventory');
    await refuse(dropBody({ trigger: { kind: 'moment', moment: 'penalty_shootout_dance' } }), 422, 'unknown_moment_kind');
    await refuse(dropBody({ trigger: { kind: 'moment' } }), 422, 'unknown_moment_kind');
    await refuse(dropBody({ audience: { sections: ['N101', 'Z999'] } }), 422, 'unknown_section');
    await refuse(dropBody({ window: { startsAt: minutes(30), endsAt: minutes(10) } }), 422, 'bad_window');
    await refuse(dropBody({ trigger: { kind: 'time', at: minutes(120) } }), 422, 'bad_trigger');
    await refuse(dropBody({ reward: { kind: 'token' } }), 422, 'bad_reward');
    await refuse(dropBody({ reward: { kind: 'coupon', amount: '5' } }), 422, 'bad_reward');
    await refuse(dropBody({ eventId: randomUUID() }), 404, 'event_not_found');
    await refuse(dropBody({ surprise: true }), 400, 'validation_failed');
    await refuse(dropBody({ inventory: '10' }), 400, 'validation_failed');
    await refuse(dropBody({ reward: { kind: 'token', amount: '1.5' } }), 400, 'validation_failed');
    await refuse({}, 400, 'validation_failed');
    expect(await count()).toBe(n0);

    // Overlapping windows for the same trigger: the second is refused; a later window is fine.
    await s.post('/drops', dropBody({ trigger: { kind: 'moment', moment: 'fulltime' }, window: { startsAt: minutes(10), endsAt: minutes(40) } })).expect(201);
    await refuse(dropBody({ trigger: { kind: 'moment', moment: 'fulltime' }, window: { startsAt: minutes(30), endsAt: minutes(90) } }), 409, 'overlapping_window');
    await s.post('/drops', dropBody({ trigger: { kind: 'moment', moment: 'fulltime' }, window: { startsAt: minutes(40), endsAt: minutes(90) } })).expect(201);
    expect(await count()).toBe(n0 + 2);

    // Review rules: a coupon drop needs all its codes; codes never beyond the inventory; a draft does not fire.
    const draft = (await s.post('/drops', dropBody({ inventory: 3, window: { startsAt: minutes(-1), endsAt: minutes(20) } })).expect(201)).body;
    expect((await s.post(`/drops/${draft.id}/fire`).expect(409)).body.code).toBe('not_approved');
    await s.post(`/drops/${draft.id}/codes`, { codes: ['A-1', 'A-2'] }).expect(200);
    expect((await request(a.url).post(`/api/v1/drops/${draft.id}/approve`).set('authorization', staff).send({}).expect(400)).body.code).toBe('validation_failed'); // no version
    expect((await request(a.url).post(`/api/v1/drops/${draft.id}/approve`).set('authorization', staff).send({ version: draft.version }).expect(409)).body.code).toBe(
      'codes_missing',
    );
    expect((await s.post(`/drops/${draft.id}/codes`, { codes: ['A-3', 'A-4'] }).expect(422)).body.code).toBe('too_many_codes');
    expect((await s.post(`/drops/${draft.id}/codes`, { codes: ['has space'] }).expect(400)).body.code).toBe('validation_failed');
    expect((await s.get(`/drops/${draft.id}`).expect(200)).body.loaded).toBe(2);
    await s.post(`/drops/${draft.id}/codes`, { codes: ['A-2', 'A-3'] }).expect(200); // a re-sent code is stored once
    await request(a.url).post(`/api/v1/drops/${draft.id}/approve`).set('authorization', staff).send({ note: 'ok', version: draft.version }).expect(200);
    expect((await s.patch(`/drops/${draft.id}`, { inventory: 5 }).expect(409)).body.code).toBe('not_editable');
    expect((await s.get(`/drops/${draft.id}`).expect(200)).body).toMatchObject({ status: 'approved', inventory: 3, loaded: 3 });
    // Staff can send an approved drop back; after an edit it is reviewed again, and its units follow the new inventory.
    const scarves = (
      await s.post('/drops', dropBody({ reward: { kind: 'collectible', name: 'Scarf' }, inventory: 5, trigger: { kind: 'moment', moment: 'big_moment' } })).expect(201)
    ).body;
    await request(a.url).post(`/api/v1/drops/${scarves.id}/approve`).set('authorization', staff).send({ version: scarves.version }).expect(200);
    expect((await s.get(`/drops/${scarves.id}`).expect(200)).body).toMatchObject({ status: 'approved', loaded: 5 });
    expect((await request(a.url).post(`/api/v1/drops/${scarves.id}/reject`).set('authorization', staff).send({ note: 'fewer, please' }).expect(200)).body).toMatchObject({
      status: 'rejected',
      reviewNote: 'fewer, please',
    });
    const edited = (await s.patch(`/drops/${scarves.id}`, { inventory: 3 }).expect(200)).body;
    expect(edited).toMatchObject({ status: 'draft', inventory: 3, loaded: 0 });
    // A reviewer who opened the drop before an edit cannot approve what they did not see.
    const seen = edited.version;
    await s.patch(`/drops/${scarves.id}`, { content: { title: 'Scarf (now with a picture)', body: 'Tap here', imageUrl: 'https://cdn.example/other.png' } }).expect(200);
    const stale = (await request(a.url).post(`/api/v1/drops/${scarves.id}/approve`).set('authorization', staff).send({ version: seen }).expect(409)).body;
    expect(stale).toMatchObject({ code: 'drop_changed', reviewed: seen, current: seen + 1 });
    expect((await s.get(`/drops/${scarves.id}`).expect(200)).body.status).toBe('draft');
    await request(a.url)
      .post(`/api/v1/drops/${scarves.id}/approve`)
      .set('authorization', staff)
      .send({ version: seen + 1 })
      .expect(200);
    expect((await s.get(`/drops/${scarves.id}`).expect(200)).body).toMatchObject({ status: 'approved', inventory: 3, loaded: 3 });
    expect(
      (
        await request(a.url)
          .post('/api/v1/drops/not-a-uuid/redeem')
          .set('authorization', await fanAuth({ address: '0x00000000000000000000000000000000000000c3' }))
      ).body.code,
    ).toBe('validation_failed');
  });

  it('fires a time-triggered drop by itself, once, and records token bonuses for the rewards ledger with one key per unit', async () => {
    const [, telecom] = sponsors;
    const fans = crowd(12, ['S102'], (i) => (i < 4 ? 'vip' : 'standard'));
    await admit(a.url, admin, eventId, fans, gates, stewardToken);
    const at = new Date(Date.now() + 1500).toISOString();
    const dropId = await armed(telecom, {
      reward: { kind: 'token', amount: '5000000000000000000' },
      trigger: { kind: 'time', at },
      audience: { sections: ['S102'], tiers: ['vip'] },
      inventory: 3,
    });
    const vip = fans.slice(0, 4);
    const clients = await Promise.all(vip.map((f, i) => listen(i % 2 ? a : b, f)));
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'message' && (m.data as { dropId?: string }).dropId === dropId, 5000)));
    const drop = (await asSponsor(a, telecom).get(`/drops/${dropId}`).expect(200)).body;
    expect(drop).toMatchObject({ status: 'fired' });
    expect((await asSponsor(a, telecom).get(`/drops/${dropId}/analytics`).expect(200)).body.targeted).toBe(4);
    const redeemed = await Promise.all(
      vip.map(async (f) =>
        request(a.url)
          .post(`/api/v1/drops/${dropId}/redeem`)
          .set('authorization', await fanAuth(f)),
      ),
    );
    expect(redeemed.filter((r) => r.status === 200).map((r) => r.body.amount)).toEqual(['5000000000000000000', '5000000000000000000', '5000000000000000000']);
    // Each bonus is a drops.token_granted event written with its redemption, keyed per unit; the rewards ledger pays each once, on either instance.
    const grants = (await a.app.get(DataSource).query(`SELECT payload FROM domain_events WHERE name = 'drops.token_granted' AND payload->>'dropId' = $1`, [dropId])) as {
      payload: { idempotencyKey: string; amount: string };
    }[];
    expect(new Set(grants.map((g) => g.payload.idempotencyKey)).size).toBe(3);
    expect(grants.every((g) => g.payload.amount === '5000000000000000000')).toBe(true);
    await Promise.all([a.app.get(EventDispatcher).drain(), b.app.get(EventDispatcher).drain()]);
    const bonuses = async () =>
      Promise.all(
        vip.map(async (f) =>
          (
            await request(a.url)
              .get('/api/v1/rewards/me')
              .set('authorization', await fanAuth(f))
              .expect(200)
          ).body.entries.filter((e: { kind: string }) => e.kind === 'drop'),
        ),
      );
    const paid = (await bonuses()).flat();
    expect(paid).toHaveLength(3);
    expect(paid.every((e: { amount: string; reason: string }) => e.amount === '5000000000000000000' && e.reason === 'redeemed a sponsor drop')).toBe(true);
    await a.app.get(EventDispatcher).drain();
    expect((await bonuses()).flat()).toHaveLength(3);
  });
});
