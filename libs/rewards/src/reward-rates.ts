/**
 * Steady per-unit rewards (issue 22): what a unit of verified work pays is the default rate
 * (DEFAULT_POOLS' perUnit) times a factor per kind, and the factor moves with the season's demand
 * by at most RATE_STEP_BPS per epoch, in the spirit of EIP-1559's base fee. After each epoch, when
 * the epoch's work emitted more than the next epoch's budget the rates fall at the next events, when
 * less they rise, never by more than the step at once and always within [RATE_FLOOR_BPS,
 * RATE_CEILING_BPS] of the default. The budget is the week's scheduled release plus a share of what
 * earlier epochs left unspent (or less what they overspent), so emission follows the schedule over a
 * season instead of undershooting it; a surge neither drains the schedule in one match nor collapses
 * the rate, and the same work at a small and a big venue pays about the same.
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

/**
 * What the schedule gives the controller to aim at after an epoch closes: the week's release, and the
 * carry, what the schedule has released so far (the distributor's allowance) less the cumulative total
 * of the epochs closed so far (negative when they spent ahead of it, which only a raised schedule allows).
 */
export interface EmissionBudget {
  weekly: bigint;
  carry: bigint;
}

/** The next epoch's budget: a week's release plus the carry spread over CARRY_EPOCHS, never below zero; undefined: no schedule known. */
export function epochBudget(budget: EmissionBudget | undefined): bigint | undefined {
  if (budget === undefined) return undefined;
  const total = budget.weekly / EPOCHS_PER_WEEK + budget.carry / CARRY_EPOCHS;
  return total > 0n ? total : 0n;
}

/** What an epoch's work would have paid at the default rates, per kind: what it paid ÷ the factor it was paid at. */
export function demandAtDefault(emitted: ReadonlyMap<string, bigint>, factors: ReadonlyMap<string, number>): Map<RateKind, bigint> {
  // rounded up, so that any work at all counts as work
  const f = (k: string) => BigInt(factors.get(k) ?? FULL_BPS);
  return new Map(RATE_KINDS.map((k) => [k, ((emitted.get(k) ?? 0n) * BigInt(FULL_BPS) + f(k) - 1n) / f(k)]));
}

/**
 * The factor the budget asks for, one for every kind: the rate, against the default, at which the
 * epoch's work would have met the budget (budget ÷ what the work would have paid at the default
 * rates). One target keeps the kinds' rates in the proportions of the defaults, so what an admission
 * is worth beside a witness never drifts with how many of each a season happens to have; a surge of
 * one kind lowers every rate a little instead of one a lot. Undefined: no schedule, or no work to
 * learn the demand from.
 */
export function targetFactor(demand: ReadonlyMap<string, bigint>, budget: bigint | undefined): bigint | undefined {
  const work = [...demand.values()].reduce((a, b) => a + b, 0n);
  if (budget === undefined || work === 0n) return undefined;
  return (budget * BigInt(FULL_BPS)) / work;
}

/** A kind's share of the budget by its share of the epoch's work (what the rates page shows beside what it emitted). */
export function kindBudgets(demand: ReadonlyMap<string, bigint>, budget: bigint | undefined): Map<RateKind, bigint | undefined> {
  const work = [...demand.values()].reduce((a, b) => a + b, 0n);
  return new Map(RATE_KINDS.map((k) => [k, budget === undefined ? undefined : work === 0n ? 0n : (budget * (demand.get(k) ?? 0n)) / work]));
}

/**
 * One step of the controller for one kind: toward the target by at most RATE_STEP_BPS of the current
 * factor, and within [RATE_FLOOR_BPS, RATE_CEILING_BPS]. With no target (no emission schedule on
 * chain, or no work in the epoch) the factor drifts back toward the default the same way.
 */
export function nextFactor(factorBps: number, target: bigint | undefined, step = RATE_STEP_BPS, floor = RATE_FLOOR_BPS, ceiling = RATE_CEILING_BPS): number {
  const f = BigInt(factorBps);
  const wanted = target ?? BigInt(FULL_BPS);
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
