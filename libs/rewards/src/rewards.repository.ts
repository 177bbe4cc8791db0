import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppliedEntry, applyCaps, Candidate, CapState, earnedKey, PoolConfig, poolKey, RewardKind } from './reward-rules';

export interface PoolRow {
  eventId: string;
  kind: RewardKind;
  venueId: string;
  perUnit: string;
  accountCap: string;
  pool: string;
  remaining: string;
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

export type EpochStatus = 'pending_approval' | 'approved' | 'rejected' | 'tree_built' | 'publishing' | 'published' | 'failed';

export interface EpochRow {
  id: string;
  eventId: string;
  venueId: string;
  status: EpochStatus;
  manifest: Record<string, unknown> | null;
  root: string | null;
  total: string | null;
  epochTotal: string | null;
  accounts: number | null;
  closedBy: string;
  closedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
  publishedAt: Date | null;
  lastError: string | null;
}

const POOL_COLUMNS = `event_id AS "eventId", kind, venue_id AS "venueId", per_unit::text AS "perUnit", account_cap::text AS "accountCap", pool::text, remaining::text, updated_by AS "updatedBy", updated_at AS "updatedAt"`;
const ENTRY_COLUMNS = `id::text, account, event_id AS "eventId", kind, amount::text, requested::text, clipped, cause, epoch_id::text AS "epochId", created_at AS "createdAt"`;
const EPOCH_COLUMNS = `id::text, event_id AS "eventId", venue_id AS "venueId", status, manifest, root, total::text, epoch_total::text AS "epochTotal", accounts, closed_by AS "closedBy",
  closed_at AS "closedAt", decided_by AS "decidedBy", decided_at AS "decidedAt", decision_note AS "decisionNote", published_at AS "publishedAt", last_error AS "lastError"`;

/** Epoch statuses whose entries count towards the cumulative tree (rejected and failed ones do not). */
export const PAYING_STATUSES: EpochStatus[] = ['approved', 'tree_built', 'publishing', 'published'];

@Injectable()
export class RewardsRepository {
  constructor(private readonly ds: DataSource) {}

  // ------------------------------------------------------------------ pools

  async pools(eventId: string): Promise<PoolRow[]> {
    return this.ds.query(`SELECT ${POOL_COLUMNS} FROM reward_pools WHERE event_id = $1 ORDER BY kind`, [eventId]);
  }

  /** Creates the event's pools from `configs` unless they exist (first writer wins). */
  async ensurePools(eventId: string, venueId: string, configs: readonly PoolConfig[]): Promise<void> {
    await this.ds.query(
      `INSERT INTO reward_pools (event_id, kind, venue_id, per_unit, account_cap, pool, remaining)
       SELECT $1, u.kind, $2, u.per_unit, u.cap, u.pool, u.pool FROM unnest($3::text[], $4::numeric[], $5::numeric[], $6::numeric[]) AS u(kind, per_unit, cap, pool)
       ON CONFLICT DO NOTHING`,
      [eventId, venueId, configs.map((c) => c.kind), configs.map((c) => c.perUnit.toString()), configs.map((c) => c.accountCap.toString()), configs.map((c) => c.pool.toString())],
    );
  }

  /** Replaces the event's pools, only while nothing was paid from them (checked under lock). */
  async replacePools(eventId: string, venueId: string, configs: readonly PoolConfig[], by: string): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      await m.query(`SELECT 1 FROM reward_pools WHERE event_id = $1 FOR UPDATE`, [eventId]);
      const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM reward_entries WHERE event_id = $1`, [eventId]);
      if (n > 0) return false;
      await m.query(`DELETE FROM reward_pools WHERE event_id = $1`, [eventId]);
      await m.query(
        `INSERT INTO reward_pools (event_id, kind, venue_id, per_unit, account_cap, pool, remaining, updated_by)
         SELECT $1, u.kind, $2, u.per_unit, u.cap, u.pool, u.pool, $7 FROM unnest($3::text[], $4::numeric[], $5::numeric[], $6::numeric[]) AS u(kind, per_unit, cap, pool)`,
        [eventId, venueId, configs.map((c) => c.kind), configs.map((c) => c.perUnit.toString()), configs.map((c) => c.accountCap.toString()), configs.map((c) => c.pool.toString()), by],
      );
      return true;
    });
  }

  // ------------------------------------------------------------------ the ledger

  /**
   * Applies candidates in one transaction: locks the pools they draw on (so two instances serialize
   * per pool), skips keys already in the ledger, clips with `applyCaps`, appends the entries, and moves
   * pools, per-account earnings and balances. Returns the new entries and the new balances.
   */
  async apply(candidates: readonly Candidate[]): Promise<{ entries: AppliedEntry[]; balances: Map<string, string> }> {
    if (!candidates.length) return { entries: [], balances: new Map() };
    return this.ds.transaction(async (m) => {
      const pairs = [...new Set(candidates.map((c) => poolKey(c.eventId, c.kind)))].sort();
      const pools: { eventId: string; kind: string; accountCap: string; remaining: string }[] = await m.query(
        `SELECT p.event_id AS "eventId", p.kind, p.account_cap::text AS "accountCap", p.remaining::text FROM reward_pools p
         JOIN unnest($1::uuid[], $2::text[]) AS u(event_id, kind) ON u.event_id = p.event_id AND u.kind = p.kind
         ORDER BY p.event_id, p.kind FOR UPDATE OF p`,
        [pairs.map((p) => p.split('|')[0]), pairs.map((p) => p.split('|')[1])],
      );
      const seen: { k: string }[] = await m.query(`SELECT idempotency_key AS k FROM reward_entries WHERE idempotency_key = ANY($1::text[])`, [candidates.map((c) => c.key)]);
      const triples = [...new Set(candidates.map((c) => earnedKey(c.eventId, c.kind, c.account)))].map((k) => k.split('|'));
      const earned: { eventId: string; kind: string; account: string; earned: string }[] = await m.query(
        `SELECT r.event_id AS "eventId", r.kind, r.account, r.earned::text FROM reward_earned r
         JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS u(event_id, kind, account) ON u.event_id = r.event_id AND u.kind = r.kind AND u.account = r.account`,
        [triples.map((t) => t[0]), triples.map((t) => t[1]), triples.map((t) => t[2])],
      );
      const state: CapState = {
        remaining: new Map(pools.map((p) => [poolKey(p.eventId, p.kind), BigInt(p.remaining)])),
        caps: new Map(pools.map((p) => [poolKey(p.eventId, p.kind), BigInt(p.accountCap)])),
        earned: new Map(earned.map((e) => [earnedKey(e.eventId, e.kind, e.account), BigInt(e.earned)])),
        seen: new Set(seen.map((s) => s.k)),
      };
      // A candidate for a pool that does not exist has nothing to draw on: it is recorded with 0.
      const entries = applyCaps(candidates, state);
      if (!entries.length) return { entries, balances: new Map() };
      await m.query(
        `INSERT INTO reward_entries (account, event_id, kind, amount, requested, clipped, cause, idempotency_key)
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::numeric[], $5::numeric[], $6::text[], $7::text[], $8::text[])
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
        await m.query(
          `UPDATE reward_pools p SET remaining = p.remaining - u.x FROM unnest($1::uuid[], $2::text[], $3::numeric[]) AS u(event_id, kind, x)
           WHERE p.event_id = u.event_id AND p.kind = u.kind`,
          [sp.map(([k]) => k.split('|')[0]), sp.map(([k]) => k.split('|')[1]), sp.map(([, v]) => v.toString())],
        );
      }
      const ea = [...perEarned].filter(([, v]) => v > 0n);
      if (ea.length) {
        await m.query(
          `INSERT INTO reward_earned (event_id, kind, account, earned) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[])
           ON CONFLICT (event_id, kind, account) DO UPDATE SET earned = reward_earned.earned + EXCLUDED.earned`,
          [ea.map(([k]) => k.split('|')[0]), ea.map(([k]) => k.split('|')[1]), ea.map(([k]) => k.split('|')[2]), ea.map(([, v]) => v.toString())],
        );
      }
      const accounts = [...perAccount].sort(([a], [b]) => (a < b ? -1 : 1));
      const balances: { account: string; balance: string }[] = await m.query(
        `INSERT INTO reward_accounts (account, balance) SELECT * FROM unnest($1::text[], $2::numeric[])
         ON CONFLICT (account) DO UPDATE SET balance = reward_accounts.balance + EXCLUDED.balance RETURNING account, balance::text`,
        [accounts.map(([a]) => a), accounts.map(([, v]) => v.toString())],
      );
      return { entries, balances: new Map(balances.map((b) => [b.account, b.balance])) };
    });
  }

  async balance(account: string): Promise<string> {
    const [row] = await this.ds.query(`SELECT balance::text FROM reward_accounts WHERE account = $1`, [account]);
    return row?.balance ?? '0';
  }

  async entries(filter: { account?: string; eventId?: string }, limit = 100): Promise<EntryRow[]> {
    return this.ds.query(
      `SELECT ${ENTRY_COLUMNS} FROM reward_entries WHERE ($1::text IS NULL OR account = $1) AND ($2::uuid IS NULL OR event_id = $2) ORDER BY id DESC LIMIT $3`,
      [filter.account ?? null, filter.eventId ?? null, limit],
    );
  }

  /** Totals per kind for an event: paid, count of entries, pool and remaining. */
  async totals(eventId: string): Promise<{ kind: string; paid: string; entries: number; pool: string; remaining: string }[]> {
    return this.ds.query(
      `SELECT p.kind, (p.pool - p.remaining)::text AS paid, (SELECT count(*)::int FROM reward_entries e WHERE e.event_id = p.event_id AND e.kind = p.kind) AS entries,
              p.pool::text, p.remaining::text
       FROM reward_pools p WHERE p.event_id = $1 ORDER BY p.kind`,
      [eventId],
    );
  }

  /** Sum of every entry (the ledger total), for checks. */
  async ledgerTotal(filter: { eventId?: string } = {}): Promise<string> {
    const [row] = await this.ds.query(`SELECT coalesce(sum(amount), 0)::text AS t FROM reward_entries WHERE ($1::uuid IS NULL OR event_id = $1)`, [filter.eventId ?? null]);
    return row.t;
  }

  // ------------------------------------------------------------------ catch-up cursors

  async cursor(eventId: string, source: string): Promise<unknown> {
    const [row] = await this.ds.query(`SELECT cursor FROM reward_sweeps WHERE event_id = $1 AND source = $2`, [eventId, source]);
    return row?.cursor ?? undefined;
  }

  async setCursor(eventId: string, source: string, cursor: unknown): Promise<void> {
    await this.ds.query(
      `INSERT INTO reward_sweeps (event_id, source, cursor) VALUES ($1, $2, $3) ON CONFLICT (event_id, source) DO UPDATE SET cursor = EXCLUDED.cursor, swept_at = now()`,
      [eventId, source, JSON.stringify(cursor)],
    );
  }

  /** Events with pools and entries not yet in an epoch, for the periodic sweep. */
  async openEvents(): Promise<string[]> {
    return (await this.ds.query(`SELECT DISTINCT event_id AS "eventId" FROM reward_pools`)).map((r: { eventId: string }) => r.eventId);
  }

  // ------------------------------------------------------------------ epochs

  /**
   * Closes an epoch: a new epoch row takes every entry of the event not yet in one, and the manifest
   * is computed from the ledger, all in one transaction. `undefined` when another epoch is in flight.
   */
  async closeEpoch(eventId: string, venueId: string, by: string, manifest: (m: EntityManager, epochId: string) => Promise<Record<string, unknown>>): Promise<{ epoch?: EpochRow; open?: EpochRow; empty?: true }> {
    return this.ds.transaction(async (m) => {
      const [open] = await m.query(`SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ('pending_approval', 'approved', 'tree_built', 'publishing') FOR UPDATE`);
      if (open) return { open };
      const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM reward_entries WHERE event_id = $1 AND epoch_id IS NULL`, [eventId]);
      if (n === 0) return { empty: true as const };
      const [{ id }] = await m.query(`INSERT INTO reward_epochs (event_id, venue_id, status, closed_by) VALUES ($1, $2, 'pending_approval', $3) RETURNING id::text`, [eventId, venueId, by]);
      await m.query(`UPDATE reward_entries SET epoch_id = $1 WHERE event_id = $2 AND epoch_id IS NULL`, [id, eventId]);
      const doc = await manifest(m, id);
      await m.query(`UPDATE reward_epochs SET manifest = $2, epoch_total = $3 WHERE id = $1`, [id, JSON.stringify(doc), (doc.epochTotal as string) ?? '0']);
      const [epoch] = await m.query(`SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE id = $1`, [id]);
      return { epoch };
    }).catch((err) => {
      // two instances closing at once: the one-open index lets one through
      if ((err as { code?: string }).code === '23505') return this.openEpoch().then((open) => ({ open }));
      throw err;
    });
  }

  /** Events with entries not yet in any epoch (oldest first). */
  async eventsWithOpenEntries(): Promise<string[]> {
    return (await this.ds.query(`SELECT event_id AS "eventId", min(id) AS first FROM reward_entries WHERE epoch_id IS NULL GROUP BY event_id ORDER BY first LIMIT 20`)).map((r: { eventId: string }) => r.eventId);
  }

  async openEpoch(): Promise<EpochRow | undefined> {
    const [row] = await this.ds.query(`SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ('pending_approval', 'approved', 'tree_built', 'publishing')`);
    return row;
  }

  async epoch(id: string): Promise<EpochRow | undefined> {
    const [row] = await this.ds.query(`SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE id = $1`, [id]);
    return row;
  }

  async epochs(eventId?: string): Promise<EpochRow[]> {
    return this.ds.query(`SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE ($1::uuid IS NULL OR event_id = $1) ORDER BY id`, [eventId ?? null]);
  }

  /** Epochs settlement still has to drive forward (after a crash too). */
  async unfinished(): Promise<EpochRow[]> {
    return this.ds.query(`SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ('approved', 'tree_built', 'publishing') ORDER BY id`);
  }

  async previousPaying(before: string): Promise<EpochRow | undefined> {
    const [row] = await this.ds.query(`SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE id < $1 AND status = ANY($2::text[]) ORDER BY id DESC LIMIT 1`, [before, PAYING_STATUSES]);
    return row;
  }

  /** Moves an epoch from one status to another; false when it was not in `from` (someone else moved it). */
  async move(id: string, from: EpochStatus[], to: EpochStatus, extra: { decidedBy?: string; note?: string; error?: string } = {}): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, count]
    const [rows] = await this.ds.query(
      `UPDATE reward_epochs SET status = $3,
         decided_by = coalesce($4, decided_by), decided_at = CASE WHEN $4::text IS NULL THEN decided_at ELSE now() END,
         decision_note = coalesce($5, decision_note), last_error = $6,
         published_at = CASE WHEN $3 = 'published' THEN now() ELSE published_at END
       WHERE id = $1 AND status = ANY($2::text[]) RETURNING id`,
      [id, from, to, extra.decidedBy ?? null, extra.note ?? null, extra.error ?? null],
    );
    return rows.length === 1;
  }

  /** Every account's cumulative total through epoch `id` (its entries and every paying epoch before it). */
  async cumulative(id: string, m: EntityManager | DataSource = this.ds): Promise<{ account: string; amount: string }[]> {
    return m.query(
      `SELECT e.account, sum(e.amount)::text AS amount FROM reward_entries e JOIN reward_epochs p ON p.id = e.epoch_id
       WHERE p.id <= $1 AND (p.id = $1 OR p.status = ANY($2::text[]))
       GROUP BY e.account HAVING sum(e.amount) > 0 ORDER BY e.account COLLATE "C"`,
      [id, PAYING_STATUSES],
    );
  }

  /**
   * Stores the tree of an approved epoch: every account's cumulative amount and proof (batched
   * unnest), the root and total, and the status, in one transaction. A crash before the commit leaves
   * the epoch `approved` with nothing stored; `build` runs inside, under a row lock, so two instances
   * never build the same epoch at once. Returns false when the epoch was not (or no longer) approved.
   */
  async storeTree(
    id: string,
    build: (m: EntityManager) => Promise<{ root: string; total: bigint; accounts: string[]; amounts: string[]; proofs: { bytes: Uint8Array; offsets: Int32Array } }>,
    chunk = 50_000,
  ): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const [row] = await m.query(`SELECT id FROM reward_epochs WHERE id = $1 AND status = 'approved' FOR UPDATE SKIP LOCKED`, [id]);
      if (!row) return false;
      const tree = await build(m);
      // No fsync wait for this commit: if it is lost in a crash the epoch is still `approved` and the
      // (deterministic) tree is rebuilt; the outbox row queued next commits synchronously, and flushing
      // it flushes this earlier commit too, so nothing is ever published on proofs that were lost.
      await m.query(`SET LOCAL synchronous_commit = off`);
      const { bytes, offsets } = tree.proofs;
      // Proofs travel as one binary parameter per chunk (no hex round trip) and are cut apart in SQL.
      // No ON CONFLICT: under the epoch's row lock, in `approved`, nothing can be stored for it yet
      // (a build that crashed rolled back whole), and a plain insert is a third faster.
      for (let i = 0; i < tree.accounts.length; i += chunk) {
        const end = Math.min(tree.accounts.length, i + chunk);
        const base = offsets[i];
        const blob = Buffer.from(bytes.buffer, bytes.byteOffset + base, offsets[end] - base);
        const starts = Array.from(offsets.subarray(i, end), (o) => o - base);
        const lengths = Array.from({ length: end - i }, (_, k) => offsets[i + k + 1] - offsets[i + k]);
        await m.query(
          `INSERT INTO reward_epoch_accounts (epoch_id, account, cumulative, proof)
           SELECT $1, u.account, u.amount, substring($4::bytea FROM u.start + 1 FOR u.len)
           FROM unnest($2::text[], $3::numeric[], $5::int[], $6::int[]) AS u(account, amount, start, len)`,
          [id, tree.accounts.slice(i, end), tree.amounts.slice(i, end), blob, starts, lengths],
        );
      }
      await m.query(`UPDATE reward_epochs SET status = 'tree_built', root = $2, total = $3, accounts = $4 WHERE id = $1`, [id, tree.root, tree.total.toString(), tree.accounts.length]);
      return true;
    });
  }

  async claimRow(epochId: string, account: string): Promise<{ cumulative: string; proof: Buffer } | undefined> {
    const [row] = await this.ds.query(`SELECT cumulative::text, proof FROM reward_epoch_accounts WHERE epoch_id = $1 AND account = $2`, [epochId, account]);
    return row;
  }

  async epochAccounts(epochId: string): Promise<{ account: string; cumulative: string; proof: Buffer }[]> {
    return this.ds.query(`SELECT account, cumulative::text, proof FROM reward_epoch_accounts WHERE epoch_id = $1 ORDER BY account COLLATE "C"`, [epochId]);
  }

  /** The latest epoch with stored proofs and a root on its way to (or on) the chain. */
  async latestWithProofs(): Promise<EpochRow | undefined> {
    const [row] = await this.ds.query(`SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ('publishing', 'published') ORDER BY id DESC LIMIT 1`);
    return row;
  }
}
