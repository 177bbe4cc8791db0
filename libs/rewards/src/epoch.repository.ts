import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { copyClient, copyIn, encodeField, exec, Queryable, row, rows } from '@fanmesh/db';

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
  /** keccak256 of the epoch's public file, once it is written (just before publishRoot) */
  fileHash: string | null;
  /** the publishRoot transaction, once published */
  txHash: string | null;
}

/** What the ledger says about an epoch being closed, for its manifest (see manifest.ts). */
export interface ManifestFacts {
  byKind: { kind: string; total: string; entries: number; accounts: number; clipped: number }[];
  /** Sum and distinct accounts of the epoch's paying entries. */
  paid: { total: string; accounts: number };
  movers: { account: string; amount: string; kinds: Record<string, string> }[];
  pools: { kind: string; pool: string; remaining: string }[];
  previous: { id: string; manifest: Record<string, unknown> | null } | undefined;
  /** Every paying epoch's entries up to and including this one. */
  cumulativeTotal: string;
  /** The event's epochs closed before this one (oldest first): this one then holds entries that came late. */
  earlier: string[];
}

/** A tree settlement stores: every account's cumulative amount and proof, the root and total. */
export interface BuiltTree {
  root: string;
  total: bigint;
  accounts: string[];
  amounts: string[];
  proofs: { bytes: Uint8Array; offsets: Int32Array };
  /** the epoch's public file (the exact bytes) and their keccak256, stored with the tree */
  file: { hash: string; body: Buffer };
}

export interface EpochAccountRow {
  account: string;
  cumulative: string;
  proof: Buffer;
}

const EPOCH_COLUMNS = `id::text, event_id AS "eventId", venue_id AS "venueId", status, manifest, root, total::text, epoch_total::text AS "epochTotal", accounts, closed_by AS "closedBy",
  closed_at AS "closedAt", decided_by AS "decidedBy", decided_at AS "decidedAt", decision_note AS "decisionNote", published_at AS "publishedAt", last_error AS "lastError",
  file_hash AS "fileHash", tx_hash AS "txHash"`;

const OPEN = `('pending_approval', 'approved', 'tree_built', 'publishing')`;

/** Epoch statuses whose entries count towards the cumulative tree (rejected and failed ones do not). */
export const PAYING_STATUSES: EpochStatus[] = ['approved', 'tree_built', 'publishing', 'published'];

/**
 * Closing the epochs has one writer at a time: the transaction-scoped advisory lock's key ('FANE').
 * A ledger write carrying late entries into a follow-up epoch holds it shared (RewardTaskRepository.carryLate).
 */
export const CLOSE_LOCK = 0x46414e45;

/** Epochs' SQL: closing (with the manifest's facts), the status machine, the tree and the claim rows. */
@Injectable()
export class EpochRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  // ------------------------------------------------------------------ closing

  /**
   * Closes an epoch in `tx`: a new epoch row takes every entry of the event not yet in one, and
   * the manifest is computed from the ledger, in the same transaction. Closes are serialized (one
   * epoch in flight at a time), so a second close waits and then finds the first one `open`.
   */
  async closeEpoch(
    tx: EntityManager,
    eventId: string,
    venueId: string,
    by: string,
    manifest: (m: EntityManager, epochId: string) => Promise<Record<string, unknown>>,
  ): Promise<{ epoch?: EpochRow; open?: EpochRow; empty?: true }> {
    await exec(tx, `SELECT pg_advisory_xact_lock($1)`, [CLOSE_LOCK]);
    const open = await row<EpochRow>(tx, `SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ${OPEN} FOR UPDATE`);
    if (open) return { open };
    const left = await row<{ n: number }>(tx, `SELECT count(*)::int AS n FROM reward_entries WHERE event_id = $1 AND epoch_id IS NULL`, [eventId]);
    if (!left?.n) return { empty: true as const };
    const [created] = await exec<{ id: string }>(
      tx,
      `INSERT INTO reward_epochs (event_id, venue_id, status, closed_by) VALUES ($1, $2, 'pending_approval', $3) RETURNING id::text`,
      [eventId, venueId, by],
    );
    await exec(tx, `UPDATE reward_entries SET epoch_id = $1 WHERE event_id = $2 AND epoch_id IS NULL`, [created.id, eventId]);
    const doc = await manifest(tx, created.id);
    await exec(tx, `UPDATE reward_epochs SET manifest = $2, epoch_total = $3 WHERE id = $1`, [created.id, JSON.stringify(doc), (doc.epochTotal as string) ?? '0']);
    return { epoch: await this.epoch(created.id, tx) };
  }

  /** The ledger's facts about epoch `epochId` of `eventId` that its manifest reports. */
  async manifestFacts(m: Queryable, epochId: string, eventId: string): Promise<ManifestFacts> {
    const byKind = await rows<ManifestFacts['byKind'][number]>(
      m,
      `SELECT kind, sum(amount)::text AS total, count(*)::int AS entries, count(DISTINCT account)::int AS accounts, count(*) FILTER (WHERE clipped IS NOT NULL)::int AS clipped
       FROM reward_entries WHERE epoch_id = $1 GROUP BY kind ORDER BY kind`,
      [epochId],
    );
    const paid = (await row<ManifestFacts['paid']>(
      m,
      `SELECT coalesce(sum(amount), 0)::text AS total, count(DISTINCT account)::int AS accounts FROM reward_entries WHERE epoch_id = $1 AND amount > 0`,
      [epochId],
    ))!;
    const movers = await rows<ManifestFacts['movers'][number]>(
      m,
      `SELECT account, sum(s)::text AS amount, jsonb_object_agg(kind, k) AS kinds FROM (
         SELECT account, kind, sum(amount)::text AS k, sum(amount) AS s FROM reward_entries WHERE epoch_id = $1 GROUP BY account, kind) x
       GROUP BY account ORDER BY sum(s) DESC, account LIMIT 20`,
      [epochId],
    );
    const pools = await rows<ManifestFacts['pools'][number]>(m, `SELECT kind, pool::text, remaining::text FROM reward_pools WHERE event_id = $1`, [eventId]);
    const previous = await row<NonNullable<ManifestFacts['previous']>>(
      m,
      `SELECT id::text, manifest FROM reward_epochs WHERE id < $1 AND status = ANY($2::text[]) ORDER BY id DESC LIMIT 1`,
      [epochId, PAYING_STATUSES],
    );
    const cum = (await row<{ total: string }>(
      m,
      `SELECT coalesce(sum(e.amount), 0)::text AS total FROM reward_entries e JOIN reward_epochs p ON p.id = e.epoch_id WHERE p.id = $1 OR (p.id < $1 AND p.status = ANY($2::text[]))`,
      [epochId, PAYING_STATUSES],
    ))!;
    const earlier = (await rows<{ id: string }>(m, `SELECT id::text FROM reward_epochs WHERE event_id = $2 AND id < $1 ORDER BY id`, [epochId, eventId])).map((r) => r.id);
    return { byKind, paid, movers, pools, previous, cumulativeTotal: cum.total, earlier };
  }

  /** Events with entries not yet in any epoch (oldest first). */
  async eventsWithOpenEntries(): Promise<string[]> {
    return (
      await rows<{ eventId: string }>(
        this.ds,
        `SELECT event_id AS "eventId", min(id) AS first FROM reward_entries WHERE epoch_id IS NULL GROUP BY event_id ORDER BY first LIMIT 20`,
      )
    ).map((r) => r.eventId);
  }

  // ------------------------------------------------------------------ reads

  async openEpoch(): Promise<EpochRow | undefined> {
    return row<EpochRow>(this.ds, `SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ${OPEN}`);
  }

  async epoch(id: string, db: Queryable = this.ds): Promise<EpochRow | undefined> {
    return row<EpochRow>(db, `SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE id = $1`, [id]);
  }

  async epochs(eventId?: string): Promise<EpochRow[]> {
    return rows<EpochRow>(this.ds, `SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE ($1::uuid IS NULL OR event_id = $1) ORDER BY id`, [eventId ?? null]);
  }

  /** Epochs settlement still has to drive forward (after a crash too). */
  async unfinished(): Promise<EpochRow[]> {
    return rows<EpochRow>(this.ds, `SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ('approved', 'tree_built', 'publishing') ORDER BY id`);
  }

  // ------------------------------------------------------------------ the status machine

  /** Moves an epoch from one status to another; false when it was not in `from` (someone else moved it). */
  async move(id: string, from: EpochStatus[], to: EpochStatus, extra: { decidedBy?: string; note?: string; error?: string } = {}, db: Queryable = this.ds): Promise<boolean> {
    const moved = await exec<{ id: string }>(
      db,
      `UPDATE reward_epochs SET status = $3,
         decided_by = coalesce($4, decided_by), decided_at = CASE WHEN $4::text IS NULL THEN decided_at ELSE now() END,
         decision_note = coalesce($5, decision_note), last_error = $6,
         published_at = CASE WHEN $3 = 'published' THEN now() ELSE published_at END
       WHERE id = $1 AND status = ANY($2::text[]) RETURNING id`,
      [id, from, to, extra.decidedBy ?? null, extra.note ?? null, extra.error ?? null],
    );
    return moved.length === 1;
  }

  /**
   * In `tx`, under the close lock: moves failed epoch `id` back to `tree_built` (its tree, proofs and
   * root are kept), unless another epoch is open (they settle one at a time) or a later one was
   * approved or built (roots are cumulative: that one's tree does not have this one's entries).
   * Nothing moves when the epoch is no longer failed (a concurrent retry moved it).
   */
  async reopenFailed(tx: EntityManager, id: string): Promise<{ reopened?: true; open?: EpochRow; supersededBy?: string }> {
    await exec(tx, `SELECT pg_advisory_xact_lock($1)`, [CLOSE_LOCK]);
    const open = await row<EpochRow>(tx, `SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ${OPEN}`);
    if (open) return { open };
    const later = await row<{ id: string }>(tx, `SELECT id::text FROM reward_epochs WHERE id > $1 AND status = ANY($2::text[]) ORDER BY id LIMIT 1`, [
      id,
      [...PAYING_STATUSES, 'failed'],
    ]);
    if (later) return { supersededBy: later.id };
    const moved = await exec<{ id: string }>(
      tx,
      `UPDATE reward_epochs SET status = 'tree_built', last_error = NULL WHERE id = $1 AND status = 'failed' AND root IS NOT NULL RETURNING id`,
      [id],
    );
    return moved.length ? { reopened: true } : {};
  }

  // ------------------------------------------------------------------ the tree

  /**
   * Stores the tree of an approved epoch: every account's cumulative amount and proof (binary
   * COPY; batched unnest on PGlite), the root and total, the public file, and the status, in one transaction. A crash before
   * the commit leaves the epoch `approved` with nothing stored; `build` runs inside, under a row lock,
   * so two instances never build the same epoch at once. Returns false when the epoch was not (or no longer) approved.
   */
  async storeTree(id: string, build: (m: EntityManager) => Promise<BuiltTree>, chunk = 50_000): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const locked = await row<{ id: string }>(m, `SELECT id FROM reward_epochs WHERE id = $1 AND status = 'approved' FOR UPDATE SKIP LOCKED`, [id]);
      if (!locked) return false;
      const tree = await build(m);
      // No fsync wait for this commit: if it is lost in a crash the epoch is still `approved` and the
      // (deterministic) tree is rebuilt; the outbox row queued next commits synchronously, and flushing
      // it flushes this earlier commit too, so nothing is ever published on proofs that were lost.
      await exec(m, `SET LOCAL synchronous_commit = off`);
      const { bytes, offsets } = tree.proofs;
      // No ON CONFLICT: under the epoch's row lock, in `approved`, nothing can be stored for it yet
      // (a build that crashed rolled back whole), and a plain insert is a third faster. So the rows go
      // straight in by binary COPY, in this transaction; a row that did exist would fail it whole.
      const client = await copyClient(m);
      if (client) {
        const epoch = encodeField('int8', id);
        await copyIn(client, 'reward_epoch_accounts', ['epoch_id', 'account', 'cumulative', 'proof'], tree.accounts.length, (w, i) =>
          w
            .field(epoch)
            .text(tree.accounts[i])
            .numeric(tree.amounts[i])
            .bytea(bytes.subarray(offsets[i], offsets[i + 1])),
        );
      } else {
        // The embedded PGlite has no COPY: proofs travel as one binary parameter per chunk (no hex
        // round trip) and are cut apart in SQL.
        for (let i = 0; i < tree.accounts.length; i += chunk) {
          const end = Math.min(tree.accounts.length, i + chunk);
          const base = offsets[i];
          const blob = Buffer.from(bytes.buffer, bytes.byteOffset + base, offsets[end] - base);
          const starts = Array.from(offsets.subarray(i, end), (o) => o - base);
          const lengths = Array.from({ length: end - i }, (_, k) => offsets[i + k + 1] - offsets[i + k]);
          await exec(
            m,
            `INSERT INTO reward_epoch_accounts (epoch_id, account, cumulative, proof)
             SELECT $1, u.account, u.amount, substring($4::bytea FROM u.start + 1 FOR u.len)
             FROM unnest($2::text[], $3::numeric[], $5::int[], $6::int[]) AS u(account, amount, start, len)`,
            [id, tree.accounts.slice(i, end), tree.amounts.slice(i, end), blob, starts, lengths],
          );
        }
      }
      await exec(m, `INSERT INTO reward_epoch_files (epoch_id, hash, body) VALUES ($1, $2, $3)`, [id, tree.file.hash, tree.file.body]);
      await exec(m, `UPDATE reward_epochs SET status = 'tree_built', root = $2, total = $3, accounts = $4, file_hash = $5 WHERE id = $1`, [
        id,
        tree.root,
        tree.total.toString(),
        tree.accounts.length,
        tree.file.hash,
      ]);
      return true;
    });
  }

  // ------------------------------------------------------------------ claims

  async claimRow(epochId: string, account: string): Promise<{ cumulative: string; proof: Buffer } | undefined> {
    return row<{ cumulative: string; proof: Buffer }>(this.ds, `SELECT cumulative::text, proof FROM reward_epoch_accounts WHERE epoch_id = $1 AND account = $2`, [
      epochId,
      account,
    ]);
  }

  async epochAccounts(epochId: string): Promise<EpochAccountRow[]> {
    return rows<EpochAccountRow>(this.ds, `SELECT account, cumulative::text, proof FROM reward_epoch_accounts WHERE epoch_id = $1 ORDER BY account COLLATE "C"`, [epochId]);
  }

  /** The latest epoch with stored proofs and a root on its way to (or on) the chain. */
  async latestWithProofs(): Promise<EpochRow | undefined> {
    return row<EpochRow>(this.ds, `SELECT ${EPOCH_COLUMNS} FROM reward_epochs WHERE status IN ('publishing', 'published') ORDER BY id DESC LIMIT 1`);
  }
}
