import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WITNESS_VERDICTS } from '@fanmesh/coverage';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { WsClient } from '../support/ws-client';
import { admittedFans, challenges, fanAuth, pairDevice, sendEnvelope, setPolicy, submit, ticketsFor, transition, witness, witnessBody } from './support';

describe('coverage witnesses: one explicit verdict each', () => {
  let api: RunningApp;
  let admin: string;
  let eventId: string;
  const seen = new Set<string>();
  const POLICY = { intervalS: 300, fanWitnessesPerInterval: 2, hotspotWitnessesPerInterval: 3, challengeTtlS: 30 };

  const judged = <T extends { verdict: string }>(body: T): T => (seen.add(body.verdict), body);

  beforeAll(async () => {
    api = await startApp('coverage-witness');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Coverage night');
    await openGates(api.url, admin, eventId);
    await setPolicy(api, admin, eventId, POLICY);
  });
  afterAll(() => api?.close());

  it('issues unpredictable challenges only to hotspots of the venue while the event is open, refusing without moving seq', async () => {
    const hotspot = await pairDevice(api, 'N101');
    const issued = await challenges(api, hotspot, eventId, 3);
    expect(issued).toHaveLength(3);
    expect(new Set(issued.map((c) => c.nonce)).size).toBe(3);
    for (const c of issued) {
      expect(c).toMatchObject({ eventId, hotspot: hotspot.address });
      expect(c.nonce).toMatch(/^0x[0-9a-f]{64}$/);
      expect(Date.parse(c.expiresAt) - Date.parse(c.issuedAt)).toBe(POLICY.challengeTtlS * 1000);
    }
    const sensor = await pairDevice(api, 'N101', { kind: 'sensor' });
    expect((await sendEnvelope(api, sensor.envelope({ type: 'challenge.request', eventId })).expect(403)).body.code).toBe('not_a_hotspot');
    const later = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Next week');
    const refused = hotspot.envelope({ type: 'challenge.request', eventId: later }, 10);
    expect((await sendEnvelope(api, refused).expect(409)).body.code).toBe('event_not_open');
    expect((await sendEnvelope(api, hotspot.envelope({ type: 'challenge.request', eventId, count: 1000 }, 10)).expect(422)).body.code).toBe('bad_challenge_request');
    expect((await sendEnvelope(api, hotspot.envelope({ type: 'challenge.request' }, 10)).expect(422)).body.code).toBe('bad_challenge_request');
    expect((await sendEnvelope(api, hotspot.envelope({ type: 'challenge.request', eventId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }, 10)).expect(404)).body.code).toBe('event_not_found');
    const { body: venue } = await request(api.url).post('/api/v1/venues').set('authorization', admin)
      .send({ name: 'Other ground', city: 'Porto', timezone: 'Europe/Lisbon', sections: [{ code: 'A1', name: 'Block A1', stand: 'north', tier: 1, capacity: 100 }] }).expect(201);
    const abroad = await pairDevice(api, 'A1', { venueId: venue.id });
    expect((await sendEnvelope(api, abroad.envelope({ type: 'challenge.request', eventId })).expect(403)).body.code).toBe('wrong_venue');
    const chatty = await pairDevice(api, 'N101');
    for (let i = 0; i < 4; i++) await challenges(api, chatty, eventId, 32);
    expect((await sendEnvelope(api, chatty.envelope({ type: 'challenge.request', eventId })).expect(429)).body.code).toBe('too_many_challenges');
    // none of the refusals used seq 10
    expect((await sendEnvelope(api, hotspot.envelope({ type: 'challenge.request', eventId }, 10)).expect(200)).body).toMatchObject({ accepted: true, seq: 10 });
  });

  it('counts a witness from an admitted fan in the same or a neighbouring section, tells the fan live and staff once a second', async () => {
    const hotspot = await pairDevice(api, 'N101');
    const [same, neighbour] = await admittedFans(api, admin, eventId, 2, ['N101', 'N102']);
    const fanWs = await WsClient.connect(api.url, await api.tokenFor({ subject: same.address.toLowerCase(), kind: 'account', roles: ['fan'] }));
    await fanWs.subscribe(`fan:${same.address.toLowerCase()}`);
    const staffWs = await WsClient.connect(api.url, await api.tokenFor(adminPrincipal));
    await staffWs.subscribe(`staff:${DEMO_VENUE_ID}`);

    const first = judged(await witness(api, hotspot, same, eventId));
    expect(first).toMatchObject({ verdict: 'valid', hotspot: hotspot.address, eventId });
    expect(judged(await witness(api, hotspot, neighbour, eventId)).verdict).toBe('valid');

    const live = await fanWs.next((f) => f.type === 'message' && (f.data as { type?: string }).type === 'coverage.witness');
    expect(live.data).toMatchObject({ witnessId: first.witnessId, verdict: 'valid', hotspot: hotspot.address });
    // Counts come once a second per event: the two witnesses may fall into one message or two.
    let counted = 0;
    while (counted < 2) {
      const counts = await staffWs.next((f) => f.type === 'message' && (f.data as { type?: string; byHotspot?: Record<string, number> }).byHotspot?.[hotspot.address] !== undefined, 3000);
      counted += (counts.data as { byHotspot: Record<string, number> }).byHotspot[hotspot.address];
    }
    expect(counted).toBe(2);
    fanWs.close();
    staffWs.close();
  });

  it('refuses an unknown challenge, another event, a forged hotspot signature and a witness not signed by the caller', async () => {
    const hotspot = await pairDevice(api, 'N101');
    const [fan, other] = await admittedFans(api, admin, eventId, 2, ['N101']);
    const [c] = await challenges(api, hotspot, eventId);
    const good = await witnessBody(fan, c, hotspot.sign(c));

    expect(judged((await submit(api, fan, { ...good, challengeId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }).expect(200)).body).verdict).toBe('unknown_challenge');
    const elsewhere = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Elsewhere');
    expect(judged((await submit(api, fan, await witnessBody(fan, c, hotspot.sign(c), { eventId: elsewhere })).expect(200)).body).verdict).toBe('wrong_event');
    const impostor = await pairDevice(api, 'N101');
    expect(judged((await submit(api, fan, await witnessBody(fan, c, impostor.sign(c))).expect(200)).body).verdict).toBe('bad_hotspot_signature');
    // the hotspot signed another challenge than the one named
    const [c2] = await challenges(api, hotspot, eventId);
    expect(judged((await submit(api, fan, await witnessBody(fan, c, hotspot.sign(c2))).expect(200)).body).verdict).toBe('bad_hotspot_signature');
    // fan's witness submitted by someone else, and a witness whose signing time was changed after signing
    expect(judged((await submit(api, other, good).expect(200)).body).verdict).toBe('bad_fan_signature');
    expect(judged((await submit(api, fan, { ...good, signedAt: new Date(Date.parse(good.signedAt) + 1000).toISOString() }).expect(200)).body).verdict).toBe('bad_fan_signature');
    expect(judged((await submit(api, fan, await witnessBody(Wallet.createRandom(), c, hotspot.sign(c)), await fanAuth(api, fan)).expect(200)).body).verdict).toBe('bad_fan_signature');
    // none of these used the challenge up: the genuine witness still counts
    expect(judged((await submit(api, fan, good).expect(200)).body).verdict).toBe('valid');
  });

  it('counts a challenge response once: the same fan again, or anyone it is passed to, is a replay', async () => {
    const hotspot = await pairDevice(api, 'N102');
    const [fan, friend] = await admittedFans(api, admin, eventId, 2, ['N102']);
    const [c] = await challenges(api, hotspot, eventId);
    const sig = hotspot.sign(c);
    const body = await witnessBody(fan, c, sig);
    expect((await submit(api, fan, body).expect(200)).body.verdict).toBe('valid');
    expect(judged((await submit(api, fan, body).expect(200)).body).verdict).toBe('replayed');
    expect(judged((await submit(api, friend, await witnessBody(friend, c, sig)).expect(200)).body).verdict).toBe('replayed');
    // twenty at once, from two fans: still nothing more than replays
    const again = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await submit(api, i % 2 ? fan : friend, i % 2 ? body : await witnessBody(friend, c, sig))).body.verdict));
    expect(new Set(again)).toEqual(new Set(['replayed']));
  });

  it('refuses a response after the challenge expired, or signed outside its life', async () => {
    const hotspot = await pairDevice(api, 'N103');
    const [fan] = await admittedFans(api, admin, eventId, 1, ['N103']);
    const [c] = await challenges(api, hotspot, eventId);
    const before = new Date(Date.parse(c.issuedAt) - 60_000).toISOString();
    expect(judged((await submit(api, fan, await witnessBody(fan, c, hotspot.sign(c), { signedAt: before })).expect(200)).body).verdict).toBe('expired_challenge');

    await setPolicy(api, admin, eventId, { ...POLICY, challengeTtlS: 1 });
    try {
      const [short] = await challenges(api, hotspot, eventId);
      const body = await witnessBody(fan, short, hotspot.sign(short));
      await new Promise((r) => setTimeout(r, Date.parse(short.expiresAt) - Date.now() + 300));
      expect(judged((await submit(api, fan, body).expect(200)).body).verdict).toBe('expired_challenge');
    } finally {
      await setPolicy(api, admin, eventId, POLICY);
    }
  });

  it('refuses fans who are not admitted: a fresh key, and a ticket holder who never came through a gate', async () => {
    const hotspot = await pairDevice(api, 'N104');
    const stranger = Wallet.createRandom();
    const [c1] = await challenges(api, hotspot, eventId);
    expect(judged((await submit(api, stranger, await witnessBody(stranger, c1, hotspot.sign(c1))).expect(200)).body).verdict).toBe('fan_not_admitted');
    const [ticket] = await ticketsFor(api, admin, eventId, 1, ['N104']);
    const [c2] = await challenges(api, hotspot, eventId);
    expect((await submit(api, ticket.wallet, await witnessBody(ticket.wallet, c2, hotspot.sign(c2))).expect(200)).body.verdict).toBe('fan_not_admitted');
  });

  it('refuses an owner witnessing their own hotspot', async () => {
    const [owner] = await admittedFans(api, admin, eventId, 1, ['N105']);
    const hotspot = await pairDevice(api, 'N105', { owner });
    expect(judged(await witness(api, hotspot, owner, eventId)).verdict).toBe('own_hotspot');
  });

  it('slows down a fan flooding witnesses with 429 rate_limited, recording nothing for the refused requests', async () => {
    const hotspot = await pairDevice(api, 'W103');
    const flooder = Wallet.createRandom();
    const [c] = await challenges(api, hotspot, eventId);
    const body = await witnessBody(flooder, c, hotspot.sign(c));
    const auth = await fanAuth(api, flooder);
    const codes = await Promise.all(Array.from({ length: 40 }, async () => (await submit(api, flooder, body, auth)).status));
    const limited = codes.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThan(0);
    expect(codes.filter((s) => s !== 429 && s !== 200)).toEqual([]);
    const mine = (await request(api.url).get(`/api/v1/coverage/events/${eventId}/witnesses/mine`).set('authorization', auth).expect(200)).body;
    expect(mine).toHaveLength(40 - limited);
  });

  it("refuses a fan seated far from the hotspot's section", async () => {
    const hotspot = await pairDevice(api, 'N101');
    const [far] = await admittedFans(api, admin, eventId, 1, ['N103']); // N101's neighbours are W105, N102 and N201
    expect(judged(await witness(api, hotspot, far, eventId)).verdict).toBe('implausible_section');
  });

  it('refuses a challenge relayed to a phone on another network than the hotspot asked from', async () => {
    const hotspot = await pairDevice(api, 'S101');
    const [fan] = await admittedFans(api, admin, eventId, 1, ['S101']);
    const ask = () => request(api.url).post('/api/v1/devices/messages').set('x-forwarded-for', '203.0.113.7').send(hotspot.envelope({ type: 'challenge.request', eventId })).expect(200);
    const from = async (ip: string) => {
      const [c] = (await ask()).body.challenges;
      return (await request(api.url).post('/api/v1/coverage/witnesses').set('authorization', await fanAuth(api, fan)).set('x-forwarded-for', ip).send(await witnessBody(fan, c, hotspot.sign(c))).expect(200)).body;
    };
    expect(judged(await from('198.51.100.9')).verdict).toBe('not_on_hotspot_network');
    expect(judged(await from('203.0.113.7')).verdict).toBe('valid');
  });

  it('refuses a phone valid at a hotspot two sections away moments ago (test/fraud/witness-mobility.e2e.spec.ts has the attack)', async () => {
    const [west2, west4] = [await pairDevice(api, 'W102'), await pairDevice(api, 'W104')];
    const [fan] = await admittedFans(api, admin, eventId, 1, ['W103']); // W103's neighbours are W102 and W104, which are not each other's
    expect(judged(await witness(api, west2, fan, eventId)).verdict).toBe('valid');
    expect(judged(await witness(api, west4, fan, eventId)).verdict).toBe('impossible_movement');
  });

  it('limits a fan to K witnesses and a hotspot to N fans per interval', async () => {
    const spots = await Promise.all([pairDevice(api, 'E101'), pairDevice(api, 'E101'), pairDevice(api, 'E101')]);
    const [fan] = await admittedFans(api, admin, eventId, 1, ['E101']);
    const verdicts = [];
    for (const h of spots) verdicts.push(judged(await witness(api, h, fan, eventId)).verdict);
    expect(verdicts).toEqual(['valid', 'valid', 'fan_limit']);

    const busy = await pairDevice(api, 'E102');
    const fans = await admittedFans(api, admin, eventId, 4, ['E102']);
    const results = [];
    for (const f of fans) results.push(judged(await witness(api, busy, f, eventId)).verdict);
    expect(results).toEqual(['valid', 'valid', 'valid', 'hotspot_limit']);
  });

  it('refuses witnesses of a hotspot put on the denylist, and shows its owner why, reason by reason', async () => {
    const hotspot = await pairDevice(api, 'S101');
    const [fan, far] = await admittedFans(api, admin, eventId, 2, ['S101', 'N101']);
    expect((await witness(api, hotspot, fan, eventId)).verdict).toBe('valid');
    expect((await witness(api, hotspot, far, eventId)).verdict).toBe('implausible_section');
    const [c] = await challenges(api, hotspot, eventId);
    await request(api.url).post('/api/v1/devices/denylist').set('authorization', admin).send({ type: 'device', subject: hotspot.address, venueId: DEMO_VENUE_ID, reason: 'relayed challenges' }).expect(204);
    expect(judged((await submit(api, fan, await witnessBody(fan, c, hotspot.sign(c))).expect(200)).body).verdict).toBe('hotspot_inactive');

    const owner = await fanAuth(api, hotspot.owner);
    const report = (await request(api.url).get(`/api/v1/coverage/hotspots/${hotspot.address}/report`).query({ eventId }).set('authorization', owner).expect(200)).body;
    expect(report).toMatchObject({ hotspot: hotspot.address, status: 'denylisted', uniqueWitnesses: 1, denylist: { reason: 'relayed challenges', appeal: null } });
    expect(report.verdicts).toMatchObject({ valid: 1, implausible_section: 1, hotspot_inactive: 1, fan_not_admitted: 0 });
    expect(report.refusals.map((r: { reason: string; count: number }) => [r.reason, r.count])).toEqual([['hotspot_inactive', 1], ['implausible_section', 1]]);
    expect(report.score).toBeGreaterThan(0);
    // someone else's hotspot is not theirs to read; venue staff may
    await request(api.url).get(`/api/v1/coverage/hotspots/${hotspot.address}/report`).query({ eventId }).set('authorization', await fanAuth(api, fan)).expect(403);
    const staff = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000b2', kind: 'account', roles: ['fan', `staff@${DEMO_VENUE_ID}`] })}`;
    await request(api.url).get(`/api/v1/coverage/hotspots/${hotspot.address}/report`).query({ eventId }).set('authorization', staff).expect(200);
    const listed = (await request(api.url).get(`/api/v1/coverage/events/${eventId}/hotspots`).set('authorization', staff).expect(200)).body;
    expect(listed.find((h: { address: string }) => h.address === hotspot.address)).toMatchObject({ status: 'denylisted', validWitnesses: 1, refusedWitnesses: 2, uniqueWitnesses: 1 });
    const trail = (await request(api.url).get(`/api/v1/coverage/events/${eventId}/verdicts`).query({ hotspot: hotspot.address }).set('authorization', staff).expect(200)).body;
    expect(trail.map((v: { verdict: string }) => v.verdict)).toEqual(['hotspot_inactive', 'implausible_section', 'valid']);
    expect(trail[1]).toMatchObject({ hotspotSection: 'S101', fanSection: 'N101', fan: far.address.toLowerCase() });
    const onlyValid = (await request(api.url).get(`/api/v1/coverage/events/${eventId}/verdicts`).query({ verdict: 'valid', limit: '1000' }).set('authorization', staff).expect(200)).body;
    expect(onlyValid.length).toBeGreaterThan(1);
    expect(onlyValid.every((v: { verdict: string }) => v.verdict === 'valid')).toBe(true);
    await request(api.url).get(`/api/v1/coverage/events/${eventId}/verdicts`).query({ verdict: 'nice' }).set('authorization', staff).expect(400);
    const mine = (await request(api.url).get(`/api/v1/coverage/events/${eventId}/hotspots/mine`).set('authorization', owner).expect(200)).body;
    expect(mine).toEqual([report]);
  });

  it('answers malformed witnesses with 400 problem+json and records nothing', async () => {
    const hotspot = await pairDevice(api, 'W101');
    const [fan] = await admittedFans(api, admin, eventId, 1, ['W101']);
    const [c] = await challenges(api, hotspot, eventId);
    const good = await witnessBody(fan, c, hotspot.sign(c));
    const bad = [
      {},
      { ...good, challengeId: 'nope' },
      { ...good, fanSignature: '0x1234' },
      { ...good, hotspotSignature: 'zz' },
      { ...good, signedAt: 'yesterday' },
      { ...good, extra: 1 },
    ];
    for (const body of bad) {
      const res = await submit(api, fan, body).expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
    }
    await request(api.url).post('/api/v1/coverage/witnesses').send(good).expect(401);
    const mine = (await request(api.url).get(`/api/v1/coverage/events/${eventId}/witnesses/mine`).set('authorization', await fanAuth(api, fan)).expect(200)).body;
    expect(mine).toEqual([]);
    expect((await submit(api, fan, good).expect(200)).body.verdict).toBe('valid');
  });

  it('refuses witnesses once the event has ended', async () => {
    const hotspot = await pairDevice(api, 'W102');
    const [fan] = await admittedFans(api, admin, eventId, 1, ['W102']);
    const [c] = await challenges(api, hotspot, eventId);
    await transition(api, admin, eventId, 'live');
    await transition(api, admin, eventId, 'ended');
    expect(judged((await submit(api, fan, await witnessBody(fan, c, hotspot.sign(c))).expect(200)).body).verdict).toBe('event_closed');
    expect((await sendEnvelope(api, hotspot.envelope({ type: 'challenge.request', eventId })).expect(409)).body.code).toBe('event_not_open');
  });

  it('reached every verdict', () => {
    expect([...seen].sort()).toEqual([...WITNESS_VERDICTS].sort());
  });
});
