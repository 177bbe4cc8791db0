import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface GrantRow {
  id: string;
  address: string;
  role: 'admin' | 'staff' | 'steward';
  venueId: string | null;
  grantedBy: string | null;
  grantedAt: Date;
}

/** Nonces, refresh tokens, role grants, sponsors and their keys. */
@Injectable()
export class IdentityRepository {
  constructor(private readonly ds: DataSource) {}

  async createNonce(nonce: string, expiresAt: Date): Promise<void> {
    await this.ds.query('INSERT INTO auth_nonces (nonce, expires_at) VALUES ($1, $2)', [nonce, expiresAt]);
    // Opportunistic clean-up keeps the table small without a scheduler.
    await this.ds.query(`DELETE FROM auth_nonces WHERE expires_at < now() - interval '1 hour'`);
  }

  /** Marks a nonce used exactly once; tells why when it cannot be. */
  async consumeNonce(nonce: string): Promise<'ok' | 'unknown' | 'used' | 'expired'> {
    const [rows] = await this.ds.query(
      `UPDATE auth_nonces SET used_at = now() WHERE nonce = $1 AND used_at IS NULL AND expires_at > now() RETURNING nonce`,
      [nonce],
    );
    if (rows.length === 1) return 'ok';
    const [row] = await this.ds.query('SELECT used_at, expires_at FROM auth_nonces WHERE nonce = $1', [nonce]);
    if (!row) return 'unknown';
    return row.used_at ? 'used' : 'expired';
  }

  async insertRefreshToken(t: { familyId: string; subject: string; tokenHash: string; expiresAt: Date }): Promise<void> {
    await this.ds.query(`INSERT INTO refresh_tokens (family_id, subject, token_hash, expires_at) VALUES ($1, $2, $3, $4)`, [
      t.familyId,
      t.subject,
      t.tokenHash,
      t.expiresAt,
    ]);
  }

  /**
   * Rotates a refresh token atomically: the old one is marked rotated and only one caller can win.
   * Returns the family and subject, or why it failed ('reused' means a rotated token came back: theft).
   */
  async rotateRefreshToken(tokenHash: string): Promise<{ familyId: string; subject: string } | 'invalid' | 'reused'> {
    const [rows] = await this.ds.query(
      `UPDATE refresh_tokens SET rotated_at = now()
       WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()
       RETURNING family_id AS "familyId", subject`,
      [tokenHash],
    );
    if (rows.length === 1) return rows[0];
    const [row] = await this.ds.query('SELECT family_id AS "familyId", rotated_at AS "rotatedAt", revoked_at AS "revokedAt" FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
    if (row?.rotatedAt && !row.revokedAt) {
      await this.revokeFamily(row.familyId);
      return 'reused';
    }
    return 'invalid';
  }

  async revokeFamilyOf(tokenHash: string): Promise<boolean> {
    const [row] = await this.ds.query('SELECT family_id AS "familyId" FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
    if (!row) return false;
    await this.revokeFamily(row.familyId);
    return true;
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.ds.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  }

  async activeGrants(address: string): Promise<GrantRow[]> {
    return this.ds.query(
      `SELECT id, address, role, venue_id AS "venueId", granted_by AS "grantedBy", granted_at AS "grantedAt"
       FROM role_grants WHERE address = $1 AND revoked_at IS NULL`,
      [address],
    );
  }

  async grantsAtVenue(venueId: string): Promise<GrantRow[]> {
    return this.ds.query(
      `SELECT id, address, role, venue_id AS "venueId", granted_by AS "grantedBy", granted_at AS "grantedAt"
       FROM role_grants WHERE venue_id = $1 AND revoked_at IS NULL ORDER BY role, address`,
      [venueId],
    );
  }

  /** Idempotent: granting a held role returns the existing grant. */
  async grant(address: string, role: GrantRow['role'], venueId: string | null, grantedBy: string): Promise<GrantRow> {
    await this.ds.query(
      `INSERT INTO role_grants (address, role, venue_id, granted_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [address, role, venueId, grantedBy],
    );
    const [row] = await this.ds.query(
      `SELECT id, address, role, venue_id AS "venueId", granted_by AS "grantedBy", granted_at AS "grantedAt"
       FROM role_grants WHERE address = $1 AND role = $2 AND venue_id IS NOT DISTINCT FROM $3 AND revoked_at IS NULL`,
      [address, role, venueId],
    );
    return row;
  }

  async revokeGrant(address: string, role: string, venueId: string | null): Promise<boolean> {
    const [rows] = await this.ds.query(
      `UPDATE role_grants SET revoked_at = now() WHERE address = $1 AND role = $2 AND venue_id IS NOT DISTINCT FROM $3 AND revoked_at IS NULL RETURNING id`,
      [address, role, venueId],
    );
    return rows.length > 0;
  }

  async createSponsor(venueId: string, name: string): Promise<{ id: string; venueId: string; name: string }> {
    const [row] = await this.ds.query(`INSERT INTO sponsors (venue_id, name) VALUES ($1, $2) RETURNING id, venue_id AS "venueId", name`, [venueId, name]);
    return row;
  }

  async findSponsor(id: string): Promise<{ id: string; venueId: string; name: string } | undefined> {
    const [row] = await this.ds.query(`SELECT id, venue_id AS "venueId", name FROM sponsors WHERE id = $1`, [id]);
    return row;
  }

  async insertSponsorKey(sponsorId: string, keyHash: string, prefix: string): Promise<{ id: string; prefix: string; createdAt: Date }> {
    const [row] = await this.ds.query(
      `INSERT INTO sponsor_keys (sponsor_id, key_hash, prefix) VALUES ($1, $2, $3) RETURNING id, prefix, created_at AS "createdAt"`,
      [sponsorId, keyHash, prefix],
    );
    return row;
  }

  async revokeSponsorKey(sponsorId: string, keyId: string): Promise<boolean> {
    const [rows] = await this.ds.query(`UPDATE sponsor_keys SET revoked_at = now() WHERE id = $1 AND sponsor_id = $2 AND revoked_at IS NULL RETURNING id`, [keyId, sponsorId]);
    return rows.length > 0;
  }

  async sponsorByKeyHash(keyHash: string): Promise<{ sponsorId: string; venueId: string } | undefined> {
    const [row] = await this.ds.query(
      `UPDATE sponsor_keys k SET last_used_at = now() FROM sponsors s
       WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND s.id = k.sponsor_id
       RETURNING s.id AS "sponsorId", s.venue_id AS "venueId"`,
      [keyHash],
    );
    return row?.[0];
  }
}
