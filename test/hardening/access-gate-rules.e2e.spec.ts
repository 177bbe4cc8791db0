import { Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '@fanmesh/common';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { pairDeviceKey } from '../support/devices';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';

/** Issue 19, items 3, 4 and 6: who earns for a scan, when an offline decision counts, and which venue a device serves. */
describe('access: gate rules', () => {
  let api: RunningApp;
  let admin: string;
  let gates: Record<string, string>;
  let away: string;

  const bearer = async (p: Principal) => `Bearer ${await api.tokenFor(p)}`;
  const stewardOf = (subject: string, venueId = DEMO_VENUE_ID): Principal => ({ subject: subject.toLowerCase(), kind: 'account', roles: ['fan', `steward@${venueId}`] });
  const device = (subject: string, roles: string[]): Principal => ({ subject: subject.toLowerCase(), kind: 'device', roles });
  const scan = async (gate: string, t: IssuedTicket, auth: string) =>
    request(api.url)
      .post(`/api/v1/gates/${gates[gate]}/scans`)
      .set('authorization', auth)
      .send({ code: qrFor(t, t.wallet) });
  const transition = (eventId: string, to: string) => request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to }).expect(200);
  const until = async <T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (ok(v) || Date.now() > deadline) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    api = await startApp('access-gate-rules');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)).body;
    gates = Object.fromEntries(venue.gates.map((g: { code: string; id: string }) => [g.code, g.id]));
    away = (
      await request(api.url)
        .post('/api/v1/venues')
        .set('authorization', admin)
        .send({ name: 'Away ground', city: 'Porto', timezone: 'Europe/Lisbon', sections: [{ code: 'A1', name: 'Block A1', stand: 'north', tier: 1, capacity: 100 }] })
        .expect(201)
    ).body.id;
  });
  afterAll(() => api?.close());

  describe('item 3: a steward scanning their own ticket', () => {
    it('admits them and pays their admission, but pays no verification reward for it (another fan still earns one)', async () => {
      const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Self-dealing night');
      const [own, other] = await issueTickets(api.url, admin, eventId, 2, ['N103']);
      await openGates(api.url, admin, eventId);
      const self = await bearer(stewardOf(own.holder));
      const mine = await scan('N-A', own, self);
      expect(mine.body).toMatchObject({ decision: 'admit', ticketId: own.id });
      const theirs = await scan('N-A', other, self);
      expect(theirs.body).toMatchObject({ decision: 'admit', ticketId: other.id });

      const ds = api.app.get(DataSource);
      const entries = () =>
        ds.query(`SELECT account, kind, cause FROM reward_entries WHERE event_id = $1 ORDER BY kind, cause`, [eventId]) as Promise<
          { account: string; kind: string; cause: string }[]
        >;
      const paid = await until(entries, (e) => e.filter((x) => x.kind === 'admission').length === 2 && e.some((x) => x.kind === 'verification'));
      const steward = own.holder.toLowerCase();
      expect(paid.filter((e) => e.kind === 'admission').map((e) => e.account)).toEqual(expect.arrayContaining([steward, other.holder.toLowerCase()]));
      expect(paid.filter((e) => e.kind === 'verification')).toEqual([{ account: steward, kind: 'verification', cause: `admission:${theirs.body.admissionId}` }]);
      // the admission still records who scanned it, for the audit
      const [row] = await ds.query(`SELECT steward FROM admissions WHERE id = $1`, [mine.body.admissionId]);
      expect(row.steward).toBe(steward);
      // one event at a time at the venue: this one ends before the next test opens another
      await transition(eventId, 'live');
      await transition(eventId, 'ended');
    });
  });

  describe("item 4: offline decisions count only within the event's gates-open window", () => {
    const upload = async (auth: string, scans: { t: IssuedTicket; at: number }[], gate = 'N-A') =>
      (
        await request(api.url)
          .post(`/api/v1/gates/${gates[gate]}/offline-scans`)
          .set('authorization', auth)
          .send({ scans: scans.map(({ t, at }) => ({ code: qrFor(t, t.wallet, 0, at), scannedAt: new Date(at).toISOString() })) })
          .expect(200)
      ).body.results;

    it('rejects decisions made before the gates opened or after the end, and holds those uploaded after the end for staff to review, admitting and paying none', async () => {
      const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Late upload night');
      const tickets = await issueTickets(api.url, admin, eventId, 5, ['N103']);
      const steward = await bearer(stewardOf('0x00000000000000000000000000000000000057e2'));
      const beforeOpen = Date.now() - 10 * 60_000; // ten minutes before the gates opened: a day's "24 h" allowed it
      await openGates(api.url, admin, eventId);
      await new Promise((r) => setTimeout(r, 20));
      const during = Date.now();

      // while the gates are open: a decision from before they opened is refused, one from now admitted
      const live = await upload(steward, [
        { t: tickets[0], at: beforeOpen },
        { t: tickets[1], at: during },
      ]);
      expect(live[0]).toMatchObject({ result: 'rejected', reason: 'outside_event_window', ticketId: tickets[0].id });
      expect(live[1]).toMatchObject({ result: 'accepted', ticketId: tickets[1].id });

      await transition(eventId, 'live');
      await transition(eventId, 'ended');
      await new Promise((r) => setTimeout(r, 20));
      const afterEnd = Date.now();

      // after the end: a decision made during the event is kept for review, not admitted; one made after the end is refused;
      // a retry of a decision accepted before the end is still that admission
      const late = await upload(steward, [
        { t: tickets[2], at: during },
        { t: tickets[3], at: afterEnd },
        { t: tickets[1], at: during },
      ]);
      expect(late[0]).toMatchObject({ result: 'rejected', reason: 'held_for_review', ticketId: tickets[2].id });
      expect(late[1]).toMatchObject({ result: 'rejected', reason: 'outside_event_window', ticketId: tickets[3].id });
      expect(late[2]).toEqual({ ...live[1], index: 2 });
      // uploading it again keeps one entry
      expect((await upload(steward, [{ t: tickets[2], at: during }]))[0]).toMatchObject({ result: 'rejected', reason: 'held_for_review' });

      const ds = api.app.get(DataSource);
      const admitted = await ds.query(`SELECT ticket_id AS "ticketId" FROM admissions WHERE event_id = $1`, [eventId]);
      expect(admitted).toEqual([{ ticketId: tickets[1].id }]);
      const attendance = (await request(api.url).get(`/api/v1/events/${eventId}/admissions`).set('authorization', admin).expect(200)).body;
      expect(attendance.admitted).toBe(1);
      expect(attendance.heldForReview).toHaveLength(1);
      expect(attendance.heldForReview[0]).toMatchObject({
        ticketId: tickets[2].id,
        gateId: gates['N-A'],
        reason: 'late_upload',
        scannedAt: new Date(during).toISOString(),
        resolvedAt: null,
      });
      // nothing is paid for the held decision
      await new Promise((r) => setTimeout(r, 500));
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM reward_entries WHERE event_id = $1 AND account = $2`, [eventId, tickets[2].holder.toLowerCase()]);
      expect(n).toBe(0);
    });
  });

  describe('item 6: a device scans and fetches snapshots only for its own venue', () => {
    it('refuses a device bound to another venue (by role or by pairing) and one bound nowhere, and serves one bound here', async () => {
      const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Device night');
      const tickets = await issueTickets(api.url, admin, eventId, 3, ['N103']);
      await openGates(api.url, admin, eventId);
      const pairedHere = (await pairDeviceKey(api, DEMO_VENUE_ID, 'N103', { kind: 'gate' })).device.address;
      const pairedAway = (await pairDeviceKey(api, away, 'A1', { kind: 'gate' })).device.address;
      const outsiders = [
        await bearer(device(Wallet.createRandom().address, [`device@${away}`])),
        await bearer(device(pairedAway, ['device'])),
        await bearer(device(Wallet.createRandom().address, ['device'])),
      ];
      for (const auth of outsiders) {
        const s = await scan('N-A', tickets[0], auth);
        expect(s.status).toBe(403);
        expect(s.body.code).toBe('wrong_venue');
        const snap = await request(api.url).get(`/api/v1/events/${eventId}/offline-snapshot`).set('authorization', auth);
        expect(snap.status).toBe(403);
        expect(snap.body.code).toBe('wrong_venue');
        const off = await request(api.url)
          .post(`/api/v1/gates/${gates['N-A']}/offline-scans`)
          .set('authorization', auth)
          .send({ scans: [{ code: qrFor(tickets[0], tickets[0].wallet), scannedAt: new Date().toISOString() }] });
        expect(off.status).toBe(403);
      }
      const ds = api.app.get(DataSource);
      expect((await ds.query(`SELECT count(*)::int AS n FROM admissions WHERE event_id = $1`, [eventId]))[0].n).toBe(0);

      for (const [i, auth] of [await bearer(device(Wallet.createRandom().address, [`device@${DEMO_VENUE_ID}`])), await bearer(device(pairedHere, ['device']))].entries()) {
        expect((await scan('N-A', tickets[i], auth)).body).toMatchObject({ decision: 'admit', ticketId: tickets[i].id, gate: 'N-A' });
        const snap = await request(api.url).get(`/api/v1/events/${eventId}/offline-snapshot`).set('authorization', auth).expect(200);
        expect(snap.body.tickets.map((t: { id: string }) => t.id)).toContain(tickets[2].id);
      }
    });
  });
});
