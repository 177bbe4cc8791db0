import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { rows } from '@fanmesh/db';
import { PersonalDataExport, PersonalDataSection } from '@fanmesh/directory';

/**
 * The drops context's part of a fan's export: the drops that reached them, the coupon codes they
 * claimed and the fan-token grants. Nothing is erased: a delivery holds only the address with the
 * section and tier it was targeted by, and the codes and grants are the sponsor's and the ledger's
 * record of what was given (sponsors see counts, never addresses).
 */
@Injectable()
export class DropsPersonalDataRepository {
  @PersonalDataExport('drops')
  async exportFor(address: string, tx: EntityManager): Promise<PersonalDataSection> {
    const deliveries = await rows<Record<string, unknown>>(
      tx,
      `SELECT d.drop_id AS "dropId", x.title, d.section, d.tier, d.targeted_at AS "targetedAt", d.delivered_at AS "deliveredAt",
              d.opened_at AS "openedAt", d.redeemed_at AS "redeemedAt"
       FROM drop_deliveries d JOIN drops x ON x.id = d.drop_id WHERE d.fan = $1 ORDER BY d.targeted_at, d.drop_id`,
      [address],
    );
    const coupons = await rows<Record<string, unknown>>(
      tx,
      `SELECT drop_id AS "dropId", code, slot, claimed_at AS "claimedAt" FROM drop_codes WHERE fan = $1 ORDER BY claimed_at, id`,
      [address],
    );
    const tokenGrants = await rows<Record<string, unknown>>(
      tx,
      `SELECT drop_id AS "dropId", event_id AS "eventId", amount::text AS amount, created_at AS "createdAt", taken_at AS "takenAt"
       FROM drop_token_grants WHERE fan = $1 ORDER BY created_at, idempotency_key`,
      [address],
    );
    return { deliveries, coupons, tokenGrants };
  }
}
