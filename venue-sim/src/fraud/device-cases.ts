import { Fan } from '../actors/fan';
import { Hotspot, Owner, Sensor } from '../actors/device';
import { sleep } from '../clock';
import { freshWallet, signEnvelope } from '../protocol';
import { SigningKey } from 'ethers';
import { pool, Stadium } from '../stadium';
import { FraudCase, HonestClaim, outcome, refusalCounter } from './case';
import { honestArrivals } from './access-cases';

/** Sections of the venue that are not `code` nor its neighbours (a seat there cannot hear the hotspot). */
function farFrom(st: Stadium, code: string): string {
  const s = st.venue.sections.find((x) => x.code === code)!;
  return st.venue.sections.find((x) => x.code !== code && !s.neighbours.includes(x.code) && !x.neighbours.includes(code))?.code ?? code;
}

/** Honest coverage: a hotspot in each section of the admitted fans; every fan's phone witnesses it once. */
async function honestWitnesses(st: Stadium, fans: Fan[]): Promise<{ tried: number; valid: number; claims: HonestClaim[]; hotspots: Hotspot[] }> {
  const sections = [...new Set(fans.map((f) => f.section))];
  const owner = await new Owner(st.url, st.meter.observer).signIn();
  const hotspots = sections.map((s) => new Hotspot(s, owner, st.devices));
  await st.pairAll(hotspots);
  await Promise.all(hotspots.map((h) => h.heartbeat({ clients: fans.filter((f) => f.section === h.section).length })));
  const answers = await pool(fans, 8, (f) => hotspots[sections.indexOf(f.section)].witnessedBy(f, st.eventId));
  const valid = fans.filter((_, i) => answers[i].body.verdict === 'valid');
  return { tried: fans.length, valid: valid.length, claims: valid.map((f) => ({ account: () => f.client(), kind: 'witness' })), hotspots };
}

/** A hotspot owner manufactures witnesses: sybil phones never admitted, admitted accomplices seated far away, replays. */
export const fakeWitnesses: FraudCase = {
  id: 'fake_witnesses',
  title: 'Hotspot with fake witnesses (non-admitted and sybil fans)',
  needs: { method: 'POST', path: '/api/v1/coverage/witnesses', api: 'coverage (POST /coverage/witnesses)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const admitted = honest.filter((f) => f.admitted);
    const w = await honestWitnesses(st, admitted);
    const section = admitted[0]?.section ?? st.venue.sections[0].code;
    const owner = await new Owner(st.url, st.meter.observer).signIn();
    const rogue = await st.newDevice((o) => new Hotspot(section, o, st.devices), owner);
    const sybils = Array.from({ length: Math.max(3, Math.floor(honest.length / 4)) }, () => new Fan(st.url, section, st.meter.observer));
    const far = farFrom(st, section);
    const accomplices = Array.from({ length: 3 }, () => new Fan(st.url, far, st.meter.observer));
    const tickets = await st.op.issueTickets(
      st.eventId,
      accomplices.map((a) => ({ address: a.wallet.address, section: far })),
    );
    tickets.forEach((t, i) => (accomplices[i].ticket = t));
    for (const a of accomplices) await st.arrive(a);
    const r = refusalCounter();
    let accepted = 0;
    let attempts = 0;
    const judged = await pool([...sybils, ...accomplices], 8, (f) => rogue.witnessedBy(f, st.eventId));
    for (const a of judged) {
      attempts++;
      a.body.verdict === 'valid' ? accepted++ : r.add(a.body.verdict ?? a.body.code);
    }
    // the owner replays one honest witness through his own box: the same challenge response again
    const [c] = await rogue.challenges(st.eventId, 1);
    const once = await sybils[0].witness(c, rogue.sign(c));
    const again = await sybils[0].witness(c, rogue.sign(c));
    attempts += 2;
    for (const a of [once, again]) a.body.verdict === 'valid' ? accepted++ : r.add(a.body.verdict ?? a.body.code);
    return outcome({
      attempts,
      accepted,
      refusals: r.refusals,
      honestTried: h.tried + w.tried,
      honestAccepted: h.admitted + w.valid,
      honestClaims: [...h.claims, ...w.claims],
      fraudAccounts: [() => Promise.resolve(owner.client), ...sybils.map((s) => () => s.client())],
      alertFilter: (a) => a.type === 'coverage.witnesses',
      notes: [`${sybils.length} sybil phones (no ticket), 3 admitted accomplices seated in ${far}, far from the hotspot in ${section}, and a replayed response`],
    });
  },
};

/** Two hotspots side by side, witnessed by the same fans; one claims 5,000 clients and 900 Mbit/s in its heartbeats. */
export const overReporting: FraudCase = {
  id: 'over_reporting',
  title: 'Hotspot over-reporting clients',
  needs: { method: 'GET', path: '/api/v1/coverage/events/:event/scores', api: 'coverage scores (POST/GET /coverage/events/:id/scores)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const section = honest[0].section;
    const fans = honest.filter((f) => f.admitted && f.section === section).slice(0, 3);
    const twin = await st.newDevice((o) => new Hotspot(section, o, st.devices));
    const liar = await st.newDevice((o) => new Hotspot(section, o, st.devices));
    for (let i = 0; i < 3; i++) {
      await twin.heartbeat({ clients: fans.length, throughputKbps: 2500 * fans.length }); // what 3 phones really pull
      await liar.heartbeat({ clients: 5000, throughputKbps: 900_000 });
    }
    let honestValid = 0;
    for (const f of fans) {
      if ((await twin.witnessedBy(f, st.eventId)).body.verdict === 'valid') honestValid++;
      await liar.witnessedBy(f, st.eventId);
    }
    const scores = await st.op.client.attempt<{ hotspot: string; score: number; claimedClients: number | null; uniqueWitnesses: number }[]>(
      'POST',
      `/api/v1/coverage/events/${st.eventId}/scores`,
    );
    const list = Array.isArray(scores.body) ? scores.body : [];
    const t = list.find((s) => s.hotspot === twin.address);
    const l = list.find((s) => s.hotspot === liar.address);
    const r = refusalCounter();
    const gained = !!t && !!l && l.score > t.score;
    if (!gained) r.add(l ? `score ${l.score} ≤ honest twin ${t?.score}` : `scores: ${scores.status}`);
    return outcome({
      attempts: 1,
      accepted: gained ? 1 : 0,
      refusals: r.refusals,
      honestTried: h.tried + fans.length,
      honestAccepted: h.admitted + honestValid,
      honestClaims: h.claims,
      fraudAccounts: [],
      notes: [
        `claimed 5000 clients and 900 Mbit/s, witnessed by ${l?.uniqueWitnesses ?? '?'}; score ${l?.score ?? '?'} vs honest twin ${t?.score ?? '?'}; coverage is paid per epoch by score, compared here`,
      ],
    });
  },
};

/** A captured turnstile envelope sent again and again, and an older one after a newer: counts must not grow. */
export const sensorReplay: FraudCase = {
  id: 'sensor_replay',
  title: 'Sensor replaying readings',
  needs: { method: 'GET', path: '/api/v1/events/:event/attendance', api: 'sensing (device body readings, GET /events/:id/attendance)' },
  async run(st, honest) {
    const section = honest[0].section;
    const h = await honestArrivals(st, honest);
    const inSection = honest.filter((f) => f.admitted && f.section === section).length;
    const counter = await st.newDevice((o) => new Sensor('turnstile', section, o, st.devices));
    const first = await counter.readings(st.eventId, [['turnstile', Date.now() - 2000, inSection]]);
    const second = await counter.readings(st.eventId, [['turnstile', Date.now() - 1000, 0]]);
    const honestOk = [first, second].filter((a) => a.status === 200).length;
    const captured = counter.sent.find((e) => e.body.includes('"readings"'))!;
    const r = refusalCounter();
    let accepted = 0;
    let attempts = 0;
    for (let i = 0; i < 10; i++) {
      const a = await counter.replay(captured);
      attempts++;
      a.status === 200 ? accepted++ : r.add(a.body.code);
    }
    // an impostor re-signs the captured readings with its own key under the sensor's id
    const impostor = signEnvelope(new SigningKey(freshWallet().privateKey), counter.wallet.address, counter.seq + 1, JSON.parse(captured.body));
    const forged = await counter.replay(impostor);
    attempts++;
    forged.status === 200 ? accepted++ : r.add(forged.body.code);
    await sleep(500);
    const att = await st.op.client.attempt<{ sections: { section: string; counted: number | null }[] }>('GET', `/api/v1/events/${st.eventId}/attendance`);
    const counted = att.body.sections?.find((s) => s.section === section)?.counted ?? null;
    if (counted !== null && counted > inSection) accepted++;
    return outcome({
      attempts,
      accepted,
      refusals: r.refusals,
      honestTried: h.tried + 2,
      honestAccepted: h.admitted + honestOk,
      honestClaims: h.claims,
      alertFilter: (a) => a.type === 'sensing.attendance_alert' && a.data.section === section,
      notes: [`turnstile in ${section} counted ${counted ?? '?'} for ${inSection} admitted after 10 replays and a forged re-signing`],
    });
  },
};

/** A sensor's sound readings around now: a minute of ambient at `ambientDb`, then one at `spikeDb`. */
function soundTrack(ambientDb: number, spikeDb: number, now = Date.now()): ['sound', number, number][] {
  const readings: ['sound', number, number][] = [];
  for (let t = now - 60_000; t < now - 3000; t += 3000) readings.push(['sound', t, ambientDb + Math.random() * 3]);
  readings.push(['sound', now - 1500, spikeDb + Math.random() * 4]);
  return readings;
}

/** Sound readings of `sensors` at `db` around now, with a minute of ambient before (each its own series). */
async function soundBurst(st: Stadium, sensors: Sensor[], ambientDb: number, spikeDb: number): Promise<number[]> {
  const now = Date.now();
  return Promise.all(sensors.map(async (s) => (await s.readings(st.eventId, soundTrack(ambientDb, spikeDb, now))).status));
}

/** The event's moments as staff see them (candidates too). */
const staffMoments = async (st: Stadium) =>
  (await st.op.client.get<{ id: string; status: string; signal?: { devices?: string[] } }[]>(`/api/v1/events/${st.eventId}/moments`)) ?? [];

/**
 * Two free wallets pair three sensors in two sections and push a goal nobody else heard (new
 * sensors start at a quarter of full trust, and a moment needs two owners with established trust);
 * the venue's approved sensors across the ground hear a real one.
 */
export const fakeGoal: FraudCase = {
  id: 'fake_goal',
  title: 'Fresh sensors pushing a false goal',
  needs: { method: 'GET', path: '/api/v1/events/:event/moments', api: 'moments (GET /events/:id/moments, POST /moments/:id/confirm)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const moments = () => staffMoments(st);
    const before = new Set((await moments()).map((m) => m.id));
    const owner = await new Owner(st.url, st.meter.observer).signIn();
    const accomplice = await new Owner(st.url, st.meter.observer).signIn();
    const [section, other] = st.venue.sections.map((s) => s.code);
    const fakes = [new Sensor('sound', section, owner, st.devices), new Sensor('sound', section, owner, st.devices), new Sensor('sound', other, accomplice, st.devices)];
    await st.pairAll(fakes);
    const statuses = await soundBurst(st, fakes, 72, 112);
    // a key that was never paired, signing a spike under its own id
    const stranger = new Sensor('sound', section, owner, st.devices);
    const unpaired = await stranger.readings(st.eventId, [['sound', Date.now() - 500, 120]]);
    await sleep(6000); // past the detector's 5 s window, so the honest roar below is a burst of its own
    const fakeSet = new Set(fakes.map((f) => f.address));
    const fromFakes = (await moments()).filter((m) => !before.has(m.id) && (m.signal?.devices ?? []).every((d) => fakeSet.has(d)));
    const r = refusalCounter();
    r.add(unpaired.body.code ?? String(unpaired.status));
    for (const s of statuses) if (s !== 200) r.add(`readings ${s}`);
    if (!fromFakes.length) r.add('no quorum: no owner with established trust');

    // the honest crowd: the venue's sensors (approved by its staff) of different owners in different sections hear the same roar
    const sections = st.venue.sections.slice(0, 4).map((s) => s.code);
    const honestSensors: Sensor[] = [];
    for (const s of sections) honestSensors.push(await st.newDevice((o) => new Sensor('sound', s, o, st.devices)));
    await st.op.approveSensors(st.venue.id, honestSensors);
    await soundBurst(st, honestSensors, 70, 104);
    let goal: { id: string } | undefined;
    for (let i = 0; i < 20 && !goal; i++) {
      await sleep(500);
      goal = (await moments()).find((m) => !before.has(m.id) && m.status === 'candidate' && !fromFakes.some((f) => f.id === m.id));
    }
    const confirmed = goal ? await st.op.client.attempt('POST', `/api/v1/moments/${goal.id}/confirm`, { kind: 'goal', team: 'home' }) : undefined;
    const admitted = honest.filter((f) => f.admitted);
    return outcome({
      attempts: 2,
      accepted: fromFakes.length + (unpaired.status === 200 ? 1 : 0),
      refusals: r.refusals,
      honestTried: h.tried + 1,
      honestAccepted: h.admitted + (confirmed?.status === 200 ? 1 : 0),
      honestClaims: [...h.claims, ...admitted.map((f) => ({ account: () => f.client(), kind: 'moment' }))],
      fraudAccounts: [() => Promise.resolve(owner.client), () => Promise.resolve(accomplice.client)],
      alertFilter: (a) => a.type === 'moments.candidate',
      notes: [
        goal
          ? `a real goal heard by ${honestSensors.length} sensors of ${honestSensors.length} owners became candidate ${goal.id.slice(0, 8)} and was confirmed (${confirmed?.status})`
          : 'the honest roar raised no candidate',
      ],
    });
  },
};

/**
 * Copycat sensors: one venue sensor spikes alone (a drum band beside it); two keys with established
 * trust, of two other owners in two other sections, re-sign its exact readings a moment later.
 * Counted separately, three established owners in three sections would be a quorum of one source;
 * the rule counts an identical series once, and the copies lose trust.
 */
export const copycatSensor: FraudCase = {
  id: 'copycat_sensor',
  title: 'Copycat sensors re-signing another sensor’s readings',
  needs: { method: 'GET', path: '/api/v1/events/:event/moments', api: 'moments (GET /events/:id/moments, sensor approvals)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const before = new Set((await staffMoments(st)).map((m) => m.id));
    const [a, b, c] = st.venue.sections.slice(-3).map((s) => s.code);
    const original = await st.newDevice((o) => new Sensor('sound', a, o, st.devices));
    const copiers = [await st.newDevice((o) => new Sensor('sound', b, o, st.devices)), await st.newDevice((o) => new Sensor('sound', c, o, st.devices))];
    // the premise: all three hold established trust (here the venue approved them)
    await st.op.approveSensors(st.venue.id, [original, ...copiers]);
    const track = soundTrack(70, 108);
    const honestOk = (await original.readings(st.eventId, track)).status === 200;
    const copied = await Promise.all(
      copiers.map(
        async (x) =>
          (
            await x.readings(
              st.eventId,
              track.map(([k, t, v]) => [k, t + 200, v] as ['sound', number, number]),
            )
          ).status,
      ),
    );
    await sleep(3000); // detection has run on the copies
    const copySet = new Set(copiers.map((x) => x.address));
    const raised = (await staffMoments(st)).filter((m) => !before.has(m.id) && (m.signal?.devices ?? []).some((d) => copySet.has(d)));
    const r = refusalCounter();
    for (const s of copied) if (s !== 200) r.add(`readings ${s}`);
    if (!raised.length) r.add('copied series counted once');
    const trust = (await st.op.client.get<{ device: string; disagree: number; established: boolean }[]>(`/api/v1/venues/${st.venue.id}/sensor-trust`)) ?? [];
    const blamed = trust.filter((t) => copySet.has(t.device) && t.disagree > 0 && !t.established).length;
    return outcome({
      attempts: copiers.length,
      accepted: raised.length,
      refusals: r.refusals,
      honestTried: h.tried + 1,
      honestAccepted: h.admitted + (honestOk ? 1 : 0),
      honestClaims: h.claims,
      fraudAccounts: copiers.map((x) => () => Promise.resolve(x.owner.client)),
      alertFilter: (f) => f.type === 'moments.candidate',
      notes: [`${copiers.length} copies of one sensor's lone spike raised ${raised.length} candidates; ${blamed} copiers lost their established trust`],
    });
  },
};
