import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainEvents, EventDispatcher } from '@fanmesh/events';
import { DEMO_EVENT_ID, DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, fanPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';

const PROBLEM = /^application\/problem\+json/;

describe('venues and events API on Postgres and Redis', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let fan: string;

  beforeAll(async () => {
    api = await startApp('venues');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    fan = `Bearer ${await api.tokenFor(fanPrincipal)}`;
  });
  afterAll(() => api?.close());

  it('seeds the 60,000-seat demo venue with its sections and gates', async () => {
    const res = await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200);
    expect(res.body.capacity).toBe(60_000);
    expect(res.body.sections).toHaveLength(40);
    expect(res.body.gates).toHaveLength(8);
    const known = new Set(res.body.sections.map((s: { code: string }) => s.code));
    for (const gate of res.body.gates) for (const code of gate.sectionCodes) expect(known.has(code)).toBe(true);
    for (const s of res.body.sections) for (const n of s.neighbours) expect(known.has(n)).toBe(true);
  });

  it('lists the demo event publicly', async () => {
    const res = await request(api.url).get('/api/v1/events').expect(200);
    expect(res.body.map((e: { id: string }) => e.id)).toContain(DEMO_EVENT_ID);
  });

  it('lets an admin create a venue with sections and gates, and reads it back', async () => {
    const res = await request(api.url)
      .post('/api/v1/venues')
      .set('authorization', admin)
      .send({
        name: 'Riverside Ground',
        city: 'Porto',
        timezone: 'Europe/Lisbon',
        sections: [
          { code: 'A1', name: 'Block A1', stand: 'north', tier: 1, capacity: 800, neighbours: ['A2'] },
          { code: 'A2', name: 'Block A2', stand: 'north', tier: 1, capacity: 700, neighbours: ['A1'] },
        ],
        gates: [{ code: 'G1', name: 'Gate 1', sectionCodes: ['A1', 'A2'] }],
      })
      .expect(201);
    expect(res.body).toMatchObject({ name: 'Riverside Ground', capacity: 1500 });
    const again = await request(api.url).get(`/api/v1/venues/${res.body.id}`).expect(200);
    expect(again.body.gates[0].sectionCodes).toEqual(['A1', 'A2']);
  });

  it('refuses a gate naming a section the venue does not have, and creates nothing', async () => {
    const before = (await request(api.url).get('/api/v1/venues')).body.length;
    const res = await request(api.url)
      .post('/api/v1/venues')
      .set('authorization', admin)
      .send({ name: 'Bad', city: 'X', timezone: 'UTC', sections: [], gates: [{ code: 'G1', name: 'Gate', sectionCodes: ['Z9'] }] })
      .expect(422);
    expect(res.body.code).toBe('unknown_section');
    expect((await request(api.url).get('/api/v1/venues')).body.length).toBe(before);
  });

  it('refuses a duplicate section code added later with a 409', async () => {
    const res = await request(api.url)
      .post(`/api/v1/venues/${DEMO_VENUE_ID}/sections`)
      .set('authorization', admin)
      .send({ sections: [{ code: 'N101', name: 'Again', stand: 'north', tier: 1, capacity: 10 }] })
      .expect(409);
    expect(res.body.code).toBe('duplicate_code');
  });

  it('moves an event through its whole lifecycle and refuses a wrong transition with a 409 and the reason', async () => {
    const created = await request(api.url)
      .post('/api/v1/events')
      .set('authorization', staff)
      .send({ venueId: DEMO_VENUE_ID, name: 'Cup tie', startsAt: '2030-06-01T03:00:00Z' })
      .expect(201);
    const id = created.body.id;
    expect(created.body.status).toBe('scheduled');

    const wrong = await request(api.url).post(`/api/v1/events/${id}/transitions`).set('authorization', staff).send({ to: 'live' }).expect(409);
    expect(wrong.headers['content-type']).toMatch(PROBLEM);
    expect(wrong.body).toMatchObject({ code: 'bad_transition', from: 'scheduled', to: 'live', allowed: ['gates_open', 'cancelled'] });

    for (const to of ['gates_open', 'live', 'ended', 'settled']) {
      const res = await request(api.url).post(`/api/v1/events/${id}/transitions`).set('authorization', staff).send({ to }).expect(200);
      expect(res.body.status).toBe(to);
    }
    const after = await request(api.url).post(`/api/v1/events/${id}/transitions`).set('authorization', admin).send({ to: 'live' }).expect(409);
    expect(after.body.allowed).toEqual([]);
  });

  it('lets exactly one of two concurrent transitions win', async () => {
    const { body: ev } = await request(api.url)
      .post('/api/v1/events')
      .set('authorization', admin)
      .send({ venueId: DEMO_VENUE_ID, name: 'Race', startsAt: '2030-06-02T03:00:00Z' })
      .expect(201);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => request(api.url).post(`/api/v1/events/${ev.id}/transitions`).set('authorization', staff).send({ to: 'gates_open' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
    const final = await request(api.url).get(`/api/v1/events/${ev.id}`).expect(200);
    expect(final.body).toMatchObject({ status: 'gates_open', version: 2 });
    // one event at a time at a venue: this match ends before the next test opens another
    for (const to of ['live', 'ended']) await request(api.url).post(`/api/v1/events/${ev.id}/transitions`).set('authorization', staff).send({ to }).expect(200);
  });

  it('writes venues.event_status_changed with each move, and settles an ended event once rewards.epoch_settled arrives (twice is fine)', async () => {
    const { body: ev } = await request(api.url)
      .post('/api/v1/events')
      .set('authorization', staff)
      .send({ venueId: DEMO_VENUE_ID, name: 'Settles', startsAt: '2030-06-04T03:00:00Z' })
      .expect(201);
    for (const to of ['gates_open', 'live', 'ended']) await request(api.url).post(`/api/v1/events/${ev.id}/transitions`).set('authorization', staff).send({ to }).expect(200);
    const ds = api.app.get(DataSource);
    const moves = await ds.query(`SELECT payload FROM domain_events WHERE name = 'venues.event_status_changed' AND payload->>'eventId' = $1 ORDER BY id`, [ev.id]);
    expect(moves.map((m: { payload: { from: string; to: string; version: number } }) => [m.payload.from, m.payload.to, m.payload.version])).toEqual([
      ['scheduled', 'gates_open', 2],
      ['gates_open', 'live', 3],
      ['live', 'ended', 4],
    ]);
    const settled = { epochId: '1', eventId: ev.id, at: new Date().toISOString() };
    const events = api.app.get(DomainEvents);
    await ds.transaction((tx) => events.emit(tx, 'rewards.epoch_settled', settled));
    await ds.transaction((tx) => events.emit(tx, 'rewards.epoch_settled', settled));
    await api.app.get(EventDispatcher).drain();
    const after = await request(api.url).get(`/api/v1/events/${ev.id}`).expect(200);
    expect(after.body).toMatchObject({ status: 'settled', version: 5 });
    const log = await ds.query(`SELECT to_status, actor FROM event_transitions WHERE event_id = $1 ORDER BY id`, [ev.id]);
    expect(log.at(-1)).toEqual({ to_status: 'settled', actor: 'system:rewards' });
    expect(log.filter((l: { to_status: string }) => l.to_status === 'settled')).toHaveLength(1);
  });

  it('refuses a stale expectedVersion', async () => {
    const { body: ev } = await request(api.url)
      .post('/api/v1/events')
      .set('authorization', admin)
      .send({ venueId: DEMO_VENUE_ID, name: 'Stale', startsAt: '2030-06-03T03:00:00Z' })
      .expect(201);
    const res = await request(api.url).post(`/api/v1/events/${ev.id}/transitions`).set('authorization', staff).send({ to: 'gates_open', expectedVersion: 7 }).expect(409);
    expect(res.body.version).toBe(1);
  });

  describe('roles', () => {
    it('refuses writes without a token (401) and with the wrong role (403)', async () => {
      const body = { name: 'X', city: 'Y', timezone: 'UTC' };
      const anon = await request(api.url).post('/api/v1/venues').send(body).expect(401);
      expect(anon.body.code).toBe('unauthenticated');
      const asFan = await request(api.url).post('/api/v1/venues').set('authorization', fan).send(body).expect(403);
      expect(asFan.body.code).toBe('forbidden');
      await request(api.url).post('/api/v1/venues').set('authorization', staff).send(body).expect(403);
    });

    it('refuses a forged or malformed token', async () => {
      const forged = admin.slice(0, -4) + (admin.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect((await request(api.url).get('/api/v1/venues').set('authorization', forged).expect(401)).body.code).toBe('unauthenticated');
      await request(api.url).get('/api/v1/venues').set('authorization', 'Basic abc').expect(401);
    });
  });

  describe('bad input gets a 4xx problem+json on every route', () => {
    const writeRoutes = () => [
      { path: '/api/v1/venues', auth: admin },
      { path: `/api/v1/venues/${DEMO_VENUE_ID}/sections`, auth: admin },
      { path: `/api/v1/venues/${DEMO_VENUE_ID}/gates`, auth: admin },
      { path: '/api/v1/events', auth: admin },
      { path: `/api/v1/events/${DEMO_EVENT_ID}/transitions`, auth: admin },
    ];

    it('malformed JSON → 400 malformed_json', async () => {
      for (const r of writeRoutes()) {
        const res = await request(api.url).post(r.path).set('authorization', r.auth).set('content-type', 'application/json').send('{"name":');
        expect(res.status, r.path).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body.code).toBe('malformed_json');
      }
    });

    it('wrong types → 400 validation_failed naming the field', async () => {
      const bodies: Record<string, object> = {
        '/api/v1/venues': { name: 42, city: 'X', timezone: 'UTC' },
        sections: { sections: [{ code: 'Q1', name: 'Q', stand: 'up', tier: 'one', capacity: -1 }] },
        gates: { gates: [{ code: 'Q1', name: 'Q', sectionCodes: 'N101' }] },
        '/api/v1/events': { venueId: 'not-a-uuid', name: 'E', startsAt: 'tomorrow' },
        transitions: { to: 'halftime' },
      };
      for (const r of writeRoutes()) {
        const key = Object.keys(bodies).find((k) => r.path.endsWith(k))!;
        const res = await request(api.url).post(r.path).set('authorization', r.auth).send(bodies[key]);
        expect(res.status, r.path).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body.code).toBe('validation_failed');
        expect(res.body.errors.length).toBeGreaterThan(0);
      }
    });

    it('unknown fields → 400', async () => {
      const res = await request(api.url).post('/api/v1/venues').set('authorization', admin).send({ name: 'X', city: 'Y', timezone: 'UTC', owner: 'me' }).expect(400);
      expect(res.body.errors[0].field).toBe('owner');
      for (const r of writeRoutes()) {
        const res2 = await request(api.url).post(r.path).set('authorization', r.auth).send({ surprise: true });
        expect(res2.status, r.path).toBe(400);
      }
    });

    it('oversize bodies → 413 payload_too_large', async () => {
      const big = JSON.stringify({ name: 'x'.repeat(200_000), city: 'Y', timezone: 'UTC' });
      for (const r of writeRoutes()) {
        const res = await request(api.url).post(r.path).set('authorization', r.auth).set('content-type', 'application/json').send(big);
        expect(res.status, r.path).toBe(413);
        expect(res.body.code).toBe('payload_too_large');
      }
    });

    it('a non-JSON body → 415', async () => {
      const res = await request(api.url).post('/api/v1/venues').set('authorization', admin).set('content-type', 'text/plain').send('name=x').expect(415);
      expect(res.body.code).toBe('unsupported_media_type');
    });

    it('bad ids in the path → 400, unknown ids → 404', async () => {
      expect((await request(api.url).get('/api/v1/venues/123').expect(400)).body.code).toBe('validation_failed');
      expect((await request(api.url).get('/api/v1/events/xyz').expect(400)).body.code).toBe('validation_failed');
      expect((await request(api.url).get('/api/v1/venues/7c9e6679-7425-40de-944b-e07fc1f90ae7').expect(404)).body.code).toBe('venue_not_found');
      expect((await request(api.url).get('/api/v1/events/7c9e6679-7425-40de-944b-e07fc1f90ae7').expect(404)).body.code).toBe('event_not_found');
      const t = await request(api.url).post('/api/v1/events/7c9e6679-7425-40de-944b-e07fc1f90ae7/transitions').set('authorization', admin).send({ to: 'live' }).expect(404);
      expect(t.body.code).toBe('event_not_found');
    });

    it('bad query parameters → 400', async () => {
      expect((await request(api.url).get('/api/v1/events?status=party').expect(400)).body.code).toBe('validation_failed');
      expect((await request(api.url).get('/api/v1/events?venueId=1').expect(400)).body.code).toBe('validation_failed');
      await request(api.url).get('/api/v1/events?extra=1').expect(400);
    });

    it('unknown routes → 404 route_not_found', async () => {
      const res = await request(api.url).get('/api/v1/nope').expect(404);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.code).toBe('route_not_found');
      await request(api.url).delete('/api/v1/venues').expect(404);
    });
  });
});
