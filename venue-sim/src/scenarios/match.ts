import type { Fan } from '../actors/fan';
import type { Hotspot, Sensor } from '../actors/device';
import type { Steward } from '../actors/steward';
import { ApiProbe } from '../api-probe';
import { arrivalBeforeKickoff, SimClock, sleep } from '../clock';
import { Ledger } from '../ledger';
import { loadScenario, Scenario, ScriptStep, withOverrides } from '../model';
import { pool, Stadium } from '../stadium';
import type { Progress } from './progress';

export interface MatchOptions {
  url: string;
  dataDir: string;
  /** Scenario file name (venue-sim/scenarios/<name>.json); `match` by default. */
  scenario?: string;
  fans?: number;
  seconds?: number;
  hotspots?: number;
  sensors?: number;
  staff?: string[];
  /** A scenario built in code instead of a file (a season's match at one of its grounds). */
  model?: Scenario;
  /** The event's name (`Match` and the time by default). */
  name?: string;
  /** The fans who hold this match's tickets: a season crowd, the same keys at every match. New fans otherwise. */
  crowd?: Fan[];
  /** What a season keeps of this ground between its matches; empty, the match fills it (venue, devices, stewards). */
  ground?: Ground;
  /** Fans of the crowd kept out of the arrival plan and handed to `alongside` (the honest slices of fraud cases). */
  holdOut?: number;
  /**
   * Runs beside the match from kickoff, while the event is live (adversaries); `scriptDone` resolves
   * once the script's last moment is confirmed. The match waits for it before the event ends.
   */
  alongside?: (st: Stadium, heldOut: Fan[], scriptDone: Promise<void>) => Promise<void>;
}

/** What a season keeps of a ground from one match to the next: its venue, paired devices and stewards. */
export interface Ground {
  venueId?: string;
  hotspots: Hotspot[];
  sensors: Sensor[];
  stewards: Steward[];
}

export interface MatchSummary {
  eventId: string;
  fans: number;
  hotspots: number;
  sensors: number;
  admitted: number;
  denied: Record<string, number>;
  witnesses: Record<string, number>;
  readings: { accepted: number; refused: Record<string, number> };
  heartbeats: number;
  moments: { candidates: number; confirmed: number };
  rewards: Record<string, { paid: string; entries: number }> | null;
  setupSeconds: number;
  wallSeconds: number;
  peakScansPerSecond: number;
  peakMessagesPerSecond: number;
  p50AdmitMs: number;
  p99AdmitMs: number;
  apiMemoryPeakBytes: number;
  /** The slowest answer to a once-a-second probe read: how long the API stalled for everyone. */
  apiLongestStallMs: number;
  apiStallsOver1s: number;
  errors: number;
  errorSamples: string[];
}

const tally = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

/** How loud the crowd is in each phase of the match (dB SPL around a sensor). */
const AMBIENT: Record<string, number> = { 'gates open': 66, 'first half': 76, halftime: 70, 'second half': 78, 'full time': 72 };

/**
 * The `match` scenario: the whole match day through the real API. Fans arrive on the curve and are
 * scanned at the lanes of their gates; admitted fans' phones witness the hotspots of their
 * sections; hotspots send heartbeats, sensors send turnstile counts, occupancy and sound; the crowd
 * roars at kickoff and at each goal, the sensors' quorum raises a candidate and staff confirm it.
 */
export async function runMatch(opts: MatchOptions, onProgress: (p: Progress) => void = () => undefined): Promise<MatchSummary> {
  const started = Date.now();
  const scenario = withOverrides(opts.model ?? loadScenario(opts.scenario ?? 'match'), opts);
  if (opts.ground?.venueId) scenario.venue = { id: opts.ground.venueId };
  const { crowd, devices } = scenario;
  const st = new Stadium({ url: opts.url, dataDir: opts.dataDir, staff: opts.staff }, scenario);
  const probe = new ApiProbe(st.devices);
  const openAt = scenario.script.find((s) => s.do === 'gates_open')!.at;
  const endAt = Math.max(...scenario.script.map((s) => s.at));
  let clock: SimClock | undefined;
  let phase = 'setting up';
  const report = () =>
    onProgress({
      phase,
      clock: clock?.label() ?? '',
      admitted: st.meter.total('admitted'),
      total: crowd.fans,
      scansPerSecond: st.meter.rate('scans'),
      messagesPerSecond: st.meter.rate('messages'),
      errors: st.meter.errors,
    });
  const ticker = setInterval(report, 250);
  probe.start();
  const denied: Record<string, number> = {};
  const witnesses: Record<string, number> = {};
  const readings = { accepted: 0, refused: {} as Record<string, number> };
  let heartbeats = 0;
  const moments = { candidates: 0, confirmed: 0 };
  try {
    // ------------------------------------------------------------ setup (not on the match clock)
    const kickoffInMs = ((0 - openAt) / ((endAt - openAt) / scenario.wallSeconds)) * 1000;
    await st.open(kickoffInMs, opts.name ?? 'Match');
    const ground = opts.ground;
    if (ground) ground.venueId = st.venue.id;
    phase = 'tickets';
    const fans = await st.sellTickets(opts.crowd ?? crowd.fans);
    phase = 'stewards';
    if (ground?.stewards.length) st.useStewards(ground.stewards);
    else {
      await st.hireStewards(crowd.lanesPerGate);
      ground?.stewards.push(...st.gates.lanes);
    }
    phase = 'pairing';
    if (ground && (ground.hotspots.length || ground.sensors.length)) st.useDevices(ground.hotspots, ground.sensors);
    else {
      await st.installDevices(devices.hotspots, devices.sensors, devices.devicesPerOwner);
      ground?.hotspots.push(...st.hotspots);
      ground?.sensors.push(...st.sensors);
    }
    const setupSeconds = (Date.now() - started) / 1000;

    // ------------------------------------------------------------ the match clock
    await st.op.transition(st.eventId, 'gates_open');
    clock = SimClock.compressing(openAt, endAt, scenario.wallSeconds);
    phase = 'gates open';
    const c = clock;
    const openMin = -openAt;
    const admittedBySection = new Map<string, number>();
    const hotspotsIn = groupBy(st.hotspots, (h) => h.section);

    // a few fans, spread over the crowd, kept for the adversaries' honest slices
    const every = opts.holdOut ? Math.max(1, Math.floor(fans.length / opts.holdOut)) : 0;
    const heldOut = every ? fans.filter((_, i) => i % every === 0).slice(0, opts.holdOut) : [];
    const held = new Set(heldOut);
    let scriptDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (scriptDone = r));
    let alongside: Promise<void> | undefined;
    const startAlongside = () =>
      (alongside ??= opts.alongside ? opts.alongside(st, heldOut, done).catch((err: Error) => st.meter.error(`alongside: ${err.message}`)) : Promise.resolve());

    // arrivals: most fans in the last 45 minutes, a few late after kickoff
    const plan = fans
      .filter((f) => !held.has(f))
      .map((f) => ({ f, at: Math.random() < 0.03 ? Math.random() * 15 : -arrivalBeforeKickoff(Math.random(), openMin) }))
      .sort((a, b) => a.at - b.at);
    const witnessQueue: Fan[] = [];
    const arrivals = runQueue(plan, 128, async ({ f, at }) => {
      await c.until(at);
      try {
        const a = await st.arrive(f);
        if (a.decision === 'admit') {
          admittedBySection.set(f.section, (admittedBySection.get(f.section) ?? 0) + 1);
          if (hotspotsIn.has(f.section) && Math.random() < crowd.witnessShare) witnessQueue.push(f);
        } else tally(denied, a.reason);
      } catch (err) {
        st.meter.error(`scan: ${(err as Error).message}`);
      }
    });

    // phones witnessing the hotspots of their sections, a challenge batch per hotspot
    let arrivalsDone = false;
    const witnessing = (async () => {
      let turn = 0;
      while (!arrivalsDone || witnessQueue.length) {
        if (!witnessQueue.length) {
          await sleep(200);
          continue;
        }
        const batch = witnessQueue.splice(0, 256);
        const byHotspot = groupBy(batch, (f) => {
          const list = hotspotsIn.get(f.section)!;
          return list[turn++ % list.length].address;
        });
        const all = [...byHotspot.values()];
        await pool(all, 16, async (group) => {
          const h = hotspotsIn.get(group[0].section)!.find((x) => byHotspot.get(x.address) === group)!;
          for (let i = 0; i < group.length; i += 32) {
            const part = group.slice(i, i + 32);
            try {
              const cs = await h.challenges(st.eventId, part.length);
              await Promise.all(part.map(async (f, k) => tally(witnesses, (await f.witness(cs[k], h.sign(cs[k]))).body.verdict ?? 'error')));
            } catch (err) {
              tally(witnesses, `not challenged: ${(err as Error).message.slice(0, 60)}`);
            }
          }
        });
      }
    })();

    // devices reporting every few simulated minutes
    let stopDevices = false;
    let lastTurnstile = new Map<string, number>();
    const turnstilesIn = groupBy(
      st.sensors.filter((s) => s.measures === 'turnstile'),
      (s) => s.section,
    );
    let lastReport = Date.now();
    const reportDevices = async (roar?: number) => {
      const now = Date.now();
      const since = lastReport;
      lastReport = now;
      const counts = new Map(admittedBySection);
      const level = AMBIENT[phase] ?? 72;
      await pool([...st.hotspots, ...st.sensors.filter((x) => x.measures !== 'turnstile')], 24, async (d) => {
        if ((d as Hotspot).challenges) {
          const a = await d.heartbeat({
            clients: Math.round(((counts.get(d.section) ?? 0) * crowd.witnessShare) / (hotspotsIn.get(d.section)?.length ?? 1)),
            throughputKbps: 4000 + Math.round(Math.random() * 2000),
          });
          if (a.status === 200) heartbeats++;
          return;
        }
        const s = d as Sensor;
        let body: ['sound' | 'turnstile' | 'occupancy', number, number][];
        if (s.measures === 'sound') {
          body = [];
          for (let t = Math.max(since, now - 60_000) + 1500; t < now - 500; t += 3000) body.push(['sound', t, level + Math.random() * 4]);
          if (roar) body.push(['sound', now - 300, roar + Math.random() * 6]);
          // never the same value at every sensor: identical series are one source to the detector (a copy), and copies lose trust
          if (!body.length) body.push(['sound', now - 300, level + Math.random() * 4]);
        } else body = [['occupancy', now - 200, counts.get(s.section) ?? 0]];
        const a = await s.readings(st.eventId, body);
        a.status === 200 ? readings.accepted++ : tally(readings.refused, a.body.code ?? String(a.status));
      });
    };
    /** Turnstiles count entries since their last report, every few wall seconds, split among a section's counters. */
    const reportTurnstiles = async () => {
      const counts = new Map(admittedBySection);
      const now = Date.now();
      await pool([...turnstilesIn.values()].flat(), 24, async (s) => {
        const peers = turnstilesIn.get(s.section)!;
        const total = (counts.get(s.section) ?? 0) - (lastTurnstile.get(s.section) ?? 0);
        const share = Math.floor(total / peers.length) + (peers.indexOf(s) < total % peers.length ? 1 : 0);
        const a = await s.readings(st.eventId, [['turnstile', now - 200, share]]);
        a.status === 200 ? readings.accepted++ : tally(readings.refused, a.body.code ?? String(a.status));
      });
      lastTurnstile = counts;
    };
    const everyMs = (devices.reportEverySimMin / c.minPerSecond) * 1000;
    // a round of reports the API did not answer (overloaded: a 30 s timeout) is an error of the run, not its end
    const safely = (work: () => Promise<void>) => work().catch((err: Error) => st.meter.error(`devices: ${err.message}`));
    const loop = (ms: number, work: () => Promise<void>) =>
      (async () => {
        while (!stopDevices) {
          const next = Date.now() + ms;
          await safely(work);
          while (!stopDevices && Date.now() < next) await sleep(Math.min(250, next - Date.now()));
        }
        await safely(work); // the last counts before the whistle
      })();
    const deviceLoop = Promise.all([loop(everyMs, () => reportDevices()), loop(Math.min(everyMs, 3000), reportTurnstiles)]);

    // the script: kickoff, goals, halftime, full time
    const known = new Set<string>();
    const confirmNext = async (kind: 'kickoff' | 'goal', team?: 'home' | 'away') => {
      for (let i = 0; i < 30; i++) {
        await sleep(500);
        const list = await st.op.client.get<{ id: string; status: string }[]>(`/api/v1/events/${st.eventId}/moments`);
        const fresh = list.find((m) => m.status === 'candidate' && !known.has(m.id));
        if (fresh) {
          known.add(fresh.id);
          moments.candidates++;
          const a = await st.op.client.attempt('POST', `/api/v1/moments/${fresh.id}/confirm`, team ? { kind, team } : { kind });
          if (a.status === 200) moments.confirmed++;
          return;
        }
      }
    };
    const hasSound = st.sensors.some((s) => s.measures === 'sound');
    for (const step of [...scenario.script].sort((a, b) => a.at - b.at).filter((s) => s.do !== 'gates_open') as ScriptStep[]) {
      await c.until(step.at);
      if (step.do === 'kickoff') {
        await st.op.transition(st.eventId, 'live');
        phase = 'first half';
        void startAlongside();
      } else if (step.do === 'halftime') phase = 'halftime';
      else if (step.do === 'second_half') phase = 'second half';
      else if (step.do === 'full_time') {
        phase = 'full time';
        arrivalsDone = true;
        await arrivals;
        // phones leave with their owners: witnesses not given by the whistle are not given
        const left = witnessQueue.splice(0).length;
        if (left) witnesses['left at full time'] = left;
        await witnessing;
        break;
      }
      if ((step.do === 'kickoff' || step.do === 'goal') && hasSound) {
        await safely(() => reportDevices(104));
        await safely(() => confirmNext(step.do, step.do === 'goal' ? step.team : undefined));
      }
    }
    arrivalsDone = true;
    await arrivals;
    await witnessing;
    scriptDone();
    if (opts.alongside) phase = 'adversaries';
    await startAlongside();
    stopDevices = true;
    await deviceLoop;
    await st.op.transition(st.eventId, 'ended');
    phase = 'settling';
    const ledger = new Ledger(st.op.client, st.eventId);
    let rewards: MatchSummary['rewards'] = null;
    if (await ledger.available()) {
      await ledger.settle(15_000);
      rewards = await ledger.totals();
    }
    await probe.sample();
    phase = 'done';
    report();
    return {
      eventId: st.eventId,
      fans: fans.length,
      hotspots: st.hotspots.length,
      sensors: st.sensors.length,
      admitted: st.meter.total('admitted'),
      denied,
      witnesses,
      readings,
      heartbeats,
      moments,
      rewards,
      setupSeconds,
      wallSeconds: (Date.now() - started) / 1000,
      peakScansPerSecond: st.meter.peak('scans'),
      peakMessagesPerSecond: st.meter.peak('messages'),
      p50AdmitMs: st.meter.percentile('scans', 0.5),
      p99AdmitMs: st.meter.percentile('scans', 0.99),
      apiMemoryPeakBytes: probe.peakBytes,
      apiLongestStallMs: probe.longestStallMs,
      apiStallsOver1s: probe.stallsOver1s,
      errors: st.meter.errors,
      errorSamples: st.meter.errorSamples,
    };
  } finally {
    clearInterval(ticker);
    probe.stop();
    st.close();
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(i);
  }
  return m;
}

/** Works through `items` in order with at most `n` in flight; an item waits for its time inside `fn`. */
function runQueue<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  return pool(items, n, fn).then(() => undefined);
}
