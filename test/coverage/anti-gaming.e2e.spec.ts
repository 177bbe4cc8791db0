import { Signature, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageScore, HotspotScore } from '@fanmesh/coverage';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, challenges, fanAuth, pairDevice, sendEnvelope, setPolicy, submit, TestDevice, transition, witness, witnessBody } from './support';

/** Gaming attempts against proof of coverage, on two API instances sharing one database. */
describe('coverage anti-gaming', () => {
  let a: RunningApp;
  let b: RunningApp;
  let admin: string;
  let eventId: string;
  const K = 2;
  const N = 3;
  const hotspots: Record<string, TestDevice> = {};
  const ring: TestDevice[] = [];

  const report = async (h: TestDevice) =>
    (await request(a.url).get(`/api/v1/coverage/hotspots/${h.address}/report`).query({ eventId }).set('authorization', await fanAuth(a, h.owner)).expect(200)).body;
  const heartbeat = (h: TestDevice, body: object) => sendEnvelope(a, h.envelope({ type: 'heartbeat', ...body })).expect(200);

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('coverage-gaming');
    a = await startApp('coverage-gaming-a', { databaseUrl });
    b = await startApp('coverage-gaming-b', { databaseUrl });
    admin = `Bearer ${await a.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Gaming night');
    await openGates(a.url, admin, eventId);
    await setPolicy(a, admin, eventId, { intervalS: 3600, fanWitnessesPerInterval: K, hotspotWitnessesPerInterval: N, challengeTtlS: 30 });
  });
  afterAll(() => Promise.all([a?.close(), b?.close()]));

  it('gives nothing for a hotspot witnessed only by 20 sybil fans with fresh keys who were never admitted', async () => {
    const h = (hotspots.sybil = await pairDevice(a, 'N101'));
    await heartbeat(h, { clients: 20, throughputKbps: 40_000 });
    const sybils = Array.from({ length: 20 }, () => Wallet.createRandom());
    const issued = await challenges(a, h, eventId, 20);
    const verdicts = await Promise.all(sybils.map(async (s, i) => (await submit(i % 2 ? a : b, s, await witnessBody(s, issued[i], h.sign(issued[i]))).expect(200)).body.verdict));
    expect(verdicts).toEqual(Array(20).fill('fan_not_admitted'));
    const r = await report(h);
    expect(r.verdicts).toMatchObject({ valid: 0, fan_not_admitted: 20 });
    expect(r.refusals).toEqual([{ reason: 'fan_not_admitted', count: 20, meaning: expect.any(String) }]);
    expect(r).toMatchObject({ uniqueWitnesses: 0, score: 0 });
  });

  it('holds a ring of colluding fans to K witnesses each and every hotspot to N, across two instances at once', async () => {
    const owner = Wallet.createRandom();
    for (let i = 0; i < 6; i++) ring.push(await pairDevice(a, 'N102', { owner }));
    const fans = await admittedFans(a, admin, eventId, 6, ['N102']);
    // every fan witnesses every hotspot of the ring, all at once, half through each instance
    const issued = new Map<TestDevice, Awaited<ReturnType<typeof challenges>>>();
    for (const h of ring) issued.set(h, await challenges(a, h, eventId, fans.length));
    const attempts = fans.flatMap((f, k) => ring.map((h) => ({ f, h, c: issued.get(h)![k] })));
    const results = await Promise.all(
      attempts.map(async ({ f, h, c }, i) => ({
        f: f.address.toLowerCase(),
        h: h.address,
        verdict: (await submit(i % 2 ? a : b, f, await witnessBody(f, c, h.sign(c))).expect(200)).body.verdict,
      })),
    );
    const valid = results.filter((r) => r.verdict === 'valid');
    expect(results.every((r) => ['valid', 'fan_limit', 'hotspot_limit'].includes(r.verdict))).toBe(true);
    expect(results.some((r) => r.verdict === 'fan_limit')).toBe(true);
    for (const f of fans) expect(valid.filter((r) => r.f === f.address.toLowerCase()).length).toBeLessThanOrEqual(K);
    for (const h of ring) expect(valid.filter((r) => r.h === h.address).length).toBeLessThanOrEqual(N);
    expect(valid.length).toBeLessThanOrEqual(fans.length * K);
    expect(valid.length).toBeGreaterThan(0);
    // fans from the other side of the stadium lending their signatures are implausible
    const far = await admittedFans(a, admin, eventId, 2, ['S103']);
    for (const f of far) expect((await witness(b, ring[0], f, eventId)).verdict).toBe('implausible_section');
  });

  it('does not believe a hotspot that claims 500 clients with 3 witnesses, nor one that claims 500 with none', async () => {
    const liar = (hotspots.liar = await pairDevice(a, 'N104'));
    const honest = (hotspots.honest = await pairDevice(a, 'N104'));
    const ghost = (hotspots.ghost = await pairDevice(a, 'N104'));
    await Promise.all([heartbeat(liar, { clients: 500, throughputKbps: 100_000 }), heartbeat(honest, { clients: 3, throughputKbps: 6_000 }), heartbeat(ghost, { clients: 500, throughputKbps: 100_000 })]);
    const fans = await admittedFans(a, admin, eventId, 3, ['N104']);
    for (const f of fans) {
      expect((await witness(a, liar, f, eventId)).verdict).toBe('valid');
      expect((await witness(b, honest, f, eventId)).verdict).toBe('valid');
    }
    await Promise.all([heartbeat(liar, { clients: 500, throughputKbps: 100_000 }), heartbeat(honest, { clients: 3, throughputKbps: 6_000 }), heartbeat(ghost, { clients: 500, throughputKbps: 100_000 })]);
    const r = await report(liar);
    expect(r).toMatchObject({ uniqueWitnesses: 3, claimedClients: 500 });
    expect(r.score).toBeLessThanOrEqual(3 * 1000);
  });

  it('counts a challenge response once however it is replayed: same fan, other fans, both instances, a signature twin', async () => {
    const h = (hotspots.replayed = await pairDevice(a, 'N105'));
    const fans = await admittedFans(a, admin, eventId, 3, ['N105']);
    const [c] = await challenges(a, h, eventId);
    const sig = h.sign(c);
    const original = await witnessBody(fans[0], c, sig);
    expect((await submit(a, fans[0], original).expect(200)).body.verdict).toBe('valid');
    const parsed = Signature.from(sig);
    const twin = Signature.from({ r: parsed.r, s: parsed.s, v: parsed.v === 27 ? 28 : 27 }).serialized; // same r||s, v flipped
    const replays = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const fan = fans[i % 3];
        const body = i % 3 === 0 ? original : await witnessBody(fan, c, i % 2 ? twin : sig);
        return (await submit(i % 2 ? a : b, fan, body).expect(200)).body.verdict;
      }),
    );
    expect(new Set(replays)).toEqual(new Set(['replayed']));
    // a replayed challenge request envelope is refused by seq, and issues nothing
    const env = h.envelope({ type: 'challenge.request', eventId });
    await sendEnvelope(a, env).expect(200);
    expect((await sendEnvelope(b, env).expect(409)).body.code).toBe('replayed_seq');
    const r = await report(h);
    expect(r.verdicts).toMatchObject({ valid: 1, replayed: 30 });
    expect(r.uniqueWitnesses).toBe(1);
  });

  describe('after the match', () => {
    let scores: HotspotScore[];
    const of = (h: TestDevice) => scores.find((s) => s.hotspot === h.address)!;

    beforeAll(async () => {
      await transition(a, admin, eventId, 'live');
      await transition(a, admin, eventId, 'ended');
      scores = (await request(a.url).post(`/api/v1/coverage/events/${eventId}/scores`).set('authorization', admin).expect(200)).body;
    });

    it('scores the epoch idempotently: recomputing on the other instance gives the same rows', async () => {
      const again = (await request(b.url).post(`/api/v1/coverage/events/${eventId}/scores`).set('authorization', admin).expect(200)).body;
      expect(again).toEqual(scores);
      const stored = (await request(b.url).get(`/api/v1/coverage/events/${eventId}/scores`).expect(200)).body;
      expect([...stored].sort((x: HotspotScore, y: HotspotScore) => x.hotspot.localeCompare(y.hotspot))).toEqual([...scores].sort((x, y) => x.hotspot.localeCompare(y.hotspot)));
      expect(scores.every((s) => s.final)).toBe(true);
    });

    it('scores 0 for the sybil-witnessed hotspot and for the ghost that claimed 500 clients', () => {
      expect(of(hotspots.sybil)).toMatchObject({ uniqueWitnesses: 0, score: 0 });
      expect(of(hotspots.ghost)).toMatchObject({ uniqueWitnesses: 0, score: 0, claimedClients: 500 });
    });

    it('scores the hotspot claiming 500 clients with 3 witnesses exactly like an honest one with 3', () => {
      const liar = of(hotspots.liar);
      const honest = of(hotspots.honest);
      expect(liar).toMatchObject({ uniqueWitnesses: 3, claimedClients: 500 });
      expect(honest).toMatchObject({ uniqueWitnesses: 3, claimedClients: 3 });
      expect(liar.uptime).toBe(honest.uptime);
      expect(liar.quality).toBe(honest.quality);
      expect(liar.score).toBe(honest.score);
      expect(liar.score).toBeGreaterThan(0);
      expect(liar.score).toBeLessThanOrEqual(3 * 1000);
      // what the formula would give if the claim were believed
      const believed = coverageScore({ uniqueWitnesses: 500, heardBuckets: 1, windowBuckets: 1, reportedClients: 500, reportedThroughputKbps: 100_000 }).score;
      expect(liar.score * 100).toBeLessThan(believed);
    });

    it("bounds the ring's whole score by K witnesses per fan", () => {
      const total = ring.reduce((n, h) => n + of(h).score, 0);
      const witnesses = ring.reduce((n, h) => n + of(h).uniqueWitnesses, 0);
      expect(witnesses).toBeLessThanOrEqual(6 * K);
      expect(total).toBeLessThanOrEqual(6 * K * 1000);
    });
  });
});
