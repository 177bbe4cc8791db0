import { getBytes, TypedDataEncoder, verifyTypedData, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { DENY_REASONS } from '@fanmesh/access';
import { decodeQr, encodeQr, TICKET_DOMAIN, TICKET_TYPES, ticketHash, ticketTypedValue } from '@fanmesh/protocol';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { clearOfWindowEdge, createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';

describe('tickets, rotating codes and gate scans', () => {
  let a: RunningApp;
  let b: RunningApp;
  let admin: string;
  let steward: string;
  let gates: Record<string, { id: string; sectionCodes: string[] }>;
  let eventId: string;
  let tickets: IssuedTicket[];
  const reasonsSeen = new Set<string>();

  const scan = async (api: RunningApp, gate: string, code: string, auth = steward) => {
    const res = await request(api.url).post(`/api/v1/gates/${gates[gate].id}/scans`).set('authorization', auth).send({ code }).expect(200);
    if (res.body.decision === 'deny') reasonsSeen.add(res.body.reason);
    return res.body;
  };

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('access');
    // Each scanner's budget (gate.scans, shared by both instances) lowered from 100 a second to 200 a
    // minute: a flood from one scanner then outruns the refill on any machine, while the ten stewards
    // of the duplicate-scan test (100 scans each at once) still fit.
    const env = { RATE_LIMITS: 'gate.scans=200/1m' };
    a = await startApp('access-a', { databaseUrl, env });
    b = await startApp('access-b', { databaseUrl, env });
    admin = `Bearer ${await a.tokenFor(adminPrincipal)}`;
    steward = `Bearer ${await a.tokenFor({ subject: '0x00000000000000000000000000000000000057e1', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const venue = (await request(a.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
    gates = Object.fromEntries(venue.gates.map((g: { code: string; id: string; sectionCodes: string[] }) => [g.code, g]));
    eventId = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Access night');
    tickets = await issueTickets(a.url, admin, eventId, 120, ['N103', 'N203']); // both north gates serve block 3
  });
  afterAll(() => Promise.all([a?.close(), b?.close()]));

  it('signs tickets as EIP-712 typed data that ethers verifies, with a hash that matches ethers byte for byte', async () => {
    const { body } = await request(a.url).get('/api/v1/tickets/issuer').expect(200);
    for (const t of tickets.slice(0, 5)) {
      const claims = { ticketId: t.id, eventId: t.eventId, holder: t.holder, section: t.section, seat: t.seat, tier: t.tier, version: t.version };
      expect(Buffer.from(ticketHash(claims)).toString('hex')).toBe(TypedDataEncoder.hash(TICKET_DOMAIN, TICKET_TYPES, ticketTypedValue(claims)).slice(2));
      expect(verifyTypedData(TICKET_DOMAIN, TICKET_TYPES, ticketTypedValue(claims), t.issuerSignature).toLowerCase()).toBe(body.issuer);
    }
  });

  it('round-trips a QR payload', () => {
    const code = qrFor(tickets[0], tickets[0].wallet);
    const p = decodeQr(code)!;
    expect(p.ticketId).toBe(tickets[0].id);
    expect(encodeQr(p)).toBe(code);
  });

  it('refuses scans before the gates open', async () => {
    const t = tickets[0];
    expect(await scan(a, 'N-A', qrFor(t, t.wallet))).toMatchObject({ decision: 'deny', reason: 'gates_closed' });
    await openGates(a.url, admin, eventId);
  });

  it('admits a valid ticket once, and tells where and when on the second try at another gate and instance', async () => {
    const t = tickets[0];
    const first = await scan(a, 'N-A', qrFor(t, t.wallet));
    expect(first).toMatchObject({ decision: 'admit', ticketId: t.id, section: t.section, gate: 'N-A' });
    const again = await scan(b, 'N-A', qrFor(t, t.wallet));
    expect(again).toMatchObject({ decision: 'deny', reason: 'already_admitted', gate: 'N-A', admittedAt: first.admittedAt });
  });

  it('accepts the previous window (clock skew) but not older: a screenshot expires; a code from windows ahead is refused', async () => {
    const [t1, t2] = [tickets[2], tickets[4]];
    await clearOfWindowEdge();
    expect((await scan(a, 'N-A', qrFor(t1, t1.wallet, -1))).decision).toBe('admit');
    expect(await scan(a, 'N-A', qrFor(t2, t2.wallet, -2))).toMatchObject({ decision: 'deny', reason: 'expired_code' });
    expect(await scan(a, 'N-A', qrFor(t2, t2.wallet, +3))).toMatchObject({ decision: 'deny', reason: 'future_code' });
  });

  it('refuses a code signed by someone other than the holder, garbage and truncated codes', async () => {
    const t = tickets[6];
    expect(await scan(a, 'N-A', qrFor(t, Wallet.createRandom()))).toMatchObject({ decision: 'deny', reason: 'bad_signature' });
    expect(await scan(a, 'N-A', 'hello')).toMatchObject({ decision: 'deny', reason: 'malformed_code' });
    expect(await scan(a, 'N-A', qrFor(t, t.wallet).slice(0, -10))).toMatchObject({ decision: 'deny', reason: 'malformed_code' });
    const p = decodeQr(qrFor(t, t.wallet))!;
    const flipped = new Uint8Array(p.signature);
    flipped[10] ^= 0xff;
    expect(await scan(a, 'N-A', encodeQr({ ...p, signature: flipped }))).toMatchObject({ decision: 'deny', reason: 'bad_signature' });
    const unknown = encodeQr({ ...p, ticketId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' });
    expect(await scan(a, 'N-A', unknown)).toMatchObject({ decision: 'deny', reason: 'unknown_ticket' });
    // the ticket is still good after all that
    expect((await scan(a, 'N-A', qrFor(t, t.wallet))).decision).toBe('admit');
  });

  it('refuses a ticket at a gate that does not serve its section', async () => {
    const t = tickets[8];
    expect(gates['S-A'].sectionCodes).not.toContain(t.section);
    expect(await scan(a, 'S-A', qrFor(t, t.wallet))).toMatchObject({ decision: 'deny', reason: 'wrong_gate' });
  });

  it('refuses a ticket of another event when the scanner names its event', async () => {
    const other = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Other night');
    const t = tickets[10];
    const res = await request(a.url)
      .post(`/api/v1/gates/${gates['N-A'].id}/scans`)
      .set('authorization', steward)
      .send({ code: qrFor(t, t.wallet), eventId: other })
      .expect(200);
    expect(res.body).toMatchObject({ decision: 'deny', reason: 'wrong_event' });
    reasonsSeen.add(res.body.reason);
  });

  it('refuses a fan already in here at a match of another venue at the same time (admitted_elsewhere)', async () => {
    const t = tickets[11];
    expect(await scan(a, 'N-A', qrFor(t, t.wallet))).toMatchObject({ decision: 'admit' });
    const away = (
      await request(a.url)
        .post('/api/v1/venues')
        .set('authorization', admin)
        .send({
          name: 'Same night ground',
          city: 'Braga',
          timezone: 'Europe/Lisbon',
          sections: [{ code: 'B1', name: 'Block B1', stand: 'east', tier: 1, capacity: 50 }],
          gates: [{ code: 'B-A', name: 'Gate B-A', sectionCodes: ['B1'] }],
        })
        .expect(201)
    ).body;
    const here = (await request(a.url).get(`/api/v1/events/${eventId}`).expect(200)).body;
    const there = (await request(a.url).post('/api/v1/events').set('authorization', admin).send({ venueId: away.id, name: 'Same night', startsAt: here.startsAt }).expect(201))
      .body;
    const [twin] = (
      await request(a.url)
        .post(`/api/v1/events/${there.id}/tickets`)
        .set('authorization', admin)
        .send({ tickets: [{ holder: t.holder, section: 'B1', seat: '1', tier: 'standard' }] })
        .expect(201)
    ).body.tickets;
    await openGates(a.url, admin, there.id);
    const awaySteward = `Bearer ${await a.tokenFor({ subject: '0x00000000000000000000000000000000000057e3', kind: 'account', roles: ['fan', `steward@${away.id}`] })}`;
    const res = await request(b.url)
      .post(`/api/v1/gates/${away.gates[0].id}/scans`)
      .set('authorization', awaySteward)
      .send({ code: qrFor(twin, t.wallet) })
      .expect(200);
    expect(res.body).toMatchObject({ decision: 'deny', reason: 'admitted_elsewhere', ticketId: twin.id });
    reasonsSeen.add(res.body.reason);
  });

  it('voids old codes on transfer and refuses revoked tickets, on every instance', async () => {
    const t = tickets[12];
    const fan = `Bearer ${await a.tokenFor({ subject: t.holder, kind: 'account', roles: ['fan'] })}`;
    const friend = Wallet.createRandom();
    const moved = await request(a.url).post(`/api/v1/tickets/${t.id}/transfer`).set('authorization', fan).send({ to: friend.address }).expect(200);
    expect(moved.body).toMatchObject({ version: 2, holder: friend.address.toLowerCase() });
    expect(await scan(b, 'N-A', qrFor(t, t.wallet))).toMatchObject({ decision: 'deny', reason: 'revoked' });
    // the old holder can no longer transfer it
    await request(a.url).post(`/api/v1/tickets/${t.id}/transfer`).set('authorization', fan).send({ to: friend.address }).expect(403);
    expect((await scan(b, 'N-A', qrFor({ id: t.id, version: 2 }, friend))).decision).toBe('admit');

    const r = tickets[14];
    await request(a.url).post(`/api/v1/tickets/${r.id}/revoke`).set('authorization', admin).expect(204);
    await new Promise((res) => setTimeout(res, 100));
    expect(await scan(b, 'N-A', qrFor(r, r.wallet))).toMatchObject({ decision: 'deny', reason: 'revoked' });
  });

  it('admits each of 100 tickets exactly once when 1,000 duplicate scans hit two instances and many gates at once', async () => {
    const batch = tickets.slice(20, 120);
    const stewards = await Promise.all(
      Array.from(
        { length: 10 },
        async (_, i) => `Bearer ${await a.tokenFor({ subject: `0x${(0x5700 + i).toString(16).padStart(40, '0')}`, kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`,
      ),
    );
    const codes = batch.map((t) => qrFor(t, t.wallet));
    const shots = Array.from({ length: 1000 }, (_, i) => ({ api: i % 2 ? a : b, gate: i % 3 ? 'N-A' : 'N-B', code: codes[i % 100], auth: stewards[i % 10] }));
    const results = await Promise.all(shots.map((s) => request(s.api.url).post(`/api/v1/gates/${gates[s.gate].id}/scans`).set('authorization', s.auth).send({ code: s.code })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const admits = results.filter((r) => r.body.decision === 'admit');
    expect(admits).toHaveLength(100);
    expect(new Set(admits.map((r) => r.body.ticketId)).size).toBe(100);
    expect(results.filter((r) => r.body.reason === 'already_admitted')).toHaveLength(900);
    const ds = a.app.get((await import('typeorm')).DataSource);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM admissions WHERE ticket_id = ANY($1::uuid[])`, [batch.map((t) => t.id)]);
    expect(n).toBe(100);
  });

  it('flags a ticket admitted offline at two gates as a conflict, keeping both entries and alerting staff', async () => {
    const t = tickets[16];
    const snapshot = await request(a.url).get(`/api/v1/events/${eventId}/offline-snapshot`).set('authorization', steward).expect(200);
    expect(snapshot.body.tickets.find((x: { id: string }) => x.id === t.id)).toBeTruthy();
    expect(snapshot.body.admitted).toContain(tickets[0].id);
    const code = qrFor(t, t.wallet);
    const at = new Date().toISOString();
    const first = await request(a.url)
      .post(`/api/v1/gates/${gates['N-A'].id}/offline-scans`)
      .set('authorization', steward)
      .send({ scans: [{ code, scannedAt: at }] })
      .expect(200);
    expect(first.body.results[0]).toMatchObject({ result: 'accepted', ticketId: t.id });
    // A retry of the same upload (the phone lost the answer) is the same admission, not a conflict.
    const retry = await request(b.url)
      .post(`/api/v1/gates/${gates['N-A'].id}/offline-scans`)
      .set('authorization', steward)
      .send({ scans: [{ code, scannedAt: at }] })
      .expect(200);
    expect(retry.body.results[0]).toEqual(first.body.results[0]);
    const second = await request(b.url)
      .post(`/api/v1/gates/${gates['N-B'].id}/offline-scans`)
      .set('authorization', steward)
      .send({
        scans: [
          { code, scannedAt: at },
          { code: 'junk', scannedAt: at },
        ],
      })
      .expect(200);
    expect(second.body.results[0]).toMatchObject({ result: 'conflict', ticketId: t.id, firstGate: 'N-A' });
    expect(second.body.results[1]).toMatchObject({ result: 'rejected', reason: 'malformed_code' });
    const attendance = await request(a.url).get(`/api/v1/events/${eventId}/admissions`).set('authorization', admin).expect(200);
    expect(attendance.body.conflicts).toHaveLength(1);
    expect(attendance.body.conflicts[0]).toMatchObject({ ticketId: t.id, gateId: gates['N-B'].id, firstGateId: gates['N-A'].id });
    // uploading the same decisions again adds nothing
    await request(b.url)
      .post(`/api/v1/gates/${gates['N-B'].id}/offline-scans`)
      .set('authorization', steward)
      .send({ scans: [{ code, scannedAt: at }] })
      .expect(200);
    expect((await request(a.url).get(`/api/v1/events/${eventId}/admissions`).set('authorization', admin)).body.conflicts).toHaveLength(1);
  });

  it('wrote exactly one access.admitted event per admission, online and offline, with the admission', async () => {
    const ds = a.app.get((await import('typeorm')).DataSource);
    const admissions = await ds.query(`SELECT id, ticket_id AS "ticketId", gate_id AS "gateId", mode FROM admissions WHERE event_id = $1 ORDER BY id`, [eventId]);
    const events = await ds.query(`SELECT payload FROM domain_events WHERE name = 'access.admitted' AND payload->>'eventId' = $1`, [eventId]);
    const byAdmission = new Map<string, { ticketId: string; gateId: string; mode: string; venueId: string }>(
      events.map((e: { payload: { admissionId: string } }) => [e.payload.admissionId, e.payload]),
    );
    expect(events).toHaveLength(admissions.length);
    expect(byAdmission.size).toBe(admissions.length);
    for (const adm of admissions) expect(byAdmission.get(adm.id)).toMatchObject({ ticketId: adm.ticketId, gateId: adm.gateId, mode: adm.mode, venueId: DEMO_VENUE_ID });
    expect(admissions.some((x: { mode: string }) => x.mode === 'offline')).toBe(true);
  });

  it('has reached every deny reason', () => {
    expect([...reasonsSeen].sort()).toEqual([...DENY_REASONS].sort());
  });

  describe('bad input and abuse', () => {
    it('refuses malformed requests with 4xx problems and unknown gates with 404', async () => {
      const gate = gates['N-A'].id;
      expect((await request(a.url).post(`/api/v1/gates/${gate}/scans`).set('authorization', steward).send({ code: 42 }).expect(400)).body.code).toBe('validation_failed');
      expect(
        (
          await request(a.url)
            .post(`/api/v1/gates/${gate}/scans/batch`)
            .set('authorization', steward)
            .send({ codes: Array(51).fill('x') })
            .expect(400)
        ).body.code,
      ).toBe('validation_failed');
      expect((await request(a.url).post(`/api/v1/gates/7c9e6679-7425-40de-944b-e07fc1f90ae7/scans`).set('authorization', steward).send({ code: 'x' }).expect(404)).body.code).toBe(
        'gate_not_found',
      );
      expect(
        (
          await request(a.url)
            .post(`/api/v1/events/${eventId}/tickets`)
            .set('authorization', admin)
            .send({ tickets: [{ holder: '0x12', section: 'N101', seat: '1', tier: 's' }] })
            .expect(400)
        ).body.code,
      ).toBe('validation_failed');
      const dup = await request(a.url)
        .post(`/api/v1/events/${eventId}/tickets`)
        .set('authorization', admin)
        .send({ tickets: [{ holder: tickets[0].holder, section: tickets[0].section, seat: tickets[0].seat, tier: 'x' }] })
        .expect(409);
      expect(dup.body.code).toBe('seat_taken');
      const badSection = await request(a.url)
        .post(`/api/v1/events/${eventId}/tickets`)
        .set('authorization', admin)
        .send({ tickets: [{ holder: tickets[0].holder, section: 'Z999', seat: '1', tier: 'x' }] })
        .expect(422);
      expect(badSection.body.code).toBe('unknown_section');
    });

    it('refuses a steward of another venue and rate-limits a runaway scanner', async () => {
      const outsider = `Bearer ${await a.tokenFor({ subject: '0x00000000000000000000000000000000000057ff', kind: 'account', roles: ['steward@7c9e6679-7425-40de-944b-e07fc1f90ae7'] })}`;
      await request(a.url).post(`/api/v1/gates/${gates['N-A'].id}/scans`).set('authorization', outsider).send({ code: 'x' }).expect(403);
      const runaway = `Bearer ${await a.tokenFor({ subject: '0x00000000000000000000000000000000000057fe', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          request((i % 2 ? b : a).url)
            .post(`/api/v1/gates/${gates['N-A'].id}/scans`)
            .set('authorization', runaway)
            .send({ code: 'x' }),
        ),
      );
      expect(results.filter((r) => r.status === 429).length).toBeGreaterThan(50);
      expect(results.filter((r) => r.status !== 429).every((r) => r.status === 200)).toBe(true);
      const refused = results.find((r) => r.status === 429)!;
      expect(refused.body).toMatchObject({ code: 'rate_limited', limit: 200, windowSeconds: 60 });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    });
  });
});
