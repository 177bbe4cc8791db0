import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBytes, hexlify, type TypedDataDomain, Wallet } from 'ethers';
import { Owner, Sensor } from './actors/device';
import { approveSensor, createSimEvent } from './actors/operator';
import { AgentFleet, type AgentReport } from './agents';
import { ApiClient, SimProblem } from './client';
import { challengeDigest, ticketCode, witnessDigest, type Challenge } from './protocol';

export const DEMO_VENUE_ID = '5eed0000-0000-4000-8000-000000000001';

export interface DemoOptions {
  url: string;
  dataDir: string;
  fans: number;
  /** Wall-clock seconds the gates stay open (the arrival curve is compressed into them). */
  seconds: number;
  stewards?: number;
  /** Addresses to make staff of the demo venue first (the dashboard's own key, shown on /staff). */
  staff?: string[];
  /** Real device agents (apps/agent) to run beside the crowd: half sensors, half hotspots. */
  agents?: number;
  /**
   * Sound sensors in the stands (4 by default, of two owners in four sections: a quorum for the
   * moment detector), so the crowd's roar at kickoff raises a candidate staff confirm or reject. 0: none.
   */
  soundSensors?: number;
}

export interface Progress {
  phase: string;
  admitted: number;
  total: number;
  scansPerSecond: number;
  errors: number;
}

export interface DemoSummary {
  eventId: string;
  fans: number;
  admitted: number;
  denied: Record<string, number>;
  errors: number;
  wallSeconds: number;
  peakScansPerSecond: number;
  p99AdmitMs: number;
  replayedScreenshotsAdmitted: number;
  /** With `agents`: one entry per agent process (address, role, figures, how it stopped). */
  agents?: AgentReport[];
  /** With hotspot agents: witnesses of admitted fans who fetched their challenge from an agent's portal. */
  portalWitnesses?: Record<string, number>;
  /** Sound sensors: readings envelopes accepted and refused, and the moment candidates waiting for staff after kickoff. */
  sound?: { sensors: number; accepted: number; refused: number; candidates: number };
}

/** The code a fan's phone shows now (see libs/access ticket-codec); kept here for older imports. */
export { ticketCode } from './protocol';

const wallet = () => new Wallet(hexlify(randomBytes(32)));

/**
 * The small demo match: a fresh event at the demo stadium, fans with their own keys and tickets,
 * stewards at every gate, gates open, fans arriving mostly near kickoff, then kickoff.
 */
export async function runDemo(opts: DemoOptions, onProgress: (p: Progress) => void = () => undefined): Promise<DemoSummary> {
  const started = Date.now();
  const admin = new ApiClient(opts.url);
  let adminKey: string;
  try {
    adminKey = readFileSync(join(opts.dataDir, 'admin-key'), 'utf8').trim();
  } catch {
    throw new SimProblem(0, 'no_admin_key', `no ${join(opts.dataDir, 'admin-key')}: run the sim on the machine where \`npm start\` keeps its data (or pass --data <dir>)`);
  }
  const roles = await admin.signIn(new Wallet(adminKey));
  if (!roles.includes('admin')) throw new SimProblem(0, 'not_admin', 'the local admin key is not an admin here (is ADMIN_ADDRESS set to someone else?)');

  onProgress({ phase: 'setting up', admitted: 0, total: opts.fans, scansPerSecond: 0, errors: 0 });
  for (const address of opts.staff ?? []) await admin.post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`, { address, role: 'staff' });
  const venue = await admin.get<{ gates: { id: string; code: string; sectionCodes: string[] }[]; sections: { code: string }[] }>(`/api/v1/venues/${DEMO_VENUE_ID}`);
  // One match at a time at the stadium: the last demo match, still live, ends first.
  const event = await createSimEvent(
    admin,
    {
      venueId: DEMO_VENUE_ID,
      name: `Demo match ${new Date().toISOString().slice(11, 16)}`,
      homeTeam: 'FanMesh FC',
      awayTeam: 'Harbour City',
      startsAt: new Date(Date.now() + opts.seconds * 1000),
    },
    (name) => onProgress({ phase: `ended ${name}, still open at the stadium`, admitted: 0, total: opts.fans, scansPerSecond: 0, errors: 0 }),
  );

  const fans = Array.from({ length: opts.fans }, wallet);
  const sections = venue.sections.map((s) => s.code);
  const issued = await admin.post<{ tickets: { id: string; version: number; section: string; holder: string }[] }>(`/api/v1/events/${event.id}/tickets`, {
    tickets: fans.map((f, i) => ({
      holder: f.address,
      section: sections[i % sections.length],
      seat: String(Math.floor(i / sections.length) + 1),
      tier: i % 20 === 0 ? 'vip' : 'standard',
    })),
  });

  // One steward per gate, each a real account granted the role and signed in.
  const stewards = new Map<string, ApiClient>();
  for (const gate of venue.gates.slice(0, opts.stewards ?? venue.gates.length)) {
    const key = wallet();
    await admin.post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`, { address: key.address, role: 'steward' });
    const client = new ApiClient(opts.url);
    await client.signIn(key);
    stewards.set(gate.id, client);
  }
  const noise = opts.soundSensors === 0 ? undefined : await CrowdNoise.install(opts.url, event.id, sections, opts.soundSensors ?? 4, admin);
  const gateFor = (section: string) => venue.gates.find((g) => g.sectionCodes.includes(section) && stewards.has(g.id)) ?? venue.gates.find((g) => stewards.has(g.id))!;
  await admin.post(`/api/v1/events/${event.id}/transitions`, { to: 'gates_open' });
  const fleet = opts.agents ? new AgentFleet(opts.url, opts.agents) : undefined;
  try {
    if (fleet) {
      onProgress({ phase: `starting ${opts.agents} agents`, admitted: 0, total: opts.fans, scansPerSecond: 0, errors: 0 });
      await fleet.start(DEMO_VENUE_ID, event.id, sections);
    }
    return await gatesAndKickoff();
  } finally {
    await fleet?.stop();
  }

  async function gatesAndKickoff(): Promise<DemoSummary> {
    // Arrivals: u^(1/3) puts most fans in the last part of the window, as crowds do before kickoff.
    const gatesOpenAt = Date.now();
    const plan = issued.tickets.map((t, i) => ({ t, fan: fans[i], at: gatesOpenAt + opts.seconds * 1000 * Math.cbrt(Math.random()) })).sort((a, b) => a.at - b.at);
    const denied: Record<string, number> = {};
    const latencies: number[] = [];
    const perSecond = new Map<number, number>();
    const codes: string[] = [];
    const admittedFans: { fan: Wallet; section: string }[] = [];
    let admitted = 0;
    let errors = 0;
    let inFlight = 0;
    const report = (phase: string) => {
      const now = Math.floor(Date.now() / 1000);
      onProgress({ phase, admitted, total: opts.fans, scansPerSecond: perSecond.get(now - 1) ?? perSecond.get(now) ?? 0, errors });
    };
    const ticker = setInterval(() => report('gates open'), 250);
    const hum = noise?.humming(2000);
    try {
      await Promise.all(
        plan.map(async ({ t, fan, at }) => {
          await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
          while (inFlight >= 64) await new Promise((r) => setTimeout(r, 5));
          inFlight++;
          try {
            const code = await ticketCode(fan, t);
            if (codes.length < 5) codes.push(code);
            const gate = gateFor(t.section);
            const t0 = performance.now();
            const res = await stewards.get(gate.id)!.post<{ decision: string; reason?: string }>(`/api/v1/gates/${gate.id}/scans`, { code });
            latencies.push(performance.now() - t0);
            const sec = Math.floor(Date.now() / 1000);
            perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
            if (res.decision === 'admit') {
              admitted++;
              admittedFans.push({ fan, section: t.section });
            } else denied[res.reason!] = (denied[res.reason!] ?? 0) + 1;
          } catch {
            errors++;
          } finally {
            inFlight--;
          }
        }),
      );
    } finally {
      clearInterval(ticker);
      await hum?.stop();
    }

    // A few fans try a screenshot of a code that was already used: the gate must refuse every one.
    let replayedScreenshotsAdmitted = 0;
    const anyGate = venue.gates.find((g) => stewards.has(g.id))!;
    for (const code of codes) {
      const res = await stewards
        .get(anyGate.id)!
        .post<{ decision: string }>(`/api/v1/gates/${anyGate.id}/scans`, { code })
        .catch(() => ({ decision: 'error' }));
      if (res.decision === 'admit') replayedScreenshotsAdmitted++;
    }
    await admin.post(`/api/v1/events/${event.id}/transitions`, { to: 'live' });
    report('kickoff');
    let sound: DemoSummary['sound'];
    if (noise) {
      // The crowd roars at kickoff: the sensors' quorum raises a candidate, left for staff to confirm or reject on /staff.
      await noise.report(104);
      report('kickoff: the crowd roars');
      const candidates = await noise.candidates(admin, 15_000);
      report(candidates ? 'a moment candidate waits for staff on /staff' : 'kickoff (the sensors raised no candidate)');
      sound = { sensors: noise.sensors.length, accepted: noise.accepted, refused: noise.refused, candidates };
    }
    let agents: AgentReport[] | undefined;
    let portalWitnesses: Record<string, number> | undefined;
    if (fleet) {
      report('agents working');
      portalWitnesses = await witnessAgentHotspots(opts.url, event.id, fleet, admittedFans);
      await fleet.untilReadings();
      agents = await fleet.stop();
    }
    latencies.sort((a, b) => a - b);
    return {
      eventId: event.id,
      fans: opts.fans,
      admitted,
      denied,
      errors,
      wallSeconds: (Date.now() - started) / 1000,
      peakScansPerSecond: Math.max(0, ...perSecond.values()),
      p99AdmitMs: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
      replayedScreenshotsAdmitted,
      ...(agents ? { agents, portalWitnesses } : {}),
      ...(sound ? { sound } : {}),
    };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sound sensors in the stands, paired by their owners like any device: they hum at the crowd's
 * ambient level (a reading every half second, sent every few seconds, as a sensor buffers) and
 * roar together when asked. Enough of them, of two owners in distinct sections, approved by the
 * venue's staff, meet the moment detector's quorum (libs/moments moment-detector.ts: 3 sensors,
 * 2 established owners, 2 sections).
 */
class CrowdNoise {
  accepted = 0;
  refused = 0;
  private last = Date.now();

  private constructor(
    readonly sensors: Sensor[],
    private readonly eventId: string,
  ) {}

  static async install(url: string, eventId: string, sections: string[], count: number, staff: ApiClient): Promise<CrowdNoise> {
    const devices = new ApiClient(url);
    const owners = await Promise.all([new Owner(url).signIn(), new Owner(url).signIn()]);
    const domain = (await devices.get<{ registration: TypedDataDomain }>('/api/v1/devices/pairing-domains')).registration;
    // Spread around the ground: one sensor every `sections / count` sections, the owners taking turns.
    const sensors = Array.from({ length: count }, (_, i) => new Sensor('sound', sections[Math.floor((i * sections.length) / count)], owners[i % owners.length], devices));
    for (const s of sensors) await s.pair(DEMO_VENUE_ID, domain);
    // the venue installed them: its staff approve them, so they start at full trust
    for (const s of sensors) await approveSensor(staff, DEMO_VENUE_ID, s.address);
    return new CrowdNoise(sensors, eventId);
  }

  /** Every sensor sends what it heard since its last report (ambient), and a roar of `roarDb` now if given. */
  async report(roarDb?: number): Promise<void> {
    const now = Date.now();
    const since = this.last;
    this.last = now;
    await Promise.all(
      this.sensors.map(async (s) => {
        const readings: ['sound', number, number][] = [];
        for (let t = since + 500; t < now - 100; t += 500) readings.push(['sound', t, 68 + Math.random() * 6]);
        if (roarDb) readings.push(['sound', now - 50, roarDb + Math.random() * 4]);
        if (!readings.length) readings.push(['sound', now - 100, 70]);
        const a = await s.readings(this.eventId, readings);
        if (a.status === 200) this.accepted++;
        else this.refused++;
      }),
    );
  }

  /** Reports every `everyMs` until stopped (then once more: the last stretch before the whistle). */
  humming(everyMs: number): { stop: () => Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        const next = Date.now() + everyMs;
        while (!stopped && Date.now() < next) await sleep(Math.min(100, next - Date.now()));
        await this.report().catch(() => this.refused++);
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
      },
    };
  }

  /** The event's moment candidates once the detector has run (0 if none within `timeoutMs`). */
  async candidates(client: ApiClient, timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const list = await client.get<{ status: string; source: string }[]>(`/api/v1/events/${this.eventId}/moments`).catch(() => []);
      const n = list.filter((m) => m.status === 'candidate' && m.source === 'sensors').length;
      if (n || Date.now() > end) return n;
      await sleep(250);
    }
  }
}

/**
 * A few admitted fans seated in an agent hotspot's section do what the PWA's witness mode does:
 * fetch a challenge from the hotspot's captive portal, co-sign it, send it. Verdicts counted.
 */
async function witnessAgentHotspots(url: string, eventId: string, fleet: AgentFleet, admitted: { fan: Wallet; section: string }[], perHotspot = 3) {
  const verdicts: Record<string, number> = {};
  for (const hotspot of fleet.agents.filter((a) => a.role === 'hotspot' && a.portalUrl)) {
    for (const { fan } of admitted.filter((f) => f.section === hotspot.section).slice(0, perHotspot)) {
      let verdict = 'error';
      try {
        const client = new ApiClient(url);
        await client.signIn(fan);
        let signed: { challenge: Challenge; signature: string } | undefined;
        for (let i = 0; i < 20 && !signed; i++) {
          const res = await fetch(`${hotspot.portalUrl}/fanmesh/challenge`);
          if (res.status === 200) signed = (await res.json()) as never;
          else await new Promise((r) => setTimeout(r, 250));
        }
        if (!signed) throw new Error('no challenge');
        const signedAt = new Date().toISOString();
        const fanSignature = await fan.signMessage(getBytes(witnessDigest(challengeDigest(signed.challenge), fan.address, eventId, signedAt)));
        verdict = (
          await client.post<{ verdict: string }>('/api/v1/coverage/witnesses', {
            challengeId: signed.challenge.id,
            eventId,
            hotspotSignature: signed.signature,
            fanSignature,
            signedAt,
          })
        ).verdict;
      } catch {
        verdict = 'error';
      }
      verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
    }
  }
  return verdicts;
}
