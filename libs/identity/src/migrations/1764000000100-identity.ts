import { MigrationInterface, QueryRunner } from 'typeorm';

export class Identity1764000000100 implements MigrationInterface {
  name = 'Identity1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE auth_nonces (
        nonce text PRIMARY KEY,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      CREATE INDEX auth_nonces_expiry ON auth_nonces (expires_at);
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        family_id uuid NOT NULL,
        subject text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
      CREATE TABLE role_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        address text NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
        role text NOT NULL CHECK (role IN ('admin', 'staff', 'steward')),
        venue_id uuid REFERENCES venues(id) ON DELETE CASCADE,
        granted_by text,
        granted_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CHECK ((role = 'admin') = (venue_id IS NULL))
      );
      CREATE UNIQUE INDEX role_grants_active ON role_grants (address, role, COALESCE(venue_id, '00000000-0000-0000-0000-000000000000')) WHERE revoked_at IS NULL;
      CREATE TABLE sponsors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        venue_id uuid NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE sponsor_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sponsor_id uuid NOT NULL REFERENCES sponsors(id) ON DELETE CASCADE,
        key_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sponsor_keys; DROP TABLE sponsors; DROP TABLE role_grants; DROP TABLE refresh_tokens; DROP TABLE auth_nonces;');
  }
}
