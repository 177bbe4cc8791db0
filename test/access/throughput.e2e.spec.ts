import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThroughputHistory } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';

/** GET /events/:eventId/admissions/throughput: the gate throughput chart's history, from the admissions themselves. */
describe('gate throughput history', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let eventId: string;
  let gates: Record<string, { id: string }>;
  const path = () => `/api/v1/events/${eventId}/admissions/throughput`;
  const sum = (h: ThroughputHistory, gate?: string) => h.points.reduce((a, p) => a + (gate ? (p.byGate[gate] ?? 0) : p.admitted), 0);

  beforeAll(async () => {
    api = await startApp('access-throughput');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000b7', kind: 'account', roles: ['fan', `staff@${DEMO_VENUE_ID}`] })}`;
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057ec', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
    gates = Object.fromEntries(venue.gates.map((g: { code: string; id: string }) => [g.code, g]));
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Throughput night');
    await openGates(api.url, admin, eventId);
    const tickets = await issueTickets(api.url, admin, eventId, 9, ['N103']); // block 3: both north gates
    for (const [i, t] of tickets.entries()) {
      const gate = i < 5 ? gates['N-A'] : gates['N-B'];
      const res = await request(api.url)
        .post(`/api/v1/gates/${gate.id}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(t, t.wallet) })
        .expect(200);
      expect(res.body.decision).toBe('admit');
    }
    // One fan came in five minutes ago (the gates cannot be opened in the past: the row is moved back).
    const ds = api.app.get((await import('typeorm')).DataSource);
    await ds.query(`UPDATE admissions SET admitted_at = now() - interval '5 minutes' WHERE ticket_id = $1`, [tickets[8].id]);
  });
  afterAll(() => api?.close());

  it('counts admissions per gate in each second of the window, matching the admissions total', async () => {
    const { body } = await request(api.url).get(path()).query({ minutes: 15 }).set('authorization', staff).expect(200);
    const h = body as ThroughputHistory;
    expect(h).toMatchObject({ eventId, bucket: 'second' });
    expect(Date.parse(h.to) - Date.parse(h.from)).toBeGreaterThanOrEqual(15 * 60_000);
    const stats = (await request(api.url).get(`/api/v1/events/${eventId}/admissions`).set('authorization', staff).expect(200)).body;
    expect(sum(h)).toBe(stats.admitted);
    expect(sum(h)).toBe(9);
    expect(sum(h, gates['N-A'].id)).toBe(5);
    expect(sum(h, gates['N-B'].id)).toBe(4);
    for (const p of h.points) {
      expect(new Date(p.at).getUTCMilliseconds()).toBe(0);
      expect(Object.values(p.byGate).reduce((a, b) => a + b, 0)).toBe(p.admitted);
    }
    const ats = h.points.map((p) => Date.parse(p.at));
    expect(ats).toEqual([...ats].sort((x, y) => x - y));
    expect(new Set(ats).size).toBe(ats.length);
  });

  it('leaves out what was admitted before the window, and buckets by minute when asked', async () => {
    const recent = (await request(api.url).get(path()).query({ minutes: 2 }).set('authorization', staff).expect(200)).body as ThroughputHistory;
    expect(sum(recent)).toBe(8); // the fan of five minutes ago is older
    const byMinute = (await request(api.url).get(path()).query({ minutes: 240, bucket: 'minute' }).set('authorization', admin).expect(200)).body as ThroughputHistory;
    expect(byMinute.bucket).toBe('minute');
    expect(sum(byMinute)).toBe(9);
    for (const p of byMinute.points) expect(new Date(p.at).getUTCSeconds()).toBe(0);
    expect(byMinute.points.length).toBeGreaterThanOrEqual(2);
  });

  it('is for staff of the event’s venue and admins only', async () => {
    const other = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000b8', kind: 'account', roles: ['fan', 'staff@7c9e6679-7425-40de-944b-e07fc1f90aff'] })}`;
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057ed', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const fan = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000c9', kind: 'account', roles: ['fan'] })}`;
    for (const auth of [other, steward, fan]) {
      const res = await request(api.url).get(path()).set('authorization', auth).expect(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    await request(api.url).get(path()).expect(401);
  });

  it('answers bad input with a 4xx problem, never a 500', async () => {
    for (const query of [{ minutes: 0 }, { minutes: 'ten' }, { minutes: 1.5 }, { minutes: 1441 }, { bucket: 'hour' }, { extra: 1 }]) {
      const res = await request(api.url).get(path()).query(query).set('authorization', staff);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const long = await request(api.url).get(path()).query({ minutes: 61 }).set('authorization', staff).expect(400);
    expect(long.body.code).toBe('window_too_long');
    await request(api.url).get(path()).query({ minutes: 60 }).set('authorization', staff).expect(200);
    await request(api.url).get('/api/v1/events/not-a-uuid/admissions/throughput').set('authorization', staff).expect(400);
    const missing = await request(api.url).get('/api/v1/events/7c9e6679-7425-40de-944b-e07fc1f90aee/admissions/throughput').set('authorization', staff).expect(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });
});
