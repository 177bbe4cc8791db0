import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import { AppliedEntry, applyCaps, Candidate, CapState, earnedKey, PoolConfig, poolKey, RewardKind, seasonKey } from './reward-rules';
import { seasonCapsFrom } from './season';

export interface PoolRow {
  eventId: string;
  kind: RewardKind;
  venueId: string;
  perUnit: string;
  accountCap: string;
  pool: string;
  remaining: string;
  /** the season its event is in (season.ts); null until the ledger first draws on it */
  season: string | null;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface EntryRow {
  id: string;
  account: string;
  eventId: string;
  kind: RewardKind;
  amount: string;
  requested: string;
  clipped: string | null;
  cause: string;
  epochId: string | null;
  createdAt: Date;
}

/** Paid, entries, pool and remaining of one kind for an event. */
export interface TotalsRow {
  kind: RewardKind;
  paid: string;
  entries: number;
  pool: string;
  remaining: string;
}

interface LockedPoolRow {
  eventId: string;
  kind: string;
  accountCap: string;
  remaining: string;
  season: string | null;
}

interface SeasonEarnedRow {
  season: string;
  kind: string;
  account: string;
  earned: string;
}

interface EarnedRow {
  eventId: string;
  kind: string;
  account: string;
  earned: string;
}

interface BalanceRow {
  account: string;
  balance: string;
}

const POOL_COLUMNS = `event_id AS "eventId", kind, venue_id AS "venueId", per_unit::text AS "perUnit", account_cap::text AS "accountCap", pool::text, remaining::text, season, updated_by AS "updatedBy", updated_at AS "updatedAt"`;
const ENTRY_COLUMNS = `id::text, account, event_id AS "eventId", kind, amount::text, requested::text, clipped, cause, epoch_id::text AS "epochId", created_at AS "createdAt"`;

/** The ledger's SQL: pools, entries, per-account earnings and balances. */
@Injectable()
export class RewardsRepository {
  private readonly seasonCaps: Readonly<Record<string, bigint>>;

  constructor(
    private readonly ds: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.seasonCaps = seasonCapsFrom(config.seasonCaps);
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  // ------------------------------------------------------------------ pools

  async pools(eventId: string, db: Queryable = this.ds): Promise<PoolRow[]> {
    return rows<PoolRow>(db, `SELECT ${POOL_COLUMNS} FROM reward_pools WHERE event_id = $1 ORDER BY kind`, [eventId]);
  }

  /** Creates the event's pools from `configs` unless they exist (first writer wins). */
  async ensurePools(eventId: string, venueId: string, configs: readonly PoolConfig[], db: Queryable = this.ds): Promise<void> {
    await exec(
      db,
      `INSERT INTO reward_pools (event_id, kind, venue_id, per_unit, account_cap, pool, remaining)
       SELECT $1, u.kind, $2, u.per_unit, u.cap, u.pool, u.pool FROM unnest($3::text[], $4::numeric[], $5::numeric[], $6::numeric[]) AS u(kind, per_unit, cap, pool)
       ON CONFLICT DO NOTHING`,
      [eventId, venueId, configs.map((c) => c.kind), configs.map((c) => c.perUnit.toString()), configs.map((c) => c.accountCap.toString()), configs.map((c) => c.pool.toString())],
    );
  }

  /** Places the event's pools in `season` (their event's start decides it, and may move before the gates open). */
  async placeInSeason(eventId: string, season: string, db: Queryable = this.ds): Promise<void> {
    await exec(db, `UPDATE reward_pools SET season = $2 WHERE event_id = $1 AND season IS DISTINCT FROM $2`, [eventId, season]);
  }

  /** Replaces the event's pools, only while nothing was paid from them (checked under lock). */
  async replacePools(eventId: string, venueId: string, configs: readonly PoolConfig[], by: string): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      await exec(m, `SELECT 1 FROM reward_pools WHERE event_id = $1 FOR UPDATE`, [eventId]);
      const paid = await row<{ n: number }>(m, `SELECT count(*)::int AS n FROM reward_entries WHERE event_id = $1`, [eventId]);
      if ((paid?.n ?? 0) > 0) return false;
      await exec(m, `DELETE FROM reward_pools WHERE event_id = $1`, [eventId]);
      await exec(
        m,
        `INSERT INTO reward_pools (event_id, kind, venue_id, per_unit, account_cap, pool, remaining, updated_by)
         SELECT $1, u.kind, $2, u.per_unit, u.cap, u.pool, u.pool, $7 FROM unnest($3::text[], $4::numeric[], $5::numeric[], $6::numeric[]) AS u(kind, per_unit, cap, pool)`,
        [
          eventId,
          venueId,
          configs.map((c) => c.kind),
          configs.map((c) => c.perUnit.toString()),
          configs.map((c) => c.accountCap.toString()),
          configs.map((c) => c.pool.toString()),
          by,
        ],
      );
      return true;
    });
  }

  // ------------------------------------------------------------------ the ledger

  /**
   * Applies candidates in the caller's transaction: locks the pools they draw on (so writers
   * serialize per pool), skips keys already in the ledger, clips with `applyCaps`, appends the
   * entries, and moves pools, per-account earnings and balances. Returns the new entries and the
   * new balances. A consumer passes its delivery transaction, so the entries commit with its cursor.
   */
  async apply(tx: EntityManager, candidates: readonly Candidate[]): Promise<{ entries: AppliedEntry[]; balances: Map<string, string> }> {
    if (!candidates.length) return { entries: [], balances: new Map() };
    const pairs = [...new Set(candidates.map((c) => poolKey(c.eventId, c.kind)))].sort();
    const pools = await rows<LockedPoolRow>(
      tx,
      `SELECT p.event_id AS "eventId", p.kind, p.account_cap::text AS "accountCap", p.remaining::text, p.season FROM reward_pools p
       JOIN unnest($1::uuid[], $2::text[]) AS u(event_id, kind) ON u.event_id = p.event_id AND u.kind = p.kind
       ORDER BY p.event_id, p.kind FOR UPDATE OF p`,
      [pairs.map((p) => p.split('|')[0]), pairs.map((p) => p.split('|')[1])],
    );
    const seen = await rows<{ k: string }>(tx, `SELECT idempotency_key AS k FROM reward_entries WHERE idempotency_key = ANY($1::text[])`, [candidates.map((c) => c.key)]);
    const triples = [...new Set(candidates.map((c) => earnedKey(c.eventId, c.kind, c.account)))].map((k) => k.split('|'));
    const earned = await rows<EarnedRow>(
      tx,
      `SELECT r.event_id AS "eventId", r.kind, r.account, r.earned::text FROM reward_earned r
       JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS u(event_id, kind, account) ON u.event_id = r.event_id AND u.kind = r.kind AND u.account = r.account`,
      [triples.map((t) => t[0]), triples.map((t) => t[1]), triples.map((t) => t[2])],
    );
    const seasonOf = new Map(pools.filter((p) => p.season).map((p) => [p.eventId, p.season!] as const));
    const seasonEarned = await this.lockSeasonEarned(tx, candidates, seasonOf);
    const state: CapState = {
      remaining: new Map(pools.map((p) => [poolKey(p.eventId, p.kind), BigInt(p.remaining)])),
      caps: new Map(pools.map((p) => [poolKey(p.eventId, p.kind), BigInt(p.accountCap)])),
      earned: new Map(earned.map((e) => [earnedKey(e.eventId, e.kind, e.account), BigInt(e.earned)])),
      seen: new Set(seen.map((s) => s.k)),
      seasonOf,
      seasonEarned,
      seasonCaps: this.seasonCaps,
    };
    // A candidate for a pool that does not exist has nothing to draw on: it is recorded with 0.
    const entries = applyCaps(candidates, state);
    if (!entries.length) return { entries, balances: new Map() };
    await exec(
      tx,
      `INSERT INTO reward_entries (account, event_id, kind, amount, requested, clipped, cause, idempotency_key, units)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::numeric[], $5::numeric[], $6::text[], $7::text[], $8::text[], $9::numeric[])
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        entries.map((e) => e.account),
        entries.map((e) => e.eventId),
        entries.map((e) => e.kind),
        entries.map((e) => e.amount.toString()),
        entries.map((e) => e.requested.toString()),
        entries.map((e) => e.clipped),
        entries.map((e) => e.cause),
        entries.map((e) => e.key),
        entries.map((e) => e.units.toString()),
      ],
    );
    const spent = new Map<string, bigint>();
    const perAccount = new Map<string, bigint>();
    const perEarned = new Map<string, bigint>();
    for (const e of entries) {
      spent.set(poolKey(e.eventId, e.kind), (spent.get(poolKey(e.eventId, e.kind)) ?? 0n) + e.amount);
      perAccount.set(e.account, (perAccount.get(e.account) ?? 0n) + e.amount);
      perEarned.set(earnedKey(e.eventId, e.kind, e.account), (perEarned.get(earnedKey(e.eventId, e.kind, e.account)) ?? 0n) + e.amount);
    }
    const sp = [...spent].filter(([, v]) => v > 0n);
    if (sp.length) {
      await exec(
        tx,
        `UPDATE reward_pools p SET remaining = p.remaining - u.x FROM unnest($1::uuid[], $2::text[], $3::numeric[]) AS u(event_id, kind, x)
         WHERE p.event_id = u.event_id AND p.kind = u.kind`,
        [sp.map(([k]) => k.split('|')[0]), sp.map(([k]) => k.split('|')[1]), sp.map(([, v]) => v.toString())],
      );
    }
    const ea = [...perEarned].filter(([, v]) => v > 0n).sort(([a], [b]) => (a < b ? -1 : 1));
    if (ea.length) {
      await exec(
        tx,
        `INSERT INTO reward_earned (event_id, kind, account, earned) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[])
         ON CONFLICT (event_id, kind, account) DO UPDATE SET earned = reward_earned.earned + EXCLUDED.earned`,
        [ea.map(([k]) => k.split('|')[0]), ea.map(([k]) => k.split('|')[1]), ea.map(([k]) => k.split('|')[2]), ea.map(([, v]) => v.toString())],
      );
    }
    const perSeason = new Map<string, bigint>();
    for (const e of entries) {
      const season = seasonOf.get(e.eventId);
      if (season !== undefined && e.amount > 0n) perSeason.set(seasonKey(season, e.kind, e.account), (perSeason.get(seasonKey(season, e.kind, e.account)) ?? 0n) + e.amount);
    }
    if (perSeason.size) {
      const se = [...perSeason].map(([k, v]) => [...k.split('|'), v.toString()]);
      // the rows exist and are locked (lockSeasonEarned)
      await exec(
        tx,
        `UPDATE reward_season_earned r SET earned = r.earned + u.x FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[]) AS u(season, kind, account, x)
         WHERE r.season = u.season AND r.kind = u.kind AND r.account = u.account`,
        [se.map((t) => t[0]), se.map((t) => t[1]), se.map((t) => t[2]), se.map((t) => t[3])],
      );
    }
    const accounts = [...perAccount].sort(([a], [b]) => (a < b ? -1 : 1));
    const balances = await exec<BalanceRow>(
      tx,
      `INSERT INTO reward_accounts (account, balance) SELECT * FROM unnest($1::text[], $2::numeric[])
       ON CONFLICT (account) DO UPDATE SET balance = reward_accounts.balance + EXCLUDED.balance RETURNING account, balance::text`,
      [accounts.map(([a]) => a), accounts.map(([, v]) => v.toString())],
    );
    return { entries, balances: new Map(balances.map((b) => [b.account, b.balance])) };
  }

  /**
   * What the candidates' accounts earned so far in their events' seasons, locked for this
   * transaction: the season cap spans events (whose pools lock separately), so two writers for one
   * account serialize here. Rows are made first (at 0) and locked in key order, after the pools: no
   * two writers wait on each other in a circle.
   */
  private async lockSeasonEarned(tx: EntityManager, candidates: readonly Candidate[], seasonOf: ReadonlyMap<string, string>): Promise<Map<string, bigint>> {
    const keys = [...new Set(candidates.filter((c) => seasonOf.has(c.eventId)).map((c) => seasonKey(seasonOf.get(c.eventId)!, c.kind, c.account)))].sort();
    if (!keys.length) return new Map();
    const t = keys.map((k) => k.split('|'));
    const args = [t.map((x) => x[0]), t.map((x) => x[1]), t.map((x) => x[2])];
    await exec(
      tx,
      `INSERT INTO reward_season_earned (season, kind, account, earned) SELECT u.*, 0 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(season, kind, account)
       ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING`,
      args,
    );
    const found = await rows<SeasonEarnedRow>(
      tx,
      `SELECT r.season, r.kind, r.account, r.earned::text FROM reward_season_earned r
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS u(season, kind, account) ON u.season = r.season AND u.kind = r.kind AND u.account = r.account
       ORDER BY r.season, r.kind, r.account FOR UPDATE OF r`,
      args,
    );
    return new Map(found.map((r) => [seasonKey(r.season, r.kind, r.account), BigInt(r.earned)]));
  }

  async balance(account: string): Promise<string> {
    return (await row<{ balance: string }>(this.ds, `SELECT balance::text FROM reward_accounts WHERE account = $1`, [account]))?.balance ?? '0';
  }

  async entries(filter: { account?: string; eventId?: string }, limit = 100): Promise<EntryRow[]> {
    return rows<EntryRow>(
      this.ds,
      `SELECT ${ENTRY_COLUMNS} FROM reward_entries WHERE ($1::text IS NULL OR account = $1) AND ($2::uuid IS NULL OR event_id = $2) ORDER BY id DESC LIMIT $3`,
      [filter.account ?? null, filter.eventId ?? null, limit],
    );
  }

  /** Totals per kind for an event: paid, count of entries, pool and remaining. */
  async totals(eventId: string): Promise<TotalsRow[]> {
    return rows<TotalsRow>(
      this.ds,
      `SELECT p.kind, (p.pool - p.remaining)::text AS paid, (SELECT count(*)::int FROM reward_entries e WHERE e.event_id = p.event_id AND e.kind = p.kind) AS entries,
              p.pool::text, p.remaining::text
       FROM reward_pools p WHERE p.event_id = $1 ORDER BY p.kind`,
      [eventId],
    );
  }

  /** Sum of every entry (the ledger total), for checks. */
  async ledgerTotal(filter: { eventId?: string } = {}): Promise<string> {
    return (await row<{ t: string }>(this.ds, `SELECT coalesce(sum(amount), 0)::text AS t FROM reward_entries WHERE ($1::uuid IS NULL OR event_id = $1)`, [
      filter.eventId ?? null,
    ]))!.t;
  }
}
