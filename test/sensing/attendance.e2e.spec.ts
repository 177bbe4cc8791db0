import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';
import { WsClient } from '../support/ws-client';
import { Sensor } from './sensors';

describe('live attendance: turnstiles against admissions', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let steward: string;
  let eventId: string;
  let tickets: IssuedTicket[];
  let gateId: string;

  const attendance = async () => (await request(api.url).get(`/api/v1/events/${eventId}/attendance`).set('authorization', staff).expect(200)).body;
  const admit = async (t: IssuedTicket) => {
    const res = await request(api.url)
      .post(`/api/v1/gates/${gateId}/scans`)
      .set('authorization', steward)
      .send({ code: qrFor(t, t.wallet) })
      .expect(200);
    expect(res.body.decision).toBe('admit');
  };

  beforeAll(async () => {
    api = await startApp('sensing-attendance');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e2', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
    gateId = venue.gates.find((g: { code: string }) => g.code === 'N-A').id;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Attendance night');
    tickets = await issueTickets(api.url, admin, eventId, 80, ['N101', 'N102']);
    await openGates(api.url, admin, eventId);
  });
  afterAll(() => api?.close());

  it('shows counted beside admitted per section while they agree, with no alert', async () => {
    const n101 = tickets.filter((t) => t.section === 'N101').slice(0, 10);
    for (const t of n101) await admit(t);
    const turnstile = await Sensor.pair(api, DEMO_VENUE_ID, 'N101', { kind: 'gate' });
    expect(
      (
        await turnstile.send(eventId, [
          ['turnstile', Date.now() - 2000, 6, 'N-A'],
          ['turnstile', Date.now() - 1000, 5, 'N-A'],
        ])
      ).status,
    ).toBe(200);
    const a = await attendance();
    expect(a.sections.find((s: { section: string }) => s.section === 'N101')).toEqual({ section: 'N101', admitted: 10, counted: 11, occupancy: null, gap: 1, alert: null });
    expect(a).toMatchObject({ eventId, admitted: 10, counted: 11 });
  });

  it('alerts the staff channel when a turnstile counts far more than were admitted (tailgating or a fake counter), and when a counter stalls', async () => {
    const ws = await WsClient.connect(api.url, await api.tokenFor(staffPrincipal(DEMO_VENUE_ID)));
    await ws.subscribe(`staff:${DEMO_VENUE_ID}`);
    const tailgated = await Sensor.pair(api, DEMO_VENUE_ID, 'N102', { kind: 'gate' });
    await tailgated.send(eventId, [['turnstile', Date.now() - 500, 2]]);
    for (const t of tickets.filter((x) => x.section === 'N102').slice(0, 2)) await admit(t);
    await tailgated.send(eventId, [['turnstile', Date.now(), 40]]);
    const alert = await ws.next((f) => f.type === 'message' && (f.data as { type?: string }).type === 'sensing.attendance_alert', 5000);
    expect(alert.data).toMatchObject({ type: 'sensing.attendance_alert', eventId, section: 'N102', counted: 42, admitted: 2, gap: 40, reason: 'counted_above_admitted' });
    const row = (await attendance()).sections.find((s: { section: string }) => s.section === 'N102');
    expect(row).toMatchObject({ admitted: 2, counted: 42, alert: 'counted_above_admitted' });

    // N101's counter stops while 25 more fans are admitted: the counted side falls behind
    for (const t of tickets.filter((x) => x.section === 'N101').slice(10, 35)) await admit(t);
    const stalled = await ws.next(
      (f) => f.type === 'message' && (f.data as { section?: string; type?: string }).section === 'N101' && (f.data as { type: string }).type === 'sensing.attendance_alert',
      5000,
    );
    // it fires as soon as the gap passes the threshold (max(20, 10% of admitted)), whichever admission that was
    const data = stalled.data as { counted: number; admitted: number };
    expect(stalled.data).toMatchObject({ section: 'N101', counted: 11, reason: 'counted_below_admitted' });
    expect(data.admitted - data.counted).toBeGreaterThan(20);
    expect(data.admitted).toBeLessThanOrEqual(35);
    await new Promise((r) => setTimeout(r, 500));
    expect((await attendance()).sections.find((s: { section: string }) => s.section === 'N101')).toMatchObject({
      admitted: 35,
      counted: 11,
      gap: -24,
      alert: 'counted_below_admitted',
    });
    ws.close();
  });

  it('lets only staff of this venue read attendance, and answers 404 for an unknown event', async () => {
    const otherStaff = `Bearer ${await api.tokenFor(staffPrincipal('00000000-0000-4000-8000-000000000009'))}`;
    expect((await request(api.url).get(`/api/v1/events/${eventId}/attendance`).set('authorization', otherStaff).expect(403)).body.code).toBe('forbidden');
    await request(api.url).get(`/api/v1/events/${eventId}/attendance`).expect(401);
    await request(api.url).get(`/api/v1/events/not-a-uuid/attendance`).set('authorization', staff).expect(400);
    await request(api.url).get(`/api/v1/events/00000000-0000-4000-8000-000000000000/attendance`).set('authorization', staff).expect(404);
  });
});
