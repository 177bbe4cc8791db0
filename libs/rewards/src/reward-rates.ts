/**
 * Steady per-unit rewards (issue 22): what a unit of verified work pays is the default rate
 * (DEFAULT_POOLS' perUnit) times a factor per kind, and the factor moves with the season's demand
 * by at most RATE_STEP_BPS per epoch, in the spirit of EIP-1559's base fee. After each epoch, a kind
 * that emitted more than its share of the next epoch's budget pays less per unit at the next events,
 * one that emitted less pays more, never by more than the step at once and always within
 * [RATE_FLOOR_BPS, RATE_CEILING_BPS] of the default. The budget is the week's scheduled release plus
 * a share of what earlier epochs left unspent (or less what they overspent), so emission follows the
 * schedule over a season instead of undershooting it; a surge neither drains the schedule in one
 * match nor collapses the rate, and the same work at a small and a big venue pays about the same.
 * Pure: the ledger runs these, the property test runs them directly.
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
/** Nor rises above twice it: a quiet season pays more per unit, but no unit of work becomes a windfall. */
export const RATE_CEILING_BPS = 20_000;
/** What earlier epochs left unspent (or overspent) is caught up over this many epochs: a month of weekly matches. */
export const CARRY_EPOCHS = 4n;
/** Epochs are one per match; most clubs play once a week, so a week's release is one epoch's budget. */
export const EPOCHS_PER_WEEK = 1n;

const isRateKind = (k: RewardKind): k is RateKind => (RATE_KINDS as readonly string[]).includes(k);

/** Each kind's share of an epoch's budget: its default pool's share of all the rate kinds' pools. */
export function budgetShares(pools: readonly PoolConfig[] = DEFAULT_POOLS): Map<RateKind, { num: bigint; den: bigint }> {
  const rated = pools.filter((p) => isRateKind(p.kind));
  const den = rated.reduce((s, p) => s + p.pool, 0n);
  return new Map(rated.map((p) => [p.kind as RateKind, { num: p.pool, den }]));
}

/**
 * What the schedule gives the controller to aim at after an epoch closes: the week's release, and the
 * carry, what the schedule has released so far (the distributor's allowance) less the cumulative total
 * of the epochs closed so far (negative when they spent ahead of it, which only a raised schedule allows).
 */
export interface EmissionBudget {
  weekly: bigint;
  carry: bigint;
}

/**
 * Each kind's budget for the next epoch: its share of a week's release plus its share of the carry
 * spread over CARRY_EPOCHS (never below zero), one epoch a week. Undefined: no schedule known.
 */
export function epochBudgets(budget: EmissionBudget | undefined, pools: readonly PoolConfig[] = DEFAULT_POOLS): Map<RateKind, bigint | undefined> {
  const total = budget === undefined ? undefined : budget.weekly / EPOCHS_PER_WEEK + budget.carry / CARRY_EPOCHS;
  return new Map([...budgetShares(pools)].map(([k, s]) => [k, total === undefined || s.den === 0n ? undefined : total > 0n ? (total * s.num) / s.den : 0n]));
}

/**
 * One step of the controller for one kind. The factor the budget asks for is factor × budget /
 * emitted (the rate at which the last epoch's units would have met the budget); the step toward it is
 * at most RATE_STEP_BPS of the current factor, and the result stays in [RATE_FLOOR_BPS, RATE_CEILING_BPS].
 * With no budget known (no emission schedule on chain), or nothing emitted to learn the demand from,
 * the factor drifts back toward the default.
 */
export function nextFactor(factorBps: number, emitted: bigint, budget: bigint | undefined, step = RATE_STEP_BPS, floor = RATE_FLOOR_BPS, ceiling = RATE_CEILING_BPS): number {
  const f = BigInt(factorBps);
  if (budget === undefined || emitted === 0n) {
    // drift toward the default, by at most a step, from either side
    if (factorBps === FULL_BPS) return FULL_BPS;
    const towards = factorBps < FULL_BPS ? (f * BigInt(FULL_BPS + step) + BigInt(FULL_BPS - 1)) / BigInt(FULL_BPS) : (f * BigInt(FULL_BPS - step)) / BigInt(FULL_BPS);
    return Number(factorBps < FULL_BPS ? min(towards, BigInt(FULL_BPS)) : max(towards, BigInt(FULL_BPS)));
  }
  const wanted = (f * budget) / emitted;
  const lo = (f * BigInt(FULL_BPS - step)) / BigInt(FULL_BPS);
  const hi = (f * BigInt(FULL_BPS + step) + BigInt(FULL_BPS - 1)) / BigInt(FULL_BPS);
  const stepped = wanted < lo ? lo : wanted > hi ? hi : wanted;
  return Number(max(BigInt(floor), min(BigInt(ceiling), stepped)));
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/**
 * The pools a new event gets: the defaults with each rate kind's amount per unit scaled by its factor.
 * Above the default, the account cap and the pool scale with it, so a raised rate is not cut back by
 * caps sized for the default (a fan's one admission still pays one admission's worth); below it they
 * stay, so a lowered rate never tightens a cap.
 */
export function poolsAt(factors: ReadonlyMap<string, number>, defaults: readonly PoolConfig[] = DEFAULT_POOLS): PoolConfig[] {
  return defaults.map((p) => {
    const f = isRateKind(p.kind) ? (factors.get(p.kind) ?? FULL_BPS) : FULL_BPS;
    const scale = (v: bigint) => (v * BigInt(f)) / BigInt(FULL_BPS);
    if (f === FULL_BPS) return { ...p };
    if (f < FULL_BPS) return { ...p, perUnit: scale(p.perUnit) };
    return { ...p, perUnit: scale(p.perUnit), accountCap: scale(p.accountCap), pool: scale(p.pool) };
  });
}
