import { BaseWallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '@fanmesh/common';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';
import { ledgerTotals, until } from '../rewards/support';

const FAN = 10n ** 18n;

/**
 * Issue 23, property 7: late is not lost, and not unreviewed. The attack: a steward's phone
 * "uploads" offline decisions after the event's epoch closed, for a fan who never came; before, such
 * an upload could be written with no epoch (never paid, never seen) or paid unreviewed. The rule: an
 * upload after the end is held for staff; a rejected one pays nothing; an approved one is admitted at
 * the time of the scan and its reward goes into a follow-up epoch of the event, whose manifest says
 * `late_entries`, paid only once staff approve it. Nothing of the event stays outside an epoch.
 */
describe('fraud: late offline uploads', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let steward: string;
  let gateId: string;
  let ds: DataSource;

  const STEWARD = '0x00000000000000000000000000000000000057ea';
  const epochs = async (eventId: string) =>
    (await request(api.url).get(`/api/v1/events/${eventId}/reward-totals`).set('authorization', staff).expect(200)).body.epochs as {
      id: string;
      status: string;
      manifest: { anomalies: { code: string; after?: string; entries?: number }[]; byKind: { kind: string; total: string }[] };
    }[];
  const epochWith = async (eventId: string, n: number, status: string) => {
    const found = await until(
      () => epochs(eventId),
      (es) => es.length >= n && es[n - 1].status === status,
      30_000,
    );
    expect(found[n - 1]?.status).toBe(status);
    return found[n - 1];
  };
  const approve = (epochId: string) => request(api.url).post(`/api/v1/epochs/${epochId}/approve`).set('authorization', staff).send({}).expect(200);
  const upload = (scans: { t: IssuedTicket; at: number }[]) =>
    request(api.url)
      .post(`/api/v1/gates/${gateId}/offline-scans`)
      .set('authorization', steward)
      .send({ scans: scans.map(({ t, at }) => ({ code: qrFor(t, t.wallet, 0, at), scannedAt: new Date(at).toISOString() })) })
      .expect(200);
  const decide = (eventId: string, reviewId: string, decision: string, auth = staff) =>
    request(api.url).post(`/api/v1/events/${eventId}/offline-reviews/${reviewId}/decision`).set('authorization', auth).send({ decision });
  /** What an account earned at an event, in epochs that pay (approved on to published). */
  const paidAt = async (eventId: string, w: { holder: string } | BaseWallet): Promise<bigint> => {
    const account = ('holder' in w ? w.holder : w.address).toLowerCase();
    const [{ total }] = await ds.query(
      `SELECT coalesce(sum(e.amount), 0)::text AS total FROM reward_entries e JOIN reward_epochs p ON p.id = e.epoch_id
       WHERE e.event_id = $1 AND e.account = $2 AND p.status IN ('approved', 'tree_built', 'publishing', 'published')`,
      [eventId, account],
    );
    return BigInt(total);
  };
  const credited = async (eventId: string, holder: string): Promise<number> =>
    (await ds.query(`SELECT count(*)::int AS n FROM reward_entries WHERE event_id = $1 AND account = $2`, [eventId, holder.toLowerCase()]))[0].n;

  beforeAll(async () => {
    api = await startApp('fraud-late', { databaseUrl: await createTestDatabase('fraud-late'), env: { CHAIN_EMBEDDED: 'on' } });
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const s: Principal = { subject: STEWARD, kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] };
    steward = `Bearer ${await api.tokenFor(s)}`;
    ds = api.app.get(DataSource);
    gateId = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)).body.gates.find((g: { code: string }) => g.code === 'N-A').id;
  });
  afterAll(() => api?.close());

  it('holds uploads made after the epoch closed for staff: a rejected one pays 0, an approved one is paid in a reviewed follow-up epoch, an honest fan as before', async () => {
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Late night');
    const [honest, ghost, lateFan, forged] = await issueTickets(api.url, admin, eventId, 4, ['N101']);
    await openGates(api.url, admin, eventId);
    const during = Date.now();
    // honest baseline: scanned online at the gate, as usual
    const scanned = await request(api.url)
      .post(`/api/v1/gates/${gateId}/scans`)
      .set('authorization', steward)
      .send({ code: qrFor(honest, honest.wallet) })
      .expect(200);
    expect(scanned.body.decision).toBe('admit');
    await until(
      () => credited(eventId, honest.holder),
      (n) => n === 1,
    );
    for (const to of ['live', 'ended']) await request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to }).expect(200);

    // the final whistle closed the epoch by itself; staff approve it and it is published
    const first = await epochWith(eventId, 1, 'pending_approval');
    await approve(first.id);
    await epochWith(eventId, 1, 'published');

    // the attack: after the epoch closed, decisions "made during the match" are uploaded for a fan who never came (and one forged into a retry)
    const late = (
      await upload([
        { t: ghost, at: during + 10 },
        { t: lateFan, at: during + 20 },
        { t: forged, at: during + 30 },
      ])
    ).body.results;
    expect(late.map((r: { result: string; reason: string }) => [r.result, r.reason])).toEqual([
      ['rejected', 'held_for_review'],
      ['rejected', 'held_for_review'],
      ['rejected', 'held_for_review'],
    ]);
    const held = (await request(api.url).get(`/api/v1/events/${eventId}/admissions`).set('authorization', staff).expect(200)).body.heldForReview as {
      id: string;
      ticketId: string;
      decision: string | null;
    }[];
    expect(held).toHaveLength(3);
    const review = (t: IssuedTicket) => held.find((h) => h.ticketId === t.id)!.id;
    await new Promise((r) => setTimeout(r, 500));
    for (const t of [ghost, lateFan, forged]) expect(await credited(eventId, t.holder)).toBe(0);

    // only the venue's staff (or an admin) decide; a steward cannot wave their own upload through
    expect((await decide(eventId, review(ghost), 'approve', steward)).status).toBe(403);
    expect((await decide(eventId, review(ghost), 'maybe')).status).toBe(400);
    expect((await decide(eventId, '7c9e6679-7425-40de-944b-e07fc1f90aeb', 'approve')).body.code).toBe('review_not_found');
    // staff reject the ghost: nothing admitted, nothing paid, and the decision is final
    expect((await decide(eventId, review(ghost), 'reject').expect(200)).body).toMatchObject({ decision: 'rejected', admissionId: null });
    expect((await decide(eventId, review(ghost), 'approve').expect(409)).body).toMatchObject({ code: 'review_decided', decision: 'rejected' });
    // a ticket revoked since its scan cannot be admitted by an approval (the decision stays open)
    await request(api.url).post(`/api/v1/tickets/${forged.id}/revoke`).set('authorization', staff).expect(204);
    expect((await decide(eventId, review(forged), 'approve').expect(409)).body).toMatchObject({ code: 'review_not_admissible', reason: 'revoked' });
    expect((await decide(eventId, review(forged), 'reject').expect(200)).body.decision).toBe('rejected');

    // the fan who really came (the steward's phone was offline): approved, admitted at the time of the scan
    const approved = (await decide(eventId, review(lateFan), 'approve').expect(200)).body;
    expect(approved).toMatchObject({ decision: 'approved', admissionId: expect.any(String) });
    const [admission] = await ds.query(`SELECT admitted_at AS "at", mode FROM admissions WHERE id = $1`, [approved.admissionId]);
    expect(admission).toEqual({ at: new Date(during + 20), mode: 'offline' });

    // its reward is not stranded outside every epoch: a follow-up epoch holds it, flagged for review, unpaid until approved
    const followUp = await epochWith(eventId, 2, 'pending_approval');
    expect(followUp.manifest.anomalies).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'late_entries', after: first.id, entries: 1 })]));
    expect(await paidAt(eventId, lateFan)).toBe(0n);
    await approve(followUp.id);
    await epochWith(eventId, 2, 'published');

    expect(await paidAt(eventId, honest)).toBe(10n * FAN);
    expect(await paidAt(eventId, lateFan)).toBe(10n * FAN);
    expect(await paidAt(eventId, ghost)).toBe(0n);
    expect(await paidAt(eventId, forged)).toBe(0n);
    expect(await credited(eventId, ghost.holder)).toBe(0);
    // the steward earns for the scan they made at the gate, not for late uploads
    expect(await paidAt(eventId, { holder: STEWARD })).toBe(FAN / 2n);
    // nothing of the event is left outside an epoch, and the published tree holds every paid account
    const [{ open }] = await ds.query(`SELECT count(*)::int AS open FROM reward_entries WHERE event_id = $1 AND epoch_id IS NULL`, [eventId]);
    expect(open).toBe(0);
    const totals = await ledgerTotals(ds, followUp.id);
    expect(totals.get(lateFan.holder.toLowerCase())).toBe(10n * FAN);
    expect(totals.get(ghost.holder.toLowerCase())).toBeUndefined();
  });
});
