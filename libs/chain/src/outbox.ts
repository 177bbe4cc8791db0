import { Logger } from '@nestjs/common';
import { JsonRpcProvider, Transaction, Wallet } from 'ethers';
import { DataSource } from 'typeorm';

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

/** Points where a test can make the sender "crash", to prove a restart resumes without doubling anything. */
export type Failpoint = 'after-sign' | 'after-broadcast' | 'after-confirm-check';

const STUCK_MS = 20_000;

/**
 * Every transaction the platform sends is first a row. One sender (an advisory lock on Postgres
 * elects it across instances) signs each row with an explicit nonce and stores the signed bytes
 * before broadcasting, so a crash at any point leaves either a row to sign or bytes to re-broadcast:
 * the same nonce can be mined once, so the effect happens exactly once. RPC errors back off; stuck
 * transactions are replaced at the same nonce with higher fees.
 */
export class OutboxSender {
  private readonly logger = new Logger('Outbox');
  private timer?: NodeJS.Timeout;
  private running = false;
  private backoffMs = 0;
  failpoint?: (at: Failpoint) => void;

  constructor(
    private readonly ds: DataSource,
    private readonly provider: JsonRpcProvider,
    private readonly wallet: Wallet,
    private readonly opts: { intervalMs?: number; maxBackoffMs?: number } = {},
  ) {}

  static async enqueue(ds: DataSource, intent: OutboxIntent): Promise<void> {
    await ds.query(`INSERT INTO chain_outbox (kind, idempotency_key, to_address, data) VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING`, [
      intent.kind,
      intent.idempotencyKey,
      intent.to,
      intent.data,
    ]);
  }

  static async backlog(ds: DataSource): Promise<number> {
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM chain_outbox WHERE status IN ('pending', 'sent')`);
    return n;
  }

  static async rows(ds: DataSource): Promise<OutboxRow[]> {
    return ds.query(
      `SELECT id, kind, idempotency_key AS "idempotencyKey", status, nonce, tx_hashes AS "txHashes", attempts, last_error AS "lastError", block_number AS "blockNumber" FROM chain_outbox ORDER BY id`,
    );
  }

  start(): void {
    const tick = async () => {
      if (!this.running) return;
      try {
        await this.step();
        this.backoffMs = 0;
      } catch (err) {
        this.backoffMs = Math.min(this.opts.maxBackoffMs ?? 10_000, Math.max(250, this.backoffMs * 2));
        this.logger.warn({ err: (err as Error).message, retryInMs: this.backoffMs }, 'outbox step failed; backing off');
      }
      if (this.running) this.timer = setTimeout(tick, (this.opts.intervalMs ?? 300) + this.backoffMs);
    };
    this.running = true;
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One pass: confirm or re-broadcast what was sent, then sign and send what is pending. */
  async step(): Promise<void> {
    const from = this.wallet.address.toLowerCase();
    const sent: { id: string; raw_tx: string; tx_hashes: string[]; sent_at: Date; nonce: string }[] = await this.ds.query(
      `SELECT id, raw_tx, tx_hashes, sent_at, nonce FROM chain_outbox WHERE status = 'sent' AND from_address = $1 ORDER BY nonce`,
      [from],
    );
    for (const row of sent) {
      const receipt = await this.findReceipt(row.tx_hashes);
      this.failpoint?.('after-confirm-check');
      if (receipt) {
        await this.ds.query(
          `UPDATE chain_outbox SET status = $2, confirmed_at = now(), block_number = $3, gas_used = $4, last_error = $5 WHERE id = $1`,
          [row.id, receipt.status === 1 ? 'confirmed' : 'failed', receipt.blockNumber, receipt.gasUsed.toString(), receipt.status === 1 ? null : 'reverted on chain'],
        );
        continue;
      }
      if (Date.now() - new Date(row.sent_at).getTime() > STUCK_MS) await this.replace(row);
      else await this.broadcast(row.raw_tx); // re-broadcasting the same bytes is harmless: same hash
    }
    const pending: { id: string; to_address: string; data: string }[] = await this.ds.query(`SELECT id, to_address, data FROM chain_outbox WHERE status = 'pending' ORDER BY id LIMIT 50`);
    if (!pending.length) return;
    let nonce = await this.nextNonce(from);
    const fees = await this.provider.getFeeData();
    for (const row of pending) {
      let gasLimit: bigint;
      try {
        gasLimit = ((await this.provider.estimateGas({ from, to: row.to_address, data: row.data })) * 12n) / 10n;
      } catch (err) {
        if (isRevert(err)) {
          // It would fail on chain: no nonce is used, the row records why.
          await this.ds.query(`UPDATE chain_outbox SET status = 'failed', last_error = $2, attempts = attempts + 1 WHERE id = $1`, [row.id, shortError(err)]);
          continue;
        }
        throw err; // RPC trouble: back off and try again
      }
      const tx = Transaction.from({
        type: 2,
        chainId: (await this.provider.getNetwork()).chainId,
        nonce,
        to: row.to_address,
        data: row.data,
        gasLimit,
        maxFeePerGas: fees.maxFeePerGas ?? 2_000_000_000n,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas ?? 1_000_000_000n,
      });
      const raw = await this.wallet.signTransaction(tx);
      const hash = Transaction.from(raw).hash!;
      // Persist before broadcasting: after a crash the bytes are re-sent, never re-signed with another nonce.
      await this.ds.query(
        `UPDATE chain_outbox SET status = 'sent', from_address = $2, nonce = $3, raw_tx = $4, tx_hashes = array_append(tx_hashes, $5), sent_at = now(), attempts = attempts + 1 WHERE id = $1 AND status = 'pending'`,
        [row.id, from, nonce, raw, hash],
      );
      this.failpoint?.('after-sign');
      await this.broadcast(raw);
      this.failpoint?.('after-broadcast');
      nonce++;
    }
  }

  private async nextNonce(from: string): Promise<number> {
    const [{ max }] = await this.ds.query(`SELECT max(nonce) AS max FROM chain_outbox WHERE from_address = $1`, [from]);
    const chain = await this.provider.getTransactionCount(from, 'pending');
    return Math.max(chain, max === null ? 0 : Number(max) + 1);
  }

  private async findReceipt(hashes: string[]) {
    for (const h of hashes) {
      const r = await this.provider.getTransactionReceipt(h);
      if (r) return r;
    }
    return null;
  }

  private async broadcast(raw: string): Promise<void> {
    try {
      await this.provider.broadcastTransaction(raw);
    } catch (err) {
      const msg = shortError(err);
      // Already in the pool or mined: that is the outcome we want.
      if (/already known|nonce too low|nonce has already been used|known transaction/i.test(msg)) return;
      throw err;
    }
  }

  /** Same nonce, fees up by a quarter: whichever version is mined, the effect happens once. */
  private async replace(row: { id: string; raw_tx: string }): Promise<void> {
    const old = Transaction.from(row.raw_tx);
    const bump = (v: bigint | null) => ((v ?? 1_000_000_000n) * 125n) / 100n + 1n;
    const tx = Transaction.from({ type: 2, chainId: old.chainId, nonce: old.nonce, to: old.to, data: old.data, gasLimit: old.gasLimit, maxFeePerGas: bump(old.maxFeePerGas), maxPriorityFeePerGas: bump(old.maxPriorityFeePerGas) });
    const raw = await this.wallet.signTransaction(tx);
    await this.ds.query(`UPDATE chain_outbox SET raw_tx = $2, tx_hashes = array_append(tx_hashes, $3), sent_at = now(), attempts = attempts + 1 WHERE id = $1`, [row.id, raw, Transaction.from(raw).hash]);
    this.logger.warn({ id: row.id, nonce: old.nonce }, 'replacing a stuck transaction');
    await this.broadcast(raw);
  }
}

function shortError(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; info?: { error?: { message?: string } } };
  return String(e.info?.error?.message ?? e.shortMessage ?? e.message ?? err).slice(0, 300);
}

function isRevert(err: unknown): boolean {
  const e = err as { code?: string; data?: string };
  return e.code === 'CALL_EXCEPTION' || /revert/i.test(shortError(err));
}
