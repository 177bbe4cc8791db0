import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import type { InviteRole, InviteStatus } from '@fanmesh/protocol';

export interface InviteRow {
  id: string;
  venueId: string;
  role: InviteRole;
  label: string | null;
  /** By the database's clock, so every instance agrees on what has expired. */
  status: InviteStatus;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedBy: string | null;
  acceptedAt: Date | null;
}

export type AcceptOutcome = { outcome: 'accepted' | 'unavailable'; invite: InviteRow } | { outcome: 'unknown' };

const COLUMNS = `id, venue_id AS "venueId", role, label, created_by AS "createdBy", created_at AS "createdAt", expires_at AS "expiresAt",
  accepted_by AS "acceptedBy", accepted_at AS "acceptedAt",
  CASE WHEN accepted_at IS NOT NULL THEN 'accepted' WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN 'expired' ELSE 'pending' END AS status`;

/** Role invites and the operator's first-run invite; accepting writes the role grant in the same transaction. */
@Injectable()
export class InviteRepository {
  constructor(private readonly ds: DataSource) {}

  async create(i: { venueId: string; role: InviteRole; label: string | null; tokenHash: string; createdBy: string; ttlSeconds: number }): Promise<InviteRow> {
    const [created] = await exec<InviteRow>(
      this.ds,
      `INSERT INTO role_invites (venue_id, role, label, token_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING ${COLUMNS}`,
      [i.venueId, i.role, i.label, i.tokenHash, i.createdBy, i.ttlSeconds],
    );
    return created;
  }

  listAtVenue(venueId: string): Promise<InviteRow[]> {
    return rows<InviteRow>(this.ds, `SELECT ${COLUMNS} FROM role_invites WHERE venue_id = $1 ORDER BY created_at DESC LIMIT 200`, [venueId]);
  }

  findByTokenHash(tokenHash: string, db: Queryable = this.ds): Promise<InviteRow | undefined> {
    return row<InviteRow>(db, `SELECT ${COLUMNS} FROM role_invites WHERE token_hash = $1`, [tokenHash]);
  }

  findAtVenue(venueId: string, id: string): Promise<InviteRow | undefined> {
    return row<InviteRow>(this.ds, `SELECT ${COLUMNS} FROM role_invites WHERE venue_id = $1 AND id = $2`, [venueId, id]);
  }

  /** Ends a pending invite; false when it was not pending (already taken, expired or revoked). */
  async revoke(venueId: string, id: string): Promise<boolean> {
    const done = await exec<{ id: string }>(
      this.ds,
      `UPDATE role_invites SET revoked_at = now() WHERE venue_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
      [venueId, id],
    );
    return done.length === 1;
  }

  /**
   * Takes the invite for `address` and grants its role, in one transaction. Of two accepting at
   * once, the row lock lets one win; the other then sees it taken ('unavailable', with the row).
   */
  accept(tokenHash: string, address: string): Promise<AcceptOutcome> {
    return this.ds.transaction(async (tx) => {
      const [won] = await exec<InviteRow>(
        tx,
        `UPDATE role_invites SET accepted_by = $2, accepted_at = now()
         WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING ${COLUMNS}`,
        [tokenHash, address],
      );
      if (won) {
        await grantRole(tx, address, won.role, won.venueId, won.createdBy);
        return { outcome: 'accepted', invite: won };
      }
      const seen = await this.findByTokenHash(tokenHash, tx);
      return seen ? { outcome: 'unavailable', invite: seen } : { outcome: 'unknown' };
    });
  }

  /** Who took the operator's invite, if anyone has. */
  async operator(): Promise<string | undefined> {
    return (await row<{ address: string }>(this.ds, `SELECT address FROM operator_invite`))?.address;
  }

  /** The first account to ask takes the operator's invite and becomes admin; later callers get who took it. */
  acceptOperator(address: string): Promise<{ taken: boolean; by: string }> {
    return this.ds.transaction(async (tx) => {
      const [won] = await exec<{ address: string }>(tx, `INSERT INTO operator_invite (address) VALUES ($1) ON CONFLICT DO NOTHING RETURNING address`, [address]);
      if (won) {
        await grantRole(tx, address, 'admin', null, 'operator-invite');
        return { taken: true, by: address };
      }
      return { taken: false, by: (await row<{ address: string }>(tx, `SELECT address FROM operator_invite`))!.address };
    });
  }
}

/** The role grant an accepted invite makes (idempotent: a role already held stays as it is). */
async function grantRole(db: Queryable, address: string, role: string, venueId: string | null, by: string): Promise<void> {
  await exec(db, `INSERT INTO role_grants (address, role, venue_id, granted_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [address, role, venueId, by]);
}
