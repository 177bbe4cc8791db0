import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { exec, rows } from '@fanmesh/db';
import { ErasureCounts, PersonalDataErase, PersonalDataExport, PersonalDataSection } from '@fanmesh/directory';

/**
 * The identity context's part of a fan's personal data: the roles granted to the address, the
 * invites it accepted and its sessions (never a token or its hash). Erasing signs every session out:
 * the families are revoked and logged in the revocation log, so their access tokens stop working on
 * every instance within a poll (about a second), as a sign-out does.
 */
@Injectable()
export class IdentityPersonalDataRepository {
  @PersonalDataExport('account')
  async exportFor(address: string, tx: EntityManager): Promise<PersonalDataSection> {
    const roles = await rows<Record<string, unknown>>(
      tx,
      `SELECT role, venue_id AS "venueId", granted_by AS "grantedBy", granted_at AS "grantedAt", revoked_at AS "revokedAt"
       FROM role_grants WHERE address = $1 ORDER BY granted_at, id`,
      [address],
    );
    const invites = await rows<Record<string, unknown>>(
      tx,
      `SELECT venue_id AS "venueId", role, accepted_at AS "acceptedAt" FROM role_invites WHERE accepted_by = $1 ORDER BY accepted_at, id`,
      [address],
    );
    const sessions = await rows<Record<string, unknown>>(
      tx,
      `SELECT f.id, f.created_at AS "startedAt", f.revoked_at AS "endedAt",
              (SELECT max(t.expires_at) FROM refresh_tokens t WHERE t.family_id = f.id) AS "expiresAt",
              (SELECT count(*)::int FROM refresh_tokens t WHERE t.family_id = f.id) AS refreshes
       FROM refresh_families f WHERE f.subject = $1 ORDER BY f.created_at, f.id`,
      [address],
    );
    return { roles, invites, sessions };
  }

  @PersonalDataErase('account')
  async eraseFor(address: string, tx: EntityManager): Promise<ErasureCounts> {
    const ended = await exec<{ ref: string }>(
      tx,
      `WITH f AS (UPDATE refresh_families SET revoked_at = now() WHERE subject = $1 AND revoked_at IS NULL RETURNING id, subject),
            t AS (UPDATE refresh_tokens SET revoked_at = now() WHERE subject = $1 AND revoked_at IS NULL)
       INSERT INTO auth_revocations (kind, ref, subject) SELECT 'family', id::text, subject FROM f RETURNING ref`,
      [address],
    );
    return { sessionsEnded: ended.length };
  }
}
