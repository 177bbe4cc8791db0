import { formatUnits } from 'ethers';
import type { EconomicsView, RewardKind } from '@fanmesh/protocol';
import { getJson } from '../api/client';
import { fan } from '../fan/rewards-api';

export { fan };

/** The season's fairness report (public); without `season`, the server's current season. */
export const economics = (season?: string) => getJson<EconomicsView>(`/api/v1/rewards/economics${season ? `?season=${encodeURIComponent(season)}` : ''}`);

/** A wei string as a number of FAN, for chart geometry only (words use `fan` and `fanFine`). */
export const fanNumber = (amount: string) => Number(formatUnits(amount, 18));

/**
 * What a unit of work pays, in FAN: small rates keep three significant digits (a point of coverage
 * pays 0.005 FAN, which `fan`'s two decimals would show as 0).
 */
export function fanFine(amount: string): string {
  const n = fanNumber(amount);
  return n === 0 || Math.abs(n) >= 100 ? fan(amount) : n.toLocaleString(undefined, { maximumSignificantDigits: 3 });
}

/** A fraction 0..1 as a percentage with at most one decimal: 0.04 → "4%", 0.1512 → "15.1%". */
export const percent = (x: number) => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;

/** A Gini coefficient, two decimals. */
export const gini = (x: number) => x.toFixed(2);

/** What the panel calls each kind, and the unit of work it pays for (every kind of the wire contract: a new one fails the type check until it is named here). */
export const KINDS: Readonly<Record<RewardKind, { label: string; unit: string }>> = {
  admission: { label: 'Admission', unit: 'per check-in' },
  verification: { label: 'Steward verification', unit: 'per fan verified' },
  moment: { label: 'Moment presence', unit: 'per fan, per moment' },
  witness: { label: 'Witness', unit: 'per valid witness' },
  coverage: { label: 'Hotspot coverage', unit: 'per point of coverage score' },
  sensing: { label: 'Sound sensors', unit: 'per confirmed moment heard' },
  drop: { label: 'Sponsor drops', unit: 'per redemption' },
};
const known = (kind: string): kind is RewardKind => Object.hasOwn(KINDS, kind);
export const kindLabel = (kind: string) => (known(kind) ? KINDS[kind].label : kind);
export const kindUnit = (kind: string) => (known(kind) ? KINDS[kind].unit : 'per unit');

/**
 * How much the pay per unit of a kind may vary across a season's events before it is worth a look:
 * the fixed-rate kinds move only by the rate controller's bounded steps; coverage is split by score,
 * so it varies more. Sound sensors are paid by their trust weight and sponsor drops set their own
 * amounts, so those have no expectation.
 */
export const COV_LIMIT: Readonly<Record<string, number>> = { admission: 0.15, verification: 0.15, moment: 0.15, witness: 0.15, coverage: 0.25 };

/** Rewards are fine while their Gini is at most this far above the Gini of the work behind them. */
export const GINI_SLACK = 0.05;

/** The season `by` seasons from `id` ("2026-27", +1 → "2027-28"), or undefined for an id of another form. */
export function seasonBeside(id: string, by: number): string | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(id);
  if (!m) return undefined;
  const y = Number(m[1]) + by;
  return `${y}-${String((y + 1) % 100).padStart(2, '0')}`;
}

/** "2026-27" → "2026/27". */
export const seasonShort = (id: string) => id.replace('-', '/');

/** An epoch's cumulative total, or null while it is not known (its tree is not built yet). */
export const cumulativeOf = (e: EconomicsView['epochs'][number]): string | null => e.cumulative;
