/**
 * Steady per-unit rewards (issue 22): what a unit of verified work pays is the default rate
 * (DEFAULT_POOLS' perUnit) times a factor per kind, and the factor moves with the season's demand
 * by at most RATE_STEP_BPS per epoch, in the spirit of EIP-1559's base fee. After each epoch, a kind
 * that emitted more than its share of the week's scheduled release pays less per unit at the next
 * events, never by more than the step at once and never below RATE_FLOOR_BPS of the default; one
 * that emitted less recovers toward the default, which is also the ceiling. So a surge neither
 * drains the schedule in one match nor collapses the rate, and the same work at a small and a big
 * venue pays about the same. Pure: the ledger runs these, the property test runs them directly.
 */
import { DEFAULT_POOLS, PoolConfig, RewardKind } from './reward-rules';

/** The kinds whose rate the controller sets (sponsor drops carry their own amount per unit). */
export const RATE_KINDS = ['admission', 'verification', 'moment', 'witness', 'coverage', 'sensing'] as const satisfies readonly RewardKind[];
export type RateKind = (typeof RATE_KINDS)[number];

export const FULL_BPS = 10_000;
/** The most a factor moves in one epoch: 12.5%, EIP-1559's step. */
export const RATE_STEP_BPS = 1_250;
/** A factor never falls below a quarter of the default rate: a surge cannot make the work worthless. */
export const RATE_FLOOR_BPS = 2_500;
/** Epochs are one per match; most clubs play once a week, so a week's release is one epoch's budget. */
export const EPOCHS_PER_WEEK = 1n;

const isRateKind = (k: RewardKind): k is RateKind => (RATE_KINDS as readonly string[]).includes(k);

/** Each kind's share of an epoch's budget: its default pool's share of all the rate kinds' pools. */
export function budgetShares(pools: readonly PoolConfig[] = DEFAULT_POOLS): Map<RateKind, { num: bigint; den: bigint }> {
  const rated = pools.filter((p) => isRateKind(p.kind));
  const den = rated.reduce((s, p) => s + p.pool, 0n);
  return new Map(rated.map((p) => [p.kind as RateKind, { num: p.pool, den }]));
}

/** Each kind's budget for one epoch out of a week's scheduled release (undefined: no schedule known). */
export function epochBudgets(weeklyRelease: bigint | undefined, pools: readonly PoolConfig[] = DEFAULT_POOLS): Map<RateKind, bigint | undefined> {
  return new Map([...budgetShares(pools)].map(([k, s]) => [k, weeklyRelease === undefined || s.den === 0n ? undefined : (weeklyRelease * s.num) / s.den / EPOCHS_PER_WEEK]));
}

/**
 * One step of the controller for one kind. The factor the budget asks for is factor × budget /
 * emitted (the rate at which the last epoch's units would have met the budget); the step toward it is
 * at most RATE_STEP_BPS of the current factor, and the result stays in [RATE_FLOOR_BPS, FULL_BPS].
 * With no budget known (no emission schedule on chain) the factor drifts back toward the default.
 */
export function nextFactor(factorBps: number, emitted: bigint, budget: bigint | undefined, step = RATE_STEP_BPS, floor = RATE_FLOOR_BPS): number {
  const f = BigInt(factorBps);
  let wanted: bigint;
  if (budget === undefined || emitted === 0n) wanted = BigInt(FULL_BPS);
  else wanted = (f * budget) / emitted;
  const lo = (f * BigInt(FULL_BPS - step)) / BigInt(FULL_BPS);
  const hi = (f * BigInt(FULL_BPS + step) + BigInt(FULL_BPS - 1)) / BigInt(FULL_BPS);
  const stepped = wanted < lo ? lo : wanted > hi ? hi : wanted;
  return Number(stepped < BigInt(floor) ? BigInt(floor) : stepped > BigInt(FULL_BPS) ? BigInt(FULL_BPS) : stepped);
}

/** The pools a new event gets: the defaults with each rate kind's amount per unit scaled by its factor. */
export function poolsAt(factors: ReadonlyMap<string, number>, defaults: readonly PoolConfig[] = DEFAULT_POOLS): PoolConfig[] {
  return defaults.map((p) => {
    const f = isRateKind(p.kind) ? (factors.get(p.kind) ?? FULL_BPS) : FULL_BPS;
    return f === FULL_BPS ? { ...p } : { ...p, perUnit: (p.perUnit * BigInt(f)) / BigInt(FULL_BPS) };
  });
}
