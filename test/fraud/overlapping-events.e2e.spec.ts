import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '@fanmesh/common';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { IssuedTicket, issueTickets, qrFor } from '../support/tickets';

const FAN = 10n ** 18n;
const HOUR = 3600_000;

/**
 * Issue 23, property 5: one fan, one place at a time. The attack: a fan admitted at two overlapping
 * events (of one venue, or of two) is paid twice. The rule: a venue never holds two events whose
 * windows overlap, nor two with open gates at once, and a holder in at one event is refused at any
 * other event whose window overlaps it.
 */
describe('fraud: one fan, one place at a time', () => {
  let api: RunningApp;
  let admin: string;
  let steward: string;
  let awayVenue: string;
  let demoGate: string;
  let awayGate: string;

  const at = (hoursFromBase: number) => new Date(Date.UTC(2031, 2, 1, 2) + hoursFromBase * HOUR).toISOString();
  const newEvent = (venueId: string, name: string, startsAt: string, endsAt?: string) =>
    request(api.url)
      .post('/api/v1/events')
      .set('authorization', admin)
      .send({ venueId, name, startsAt, ...(endsAt ? { endsAt } : {}) });
  const move = (eventId: string, to: string) => request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to });
  const scan = (gateId: string, t: IssuedTicket) =>
    request(api.url)
      .post(`/api/v1/gates/${gateId}/scans`)
      .set('authorization', steward)
      .send({ code: qrFor(t, t.wallet) })
      .expect(200);
  /** The FAN an account earned at an event (the ledger's own sum), once the ledger has caught up. */
  const earned = async (eventId: string, account: string): Promise<bigint> => {
    const [{ total }] = await api.app
      .get(DataSource)
      .query(`SELECT coalesce(sum(amount), 0)::text AS total FROM reward_entries WHERE event_id = $1 AND account = $2`, [eventId, account.toLowerCase()]);
    return BigInt(total);
  };
  const ledgerHas = async (eventId: string, n: number) => {
    const ds = api.app.get(DataSource);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const [{ c }] = await ds.query(`SELECT count(*)::int AS c FROM reward_entries WHERE event_id = $1 AND kind = 'admission'`, [eventId]);
      if (c >= n) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    api = await startApp('fraud-overlap');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const stewardPrincipal: Principal = { subject: '0x00000000000000000000000000000000000057e9', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] };
    const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)).body;
    demoGate = venue.gates.find((g: { code: string }) => g.code === 'N-A').id;
    const away = (
      await request(api.url)
        .post('/api/v1/venues')
        .set('authorization', admin)
        .send({
          name: 'Harbour Park',
          city: 'Porto',
          timezone: 'Europe/Lisbon',
          sections: [{ code: 'H1', name: 'Block H1', stand: 'north', tier: 1, capacity: 100 }],
          gates: [{ code: 'H-A', name: 'Harbour gate A', sectionCodes: ['H1'] }],
        })
        .expect(201)
    ).body;
    awayVenue = away.id;
    awayGate = away.gates[0].id;
    stewardPrincipal.roles.push(`steward@${awayVenue}`);
    steward = `Bearer ${await api.tokenFor(stewardPrincipal)}`;
  });
  afterAll(() => api?.close());

  it('refuses a second event whose window overlaps another of the venue (409 event_overlaps naming it), and takes one that does not', async () => {
    const first = (await newEvent(DEMO_VENUE_ID, 'Evening match', at(0), at(3)).expect(201)).body;
    expect(first).toMatchObject({ startsAt: at(0), endsAt: at(3) });
    const clash = await newEvent(DEMO_VENUE_ID, 'Overlapping match', at(2)).expect(409);
    expect(clash.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(clash.body).toMatchObject({ code: 'event_overlaps', eventId: first.id, name: 'Evening match', startsAt: at(0), endsAt: at(3) });
    // the default window is three hours: a match starting one hour before also overlaps
    expect((await newEvent(DEMO_VENUE_ID, 'Early clash', at(-1)).expect(409)).body.eventId).toBe(first.id);
    // back to back is fine, and so is the same time at another venue
    const next = (await newEvent(DEMO_VENUE_ID, 'Late match', at(3)).expect(201)).body;
    expect(next.endsAt).toBe(at(6));
    await newEvent(awayVenue, 'Away match', at(1)).expect(201);
    // a cancelled event frees its slot
    await move(next.id, 'cancelled').expect(200);
    await newEvent(DEMO_VENUE_ID, 'Rescheduled late match', at(4)).expect(201);
    // a window that ends before it starts, or lasts more than a week, is 422
    expect((await newEvent(DEMO_VENUE_ID, 'Backwards', at(30), at(29)).expect(422)).body.code).toBe('bad_event_window');
    expect((await newEvent(DEMO_VENUE_ID, 'Forever', at(30), at(30 + 8 * 24)).expect(422)).body.code).toBe('bad_event_window');
  });

  it('refuses two concurrent creations of one slot: exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => newEvent(DEMO_VENUE_ID, `Race ${i}`, at(100))));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it('refuses to open the gates of a second event of the venue while one is open or live (409 event_overlaps naming it)', async () => {
    const a = (await newEvent(DEMO_VENUE_ID, 'Open first', at(200)).expect(201)).body;
    const b = (await newEvent(DEMO_VENUE_ID, 'Open second', at(204)).expect(201)).body;
    await move(a.id, 'gates_open').expect(200);
    const refused = await move(b.id, 'gates_open').expect(409);
    expect(refused.body).toMatchObject({ code: 'event_overlaps', eventId: a.id, name: 'Open first', status: 'gates_open' });
    await move(a.id, 'live').expect(200);
    expect((await move(b.id, 'gates_open').expect(409)).body).toMatchObject({ eventId: a.id, status: 'live' });
    // two staff opening both at once on a quiet venue: one of them only
    await move(a.id, 'ended').expect(200);
    const c = (await newEvent(DEMO_VENUE_ID, 'Open third', at(208)).expect(201)).body;
    const both = await Promise.all([move(b.id, 'gates_open'), move(c.id, 'gates_open')]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const [open] = both.filter((r) => r.status === 200);
    await move(open.body.id, 'cancelled').expect(200);
  });

  it('attack: a fan in at one match is refused at an overlapping match at another venue (admitted_elsewhere) and earns nothing there; an honest fan there is paid', async () => {
    const home = (await newEvent(DEMO_VENUE_ID, 'Home match', at(300)).expect(201)).body.id;
    const away = (await newEvent(awayVenue, 'Away match, same evening', at(301)).expect(201)).body.id;
    const [attackerHome, honestHome] = await issueTickets(api.url, admin, home, 2, ['N101']);
    const attackerAway = (
      await request(api.url)
        .post(`/api/v1/events/${away}/tickets`)
        .set('authorization', admin)
        .send({ tickets: [{ holder: attackerHome.holder, section: 'H1', seat: '99', tier: 'standard' }] })
        .expect(201)
    ).body.tickets[0];
    const [honestAway] = await issueTickets(api.url, admin, away, 1, ['H1']);
    await move(home, 'gates_open').expect(200);
    await move(away, 'gates_open').expect(200);

    expect((await scan(demoGate, attackerHome)).body.decision).toBe('admit');
    expect((await scan(demoGate, honestHome)).body.decision).toBe('admit');
    const refused = await scan(awayGate, { ...attackerAway, wallet: attackerHome.wallet });
    expect(refused.body).toMatchObject({ decision: 'deny', reason: 'admitted_elsewhere', ticketId: attackerAway.id });
    expect((await scan(awayGate, honestAway)).body.decision).toBe('admit');
    // an offline upload of the same code is refused for the same reason
    const offline = await request(api.url)
      .post(`/api/v1/gates/${awayGate}/offline-scans`)
      .set('authorization', steward)
      .send({ scans: [{ code: qrFor(attackerAway, attackerHome.wallet), scannedAt: new Date().toISOString() }] })
      .expect(200);
    expect(offline.body.results[0]).toMatchObject({ result: 'rejected', reason: 'admitted_elsewhere' });

    await ledgerHas(home, 2);
    await ledgerHas(away, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await earned(home, attackerHome.holder)).toBe(10n * FAN);
    expect(await earned(away, attackerHome.holder)).toBe(0n);
    expect(await earned(home, honestHome.holder)).toBe(10n * FAN);
    expect(await earned(away, honestAway.holder)).toBe(10n * FAN);
    const [{ n }] = await api.app.get(DataSource).query(`SELECT count(*)::int AS n FROM admissions WHERE event_id = $1`, [away]);
    expect(n).toBe(1);
    for (const e of [home, away]) for (const to of ['live', 'ended']) await move(e, to).expect(200);
  });

  it('attack: scanned at both overlapping matches at the same moment, the fan is admitted once', async () => {
    const home = (await newEvent(DEMO_VENUE_ID, 'Home race', at(400)).expect(201)).body.id;
    const away = (await newEvent(awayVenue, 'Away race', at(400)).expect(201)).body.id;
    const fans = await issueTickets(api.url, admin, home, 8, ['N101']);
    const twins = (
      await request(api.url)
        .post(`/api/v1/events/${away}/tickets`)
        .set('authorization', admin)
        .send({ tickets: fans.map((f, i) => ({ holder: f.holder, section: 'H1', seat: String(i + 1), tier: 'standard' })) })
        .expect(201)
    ).body.tickets as IssuedTicket[];
    await move(home, 'gates_open').expect(200);
    await move(away, 'gates_open').expect(200);
    const answers = await Promise.all(fans.flatMap((f, i) => [scan(demoGate, f), scan(awayGate, { ...twins[i], wallet: f.wallet })]));
    for (let i = 0; i < fans.length; i++) {
      const pair = [answers[2 * i].body, answers[2 * i + 1].body];
      expect(pair.filter((a) => a.decision === 'admit')).toHaveLength(1);
      expect(pair.filter((a) => a.decision === 'deny')).toEqual([expect.objectContaining({ reason: 'admitted_elsewhere' })]);
    }
    await ledgerHas(home, 1);
    await new Promise((r) => setTimeout(r, 500));
    for (const f of fans) expect((await earned(home, f.holder)) + (await earned(away, f.holder))).toBe(10n * FAN);
    for (const e of [home, away]) for (const to of ['live', 'ended']) await move(e, to).expect(200);
  });

  it('honest baseline: a fan at two matches of the venue one after the other is admitted and paid at both', async () => {
    const first = (await newEvent(DEMO_VENUE_ID, 'Afternoon match', at(500)).expect(201)).body.id;
    const second = (await newEvent(DEMO_VENUE_ID, 'Evening match', at(503)).expect(201)).body.id;
    const [t1] = await issueTickets(api.url, admin, first, 1, ['N101']);
    const t2 = (
      await request(api.url)
        .post(`/api/v1/events/${second}/tickets`)
        .set('authorization', admin)
        .send({ tickets: [{ holder: t1.holder, section: 'N101', seat: '1', tier: 'standard' }] })
        .expect(201)
    ).body.tickets[0];
    await move(first, 'gates_open').expect(200);
    expect((await scan(demoGate, t1)).body.decision).toBe('admit');
    for (const to of ['live', 'ended']) await move(first, to).expect(200);
    await move(second, 'gates_open').expect(200);
    expect((await scan(demoGate, { ...t2, wallet: t1.wallet })).body.decision).toBe('admit');
    await ledgerHas(second, 1);
    expect(await earned(first, t1.holder)).toBe(10n * FAN);
    expect(await earned(second, t1.holder)).toBe(10n * FAN);
  });
});
