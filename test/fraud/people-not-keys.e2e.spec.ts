import { BaseWallet, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionDirectory } from '@fanmesh/directory';
import { DEFAULT_POOLS } from '@fanmesh/rewards';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates, qrFor } from '../support/tickets';
import { importList, ListRow, ticketCsv, tokenOf } from '../support/ticket-lists';
import { fanAuth, pairDevice, TestDevice, transition, witness } from '../coverage/support';
import { until } from '../rewards/support';

/** The defaults, but a coverage cap as large as its pool: the split by score shows uncut. */
const FAN = 10n ** 18n;
const POOLS = DEFAULT_POOLS.map((p) => (p.kind === 'coverage' ? { ...p, accountCap: p.pool } : p));

/**
 * Issue 23, properties 1, 3 and 4. Coverage pays per point of witnessed score (the pool only bounds it). Keys are not people: one buyer's tickets, claimed under many keys,
 * count as one witnessing person per hotspot (and the owner's own group as nobody), and the manifest
 * says so (`purchase_ring`). One seat, one paid attendee: a ticket revoked after admission ends its
 * holder's eligibility, and the seat's re-issued ticket admits its new holder alone.
 */
describe('fraud: coverage pays for people witnessed, and one seat is one attendee', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let gateId: string;

  const claim = async (url: string, wallet: BaseWallet) =>
    (
      await request(api.url)
        .post('/api/v1/claim-links/claim')
        .set('authorization', await fanAuth(api, wallet))
        .send({ token: tokenOf(url) })
        .expect(200)
    ).body as { id: string; version: number; section: string };
  const admit = async (ticket: { id: string; version: number }, wallet: BaseWallet) => {
    const res = await request(api.url)
      .post(`/api/v1/gates/${gateId}/scans`)
      .set('authorization', admin)
      .send({ code: qrFor(ticket, wallet) })
      .expect(200);
    expect(res.body.decision).toBe('admit');
  };
  /** The FAN an account earned at an event, per kind (the ledger's own sums). */
  const earned = async (eventId: string, account: string, kind: string): Promise<bigint> => {
    const [{ total }] = await api.app
      .get(DataSource)
      .query(`SELECT coalesce(sum(amount), 0)::text AS total FROM reward_entries WHERE event_id = $1 AND account = $2 AND kind = $3`, [eventId, account.toLowerCase(), kind]);
    return BigInt(total);
  };
  /** Imports `rows`, and gives each row's claim link to a fresh key that claims it and is admitted. */
  const claimedAndAdmitted = async (eventId: string, rows: ListRow[]): Promise<BaseWallet[]> => {
    await importList(api.url, staff, eventId, ticketCsv(rows), false).expect(200);
    const links: { url: string; order: string; seat: string }[] = (await request(api.url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', staff).expect(200)).body
      .tickets;
    const keys: BaseWallet[] = [];
    for (const r of rows) {
      const link = links.find((l) => l.seat === r.seat && l.url)!;
      const key = Wallet.createRandom();
      await admit(await claim(link.url, key), key);
      keys.push(key);
    }
    return keys;
  };

  beforeAll(async () => {
    api = await startApp('fraud-people');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)).body;
    gateId = venue.gates.find((g: { sectionCodes: string[] }) => g.sectionCodes.includes('N101')).id;
  });
  afterAll(() => api?.close());

  it('counts one buyer’s eight keys as one witnessing person (the owner’s own as none), pays the honest hotspot for its eight people, and flags the ring', async () => {
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Ring night');
    await request(api.url)
      .put(`/api/v1/events/${eventId}/reward-pools`)
      .set('authorization', admin)
      .send({ pools: POOLS.map((p) => ({ kind: p.kind, perUnit: p.perUnit.toString(), accountCap: p.accountCap.toString(), pool: p.pool.toString() })) })
      .expect(200);
    await openGates(api.url, admin, eventId);
    // the attacker buys eight seats under one contact and claims them with eight keys; a second
    // attacker's hotspot is witnessed by a ring whose buyer holds one of its tickets (the owner's own group)
    const ringleader = Wallet.createRandom();
    const ringHotspot: TestDevice = await pairDevice(api, 'N101', { owner: ringleader });
    const honestHotspot = await pairDevice(api, 'N101');
    const ownerHotspot = await pairDevice(api, 'N101');
    const row = (i: number, email: string): ListRow => ({ order: `R-${i}`, section: 'N101', seat: `ring-${i}`, tier: 'standard', email });
    const ring = await claimedAndAdmitted(
      eventId,
      Array.from({ length: 8 }, (_, i) => row(i, 'ring.buyer@example.org')),
    );
    // the honest baseline: eight fans who each bought their own ticket
    const honest = await claimedAndAdmitted(
      eventId,
      Array.from({ length: 8 }, (_, i) => row(100 + i, `fan.${i}@example.org`)),
    );
    // the owner claims one of its own group's tickets; its other three keys witness its hotspot
    const ownRows = Array.from({ length: 4 }, (_, i) => row(200 + i, 'owner.family@example.org'));
    await importList(api.url, staff, eventId, ticketCsv(ownRows), false).expect(200);
    const ownLinks: { url: string; seat: string }[] = (await request(api.url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', staff).expect(200)).body.tickets;
    await claim(ownLinks.find((l) => l.seat === 'ring-200')!.url, ownerHotspot.owner);
    const ownKeys: BaseWallet[] = [];
    for (const seat of ['ring-201', 'ring-202', 'ring-203']) {
      const key = Wallet.createRandom();
      await admit(await claim(ownLinks.find((l) => l.seat === seat)!.url, key), key);
      ownKeys.push(key);
    }

    for (const k of ring) expect((await witness(api, ringHotspot, k, eventId)).verdict).toBe('valid');
    for (const k of honest) expect((await witness(api, honestHotspot, k, eventId)).verdict).toBe('valid');
    for (const k of ownKeys) expect((await witness(api, ownerHotspot, k, eventId)).verdict).toBe('valid');

    const hotspots = (await request(api.url).get(`/api/v1/coverage/events/${eventId}/hotspots`).set('authorization', staff).expect(200)).body as {
      address: string;
      uniqueWitnesses: number;
    }[];
    const unique = (d: TestDevice) => hotspots.find((h) => h.address === d.address)?.uniqueWitnesses;
    expect([unique(ringHotspot), unique(honestHotspot), unique(ownerHotspot)]).toEqual([1, 8, 0]);

    await transition(api, admin, eventId, 'live');
    await transition(api, admin, eventId, 'ended');
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    const ringFan = await earned(eventId, ringleader.address, 'coverage');
    const honestFan = await earned(eventId, honestHotspot.owner.address, 'coverage');
    const ownerFan = await earned(eventId, ownerHotspot.owner.address, 'coverage');
    // eight keys of one purchase earn what one witnessing person earns: an eighth of the honest hotspot, and the owner's own group nothing
    expect(honestFan).toBeGreaterThan(0n);
    expect(ringFan * 8n).toBeLessThanOrEqual(honestFan + 8n);
    expect(ownerFan).toBe(0n);
    const rings = closed.body.manifest.anomalies.filter((a: { code: string }) => a.code === 'purchase_ring');
    expect(rings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ hotspot: ringHotspot.address, keys: 8, counted: 1, ownerGroup: false }),
        expect.objectContaining({ hotspot: ownerHotspot.address, keys: 3, counted: 0, ownerGroup: true }),
      ]),
    );
    expect(rings).toHaveLength(2); // the honest fans are eight people: no ring
    // staff see the ring and reject the epoch (one epoch of a venue is in flight at a time)
    await request(api.url).post(`/api/v1/epochs/${closed.body.id}/reject`).set('authorization', staff).send({ note: 'purchase ring under review' }).expect(200);
  });

  it('pays coverage at the rate per witnessed point, whatever the pool holds: a lone witness at a small event earns 5 FAN, not the 5,000 FAN cap', async () => {
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Small night');
    await openGates(api.url, admin, eventId); // the default pools: 100,000 FAN of coverage, 5,000 FAN per owner
    const lone = await pairDevice(api, 'N101');
    const busy = await pairDevice(api, 'N101');
    const fans = await claimedAndAdmitted(
      eventId,
      Array.from({ length: 5 }, (_, i) => ({ order: `S-${i}`, section: 'N101', seat: `small-${i}`, tier: 'standard', email: `small.${i}@example.org` })),
    );
    expect((await witness(api, lone, fans[0], eventId)).verdict).toBe('valid');
    for (const f of fans.slice(1)) expect((await witness(api, busy, f, eventId)).verdict).toBe('valid');
    await transition(api, admin, eventId, 'live');
    await transition(api, admin, eventId, 'ended');
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    const [loneFan, busyFan] = [await earned(eventId, lone.owner.address, 'coverage'), await earned(eventId, busy.owner.address, 'coverage')];
    const scores = (await request(api.url).get(`/api/v1/coverage/events/${eventId}/scores`).expect(200)).body as { hotspot: string; score: number }[];
    const score = (d: TestDevice) => BigInt(scores.find((x) => x.hotspot === d.address)!.score);
    const rate = DEFAULT_POOLS.find((p) => p.kind === 'coverage')!.perUnit;
    expect(loneFan).toBe(score(lone) * rate);
    expect(loneFan).toBeLessThanOrEqual(5n * FAN);
    // the honest baseline: four witnesses earn four times one, at the same rate
    expect(busyFan).toBe(score(busy) * rate);
    expect(busyFan).toBe(4n * loneFan);
  });

  it('ends a revoked holder’s eligibility: their witness is refused and earns nothing, and the re-issued seat admits and pays its new holder alone', async () => {
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Re-issued seat night');
    await openGates(api.url, admin, eventId);
    const hotspot = await pairDevice(api, 'N101');
    const [first, second] = [Wallet.createRandom(), Wallet.createRandom()];
    const seat = { section: 'N101', seat: 'R-7', tier: 'standard' };
    const issue = async (holder: BaseWallet) =>
      (
        await request(api.url)
          .post(`/api/v1/events/${eventId}/tickets`)
          .set('authorization', admin)
          .send({ tickets: [{ holder: holder.address, ...seat }] })
          .expect(201)
      ).body.tickets[0] as { id: string; version: number };
    const old = await issue(first);
    await admit(old, first);
    expect((await witness(api, hotspot, first, eventId)).verdict).toBe('valid');
    const paidBefore = await until(
      () => earned(eventId, first.address, 'witness'),
      (n) => n > 0n,
    );

    // the venue revokes the ticket after admission and sells the seat again
    await request(api.url).post(`/api/v1/tickets/${old.id}/revoke`).set('authorization', admin).expect(204);
    const reissued = await issue(second);
    await admit(reissued, second);

    // the old holder no longer counts anywhere "admitted fans" are read
    const directory = api.app.get(AdmissionDirectory);
    expect(await directory.admitted(eventId, first.address.toLowerCase())).toBeUndefined();
    expect((await directory.fans(eventId)).map((f) => f.holder)).toEqual([second.address.toLowerCase()]);
    expect(await directory.countBySection(eventId)).toEqual({ N101: 1 });
    expect((await witness(api, hotspot, first, eventId)).verdict).toBe('fan_not_admitted');
    expect((await witness(api, hotspot, second, eventId)).verdict).toBe('valid');
    await until(
      () => earned(eventId, second.address, 'witness'),
      (n) => n > 0n,
    );
    expect(await earned(eventId, first.address, 'witness')).toBe(paidBefore); // nothing since the revocation
  });
});
