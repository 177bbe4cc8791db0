import { Fan } from '../actors/fan';
import { Operator } from '../actors/operator';
import type { Answer } from '../client';
import { SimProblem } from '../client';
import { sleep } from '../clock';
import type { CaseOutcome, FraudCase } from '../fraud/case';
import { ledgerFor, notRun, verdict, VerdictRow } from '../fraud/verdict';
import { loadScenario, type GateModel, type Scenario, type SectionModel } from '../model';
import type { Stadium } from '../stadium';
import { FRAUD_CASES, hasRoute } from './fraud';
import { Ground, runMatch } from './match';
import type { Progress } from './progress';

const FAN = 10n ** 18n;

/** A full-size season: matches of 5,000 to 60,000 fans at grounds with 20 to 400 hotspots. */
export const FULL_SIZE = { minFans: 5_000, maxFans: 60_000 } as const;

/** The season's grounds at full size; a match is played at the smallest ground that seats its crowd. */
export const GROUNDS = [
  { name: 'Harbour Ground', city: 'Lisbon', timezone: 'Europe/Lisbon', capacity: 5_000, hotspots: 20 },
  { name: 'Riverside Park', city: 'Porto', timezone: 'Europe/Lisbon', capacity: 15_000, hotspots: 90 },
  { name: 'Northgate Stadium', city: 'Leeds', timezone: 'Europe/London', capacity: 30_000, hotspots: 200 },
  { name: 'Castle Road', city: 'Cardiff', timezone: 'Europe/London', capacity: 45_000, hotspots: 300 },
  { name: 'FanMesh Arena', city: 'Madrid', timezone: 'Europe/Madrid', capacity: 60_000, hotspots: 400 },
] as const;

/** The adversaries mixed into the season's matches by default: those that can run inside a match of the season. */
export const SEASON_FRAUD = ['screenshot_reuse', 'fake_witnesses', 'relayed_witness', 'section_hopping', 'fake_goal', 'copycat_sensor'] as const;

/** Cases that raise sound bursts: they run after the script's last moment, so a roar of theirs is never confirmed as the match's goal. */
const MOMENT_CASES = new Set(['fake_goal', 'copycat_sensor']);

/** The targets of issue 22: per-unit pay varies at most this much across events (coefficient of variation). */
export const COV_TARGETS: Record<string, number> = { admission: 0.15, witness: 0.15, coverage: 0.25 };
/** Rewards may be at most this much more unequal (Gini) than the verified work behind them. */
export const GINI_MARGIN = 0.05;

/** The rule before the per-point rate, for the counterfactual: each event's coverage pool split by score, at most this per account. */
export const OLD_COVERAGE_ACCOUNT_CAP = 5_000n * FAN;

/** The kinds the report shows first, in order; any other kind the ledger pays follows (sponsor drops only when paid). */
export const KINDS = ['admission', 'verification', 'moment', 'witness', 'coverage'] as const;

/** The kinds paid at these matches: KINDS, then any other kind with units of work. */
export function kindsIn(matches: { byKind: { kind: string; units: string; paid: string }[] }[]): string[] {
  const extra = new Set<string>();
  for (const m of matches)
    for (const k of m.byKind) if (!(KINDS as readonly string[]).includes(k.kind) && (BigInt(k.paid) > 0n || (k.kind !== 'drop' && BigInt(k.units) > 0n))) extra.add(k.kind);
  return [...KINDS, ...extra];
}

// ------------------------------------------------------------------ the plan (pure)

export interface PlannedMatch {
  /** 0-based */
  index: number;
  /** into GROUNDS */
  ground: number;
  fullSizeFans: number;
  fans: number;
  fullSizeHotspots: number;
  hotspots: number;
  sensors: { sound: number; turnstile: number; occupancy: number };
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/**
 * The season's matches: full-size crowds evenly spread from 5,000 to 60,000 fans, in a fixed order
 * that mixes small, medium and big grounds (a stride coprime to the number of matches), each at the
 * smallest ground that seats it; fans, hotspots and sensors scaled by `scale` (at least a few of each).
 */
export function seasonPlan(matches: number, scale: number): PlannedMatch[] {
  let stride = Math.max(1, Math.round((matches * 5) / 12));
  while (gcd(stride, matches) !== 1) stride++;
  return Array.from({ length: matches }, (_, index) => {
    const k = (index * stride) % matches;
    const share = matches === 1 ? 1 : k / (matches - 1);
    const fullSizeFans = Math.round((FULL_SIZE.minFans + (FULL_SIZE.maxFans - FULL_SIZE.minFans) * share) / 100) * 100;
    const ground = GROUNDS.findIndex((g) => g.capacity >= fullSizeFans);
    const h = GROUNDS[ground].hotspots;
    return {
      index,
      ground,
      fullSizeFans,
      fans: Math.max(60, Math.round(fullSizeFans * scale)),
      fullSizeHotspots: h,
      hotspots: Math.max(4, Math.round(h * scale)),
      // as match.json's 400 hotspots have 120 sound, 40 turnstile and 40 occupancy sensors; at least
      // eight sound sensors, so the quorum for a moment has two owners (four devices an owner)
      sensors: { sound: Math.max(8, Math.round(h * 0.3 * scale)), turnstile: Math.max(2, Math.round(h * 0.1 * scale)), occupancy: Math.max(2, Math.round(h * 0.1 * scale)) },
    };
  });
}

const STANDS = ['north', 'east', 'south', 'west'] as const;

/**
 * A ground's venue model at `scale`: sections in a ring (each the neighbour of the next), about one
 * per 1,500 seats (8 to 40), a gate per five sections, seats to spare for the adversaries' tickets.
 */
export function groundModel(g: (typeof GROUNDS)[number], scale: number, seats: number): Extract<Scenario['venue'], { sections: SectionModel[] }> {
  const capacity = Math.max(seats, Math.round(g.capacity * scale));
  const n = Math.min(40, Math.max(8, Math.round(capacity / 1500)));
  const perStand = Math.ceil(n / STANDS.length);
  const codes = Array.from({ length: n }, (_, i) => `${STANDS[Math.floor(i / perStand)][0].toUpperCase()}${101 + (i % perStand)}`);
  const sections: SectionModel[] = codes.map((code, i) => ({
    code,
    name: `${STANDS[Math.floor(i / perStand)]} stand, block ${(i % perStand) + 1}`.replace(/^./, (c) => c.toUpperCase()),
    stand: STANDS[Math.floor(i / perStand)],
    tier: 1,
    capacity: Math.ceil((capacity * 1.1) / n) + 20,
    neighbours: [codes[(i + n - 1) % n], codes[(i + 1) % n]],
  }));
  const gateCount = Math.max(2, Math.round(n / 5));
  const gates: GateModel[] = Array.from({ length: gateCount }, (_, k) => {
    const from = Math.floor((k * n) / gateCount);
    const to = Math.floor(((k + 1) * n) / gateCount);
    return { code: `G${k + 1}`, name: `Gate ${k + 1}`, sectionCodes: codes.slice(from, to) };
  });
  return { name: `${g.name} (sim)`, city: g.city, timezone: g.timezone, sections, gates };
}

/** A gate scanner is allowed 100 scans a second; the sim plans for half that at the peak of arrivals. */
const SCANS_PER_LANE_PER_S = 50;

/**
 * Lanes (a steward each) per gate at a ground: one per 1,250 seats as at the demo stadium (48 lanes
 * for 60,000), and enough that the biggest crowd there, its arrivals compressed into `seconds`, stays
 * under the scanners' rate limit: about 87% of a crowd arrives in the last 45 of the 195 scripted
 * minutes, twice the average at the peak.
 */
export function lanesPerGate(seats: number, biggestCrowd: number, seconds: number, gates: number): number {
  const peakPerSecond = (biggestCrowd * 0.87 * 2) / ((45 / 195) * seconds);
  return Math.max(1, Math.round(seats / 1250 / gates), Math.ceil(peakPerSecond / SCANS_PER_LANE_PER_S / gates));
}

/** The match scenario at a ground: the match.json script (two goals), its crowd and devices at `scale`. */
export function matchModel(p: PlannedMatch, scale: number, seconds: number, seats: number): Scenario {
  const g = GROUNDS[p.ground];
  const venue = groundModel(g, scale, seats);
  const capacity = venue.sections.reduce((a, s) => a + s.capacity, 0);
  return {
    name: `season-${g.name}`,
    description: `A season match at ${g.name}`,
    venue,
    devices: { hotspots: p.hotspots, sensors: p.sensors, devicesPerOwner: 4, reportEverySimMin: 5 },
    crowd: {
      fans: p.fans,
      gatesOpenBeforeKickoffMin: 90,
      lanesPerGate: lanesPerGate(capacity / 1.1, seats, seconds, venue.gates.length),
      witnessShare: 0.2,
    },
    script: loadScenario('match').script,
    wallSeconds: seconds,
  };
}

/** A small fast PRNG (mulberry32): the same seed, the same season. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Who of the season crowd comes to match `index`: `n` of them, the keen ones more often (each fan's
 * keenness is fixed for the season, a little luck decides each match). Deterministic.
 */
export function attendance<T>(crowd: T[], n: number, index: number): T[] {
  const luck = prng(0x5ea50 + index);
  return crowd
    .map((f, j) => ({ f, j, s: ((j * 0.6180339887) % 1) * 0.6 + luck() * 0.4 }))
    .sort((a, b) => b.s - a.s)
    .slice(0, n)
    .sort((a, b) => a.j - b.j)
    .map((x) => x.f);
}

/** The adversaries of match `index`: `per` of the catalogue, spread over it, a different set at the next match. */
export function casesFor<T>(list: readonly T[], index: number, per: number): T[] {
  const n = Math.min(per, list.length);
  const stride = Math.max(1, Math.floor(list.length / Math.max(1, n)));
  return Array.from({ length: n }, (_, k) => list[(index + k * stride) % list.length]);
}

/** Mean and coefficient of variation (population stddev ÷ mean) of positive values; null below two. */
export function meanCov(values: number[]): { mean: number | null; cov: number | null } {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  if (!v.length) return { mean: null, cov: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, cov: null };
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, cov: Math.sqrt(variance) / mean };
}

/** Points per owner as the coverage rule counts them: each hotspot's score floored, summed per owner. */
export function ownerPoints(scores: { owner: string; score: number }[]): Map<string, bigint> {
  const by = new Map<string, bigint>();
  for (const s of scores) if (s.score > 0) by.set(s.owner.toLowerCase(), (by.get(s.owner.toLowerCase()) ?? 0n) + BigInt(Math.floor(s.score)));
  return by;
}

/**
 * The counterfactual of the old fixed-pool rule for one event: the coverage pool split by score with
 * no per-point rate, each owner at most 5,000 FAN. What it would have paid, over how many points.
 */
export function oldCoverageRule(pool: bigint, points: Map<string, bigint>, cap = OLD_COVERAGE_ACCOUNT_CAP): { paid: bigint; points: bigint } {
  const total = [...points.values()].reduce((a, b) => a + b, 0n);
  if (total === 0n) return { paid: 0n, points: 0n };
  let paid = 0n;
  for (const s of points.values()) {
    const share = (pool * s) / total;
    paid += share < cap ? share : cap;
  }
  return { paid, points: total };
}

/** Smallest units (a decimal string or bigint) as a float of FAN, for ratios and tables. */
export const asFan = (units: string | bigint): number => Number(BigInt(units) / 10n ** 9n) / 1e9;

// ------------------------------------------------------------------ what the API answers

/** GET /rewards/economics, as the sim reads it (the API's EconomicsView; the sim declares its own copy of the shape). */
export interface EconomicsView {
  season: { id: string; label: string; from: string; to: string | null };
  seasonCaps: { kind: string; cap: string }[];
  epochs: { epochId: string; status: string; closedAt: string | null; emitted: string; cumulative: string; released: string | null }[];
  events: { eventId: string; name: string; startsAt: string; accounts: number; byKind: { kind: string; units: string; paid: string; perUnit: string }[] }[];
  perUnit: { kind: string; events: number; mean: string; cov: number | null }[];
  gini: { accounts: number; rewards: number; contribution: number };
  top1Share: number;
  clipped: { kind: string; accountCap: number; seasonCap: number; poolExhausted: number }[];
  emitted: string;
  released: string | null;
}

interface EpochLine {
  id: string;
  eventId: string;
  status: string;
  lastError: string | null;
}

interface TotalsAnswer {
  byKind: { kind: string; paid: string; entries: number }[];
  epochs: EpochLine[];
}

// ------------------------------------------------------------------ the report

export interface KindFigures {
  kind: string;
  /** units of verified work: entries, or coverage score points */
  units: string;
  /** paid, smallest units */
  paid: string;
  /** FAN per unit (coverage: per score point) */
  perUnit: number | null;
}

export interface SeasonMatch {
  match: number;
  eventId: string;
  ground: string;
  fullSizeFans: number;
  fans: number;
  fullSizeHotspots: number;
  hotspots: number;
  admitted: number;
  /** gate refusals by reason, and the crowd's witness verdicts (the runMatch summary's) */
  denied: Record<string, number>;
  witnesses: Record<string, number>;
  /** the match's moments: sound-quorum candidates and those staff confirmed */
  moments: { candidates: number; confirmed: number };
  /** where byKind came from: the API's economics report, or the sim's own reading of totals and scores */
  source: 'economics' | 'sim';
  byKind: KindFigures[];
  paid: string;
  epoch: { id: string | null; status: string; note?: string };
  /** the old fixed-pool coverage rule on this event's scores (a counterfactual) */
  before: { coveragePaid: string; coveragePoints: string; perPoint: number | null };
  fraud: {
    cases: VerdictRow[];
    /** the adversaries' accounts: everything they earned here is fraud (`all`), or of these kinds, or beyond one admission */
    accounts: { case: string; address: string; counts: string }[];
    paid: string;
  };
  setupSeconds: number;
  wallSeconds: number;
  errors: number;
  errorSamples: string[];
}

export interface PerUnitFigure {
  kind: string;
  events: number;
  meanFan: number | null;
  cov: number | null;
  target: number | null;
  met: boolean | null;
  /** the endpoint's season-wide figure (all the season's events, this run's and any others) */
  seasonCov: number | null;
  seasonEvents: number | null;
}

export interface SeasonReport {
  scale: number;
  secondsPerMatch: number;
  /** weeks the dev chain's clock was moved on (--weekly: one per match), 0 when the season ran within one chain week */
  chainWeeks: number;
  matches: SeasonMatch[];
  crowd: number;
  fullSize: { fans: [number, number]; hotspots: [number, number] };
  season: {
    /** GET /rewards/economics answered (figures below marked season-wide come from it) */
    economics: 'available' | 'not available';
    id: string | null;
    /** events in the endpoint's season, and how many of them this run played */
    seasonEvents: number | null;
    runEvents: number;
    /** paid at this run's matches, smallest units */
    emitted: string;
    /** the season's emission and the schedule's release over it (the endpoint's) */
    seasonEmitted: string | null;
    released: string | null;
    withinSchedule: boolean | null;
    /** the season's emission as a share of what the schedule released over it (with --weekly, the weeks its matches were played); target within 1% of 1 */
    scheduleShare: number | null;
    scheduleMet: boolean | null;
    perUnit: PerUnitFigure[];
    gini: { accounts: number; rewards: number; contribution: number; met: boolean } | null;
    top1Share: number | null;
    fraud: { paid: string; emitted: string; share: number; accounts: number; cases: number; passed: number; met: boolean };
    clipped: EconomicsView['clipped'] | null;
    seasonCaps: EconomicsView['seasonCaps'] | null;
    /** the rate controller's factors now (GET /rewards/rates), basis points */
    factors: Record<string, number> | null;
    before: {
      rule: string;
      coverage: { meanPerPoint: number | null; cov: number | null; paid: string; nowPaid: string; nowCov: number | null };
    };
  };
  economics: EconomicsView | null;
  wallSeconds: number;
  errors: number;
}

export interface SeasonOptions {
  url: string;
  dataDir: string;
  /** matches in the season (12) */
  matches?: number;
  /** fans and hotspots as a share of full size (1) */
  scale?: number;
  /** wall seconds each match is compressed into (600 × scale, at least 30) */
  seconds?: number;
  /** fraud case ids mixed in (SEASON_FRAUD); empty: none */
  fraud?: string[];
  /** adversaries per match (3) */
  adversaries?: number;
  staff?: string[];
  /**
   * one chain week per match: after each match's epoch, move this machine's dev chain (the
   * embedded anvil) on a week, so the emission schedule releases a week's FAN per match and the rate
   * controller steps against it, as a real season of weekly matches would. Off by default: the
   * chain's clock stays ahead of the wall clock afterwards.
   */
  weekly?: boolean;
}

/** A case run inside a match: what it did, or why it did not run. */
interface Ran {
  c: FraudCase;
  o?: CaseOutcome;
  row?: VerdictRow;
  window: { from: number; to: number };
}

/**
 * The `season` scenario: the same crowd of fans (the same keys) at a season of matches of every
 * size, each match through the real API with adversaries from the fraud catalogue mixed in, its
 * epoch closed and approved before the next; then the fairness report from GET /rewards/economics
 * beside the sim's own reading, and the old fixed-pool coverage rule as a counterfactual.
 */
export async function runSeason(opts: SeasonOptions, onProgress: (p: Progress) => void = () => undefined): Promise<SeasonReport> {
  const started = Date.now();
  const scale = opts.scale ?? 1;
  const count = opts.matches ?? 12;
  const seconds = opts.seconds ?? Math.max(30, Math.round(600 * scale));
  const fraudIds = opts.fraud ?? [...SEASON_FRAUD];
  const unknown = fraudIds.filter((id) => !FRAUD_CASES.some((c) => c.id === id));
  if (unknown.length) throw new SimProblem(0, 'bad_flag', `--fraud takes case ids (${FRAUD_CASES.map((c) => c.id).join(', ')}) or none; not ${unknown.join(', ')}`);
  const catalogue = fraudIds.map((id) => FRAUD_CASES.find((c) => c.id === id)!);
  const plan = seasonPlan(count, scale);
  const op = await Operator.signIn(opts.url, opts.dataDir);

  // the season crowd: as many fans as the biggest match, the same keys (and sessions) all season
  const crowdSize = Math.max(...plan.map((p) => p.fans));
  const crowd: Fan[] = [];
  while (crowd.length < crowdSize) {
    crowd.push(new Fan(opts.url, ''));
    if (crowd.length % 500 === 0) {
      onProgress({ phase: 'the season crowd', clock: 'keys', admitted: crowd.length, total: crowdSize, scansPerSecond: 0, messagesPerSecond: 0, errors: 0 });
      await new Promise((r) => setImmediate(r)); // keys take time: let the progress bar breathe
    }
  }
  const grounds = new Map<number, Ground>();
  const seats = new Map<number, number>();
  for (const p of plan) seats.set(p.ground, Math.max(seats.get(p.ground) ?? 0, p.fans));

  const matches: SeasonMatch[] = [];
  let errors = 0;
  let chainWeeks = 0;
  for (const p of plan) {
    const label = `match ${p.index + 1}/${count} (${p.fans.toLocaleString('en-US')} fans)`;
    const g = GROUNDS[p.ground];
    const firstHere = !grounds.has(p.ground);
    const ground = grounds.get(p.ground) ?? { hotspots: [], sensors: [], stewards: [] };
    grounds.set(p.ground, ground);
    const cases = casesFor(catalogue, p.index, opts.adversaries ?? 3);
    const perCase = Math.max(8, Math.min(32, Math.floor(p.fans / 50)));
    const ran: Ran[] = [];
    let stadium: Stadium | undefined;
    const summary = await runMatch(
      {
        url: opts.url,
        dataDir: opts.dataDir,
        model: matchModel(p, scale, seconds, seats.get(p.ground)!),
        name: `Season ${p.index + 1}/${count} at ${g.name}`,
        fans: p.fans,
        crowd: attendance(crowd, p.fans, p.index),
        ground,
        staff: firstHere ? opts.staff : undefined,
        holdOut: cases.length * perCase,
        alongside: async (st, heldOut, scriptDone) => {
          stadium = st;
          const slice = (c: FraudCase) => heldOut.slice(cases.indexOf(c) * perCase, (cases.indexOf(c) + 1) * perCase);
          for (const c of cases.filter((x) => !MOMENT_CASES.has(x.id))) ran.push(await runCase(st, c, slice(c)));
          await scriptDone;
          for (const c of cases.filter((x) => MOMENT_CASES.has(x.id))) ran.push(await runCase(st, c, slice(c)));
        },
      },
      (x) => onProgress({ ...x, phase: label, clock: `${x.phase} ${x.clock}`.trim() }),
    );
    const progress = (what: string) =>
      onProgress({ phase: label, clock: what, admitted: summary.admitted, total: p.fans, scansPerSecond: 0, messagesPerSecond: 0, errors: summary.errors });
    progress('settling the epoch');
    const epoch = await settleEpoch(op, summary.eventId);
    // the week after the last match holds no match: the season's release is the weeks it was played
    if (opts.weekly && p.index < plan.length - 1) {
      progress('a week passes on the chain');
      await nextChainWeek(op);
      chainWeeks++;
    }
    progress('reading the ledger');
    const sim = await readEvent(op, summary.eventId, scale);
    const fraud = stadium ? await fraudVerdicts(stadium, ran) : { cases: [], accounts: [], paid: '0' };
    errors += summary.errors;
    matches.push({
      match: p.index + 1,
      eventId: summary.eventId,
      ground: g.name,
      fullSizeFans: p.fullSizeFans,
      fans: summary.fans,
      fullSizeHotspots: p.fullSizeHotspots,
      hotspots: summary.hotspots,
      admitted: summary.admitted,
      denied: summary.denied,
      witnesses: summary.witnesses,
      moments: summary.moments,
      source: 'sim',
      byKind: sim.byKind,
      paid: sim.byKind.reduce((a, k) => a + BigInt(k.paid), 0n).toString(),
      epoch,
      before: sim.before,
      fraud,
      setupSeconds: summary.setupSeconds,
      wallSeconds: summary.wallSeconds,
      errors: summary.errors,
      errorSamples: summary.errorSamples,
    });
  }

  onProgress({ phase: 'fairness report', clock: 'GET /rewards/economics', admitted: 0, total: 0, scansPerSecond: 0, messagesPerSecond: 0, errors });
  const economics = await readEconomics(op);
  const rates = await op.client.attempt<{ rates: { kind: string; factorBps: number }[] }>('GET', '/api/v1/rewards/rates');
  const factors = rates.status === 200 ? Object.fromEntries(rates.body.rates.map((r) => [r.kind, r.factorBps])) : null;
  return {
    scale,
    secondsPerMatch: seconds,
    chainWeeks,
    matches: economics ? withEconomics(matches, economics) : matches,
    crowd: crowdSize,
    fullSize: { fans: [FULL_SIZE.minFans, FULL_SIZE.maxFans], hotspots: [GROUNDS[0].hotspots, GROUNDS[GROUNDS.length - 1].hotspots] },
    season: seasonFigures(economics ? withEconomics(matches, economics) : matches, economics, factors),
    economics,
    wallSeconds: (Date.now() - started) / 1000,
    errors,
  };
}

async function runCase(st: Stadium, c: FraudCase, honest: Fan[]): Promise<Ran> {
  const from = Date.now();
  if (c.needs && !(await hasRoute(st, c.needs))) return { c, row: notRun(c, `waits for ${c.needs.api}`), window: { from, to: from } };
  try {
    const o = await c.run(st, honest);
    await sleep(1500); // alerts and live counts arrive after the answers
    return { c, o, window: { from, to: Date.now() } };
  } catch (err) {
    return { c, row: notRun(c, `the case could not run: ${(err as Error).message}`, 'error'), window: { from, to: Date.now() } };
  }
}

/** The verdict rows of the match's cases from its settled ledger, and every adversary account they name. */
async function fraudVerdicts(st: Stadium, ran: Ran[]): Promise<SeasonMatch['fraud']> {
  const { reader, paidKinds } = await ledgerFor(st);
  const cases: VerdictRow[] = [];
  const accounts: SeasonMatch['fraud']['accounts'] = [];
  let paid = 0n;
  for (const x of ran) {
    const row = x.row ?? (await verdict(st, x.c, x.o!, x.window, reader, paidKinds));
    cases.push(row);
    paid += BigInt(row.fraudulentPaidUnits ?? '0');
    if (!x.o) continue;
    const named = [
      ...x.o.fraudAccounts.map((a) => ({ a, counts: 'all' })),
      ...(x.o.fraudKinds ?? []).map((k) => ({ a: k.account, counts: k.kinds.join('+') })),
      ...(x.o.oncePerAccount ?? []).map((k) => ({ a: k.account, counts: `${k.kind} beyond one` })),
    ];
    for (const n of named) accounts.push({ case: x.c.id, address: (await n.a()).address ?? '?', counts: n.counts });
  }
  return { cases, accounts, paid: paid.toString() };
}

/**
 * The match's epoch through settlement before the next match: the final whistle closes it by
 * itself; staff approve the manifest and the root is published. Epochs settle one at a time, so a
 * season that did not wait would pile up unclosed events.
 */
/** The season's emission against what the schedule released over it, by the chain's clock (target: within 1%). */
export const SCHEDULE_MARGIN = 0.01;
function scheduleShare(e: EconomicsView | null | undefined): { scheduleShare: number | null; scheduleMet: boolean | null } {
  if (!e || e.released === null || BigInt(e.released) === 0n) return { scheduleShare: null, scheduleMet: null };
  const share = asFan(BigInt(e.emitted)) / asFan(BigInt(e.released));
  return { scheduleShare: share, scheduleMet: Math.abs(share - 1) <= SCHEDULE_MARGIN };
}

/** Moves this machine's dev chain a week on (evm_increaseTime, then a block at the new time); refused for any other chain. */
export async function nextChainWeek(op: Operator): Promise<void> {
  const chain = await op.client.attempt<{ rpcUrl: string | null; rpcScope: string | null }>('GET', '/api/v1/chain');
  if (chain.status !== 200 || !chain.body.rpcUrl || chain.body.rpcScope !== 'this_machine')
    throw new SimProblem(0, 'no_dev_chain', '--weekly moves the clock of this machine’s dev chain (the embedded chain); the API answers with no such chain.');
  for (const [method, params] of [
    ['evm_increaseTime', [7 * 24 * 3600]],
    ['evm_mine', []],
  ] as const) {
    const res = await fetch(chain.body.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await res.json()) as { error?: { message: string } };
    if (body.error) throw new SimProblem(0, 'no_dev_chain', `the chain refused ${method}: ${body.error.message} (--weekly needs the embedded dev chain).`);
  }
}

export async function settleEpoch(op: Operator, eventId: string, timeoutMs = 120_000): Promise<SeasonMatch['epoch']> {
  const deadline = Date.now() + timeoutMs;
  let last: EpochLine | undefined;
  for (;;) {
    const a: Answer<TotalsAnswer> = await op.client.attempt<TotalsAnswer>('GET', `/api/v1/events/${eventId}/reward-totals`);
    if (a.status === 404) return { id: null, status: 'n/a', note: 'rewards not available' };
    const mine = (a.body.epochs ?? []).filter((e) => e.eventId === eventId);
    for (const e of mine.filter((x) => x.status === 'pending_approval')) await op.client.attempt('POST', `/api/v1/epochs/${e.id}/approve`, { note: 'venue-sim season' });
    last = mine[mine.length - 1] ?? last;
    if (last?.status === 'published' && mine.every((e) => e.status === 'published' || e.status === 'rejected')) return { id: last.id, status: last.status };
    if (last?.status === 'failed') return { id: last.id, status: last.status, note: last.lastError ?? undefined };
    if (last?.status === 'tree_built' && last.lastError?.startsWith('Waiting for the emission schedule'))
      return { id: last.id, status: last.status, note: `${last.lastError.slice(0, 160)}… (later epochs wait behind it)` };
    if (Date.now() > deadline) {
      if (last) return { id: last.id, status: last.status, note: `still ${last.status} after ${timeoutMs / 1000} s` };
      // epochs settle one at a time: name the one in the way (an earlier run's epoch left pending approval, say)
      const e = await readEconomics(op);
      const open = e?.epochs.find((x) => ['pending_approval', 'approved', 'tree_built', 'publishing'].includes(x.status));
      return {
        id: null,
        status: 'not closed',
        note: open ? `waits behind epoch ${open.epochId}, ${open.status} (approve or reject it: POST /epochs/${open.epochId}/approve)` : 'no epoch closed',
      };
    }
    await sleep(700);
  }
}

/**
 * The sim's own reading of one event: per kind, entries or score points and what was paid; and the
 * old coverage rule on its scores, its pool scaled with the crowd (points scale with it; the per-account
 * cap does not: an owner's hotspots are witnessed as at full size), so the counterfactual is the full-size one.
 */
async function readEvent(op: Operator, eventId: string, scale: number): Promise<{ byKind: KindFigures[]; before: SeasonMatch['before'] }> {
  const [totals, scores, pools] = await Promise.all([
    op.client.attempt<TotalsAnswer>('GET', `/api/v1/events/${eventId}/reward-totals`),
    op.client.attempt<{ owner: string; score: number }[]>('GET', `/api/v1/coverage/events/${eventId}/scores`),
    op.client.attempt<{ pools: { kind: string; pool: string }[] }>('GET', `/api/v1/events/${eventId}/reward-pools`),
  ]);
  const points = ownerPoints(Array.isArray(scores.body) ? scores.body : []);
  const totalPoints = [...points.values()].reduce((a, b) => a + b, 0n);
  const listed = (totals.body.byKind ?? []).map((x) => x.kind).filter((k) => !(KINDS as readonly string[]).includes(k));
  const byKind = [...KINDS, ...listed].map((kind) => {
    const t = (totals.body.byKind ?? []).find((x) => x.kind === kind);
    const paid = BigInt(t?.paid ?? '0');
    const units = kind === 'coverage' ? totalPoints : BigInt(t?.entries ?? 0);
    return { kind, units: units.toString(), paid: paid.toString(), perUnit: units > 0n ? asFan(paid) / Number(units) : null };
  });
  const pool = BigInt(pools.body.pools?.find((p) => p.kind === 'coverage')?.pool ?? '0');
  const old = oldCoverageRule((pool * BigInt(Math.round(scale * 1e6))) / 1_000_000n, points);
  return { byKind, before: { coveragePaid: old.paid.toString(), coveragePoints: old.points.toString(), perPoint: old.points > 0n ? asFan(old.paid) / Number(old.points) : null } };
}

/** GET /rewards/economics, or null while the API has no such route. */
async function readEconomics(op: Operator): Promise<EconomicsView | null> {
  const a = await op.client.attempt<EconomicsView>('GET', '/api/v1/rewards/economics');
  if (a.status !== 200 || !Array.isArray(a.body.events)) return null;
  return a.body;
}

/** The per-kind figures of each match as the endpoint reports them, where it reports the event. */
function withEconomics(matches: SeasonMatch[], e: EconomicsView): SeasonMatch[] {
  return matches.map((m) => {
    const ev = e.events.find((x) => x.eventId === m.eventId);
    if (!ev) return m;
    const listed = ev.byKind.map((x) => x.kind).filter((k) => !(KINDS as readonly string[]).includes(k));
    const byKind = [...KINDS, ...listed].map((kind) => {
      const k = ev.byKind.find((x) => x.kind === kind);
      const units = BigInt(k?.units ?? '0');
      const paid = BigInt(k?.paid ?? '0');
      return { kind, units: units.toString(), paid: paid.toString(), perUnit: units > 0n ? asFan(paid) / Number(units) : null };
    });
    return { ...m, source: 'economics' as const, byKind, paid: byKind.reduce((a, k) => a + BigInt(k.paid), 0n).toString() };
  });
}

function seasonFigures(matches: SeasonMatch[], e: EconomicsView | null, factors: Record<string, number> | null): SeasonReport['season'] {
  const emitted = matches.reduce((a, m) => a + BigInt(m.paid), 0n);
  const fraudPaid = matches.reduce((a, m) => a + BigInt(m.fraud.paid), 0n);
  const rows = matches.flatMap((m) => m.fraud.cases);
  const perUnit = kindsIn(matches).map((kind): PerUnitFigure => {
    const values = matches.map((m) => m.byKind.find((k) => k.kind === kind)?.perUnit ?? 0);
    const { mean, cov } = meanCov(values);
    const target = COV_TARGETS[kind] ?? null;
    const s = e?.perUnit.find((x) => x.kind === kind);
    return {
      kind,
      events: values.filter((v) => v > 0).length,
      meanFan: mean,
      cov,
      target,
      met: target === null || cov === null ? null : cov <= target,
      seasonCov: s?.cov ?? null,
      seasonEvents: s?.events ?? null,
    };
  });
  const before = meanCov(matches.map((m) => m.before.perPoint ?? 0));
  const coverageNow = perUnit.find((k) => k.kind === 'coverage')!;
  return {
    economics: e ? 'available' : 'not available',
    id: e?.season.id ?? null,
    seasonEvents: e?.events.length ?? null,
    runEvents: matches.length,
    emitted: emitted.toString(),
    seasonEmitted: e?.emitted ?? null,
    released: e?.released ?? null,
    withinSchedule: e?.released == null ? null : BigInt(e.emitted) <= BigInt(e.released),
    ...scheduleShare(e),
    perUnit,
    gini: e ? { ...e.gini, met: e.gini.rewards <= e.gini.contribution + GINI_MARGIN } : null,
    top1Share: e?.top1Share ?? null,
    fraud: {
      paid: fraudPaid.toString(),
      emitted: emitted.toString(),
      share: emitted > 0n ? asFan(fraudPaid) / asFan(emitted) : 0,
      accounts: new Set(matches.flatMap((m) => m.fraud.accounts.filter((a) => a.counts === 'all' || !a.counts.includes('beyond')).map((a) => a.address))).size,
      cases: rows.length,
      passed: rows.filter((r) => r.result === 'pass').length,
      met: fraudPaid === 0n,
    },
    clipped: e?.clipped ?? null,
    seasonCaps: e?.seasonCaps ?? null,
    factors,
    before: {
      rule: 'counterfactual: each event’s coverage pool (100,000 FAN × scale) split by score with no per-point rate, at most 5,000 FAN an account (the rule before issue 22), on the same scores',
      coverage: {
        meanPerPoint: before.mean,
        cov: before.cov,
        paid: matches.reduce((a, m) => a + BigInt(m.before.coveragePaid), 0n).toString(),
        nowPaid: matches.reduce((a, m) => a + BigInt(m.byKind.find((k) => k.kind === 'coverage')?.paid ?? '0'), 0n).toString(),
        nowCov: coverageNow.cov,
      },
    },
  };
}
