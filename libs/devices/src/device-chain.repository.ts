import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exec, row, rows } from '@fanmesh/db';

export interface TransferRow {
  id: string;
  device: string;
  from: string;
  to: string;
  source: 'owner' | 'chain';
  status: 'queued' | 'confirmed' | 'failed' | 'off_chain';
  nonce: string | null;
  deadline: string | null;
  signature: string | null;
  blockNumber: string | null;
  lastError: string | null;
  at: Date;
}

/** A registry event as the indexer applies it: which log (for idempotence) and what it says. */
export interface RegistryLog {
  txHash: string;
  logIndex: number;
  blockNumber: number;
}

const TRANSFER_COLUMNS = `id, device, from_owner AS "from", to_owner AS "to", source, status, nonce, deadline, signature,
  block_number AS "blockNumber", last_error AS "lastError", at`;

/**
 * Where the devices context and DeviceRegistry meet: owner-signed transfers (owner changed here,
 * relayed to the registry), the registry's own events applied here once, the block cursor they are
 * read from, and revocations waiting to be relayed.
 */
@Injectable()
export class DeviceChainRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Moves the device to `to` and records the signed transfer, in one transaction. 'owner_changed'
   * when `from` no longer owns it (or it was revoked) by then; 'nonce_used' when a transfer with
   * this nonce is already recorded.
   */
  async transfer(t: {
    device: string;
    from: string;
    to: string;
    nonce: number;
    deadline: number;
    signature: string;
    status: 'queued' | 'off_chain';
  }): Promise<TransferRow | 'owner_changed' | 'nonce_used'> {
    return this.ds
      .transaction(async (m) => {
        const moved = await exec<{ address: string }>(m, `UPDATE devices SET owner = $3 WHERE address = $1 AND owner = $2 AND revoked_at IS NULL RETURNING address`, [
          t.device,
          t.from,
          t.to,
        ]);
        if (!moved.length) return 'owner_changed' as const;
        const [recorded] = await exec<TransferRow>(
          m,
          `INSERT INTO device_transfers (device, from_owner, to_owner, source, nonce, deadline, signature, status) VALUES ($1, $2, $3, 'owner', $4, $5, $6, $7)
           ON CONFLICT DO NOTHING RETURNING ${TRANSFER_COLUMNS}`,
          [t.device, t.from, t.to, t.nonce, t.deadline, t.signature, t.status],
        );
        if (!recorded) throw new NonceUsed();
        return recorded;
      })
      .catch((err) => {
        if (err instanceof NonceUsed) return 'nonce_used' as const;
        throw err;
      });
  }

  /** Without a chain the nonce is ours: the owner-signed transfers of this device that stood. */
  async offChainNonce(device: string): Promise<number> {
    const r = await row<{ n: number }>(this.ds, `SELECT count(*)::int AS n FROM device_transfers WHERE device = $1 AND source = 'owner' AND status <> 'failed'`, [device]);
    return r?.n ?? 0;
  }

  /** Transfers the account gave or received, newest first. */
  async forParty(account: string, limit = 50): Promise<TransferRow[]> {
    return rows<TransferRow>(this.ds, `SELECT ${TRANSFER_COLUMNS} FROM device_transfers WHERE from_owner = $1 OR to_owner = $1 ORDER BY id DESC LIMIT $2`, [account, limit]);
  }

  /** Owner-signed transfers the registry has not confirmed yet, oldest first. */
  async queued(limit = 100): Promise<TransferRow[]> {
    return rows<TransferRow>(this.ds, `SELECT ${TRANSFER_COLUMNS} FROM device_transfers WHERE status = 'queued' ORDER BY id LIMIT $1`, [limit]);
  }

  /**
   * The registry refused a relayed transfer: it is marked failed and the device goes back to its
   * previous owner, unless it moved again since. Returns the device's owner afterwards.
   */
  async fail(id: string, error: string): Promise<string | undefined> {
    return this.ds.transaction(async (m) => {
      const [t] = await exec<{ device: string; from_owner: string; to_owner: string }>(
        m,
        `UPDATE device_transfers SET status = 'failed', last_error = $2 WHERE id = $1 AND status = 'queued' RETURNING device, from_owner, to_owner`,
        [id, error],
      );
      if (!t) return undefined;
      await exec(
        m,
        `UPDATE devices SET owner = $2 WHERE address = $1 AND owner = $3
           AND NOT EXISTS (SELECT 1 FROM device_transfers WHERE device = $1 AND id > $4 AND status <> 'failed')`,
        [t.device, t.from_owner, t.to_owner, id],
      );
      return (await row<{ owner: string }>(m, `SELECT owner FROM devices WHERE address = $1`, [t.device]))?.owner;
    });
  }

  /**
   * A DeviceTransferred event, applied once per log: the oldest queued owner-signed transfer it
   * matches is confirmed; otherwise it was done on the registry directly and the device moves here
   * too. 'seen' when the log was applied before, 'unknown' for a device never paired here.
   */
  async applyTransferred(log: RegistryLog, device: string, from: string, to: string): Promise<'seen' | 'unknown' | 'confirmed' | 'moved'> {
    return this.ds.transaction(async (m) => {
      if (await row(m, `SELECT 1 FROM device_transfers WHERE tx_hash = $1 AND log_index = $2`, [log.txHash, log.logIndex])) return 'seen' as const;
      if (!(await row(m, `SELECT 1 FROM devices WHERE address = $1 FOR UPDATE`, [device]))) return 'unknown' as const;
      const [confirmed] = await exec<{ id: string }>(
        m,
        `UPDATE device_transfers SET status = 'confirmed', tx_hash = $4, log_index = $5, block_number = $6, confirmed_at = now()
         WHERE id = (SELECT id FROM device_transfers WHERE device = $1 AND source = 'owner' AND status = 'queued' AND from_owner = $2 AND to_owner = $3 ORDER BY id LIMIT 1)
         RETURNING id`,
        [device, from, to, log.txHash, log.logIndex, log.blockNumber],
      );
      if (confirmed) return 'confirmed' as const;
      await exec(
        m,
        `INSERT INTO device_transfers (device, from_owner, to_owner, source, status, tx_hash, log_index, block_number, confirmed_at)
         VALUES ($1, $2, $3, 'chain', 'confirmed', $4, $5, $6, now())`,
        [device, from, to, log.txHash, log.logIndex, log.blockNumber],
      );
      // The registry is the record of ownership: what was done there directly stands here.
      await exec(m, `UPDATE devices SET owner = $2 WHERE address = $1`, [device, to]);
      return 'moved' as const;
    });
  }

  /** A DeviceRevoked event: revokes here (nothing to relay back); false when it was revoked here already. */
  async applyRevoked(device: string, reason: string): Promise<boolean> {
    const revoked = await exec<{ address: string }>(
      this.ds,
      `UPDATE devices SET revoked_at = now(), revoked_reason = $2, revoke_relayed_at = now() WHERE address = $1 AND revoked_at IS NULL RETURNING address`,
      [device, reason],
    );
    if (revoked.length) return true;
    await this.markRevokeRelayed(device);
    return false;
  }

  /** Devices revoked here whose revocation has not been handed to the registry yet. */
  async unrelayedRevocations(limit = 100): Promise<string[]> {
    const found = await rows<{ address: string }>(this.ds, `SELECT address FROM devices WHERE revoked_at IS NOT NULL AND revoke_relayed_at IS NULL ORDER BY revoked_at LIMIT $1`, [
      limit,
    ]);
    return found.map((r) => r.address);
  }

  async markRevokeRelayed(device: string): Promise<void> {
    await exec(this.ds, `UPDATE devices SET revoke_relayed_at = now() WHERE address = $1 AND revoked_at IS NOT NULL AND revoke_relayed_at IS NULL`, [device]);
  }

  /** The next block to read the registry's events from; undefined before the first read. */
  async cursor(chainId: number, registry: string): Promise<number | undefined> {
    const r = await row<{ next: string }>(this.ds, `SELECT next_block AS next FROM device_chain_cursors WHERE chain_id = $1 AND registry = $2`, [chainId, registry]);
    return r ? Number(r.next) : undefined;
  }

  async advanceCursor(chainId: number, registry: string, next: number): Promise<void> {
    await exec(
      this.ds,
      `INSERT INTO device_chain_cursors (chain_id, registry, next_block) VALUES ($1, $2, $3)
       ON CONFLICT (chain_id, registry) DO UPDATE SET next_block = GREATEST(device_chain_cursors.next_block, EXCLUDED.next_block)`,
      [chainId, registry, next],
    );
  }
}

class NonceUsed extends Error {}
