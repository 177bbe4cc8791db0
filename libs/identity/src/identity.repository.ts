import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';

export interface GrantRow {
  id: string;
  address: string;
  role: 'admin' | 'staff' | 'steward';
  venueId: string | null;
  grantedBy: string | null;
  grantedAt: Date;
}

/** One line of the revocation log every instance reads: a family, a sponsor key or a role ended at `atMs`. */
export interface RevocationRow {
  id: string;
  kind: 'family' | 'sponsor_key' | 'role';
  /** The family id, the sponsor key id, or the role as tokens carry it (`staff@<venueId>`). */
  ref: string;
  subject: string | null;
  atMs: number;
}

const REVOCATION_COLUMNS = `id::text AS id, kind, ref, subject, (extract(epoch FROM revoked_at) * 1000)::float8 AS "atMs"`;
const GRANT_COLUMNS = `id, address, role, venue_id AS "venueId", granted_by AS "grantedBy", granted_at AS "grantedAt"`;

/** Nonces, refresh-token families, role grants, sponsors and their keys, and the revocation log. */
@Injectable()
export class IdentityRepository {
  constructor(private readonly ds: DataSource) {}

  async createNonce(nonce: string, expiresAt: Date): Promise<void> {
    // Opportunistic clean-up keeps the table small without a scheduler, in the same round trip.
    await exec(
      this.ds,
      `WITH stale AS (DELETE FROM auth_nonces WHERE expires_at < now() - interval '1 hour')
       INSERT INTO auth_nonces (nonce, expires_at) VALUES ($1, $2)`,
      [nonce, expiresAt],
    );
  }

  /** Marks a nonce used exactly once; tells why when it cannot be. */
  async consumeNonce(nonce: string): Promise<'ok' | 'unknown' | 'used' | 'expired'> {
    const used = await exec<{ nonce: string }>(this.ds, `UPDATE auth_nonces SET used_at = now() WHERE nonce = $1 AND used_at IS NULL AND expires_at > now() RETURNING nonce`, [
      nonce,
    ]);
    if (used.length === 1) return 'ok';
    const found = await row<{ usedAt: Date | null }>(this.ds, 'SELECT used_at AS "usedAt" FROM auth_nonces WHERE nonce = $1', [nonce]);
    if (!found) return 'unknown';
    return found.usedAt ? 'used' : 'expired';
  }

  /** A new family and its first refresh token, together. */
  async startFamily(t: { familyId: string; subject: string; tokenHash: string; expiresAt: Date }): Promise<void> {
    await this.ds.transaction(async (tx) => {
      await exec(tx, 'INSERT INTO refresh_families (id, subject) VALUES ($1, $2)', [t.familyId, t.subject]);
      await this.insertRefreshToken(tx, t);
    });
  }

  private async insertRefreshToken(db: Queryable, t: { familyId: string; subject: string; tokenHash: string; expiresAt: Date }): Promise<void> {
    await exec(db, `INSERT INTO refresh_tokens (family_id, subject, token_hash, expires_at) VALUES ($1, $2, $3, $4)`, [t.familyId, t.subject, t.tokenHash, t.expiresAt]);
  }

  /**
   * Rotates a refresh token: marks the old one rotated and stores its successor in one transaction,
   * only while the family stands; of concurrent callers, one wins. 'reused' means a rotated token came
   * back (theft, or a racing copy): the whole family is revoked, the winner's new token included,
   * since a family is revoked as one row whatever tokens it holds.
   */
  async rotateRefreshToken(
    tokenHash: string,
    next: { tokenHash: string; expiresAt: Date },
  ): Promise<{ familyId: string; subject: string } | 'invalid' | { reused: RevocationRow[] }> {
    const won = await this.ds.transaction(async (tx) => {
      const [hit] = await exec<{ familyId: string; subject: string }>(
        tx,
        `UPDATE refresh_tokens t SET rotated_at = now() FROM refresh_families f
         WHERE t.token_hash = $1 AND t.rotated_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now()
           AND f.id = t.family_id AND f.revoked_at IS NULL
         RETURNING t.family_id AS "familyId", t.subject`,
        [tokenHash],
      );
      if (hit) await this.insertRefreshToken(tx, { familyId: hit.familyId, subject: hit.subject, ...next });
      return hit;
    });
    if (won) return won;
    const seen = await row<{ familyId: string; rotatedAt: Date | null; familyRevokedAt: Date | null }>(
      this.ds,
      `SELECT t.family_id AS "familyId", t.rotated_at AS "rotatedAt", f.revoked_at AS "familyRevokedAt"
       FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.token_hash = $1`,
      [tokenHash],
    );
    if (seen?.rotatedAt && !seen.familyRevokedAt) return { reused: await this.revokeFamily(seen.familyId) };
    return 'invalid';
  }

  async revokeFamilyOf(tokenHash: string): Promise<RevocationRow[]> {
    const found = await row<{ familyId: string }>(this.ds, 'SELECT family_id AS "familyId" FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
    return found ? this.revokeFamily(found.familyId) : [];
  }

  /** Ends a family (once) and logs it, in one statement; [] when it had already ended. */
  private revokeFamily(familyId: string): Promise<RevocationRow[]> {
    return exec<RevocationRow>(
      this.ds,
      `WITH f AS (UPDATE refresh_families SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id, subject),
            t AS (UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL)
       INSERT INTO auth_revocations (kind, ref, subject) SELECT 'family', id::text, subject FROM f
       RETURNING ${REVOCATION_COLUMNS}`,
      [familyId],
    );
  }

  /** The log since `seconds` ago, by the database's clock (instances' clocks may disagree). */
  revocationsWithin(seconds: number): Promise<RevocationRow[]> {
    return rows<RevocationRow>(this.ds, `SELECT ${REVOCATION_COLUMNS} FROM auth_revocations WHERE revoked_at > now() - make_interval(secs => $1) ORDER BY id`, [seconds]);
  }

  async pruneRevocations(olderThanSeconds: number): Promise<void> {
    await exec(this.ds, `DELETE FROM auth_revocations WHERE revoked_at < now() - make_interval(secs => $1)`, [olderThanSeconds]);
  }

  activeGrants(address: string): Promise<GrantRow[]> {
    return rows<GrantRow>(this.ds, `SELECT ${GRANT_COLUMNS} FROM role_grants WHERE address = $1 AND revoked_at IS NULL`, [address]);
  }

  grantsAtVenue(venueId: string): Promise<GrantRow[]> {
    return rows<GrantRow>(this.ds, `SELECT ${GRANT_COLUMNS} FROM role_grants WHERE venue_id = $1 AND revoked_at IS NULL ORDER BY role, address`, [venueId]);
  }

  /** Idempotent: granting a held role returns the existing grant. */
  async grant(address: string, role: GrantRow['role'], venueId: string | null, grantedBy: string): Promise<GrantRow> {
    await exec(this.ds, `INSERT INTO role_grants (address, role, venue_id, granted_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [address, role, venueId, grantedBy]);
    const held = await row<GrantRow>(
      this.ds,
      `SELECT ${GRANT_COLUMNS} FROM role_grants WHERE address = $1 AND role = $2 AND venue_id IS NOT DISTINCT FROM $3 AND revoked_at IS NULL`,
      [address, role, venueId],
    );
    return held!;
  }

  /** Ends a grant and logs the role as tokens carry it; [] when no such grant was active. */
  revokeGrant(address: string, role: string, venueId: string | null): Promise<RevocationRow[]> {
    return exec<RevocationRow>(
      this.ds,
      `WITH g AS (
         UPDATE role_grants SET revoked_at = now() WHERE address = $1 AND role = $2 AND venue_id IS NOT DISTINCT FROM $3 AND revoked_at IS NULL
         RETURNING address, role, venue_id)
       INSERT INTO auth_revocations (kind, ref, subject) SELECT 'role', CASE WHEN venue_id IS NULL THEN role ELSE role || '@' || venue_id END, address FROM g
       RETURNING ${REVOCATION_COLUMNS}`,
      [address, role, venueId],
    );
  }

  async createSponsor(venueId: string, name: string): Promise<{ id: string; venueId: string; name: string }> {
    const created = await row<{ id: string; venueId: string; name: string }>(
      this.ds,
      `INSERT INTO sponsors (venue_id, name) VALUES ($1, $2) RETURNING id, venue_id AS "venueId", name`,
      [venueId, name],
    );
    return created!;
  }

  sponsorsAtVenue(venueId: string): Promise<{ id: string; venueId: string; name: string; createdAt: Date }[]> {
    return rows(this.ds, `SELECT id, venue_id AS "venueId", name, created_at AS "createdAt" FROM sponsors WHERE venue_id = $1 ORDER BY name, created_at`, [venueId]);
  }

  sponsorKeysAtVenue(venueId: string): Promise<{ id: string; sponsorId: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }[]> {
    return rows(
      this.ds,
      `SELECT k.id, k.sponsor_id AS "sponsorId", k.prefix, k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"
       FROM sponsor_keys k JOIN sponsors s ON s.id = k.sponsor_id WHERE s.venue_id = $1 ORDER BY k.created_at`,
      [venueId],
    );
  }

  findSponsor(id: string): Promise<{ id: string; venueId: string; name: string } | undefined> {
    return row(this.ds, `SELECT id, venue_id AS "venueId", name FROM sponsors WHERE id = $1`, [id]);
  }

  async insertSponsorKey(sponsorId: string, keyHash: string, prefix: string): Promise<{ id: string; prefix: string; createdAt: Date }> {
    const created = await row<{ id: string; prefix: string; createdAt: Date }>(
      this.ds,
      `INSERT INTO sponsor_keys (sponsor_id, key_hash, prefix) VALUES ($1, $2, $3) RETURNING id, prefix, created_at AS "createdAt"`,
      [sponsorId, keyHash, prefix],
    );
    return created!;
  }

  /** Ends a key and logs it, so the sessions it minted end too; [] when the sponsor had no such active key. */
  revokeSponsorKey(sponsorId: string, keyId: string): Promise<RevocationRow[]> {
    return exec<RevocationRow>(
      this.ds,
      `WITH k AS (UPDATE sponsor_keys SET revoked_at = now() WHERE id = $1 AND sponsor_id = $2 AND revoked_at IS NULL RETURNING id, sponsor_id)
       INSERT INTO auth_revocations (kind, ref, subject) SELECT 'sponsor_key', id::text, sponsor_id::text FROM k
       RETURNING ${REVOCATION_COLUMNS}`,
      [keyId, sponsorId],
    );
  }

  async sponsorByKeyHash(keyHash: string): Promise<{ keyId: string; sponsorId: string; venueId: string } | undefined> {
    const [hit] = await exec<{ keyId: string; sponsorId: string; venueId: string }>(
      this.ds,
      `UPDATE sponsor_keys k SET last_used_at = now() FROM sponsors s
       WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND s.id = k.sponsor_id
       RETURNING k.id AS "keyId", s.id AS "sponsorId", s.venue_id AS "venueId"`,
      [keyHash],
    );
    return hit;
  }
}
