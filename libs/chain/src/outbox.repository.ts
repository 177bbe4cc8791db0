import type { DataSource } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';

export interface OutboxIntent {
  kind: string;
  /** Unique per cause (e.g. `attest:<momentId>`): enqueueing the same intent twice adds nothing. */
  idempotencyKey: string;
  to: string;
  data: string;
}

export interface OutboxRow {
  id: string;
  kind: string;
  idempotencyKey: string;
  status: 'pending' | 'sent' | 'confirmed' | 'failed';
  nonce: string | null;
  txHashes: string[];
  attempts: number;
  lastError: string | null;
  blockNumber: string | null;
}

export interface SentRow {
  id: string;
  raw_tx: string;
  tx_hashes: string[];
  sent_at: Date;
  nonce: string;
}

export interface PendingRow {
  id: string;
  to_address: string;
  data: string;
}

/** The chain outbox's SQL: every transaction the platform sends is first one of these rows. */
export class OutboxRepository {
  constructor(private readonly ds: Queryable) {}

  static of(ds: DataSource | Queryable): OutboxRepository {
    return new OutboxRepository(ds);
  }

  async enqueue(intent: OutboxIntent): Promise<void> {
    await exec(this.ds, `INSERT INTO chain_outbox (kind, idempotency_key, to_address, data) VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING`, [
      intent.kind,
      intent.idempotencyKey,
      intent.to,
      intent.data,
    ]);
  }

  async backlog(): Promise<number> {
    return (await row<{ n: number }>(this.ds, `SELECT count(*)::int AS n FROM chain_outbox WHERE status IN ('pending', 'sent')`))!.n;
  }

  async all(): Promise<OutboxRow[]> {
    return rows<OutboxRow>(
      this.ds,
      `SELECT id, kind, idempotency_key AS "idempotencyKey", status, nonce, tx_hashes AS "txHashes", attempts, last_error AS "lastError", block_number AS "blockNumber" FROM chain_outbox ORDER BY id`,
    );
  }

  async intent(idempotencyKey: string): Promise<Pick<OutboxRow, 'status' | 'lastError' | 'blockNumber'> | undefined> {
    return row(this.ds, `SELECT status, last_error AS "lastError", block_number AS "blockNumber" FROM chain_outbox WHERE idempotency_key = $1`, [idempotencyKey]);
  }

  async releaseFailed(idempotencyKeys: string[]): Promise<number> {
    const moved = await exec<{ id: string }>(
      this.ds,
      `UPDATE chain_outbox SET idempotency_key = idempotency_key || '~failed:' || id WHERE idempotency_key = ANY($1::text[]) AND status = 'failed' RETURNING id`,
      [idempotencyKeys],
    );
    return moved.length;
  }

  async sentBy(from: string): Promise<SentRow[]> {
    return rows<SentRow>(this.ds, `SELECT id, raw_tx, tx_hashes, sent_at, nonce FROM chain_outbox WHERE status = 'sent' AND from_address = $1 ORDER BY nonce`, [from]);
  }

  async markMined(id: string, ok: boolean, blockNumber: number, gasUsed: string): Promise<void> {
    await exec(this.ds, `UPDATE chain_outbox SET status = $2, confirmed_at = now(), block_number = $3, gas_used = $4, last_error = $5 WHERE id = $1`, [
      id,
      ok ? 'confirmed' : 'failed',
      blockNumber,
      gasUsed,
      ok ? null : 'reverted on chain',
    ]);
  }

  async pending(limit = 50): Promise<PendingRow[]> {
    return rows<PendingRow>(this.ds, `SELECT id, to_address, data FROM chain_outbox WHERE status = 'pending' ORDER BY id LIMIT $1`, [limit]);
  }

  async markWouldRevert(id: string, error: string): Promise<void> {
    await exec(this.ds, `UPDATE chain_outbox SET status = 'failed', last_error = $2, attempts = attempts + 1 WHERE id = $1`, [id, error]);
  }

  /** Persisted before broadcasting: after a crash the bytes are re-sent, never re-signed with another nonce. */
  async markSigned(id: string, from: string, nonce: number, raw: string, hash: string): Promise<void> {
    await exec(
      this.ds,
      `UPDATE chain_outbox SET status = 'sent', from_address = $2, nonce = $3, raw_tx = $4, tx_hashes = array_append(tx_hashes, $5), sent_at = now(), attempts = attempts + 1 WHERE id = $1 AND status = 'pending'`,
      [id, from, nonce, raw, hash],
    );
  }

  async maxNonce(from: string): Promise<number | null> {
    const r = await row<{ max: string | null }>(this.ds, `SELECT max(nonce) AS max FROM chain_outbox WHERE from_address = $1`, [from]);
    return r?.max === null || r?.max === undefined ? null : Number(r.max);
  }

  async markReplaced(id: string, raw: string, hash: string): Promise<void> {
    await exec(this.ds, `UPDATE chain_outbox SET raw_tx = $2, tx_hashes = array_append(tx_hashes, $3), sent_at = now(), attempts = attempts + 1 WHERE id = $1`, [id, raw, hash]);
  }
}
