import { MigrationInterface, QueryRunner } from 'typeorm';

export class Devices1764000000400 implements MigrationInterface {
  name = 'Devices1764000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE devices (
        address text PRIMARY KEY CHECK (address ~ '^0x[0-9a-f]{40}$'),
        public_key text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('hotspot', 'sensor', 'gate')),
        owner text NOT NULL CHECK (owner ~ '^0x[0-9a-f]{40}$'),
        venue_id uuid NOT NULL REFERENCES venues(id),
        section_code text NOT NULL,
        last_seq bigint NOT NULL DEFAULT 0,
        last_seen_at timestamptz,
        last_heartbeat jsonb,
        paired_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_reason text
      );
      CREATE INDEX devices_owner ON devices (owner);
      CREATE INDEX devices_venue ON devices (venue_id, kind);
      CREATE TABLE pairing_offers (
        nonce text PRIMARY KEY,
        device text NOT NULL,
        used_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE denylist (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject_type text NOT NULL CHECK (subject_type IN ('device', 'owner')),
        subject text NOT NULL,
        reason text NOT NULL,
        listed_by text NOT NULL,
        listed_at timestamptz NOT NULL DEFAULT now(),
        lifted_at timestamptz
      );
      CREATE UNIQUE INDEX denylist_active ON denylist (subject_type, subject) WHERE lifted_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE denylist; DROP TABLE pairing_offers; DROP TABLE devices;');
  }
}
