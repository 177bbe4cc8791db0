import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import { PAYING_STATUSES } from './epoch.repository';

/** One account's lifetime amount of one kind through an epoch. */
export interface KindAmountRow {
  account: string;
  kind: string;
  amount: string;
}

export interface LeafRow {
  account: string;
  cumulative: string;
}

export interface PublishedEpochRow {
  id: string;
  eventId: string;
  root: string;
  total: string;
  accounts: number;
  fileHash: string | null;
  txHash: string | null;
  publishedAt: Date;
}

/**
 * Public epoch files: the leaves as the tree stored them, their breakdown by kind from the ledger,
 * the stored file bytes and the published epochs' list. Ordering by account is byte order ("C"),
 * the order the tree and the file use.
 */
@Injectable()
export class EpochFileRepository {
  constructor(private readonly ds: DataSource) {}

  /** The tree's leaves of epoch `id` (account, cumulative), from `after` on, at most `limit` (all when no limit). */
  async leaves(id: string, after: string | null = null, limit: number | null = null): Promise<LeafRow[]> {
    return rows<LeafRow>(
      this.ds,
      `SELECT account, cumulative::text FROM reward_epoch_accounts WHERE epoch_id = $1 AND ($2::text IS NULL OR account > $2)
       ORDER BY account COLLATE "C" LIMIT $3`,
      [id, after, limit],
    );
  }

  /**
   * Every account's lifetime amount per kind through epoch `id` (its entries and every paying epoch
   * before it), only for `accounts` when given. Summed per account, these are the tree's leaves
   * (settlement builds the tree from them, in `db`: its transaction).
   */
  async byKind(id: string, accounts: string[] | null = null, db: Queryable = this.ds): Promise<KindAmountRow[]> {
    return rows<KindAmountRow>(
      db,
      `SELECT e.account, e.kind, sum(e.amount)::text AS amount FROM reward_entries e JOIN reward_epochs p ON p.id = e.epoch_id
       WHERE p.id <= $1 AND (p.id = $1 OR p.status = ANY($2::text[])) AND ($3::text[] IS NULL OR e.account = ANY($3::text[]))
       GROUP BY e.account, e.kind HAVING sum(e.amount) > 0 ORDER BY e.account COLLATE "C", e.kind COLLATE "C"`,
      [id, PAYING_STATUSES, accounts],
    );
  }

  /** The paying epoch before `id` (whose entries this epoch's cumulative amounts include), if any. */
  async previousPaying(id: string, db: Queryable = this.ds): Promise<string | null> {
    const prev = await row<{ id: string }>(db, `SELECT id::text FROM reward_epochs WHERE id < $1 AND status = ANY($2::text[]) ORDER BY id DESC LIMIT 1`, [id, PAYING_STATUSES]);
    return prev?.id ?? null;
  }

  /**
   * Stores epoch `id`'s file once and records its hash on the epoch; a file already stored (a pass
   * that crashed after writing it) is kept. Returns the stored hash.
   */
  async storeFile(id: string, hash: string, body: Buffer): Promise<string> {
    return this.ds.transaction(async (tx) => {
      await exec(tx, `INSERT INTO reward_epoch_files (epoch_id, hash, body) VALUES ($1, $2, $3) ON CONFLICT (epoch_id) DO NOTHING`, [id, hash, body]);
      const stored = (await row<{ hash: string }>(tx, `SELECT hash FROM reward_epoch_files WHERE epoch_id = $1`, [id]))!;
      await exec(tx, `UPDATE reward_epochs SET file_hash = $2 WHERE id = $1`, [id, stored.hash]);
      return stored.hash;
    });
  }

  async file(id: string): Promise<{ hash: string; body: Buffer } | undefined> {
    const found = await row<{ hash: string; body: Uint8Array }>(this.ds, `SELECT hash, body FROM reward_epoch_files WHERE epoch_id = $1`, [id]);
    // pg answers a Buffer, PGlite a plain Uint8Array: one type for the callers
    return found && { hash: found.hash, body: Buffer.from(found.body.buffer, found.body.byteOffset, found.body.byteLength) };
  }

  /** In `db`: the publishRoot transaction of epoch `id`. */
  async recordTx(id: string, txHash: string, db: Queryable = this.ds): Promise<void> {
    await exec(db, `UPDATE reward_epochs SET tx_hash = $2 WHERE id = $1`, [id, txHash]);
  }

  /** Every published epoch, oldest first. */
  async published(): Promise<PublishedEpochRow[]> {
    return rows<PublishedEpochRow>(
      this.ds,
      `SELECT id::text, event_id AS "eventId", root, total::text, accounts, file_hash AS "fileHash", tx_hash AS "txHash", published_at AS "publishedAt"
       FROM reward_epochs WHERE status = 'published' ORDER BY id`,
    );
  }
}
