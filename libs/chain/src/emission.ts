/**
 * RewardDistributor's emission schedule (1.2.0), mirrored off chain: the same integer arithmetic as
 * the contract's `_allowanceAt`, so the API, the tests and the season schedule can compute the bound a
 * root's total must stay under without a call (the contract tests check it against the chain).
 *
 * From `start`, every week that has begun releases its season's weekly amount (front-loaded: a week's
 * amount is there from its first second). Season `k` (of `seasonWeeks` weeks) releases
 * `weekly_k = floor(weekly_{k-1} × (10,000 − decayBps) / 10,000)` a week, `weekly_0 = weekly`. The bound is
 * on the cumulative total, so what an epoch left unspent carries over to the next ones.
 */
export interface EmissionSchedule {
  /** unix seconds: the first week begins here */
  start: bigint;
  /** released at the start of each week of the first season (smallest unit) */
  weekly: bigint;
  /** each season's weekly amount is this many basis points below the previous one's (0..10,000) */
  decayBps: number;
  /** weeks per season (1..65,535) */
  seasonWeeks: number;
}

export const EMISSION_WEEK_SECONDS = 7n * 86_400n;
const BPS = 10_000n;

/** What `schedule` has released by `t` (unix seconds), on top of `releasedBefore` (what earlier schedules released, frozen when it was set). */
export function emissionAllowanceAt(schedule: EmissionSchedule, t: bigint, releasedBefore = 0n): bigint {
  if (t < schedule.start) return releasedBefore;
  const weeksBegun = (t - schedule.start) / EMISSION_WEEK_SECONDS + 1n;
  const kept = BPS - BigInt(schedule.decayBps);
  let weekly = schedule.weekly;
  if (kept === BPS) return releasedBefore + weekly * weeksBegun;
  const perSeason = BigInt(schedule.seasonWeeks);
  const seasons = (weeksBegun - 1n) / perSeason;
  let released = releasedBefore;
  for (let k = 0n; k < seasons && weekly !== 0n; k++) {
    released += weekly * perSeason;
    weekly = (weekly * kept) / BPS;
  }
  return released + weekly * (weeksBegun - seasons * perSeason);
}

/** The earliest start a schedule change may have at `now`: the end of the week in progress, or the current schedule's start while that is to come. */
export function earliestScheduleChange(schedule: EmissionSchedule, now: bigint): bigint {
  if (now < schedule.start) return schedule.start;
  return schedule.start + ((now - schedule.start) / EMISSION_WEEK_SECONDS + 1n) * EMISSION_WEEK_SECONDS;
}

/** The constructor's / setEmissionSchedule's arguments, in order. */
export const emissionArgs = (s: EmissionSchedule): [bigint, bigint, number, number] => [s.start, s.weekly, s.decayBps, s.seasonWeeks];

/**
 * A real chain's first schedule when EMISSION_* is unset (docs/economics.md argues it): 2,000,000 FAN a
 * week for a 52-week season, each season's weekly amount 25% below the last, so the schedule releases
 * at most 2,000,000 × 52 / 0.25 = 416,000,000 FAN ever, well inside the one-billion cap.
 */
export const DEFAULT_EMISSION = { weeklyFan: '2000000', decayBps: 2_500, seasonWeeks: 52 } as const;
