/**
 * The reward rules as pure functions: a rewardable domain fact turns into candidate entries
 * (`rule`), and `applyCaps` clips candidates against the pool and per-account caps. The service
 * runs exactly these functions inside one database transaction; the property test runs them directly.
 */

import type { RewardKind } from '@fanmesh/protocol';

/** The kinds are the wire contract's (fans see them in their ledger). */
export { REWARD_KINDS, type RewardKind } from '@fanmesh/protocol';

/** What the ledger says a fan earned each entry for (shown to the fan). */
export const REASONS: Record<RewardKind, string> = {
  admission: 'checked in at the gate',
  verification: 'verified a fan at the gate',
  moment: 'was in the stadium for a match moment',
  witness: 'witnessed a hotspot',
  coverage: 'hotspot coverage that fans witnessed',
  sensing: 'your sensor heard a confirmed match moment',
  drop: 'redeemed a sponsor drop',
};

/** One kind's emission for one event: a fixed amount per unit, a per-account cap and a pool that caps the total. */
export interface PoolConfig {
  kind: RewardKind;
  /**
   * amount per rewarded unit (smallest token unit). For `coverage`, the rate: the most paid per point of
   * coverage score (1,000 points = one witnessing person at full uptime and quality); the pool split by
   * score is bounded by it, so a small event never pays one witness the cap (0: the split alone).
   */
  perUnit: bigint;
  /** most one account can earn of this kind in one event */
  accountCap: bigint;
  /** most this kind pays in one event, all accounts together */
  pool: bigint;
}

const FAN = 10n ** 18n;

/** Coverage pays at most this per score point: 5 FAN per witnessing person at full uptime and quality. */
export const COVERAGE_RATE = (5n * FAN) / 1000n;

/** Defaults for a new event; an admin changes them per event before its gates open. */
export const DEFAULT_POOLS: readonly PoolConfig[] = [
  { kind: 'admission', perUnit: 10n * FAN, accountCap: 10n * FAN, pool: 600_000n * FAN },
  { kind: 'verification', perUnit: FAN / 2n, accountCap: 250n * FAN, pool: 50_000n * FAN },
  { kind: 'moment', perUnit: 2n * FAN, accountCap: 20n * FAN, pool: 590_000n * FAN },
  { kind: 'witness', perUnit: FAN / 10n, accountCap: 5n * FAN, pool: 100_000n * FAN },
  { kind: 'coverage', perUnit: COVERAGE_RATE, accountCap: 5_000n * FAN, pool: 100_000n * FAN },
  // A sensor whose spike fed a confirmed moment, times its trust weight: a new sensor earns a quarter (moment-detector.ts trustWeight).
  { kind: 'sensing', perUnit: FAN, accountCap: 50n * FAN, pool: 10_000n * FAN },
  // Sponsor bonuses: each drop sets its amount per unit; the pool and cap bound what sponsors can emit per event.
  { kind: 'drop', perUnit: 0n, accountCap: 100n * FAN, pool: 50_000n * FAN },
];

/**
 * The most one account earns of a kind across a season's events (season.ts), beside the per-event
 * caps: about 40 matches' worth for a fan's own kinds, and ten full events for a hotspot owner, so
 * nobody (a whale owner with hotspots at every ground, a steward at every gate) takes a season's
 * emission. Every account's unit of work weighs the same from its first event: a fresh key earns
 * no more than an established one for the same work, so new keys farm nothing.
 */
export const SEASON_CAPS: Readonly<Record<RewardKind, bigint>> = {
  admission: 400n * FAN,
  verification: 5_000n * FAN,
  moment: 800n * FAN,
  witness: 100n * FAN,
  coverage: 50_000n * FAN,
  sensing: 1_000n * FAN,
  drop: 2_000n * FAN,
};

// ------------------------------------------------------------------ facts

export interface AdmissionFact {
  type: 'admission';
  eventId: string;
  admissionId: string;
  holder: string;
  steward: string | null;
}

/** A confirmed moment and the fans admitted when it happened. */
export interface MomentFact {
  type: 'moment';
  eventId: string;
  momentId: string;
  fans: string[];
}

export interface WitnessFact {
  type: 'witness';
  eventId: string;
  witnessId: string;
  fan: string;
}

/** A hotspot owner's share of the coverage pool for an event, from the coverage scores. */
export interface CoverageFact {
  type: 'coverage';
  eventId: string;
  scores: { owner: string; hotspot: string; score: number }[];
}

/** Fan-token bonuses fans redeemed from sponsor drops; each grant's key is the drops context's idempotency key. */
export interface DropFact {
  type: 'drop';
  eventId: string;
  grants: { key: string; dropId: string; fan: string; amount: bigint }[];
}

/** The sensors whose spikes fed a confirmed moment (copies left out by the detector), each with its owner and trust weight then. */
export interface SensingFact {
  type: 'sensing';
  eventId: string;
  momentId: string;
  sensors: { device: string; owner: string; weight: number }[];
}

export type RewardFact = AdmissionFact | MomentFact | WitnessFact | CoverageFact | SensingFact | DropFact;

/** Trust weights are paid in thousandths: floor, so a weight never pays more than it is. */
const WEIGHT_SCALE = 1000n;
const weightOf = (w: number) => BigInt(Math.floor(Math.min(1, Math.max(0, w)) * Number(WEIGHT_SCALE)));

/** A candidate entry before caps: `amount` is what the rule asks for. */
export interface Candidate {
  eventId: string;
  account: string;
  kind: RewardKind;
  amount: bigint;
  /** units of verified work it pays for: 1 (an admission, a witness, …), or coverage score points */
  units: bigint;
  /** what caused it, e.g. `admission:<id>` */
  cause: string;
  /** unique per cause and account: replaying the fact finds it and adds nothing */
  key: string;
}

const lower = (a: string) => a.toLowerCase();

/** The rule: fact → candidate entries. Pure; the same fact always gives the same candidates and keys. */
export function rule(fact: RewardFact, pools: ReadonlyMap<RewardKind, PoolConfig>): Candidate[] {
  const per = (k: RewardKind) => pools.get(k)?.perUnit ?? 0n;
  switch (fact.type) {
    case 'admission': {
      const cause = `admission:${fact.admissionId}`;
      const out: Candidate[] = [{ eventId: fact.eventId, account: lower(fact.holder), kind: 'admission', amount: per('admission'), units: 1n, cause, key: `${cause}:admission` }];
      // A steward scanning their own ticket verified nobody: the fan is in (and earns the admission), the steward earns nothing for it.
      if (fact.steward && lower(fact.steward) !== lower(fact.holder))
        out.push({ eventId: fact.eventId, account: lower(fact.steward), kind: 'verification', amount: per('verification'), units: 1n, cause, key: `${cause}:verification` });
      return out;
    }
    case 'moment': {
      const cause = `moment:${fact.momentId}`;
      return [...new Set(fact.fans.map(lower))].map((account) => ({
        eventId: fact.eventId,
        account,
        kind: 'moment' as const,
        amount: per('moment'),
        units: 1n,
        cause,
        key: `${cause}:${account}`,
      }));
    }
    case 'witness': {
      const cause = `witness:${fact.witnessId}`;
      return [{ eventId: fact.eventId, account: lower(fact.fan), kind: 'witness', amount: per('witness'), units: 1n, cause, key: `${cause}:witness` }];
    }
    case 'sensing': {
      const cause = `moment:${fact.momentId}`;
      const seen = new Set<string>();
      return fact.sensors
        .filter((s) => !seen.has(lower(s.device)) && seen.add(lower(s.device)))
        .map((s) => ({
          eventId: fact.eventId,
          account: lower(s.owner),
          kind: 'sensing' as const,
          amount: (per('sensing') * weightOf(s.weight)) / WEIGHT_SCALE,
          units: 1n,
          cause,
          key: `${cause}:sensing:${lower(s.device)}`,
        }));
    }
    case 'drop':
      return fact.grants.map((g) => ({ eventId: fact.eventId, account: lower(g.fan), kind: 'drop' as const, amount: g.amount, units: 1n, cause: `drop:${g.dropId}`, key: g.key }));
    case 'coverage': {
      // The coverage pool split by share of score (integer units), per owner, and never above the rate
      // per point: pay follows witnessed presence, not the size of the pool. Floor division never overpays.
      const pool = pools.get('coverage')?.pool ?? 0n;
      const rate = per('coverage');
      const byOwner = new Map<string, bigint>();
      for (const s of fact.scores) if (s.score > 0) byOwner.set(lower(s.owner), (byOwner.get(lower(s.owner)) ?? 0n) + BigInt(Math.floor(s.score)));
      const total = [...byOwner.values()].reduce((a, b) => a + b, 0n);
      if (total === 0n) return [];
      const cause = `coverage:${fact.eventId}`;
      return [...byOwner].map(([account, score]) => ({
        eventId: fact.eventId,
        account,
        kind: 'coverage' as const,
        amount: rate > 0n && score * rate < (pool * score) / total ? score * rate : (pool * score) / total,
        units: score,
        cause,
        key: `${cause}:${account}`,
      }));
    }
  }
}

/** What the database holds when a batch is applied: pool remaining per kind and earned per (kind, account), per event and per season. */
export interface CapState {
  /** `${eventId}|${kind}` → remaining */
  remaining: Map<string, bigint>;
  /** `${eventId}|${kind}|${account}` → earned so far */
  earned: Map<string, bigint>;
  /** idempotency keys already in the ledger */
  seen: Set<string>;
  caps: Map<string, bigint>;
  /** eventId → its season's id (absent: no season cap applies) */
  seasonOf?: Map<string, string>;
  /** `${season}|${kind}|${account}` → earned so far in the season */
  seasonEarned?: Map<string, bigint>;
  /** the season caps by kind (SEASON_CAPS unless a test says otherwise) */
  seasonCaps?: Readonly<Record<string, bigint>>;
}

export interface AppliedEntry extends Candidate {
  /** what the rule asked for, before caps */
  requested: bigint;
  /** what cut it: the per-event account cap, the account's season cap, or the pool running out */
  clipped: null | 'account_cap' | 'season_cap' | 'pool_exhausted';
}

export const poolKey = (eventId: string, kind: string) => `${eventId}|${kind}`;
export const earnedKey = (eventId: string, kind: string, account: string) => `${eventId}|${kind}|${account}`;
export const seasonKey = (season: string, kind: string, account: string) => `${season}|${kind}|${account}`;

/**
 * Clips candidates in order against the per-account cap, the account's season cap and the pool, skipping keys already seen
 * (in the ledger or earlier in the batch). Mutates `state` to what it becomes after the batch.
 * Entries clipped to 0 are still returned (and recorded): the cause is processed, it just paid nothing.
 */
export function applyCaps(candidates: readonly Candidate[], state: CapState): AppliedEntry[] {
  const out: AppliedEntry[] = [];
  for (const c of candidates) {
    if (state.seen.has(c.key)) continue;
    state.seen.add(c.key);
    const pk = poolKey(c.eventId, c.kind);
    const ek = earnedKey(c.eventId, c.kind, c.account);
    const remaining = state.remaining.get(pk) ?? 0n;
    const earned = state.earned.get(ek) ?? 0n;
    const cap = state.caps.get(pk) ?? 0n;
    let amount = c.amount;
    let clipped: AppliedEntry['clipped'] = null;
    const room = cap > earned ? cap - earned : 0n;
    if (amount > room) {
      amount = room;
      clipped = 'account_cap';
    }
    const season = state.seasonOf?.get(c.eventId);
    const sk = season === undefined ? undefined : seasonKey(season, c.kind, c.account);
    const seasonEarned = sk === undefined ? 0n : (state.seasonEarned?.get(sk) ?? 0n);
    const seasonCap = state.seasonCaps?.[c.kind] ?? SEASON_CAPS[c.kind];
    const seasonRoom = seasonCap > seasonEarned ? seasonCap - seasonEarned : 0n;
    if (sk !== undefined && amount > seasonRoom) {
      amount = seasonRoom;
      clipped = 'season_cap';
    }
    if (amount > remaining) {
      amount = remaining;
      clipped = 'pool_exhausted';
    }
    state.remaining.set(pk, remaining - amount);
    state.earned.set(ek, earned + amount);
    if (sk !== undefined) (state.seasonEarned ??= new Map()).set(sk, seasonEarned + amount);
    out.push({ ...c, requested: c.amount, amount, clipped });
  }
  return out;
}
