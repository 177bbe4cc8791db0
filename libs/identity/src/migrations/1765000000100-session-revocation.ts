import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh-token families as rows of their own, so one flag ends a whole family (also the tokens a
 * racing rotation mints a moment later), and a log of revocations every instance reads, so access
 * tokens of a revoked family, a revoked sponsor key or a revoked role stop working within seconds.
 */
export class SessionRevocation1765000000100 implements MigrationInterface {
  name = 'SessionRevocation1765000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refresh_families (
        id uuid PRIMARY KEY,
        subject text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      INSERT INTO refresh_families (id, subject, created_at, revoked_at)
        SELECT family_id, min(subject), min(created_at), CASE WHEN bool_or(revoked_at IS NOT NULL) THEN max(revoked_at) END
        FROM refresh_tokens GROUP BY family_id;
      UPDATE refresh_tokens t SET revoked_at = f.revoked_at FROM refresh_families f WHERE f.id = t.family_id AND f.revoked_at IS NOT NULL AND t.revoked_at IS NULL;
      ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_family_fk FOREIGN KEY (family_id) REFERENCES refresh_families(id) ON DELETE CASCADE;
      CREATE TABLE auth_revocations (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('family', 'sponsor_key', 'role')),
        ref text NOT NULL,
        subject text,
        revoked_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX auth_revocations_at ON auth_revocations (revoked_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE auth_revocations; ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_family_fk; DROP TABLE refresh_families;');
  }
}
