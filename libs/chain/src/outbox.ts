import { Logger } from '@nestjs/common';
import { JsonRpcProvider, Transaction, Wallet } from 'ethers';
import { DataSource } from 'typeorm';
import type { Queryable } from '@fanmesh/db';
import { OutboxIntent, OutboxRepository, OutboxRow } from './outbox.repository';

export type { OutboxIntent, OutboxRow } from './outbox.repository';

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
  private readonly repo: OutboxRepository;

  constructor(
    ds: DataSource,
    private readonly provider: JsonRpcProvider,
    private readonly wallet: Wallet,
    private readonly opts: { intervalMs?: number; maxBackoffMs?: number; /** Tests only: throw here to "crash" the sender. */ failpoint?: (at: Failpoint) => void } = {},
  ) {
    this.repo = OutboxRepository.of(ds);
  }

  static async enqueue(ds: DataSource, intent: OutboxIntent): Promise<void> {
    await OutboxRepository.of(ds).enqueue(intent);
  }

  static async backlog(ds: DataSource): Promise<number> {
    return OutboxRepository.of(ds).backlog();
  }

  static async rows(ds: DataSource): Promise<OutboxRow[]> {
    return OutboxRepository.of(ds).all();
  }

  /**
   * Frees the keys of failed intents (in `db`, e.g. the transaction that reopens what they were for),
   * so the same intents can be queued again. Only failed rows move: nothing of theirs took effect on
   * chain (refused at estimate, or mined and reverted), and each stays as history under
   * `<key>~failed:<id>`. A pending, sent or confirmed intent keeps its key, so it is never doubled.
   */
  static async releaseFailed(db: DataSource | Queryable, idempotencyKeys: string[]): Promise<number> {
    return OutboxRepository.of(db).releaseFailed(idempotencyKeys);
  }

  /** Where the intent queued under `idempotencyKey` stands; undefined when none was queued. */
  static async intent(ds: DataSource, idempotencyKey: string): Promise<Pick<OutboxRow, 'status' | 'lastError' | 'blockNumber'> | undefined> {
    return OutboxRepository.of(ds).intent(idempotencyKey);
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
    const sent = await this.repo.sentBy(from);
    // Transactions of ours not yet mined: an intent queued after one of them may depend on it.
    let inFlight = 0;
    for (const row of sent) {
      const receipt = await this.findReceipt(row.tx_hashes);
      this.opts.failpoint?.('after-confirm-check');
      if (receipt) {
        await this.repo.markMined(row.id, receipt.status === 1, receipt.blockNumber, receipt.gasUsed.toString());
        continue;
      }
      inFlight++;
      if (Date.now() - new Date(row.sent_at).getTime() > STUCK_MS) await this.replace(row);
      else await this.broadcast(row.raw_tx); // re-broadcasting the same bytes is harmless: same hash
    }
    const pending = await this.repo.pending(50);
    if (!pending.length) return;
    let nonce = await this.nextNonce(from);
    const fees = await this.provider.getFeeData();
    for (const row of pending) {
      let gasLimit: bigint;
      try {
        gasLimit = ((await this.provider.estimateGas({ from, to: row.to_address, data: row.data })) * 12n) / 10n;
      } catch (err) {
        if (isRevert(err) && inFlight > 0) {
          // A node may estimate against the latest block, where our earlier transactions (a fund
          // before its publishRoot) are not mined yet: wait for their receipts, in order, then judge.
          this.logger.debug({ id: row.id, inFlight }, 'estimate reverts while earlier transactions are unmined; waiting for their receipts');
          break;
        }
        if (isRevert(err)) {
          // It would fail on chain: no nonce is used, the row records why.
          await this.repo.markWouldRevert(row.id, shortError(err));
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
      await this.repo.markSigned(row.id, from, nonce, raw, hash);
      this.opts.failpoint?.('after-sign');
      await this.broadcast(raw);
      this.opts.failpoint?.('after-broadcast');
      nonce++;
      inFlight++;
    }
  }

  private async nextNonce(from: string): Promise<number> {
    const max = await this.repo.maxNonce(from);
    const chain = await this.provider.getTransactionCount(from, 'pending');
    return Math.max(chain, max === null ? 0 : max + 1);
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
    const tx = Transaction.from({
      type: 2,
      chainId: old.chainId,
      nonce: old.nonce,
      to: old.to,
      data: old.data,
      gasLimit: old.gasLimit,
      maxFeePerGas: bump(old.maxFeePerGas),
      maxPriorityFeePerGas: bump(old.maxPriorityFeePerGas),
    });
    const raw = await this.wallet.signTransaction(tx);
    await this.repo.markReplaced(row.id, raw, Transaction.from(raw).hash!);
    this.logger.warn({ id: row.id, nonce: old.nonce }, 'replacing a stuck transaction');
    await this.broadcast(raw);
  }
}

function shortError(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; info?: { error?: { message?: string } } };
  // Nodes render a custom error's arguments as text, NULs included, which a text column refuses.
  return String(e.info?.error?.message ?? e.shortMessage ?? e.message ?? err)
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .slice(0, 300);
}

function isRevert(err: unknown): boolean {
  const e = err as { code?: string; data?: string };
  return e.code === 'CALL_EXCEPTION' || /revert/i.test(shortError(err));
}
