import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invites to a role at a venue, by link: only the token's hash is kept, a link is taken once and
 * expires. And the operator's first-run invite, which one account takes once (the single row).
 */
export class RoleInvites1766700000100 implements MigrationInterface {
  name = 'RoleInvites1766700000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE role_invites (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        venue_id uuid NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('staff', 'steward')),
        label text,
        token_hash text NOT NULL UNIQUE,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        accepted_by text CHECK (accepted_by ~ '^0x[0-9a-f]{40}$'),
        accepted_at timestamptz,
        revoked_at timestamptz,
        CHECK ((accepted_by IS NULL) = (accepted_at IS NULL))
      );
      CREATE INDEX role_invites_venue ON role_invites (venue_id, created_at DESC);
      CREATE TABLE operator_invite (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        address text NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
        accepted_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE operator_invite; DROP TABLE role_invites;');
  }
}
