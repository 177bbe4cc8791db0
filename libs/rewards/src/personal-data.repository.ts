import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { row, rows } from '@fanmesh/db';
import { PersonalDataExport, PersonalDataSection } from '@fanmesh/directory';

/**
 * The rewards context's part of a fan's export: the ledger, the balance and the settled claims. It
 * has nothing to erase: the ledger and the Merkle roots on chain hold only the address and amounts,
 * and must stay exact (a fan's proof is computed from them).
 */
@Injectable()
export class RewardsPersonalDataRepository {
  @PersonalDataExport('rewards')
  async exportFor(address: string, tx: EntityManager): Promise<PersonalDataSection> {
    const balance = await row<{ balance: string }>(tx, `SELECT balance::text AS balance FROM reward_accounts WHERE account = $1`, [address]);
    const ledger = await rows<Record<string, unknown>>(
      tx,
      `SELECT id::text AS id, event_id AS "eventId", kind, amount::text AS amount, requested::text AS requested, clipped, cause,
              epoch_id::text AS "epochId", created_at AS "createdAt"
       FROM reward_entries WHERE account = $1 ORDER BY id`,
      [address],
    );
    const settled = await rows<Record<string, unknown>>(
      tx,
      `SELECT epoch_id::text AS "epochId", cumulative::text AS cumulative FROM reward_epoch_accounts WHERE account = $1 ORDER BY epoch_id`,
      [address],
    );
    return { balance: balance?.balance ?? '0', ledger, settled };
  }
}
