import { Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfirmedMoment, MomentDirectory } from '@fanmesh/directory';
import { feedSignature } from '@fanmesh/moments';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';
import { WsClient } from '../support/ws-client';
import { eventually, Sensor } from '../sensing/sensors';
import { soundTrack } from './scene';

describe('moments: quorum candidates, staff decisions, the official feed', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let eventId: string;
  let sensors: Sensor[];
  let noisy: Sensor;
  let ds: DataSource;
  let tickets: IssuedTicket[];
  /** The `moments.confirmed` domain events of this event, in commit order: what every consumer is handed. */
  const heard = async () =>
    (
      (await ds.query(`SELECT payload FROM domain_events WHERE name = 'moments.confirmed' AND payload->>'eventId' = $1 ORDER BY xid, id`, [eventId])) as {
        payload: ConfirmedMoment;
      }[]
    ).map((r) => r.payload);

  const list = async (auth?: string) => {
    const req = request(api.url).get(`/api/v1/events/${eventId}/moments`);
    return (await (auth ? req.set('authorization', auth) : req).expect(200)).body as {
      id: string;
      status: string;
      kind: string;
      at: string;
      confirmedBy: string | null;
      attendance: number | null;
      signal?: Record<string, unknown>;
    }[];
  };
  const momentCount = async () => (await ds.query(`SELECT count(*)::int AS n FROM moments WHERE event_id = $1`, [eventId]))[0].n as number;
  /** Each sensor sends its track over [from, to]; `spiking` sensors are loud within `loud`. */
  const play = async (from: number, to: number, spiking: Sensor[], loud: [number, number][]) => {
    for (const s of [...sensors, noisy]) {
      const res = await s.send(eventId, soundTrack(from, to, spiking.includes(s) ? loud : []));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  };

  beforeAll(async () => {
    api = await startApp('moments');
    ds = api.app.get(DataSource);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Moments night');
    tickets = await issueTickets(api.url, admin, eventId, 6, ['N101']);
    await openGates(api.url, admin, eventId);
    sensors = [];
    for (const section of ['N101', 'E101', 'S101', 'W101']) sensors.push(await Sensor.pair(api, DEMO_VENUE_ID, section, { approved: true }));
    noisy = await Sensor.pair(api, DEMO_VENUE_ID, 'N102', { approved: true });
  });
  afterAll(() => api?.close());

  it('a lone noisy sensor yields no candidate however often it fires, and loses trust', async () => {
    const now = Date.now();
    // nine minutes of match in the past: the noisy sensor screams three times, alone
    await play(
      now - 540_000,
      now - 360_000,
      [noisy],
      [
        [now - 500_000, now - 497_000],
        [now - 450_000, now - 448_000],
        [now - 400_000, now - 398_000],
      ],
    );
    await new Promise((r) => setTimeout(r, 2_000)); // detection (debounced, then re-checked) has had its chances
    expect(await momentCount()).toBe(0);
    const trust = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/sensor-trust`).set('authorization', staff).expect(200)).body as {
      device: string;
      weight: number;
      disagree: number;
    }[];
    const mine = trust.find((t) => t.device === noisy.address)!;
    expect(mine.disagree).toBe(3);
    expect(mine.weight).toBe(0.5);
    expect(trust.find((t) => t.device === sensors[0].address)).toMatchObject({ weight: 1, disagree: 0 });
  });

  it('makes a candidate when independent sensors agree, live to staff; confirmed, it goes to the event channel with the attendance at that time', async () => {
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e3', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    for (const t of tickets.slice(0, 3)) {
      expect(
        (
          await request(api.url)
            .post(`/api/v1/gates/${gate.id}/scans`)
            .set('authorization', steward)
            .send({ code: qrFor(t, t.wallet) })
            .expect(200)
        ).body.decision,
      ).toBe('admit');
    }
    const staffWs = await WsClient.connect(api.url, await api.tokenFor(staffPrincipal(DEMO_VENUE_ID)));
    await staffWs.subscribe(`staff:${DEMO_VENUE_ID}`);
    const fanWs = await WsClient.connect(api.url, await api.tokenFor({ subject: tickets[0].holder.toLowerCase(), kind: 'account', roles: ['fan'] }));
    await fanWs.subscribe(`event:${eventId}`);

    await new Promise((r) => setTimeout(r, 2_500)); // the burst comes after the admissions
    const now = Date.now();
    await play(now - 60_000, now, [sensors[0], sensors[1], sensors[2]], [[now - 1_000, now]]);
    const frame = await staffWs.next((f) => f.type === 'message' && (f.data as { type: string }).type === 'moments.candidate', 5_000);
    const candidate = (frame.data as { moment: { id: string; status: string; signal: { devices: string[]; sections: string[] } } }).moment;
    expect(candidate.status).toBe('candidate');
    expect(candidate.signal.devices).toEqual([sensors[0], sensors[1], sensors[2]].map((s) => s.address).sort());
    expect(candidate.signal.sections).toEqual(['E101', 'N101', 'S101']);
    expect(await list()).toEqual([]); // the public sees confirmed moments only
    expect((await list(staff)).map((m) => m.id)).toEqual([candidate.id]);

    const res = await request(api.url).post(`/api/v1/moments/${candidate.id}/confirm`).set('authorization', staff).send({ kind: 'goal', team: 'home' }).expect(200);
    expect(res.body).toMatchObject({ id: candidate.id, status: 'confirmed', kind: 'goal', team: 'home', confirmedBy: 'staff', attendance: 3 });
    const live = await fanWs.next((f) => f.type === 'message' && (f.data as { type: string }).type === 'moments.confirmed');
    expect((live.data as { moment: ConfirmedMoment }).moment).toEqual({
      momentId: candidate.id,
      eventId,
      venueId: DEMO_VENUE_ID,
      kind: 'goal',
      team: 'home',
      at: res.body.at,
      attendance: 3,
      confirmedBy: 'staff',
    });
    expect((await heard()).map((m) => m.momentId)).toEqual([candidate.id]);
    expect(await api.app.get(MomentDirectory).confirmed(eventId)).toEqual([(live.data as { moment: ConfirmedMoment }).moment]);
    expect((await list()).map((m) => m.id)).toEqual([candidate.id]);
    // the quorum's sensors agreed, the quiet ones disagreed
    const trust = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/sensor-trust`).set('authorization', staff).expect(200)).body as {
      device: string;
      agree: number;
      disagree: number;
    }[];
    expect(trust.find((t) => t.device === sensors[0].address)).toMatchObject({ agree: 1, disagree: 0 });
    expect(trust.find((t) => t.device === sensors[3].address)).toMatchObject({ agree: 0, disagree: 1 });
    expect(trust.find((t) => t.device === noisy.address)).toMatchObject({ agree: 0, disagree: 4 }); // three lone spikes, quiet here
    staffWs.close();
    fanWs.close();
  });

  it('refuses a confirm of a rejected moment and a reject of a confirmed one, changing nothing', async () => {
    const now = Date.now();
    await play(now - 330_000, now - 250_000, [sensors[1], sensors[2], sensors[3]], [[now - 300_000, now - 298_000]]);
    const candidate = await eventually(async () => (await list(staff)).find((m) => m.status === 'candidate'), 5_000, 'a candidate');
    const otherStaff = `Bearer ${await api.tokenFor(staffPrincipal('00000000-0000-4000-8000-000000000009'))}`;
    expect((await request(api.url).post(`/api/v1/moments/${candidate.id}/confirm`).set('authorization', otherStaff).send({}).expect(403)).body.code).toBe('forbidden');
    expect((await request(api.url).post(`/api/v1/moments/${candidate.id}/reject`).set('authorization', staff).send({}).expect(400)).body.code).toBe('validation_failed');
    expect((await request(api.url).post(`/api/v1/moments/${candidate.id}/confirm`).set('authorization', staff).send({ kind: 'penalty' }).expect(400)).body.code).toBe(
      'validation_failed',
    );
    expect(
      (await request(api.url).post(`/api/v1/moments/${candidate.id}/reject`).set('authorization', staff).send({ reason: 'a drum band, not a goal' }).expect(200)).body.status,
    ).toBe('rejected');
    const refused = await request(api.url).post(`/api/v1/moments/${candidate.id}/confirm`).set('authorization', staff).send({ kind: 'goal' }).expect(409);
    expect(refused.body).toMatchObject({ code: 'moment_rejected', status: 409 });
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const confirmedId = (await list()).at(0)!.id;
    expect((await request(api.url).post(`/api/v1/moments/${confirmedId}/reject`).set('authorization', staff).send({ reason: 'changed my mind' }).expect(409)).body.code).toBe(
      'moment_confirmed',
    );
    expect((await request(api.url).post(`/api/v1/moments/${confirmedId}/confirm`).set('authorization', staff).send({}).expect(409)).body.code).toBe('moment_confirmed');
    expect((await list(staff)).map((m) => [m.id, m.status])).toEqual(
      expect.arrayContaining([
        [candidate.id, 'rejected'],
        [confirmedId, 'confirmed'],
      ]),
    );
    expect(await heard()).toHaveLength(1);
    expect((await request(api.url).post(`/api/v1/moments/00000000-0000-4000-8000-000000000000/confirm`).set('authorization', staff).send({}).expect(404)).body.code).toBe(
      'moment_not_found',
    );
    expect((await request(api.url).get(`/api/v1/moments/${candidate.id}/evidence`).expect(404)).body.code).toBe('moment_not_found');
  });

  it('takes the official feed only with a valid, fresh, unreplayed HMAC under the venue secret shown once', async () => {
    const feed = (headers: Record<string, string>, body: object) => request(api.url).post(`/api/v1/feeds/${DEMO_VENUE_ID}/moments`).set(headers).send(body);
    const sign = (secret: string, body: { eventId: string; ref: string; kind: string; team?: string; at: string }, ts = String(Math.floor(Date.now() / 1000))) => ({
      'x-fanmesh-timestamp': ts,
      'x-fanmesh-signature': feedSignature(secret, ts, DEMO_VENUE_ID, body),
    });
    const msg = { eventId, ref: 'opta-123', kind: 'halftime', at: new Date(Date.now() - 280_000).toISOString() };
    expect((await feed(sign('guess', msg), msg).expect(401)).body.code).toBe('feed_not_configured');

    await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/feed-secret`).set('authorization', staff).expect(403);
    const issued = (await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/feed-secret`).set('authorization', admin).expect(201)).body;
    expect(issued.secret).toMatch(/^fmfs_[A-Za-z0-9_-]{43}$/);
    const [stored] = await ds.query(`SELECT secret_enc FROM feed_secrets WHERE venue_id = $1`, [DEMO_VENUE_ID]);
    expect(stored.secret_enc).not.toContain(issued.secret.slice(5));

    const before = await momentCount();
    expect((await feed(sign('fmfs_wrong', msg), msg).expect(401)).body.code).toBe('bad_feed_signature');
    expect((await feed(sign(issued.secret, msg), { ...msg, kind: 'goal' }).expect(401)).body.code).toBe('bad_feed_signature'); // signed another kind
    expect((await feed({ 'x-fanmesh-timestamp': 'soon' }, msg).expect(401)).body.code).toBe('bad_feed_signature');
    expect((await feed(sign(issued.secret, msg, String(Math.floor(Date.now() / 1000) - 3600)), msg).expect(401)).body.code).toBe('stale_feed_message');
    expect((await feed(sign(issued.secret, msg), { ...msg, extra: 1 }).expect(400)).body.code).toBe('validation_failed');
    expect(await momentCount()).toBe(before);

    // nothing detected near: the feed creates the moment, confirmed
    const headers = sign(issued.secret, msg);
    const created = (await feed(headers, msg).expect(200)).body;
    expect(created).toMatchObject({ changed: true, moment: { kind: 'halftime', status: 'confirmed', confirmedBy: 'feed', source: 'feed', attendance: 0 } });
    expect((await feed(headers, msg).expect(409)).body.code).toBe('feed_replayed');
    await new Promise((r) => setTimeout(r, 1000));
    const retried = (await feed(sign(issued.secret, msg), msg).expect(200)).body; // same ref, new signature: changes nothing
    expect(retried).toMatchObject({ changed: false, moment: { id: created.moment.id } });
    expect(await momentCount()).toBe(before + 1);

    // a sensor candidate near the feed's time is confirmed by the feed, with the feed's kind
    const now = Date.now();
    // (sensor 3 lost trust: quiet at the first goal, then firing on the rejected candidate)
    await play(now - 240_000, now - 150_000, sensors, [[now - 170_000, now - 168_000]]);
    const candidate = await eventually(async () => (await list(staff)).find((m) => m.status === 'candidate'), 5_000, 'a candidate');
    const goal = { eventId, ref: 'opta-124', kind: 'goal', team: 'away', at: new Date(now - 165_000).toISOString() };
    const confirmed = (await feed(sign(issued.secret, goal), goal).expect(200)).body;
    expect(confirmed).toMatchObject({ changed: true, moment: { id: candidate.id, kind: 'goal', team: 'away', status: 'confirmed', confirmedBy: 'feed' } });
    expect((await heard()).map((m) => [m.kind, m.confirmedBy])).toEqual([
      ['goal', 'staff'],
      ['halftime', 'feed'],
      ['goal', 'feed'],
    ]);
    // an event of another venue is refused
    const venue = (
      await request(api.url)
        .post('/api/v1/venues')
        .set('authorization', admin)
        .send({ name: 'Away ground', city: 'X', timezone: 'UTC', sections: [{ code: 'A1', name: 'A1', stand: 'north', tier: 1, capacity: 100 }] })
    ).body;
    const elsewhere = await createEvent(api.url, admin, venue.id, 'Elsewhere');
    const wrong = { ...goal, ref: 'opta-999', eventId: elsewhere };
    expect((await feed(sign(issued.secret, wrong), wrong).expect(422)).body.code).toBe('event_not_at_venue');
    void Wallet;
  });
});
