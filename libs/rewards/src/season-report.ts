/**
 * The season's fairness figures, as pure functions over the ledger's aggregates: pay per unit per
 * kind and event and its spread across events, the Gini of rewards beside the Gini of the verified
 * work behind them, and the top 1%'s share. The repository reads the aggregates; the report and
 * `sim season` read these figures (GET /rewards/economics).
 */
import { DEFAULT_POOLS, type RewardKind } from './reward-rules';

/** Kinds paid for verified work (sponsor drops are gifts, left out of pay-per-unit and the Gini). */
export const WORK_KINDS: readonly RewardKind[] = ['admission', 'verification', 'moment', 'witness', 'coverage', 'sensing'];

const DEFAULT_RATE = new Map(DEFAULT_POOLS.map((p) => [p.kind, p.perUnit] as const));

/** Pay per unit, in the smallest token unit (floor). */
export function perUnit(paid: bigint, units: bigint): bigint {
  return units > 0n ? paid / units : 0n;
}

/** Mean and coefficient of variation (population stddev ÷ mean) of per-unit pays; cov is null below 2 values or at a zero mean. */
export function spread(values: readonly bigint[]): { mean: bigint; cov: number | null } {
  if (!values.length) return { mean: 0n, cov: null };
  const xs = values.map(Number);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanOut = values.reduce((a, b) => a + b, 0n) / BigInt(values.length);
  if (xs.length < 2 || mean === 0) return { mean: meanOut, cov: null };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  return { mean: meanOut, cov: Math.sqrt(variance) / mean };
}

/** The Gini coefficient of non-negative amounts: 0 when all are equal, towards 1 when one holds everything. */
export function gini(amounts: readonly bigint[]): number {
  const xs = amounts.map(Number).sort((a, b) => a - b);
  const n = xs.length;
  const total = xs.reduce((a, b) => a + b, 0);
  if (n < 2 || total === 0) return 0;
  // G = Σ (2i − n − 1) x_i ÷ (n Σ x), i from 1, x ascending
  let weighted = 0;
  for (let i = 0; i < n; i++) weighted += (2 * (i + 1) - n - 1) * xs[i];
  return weighted / (n * total);
}

/** The share of the total held by the top 1% of accounts (at least one account). */
export function topShare(amounts: readonly bigint[], fraction = 0.01): number {
  if (!amounts.length) return 0;
  const sorted = [...amounts].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const total = sorted.reduce((a, b) => a + b, 0n);
  if (total === 0n) return 0;
  const top = sorted.slice(0, Math.max(1, Math.ceil(sorted.length * fraction))).reduce((a, b) => a + b, 0n);
  return Number((top * 1_000_000n) / total) / 1_000_000;
}

/** An account's verified contribution: each unit of work valued at its kind's default rate, so kinds add up. */
export function contribution(units: ReadonlyMap<string, bigint>): bigint {
  let v = 0n;
  for (const [kind, u] of units) v += u * (DEFAULT_RATE.get(kind as RewardKind) ?? 0n);
  return v;
}
