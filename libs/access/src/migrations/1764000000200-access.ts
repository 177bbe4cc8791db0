import { MigrationInterface, QueryRunner } from 'typeorm';

export class Access1764000000200 implements MigrationInterface {
  name = 'Access1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tickets (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        holder text NOT NULL CHECK (holder ~ '^0x[0-9a-f]{40}$'),
        section_code text NOT NULL,
        seat text NOT NULL,
        tier text NOT NULL,
        version int NOT NULL DEFAULT 1,
        issuer_signature text NOT NULL,
        status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX tickets_seat ON tickets (event_id, section_code, seat) WHERE status = 'valid';
      CREATE INDEX tickets_holder ON tickets (holder, event_id);
      CREATE INDEX tickets_event ON tickets (event_id);

      -- One ticket admits once: the unique ticket_id is the truth across every instance.
      CREATE TABLE admissions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL UNIQUE REFERENCES tickets(id),
        event_id uuid NOT NULL,
        gate_id uuid NOT NULL,
        section_code text NOT NULL,
        holder text NOT NULL,
        scanner text NOT NULL,
        steward text,
        mode text NOT NULL DEFAULT 'online' CHECK (mode IN ('online', 'offline')),
        admitted_at timestamptz NOT NULL DEFAULT now(),
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX admissions_event ON admissions (event_id, admitted_at);

      -- A second entry for an already admitted ticket from an offline scanner: kept, never merged.
      CREATE TABLE admission_conflicts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        event_id uuid NOT NULL,
        admission_id uuid NOT NULL REFERENCES admissions(id),
        gate_id uuid NOT NULL,
        scanner text NOT NULL,
        scanned_at timestamptz NOT NULL,
        detected_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        UNIQUE (ticket_id, gate_id, scanned_at)
      );
      CREATE INDEX admission_conflicts_event ON admission_conflicts (event_id, detected_at);

      -- Every scan verdict, for audit and the fraud view (written in batches).
      CREATE TABLE scan_log (
        id bigserial PRIMARY KEY,
        event_id uuid,
        gate_id uuid NOT NULL,
        ticket_id uuid,
        scanner text NOT NULL,
        decision text NOT NULL CHECK (decision IN ('admit', 'deny')),
        reason text,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX scan_log_event ON scan_log (event_id, at);

      CREATE TABLE merch_issuers (
        address text PRIMARY KEY CHECK (address ~ '^0x[0-9a-f]{40}$'),
        venue_id uuid NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
        name text NOT NULL
      );
      CREATE TABLE merch_items (
        serial text PRIMARY KEY,
        sku text NOT NULL,
        issuer text NOT NULL REFERENCES merch_issuers(address),
        signature text NOT NULL,
        owner text,
        claimed_at timestamptz,
        flagged_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE merch_verifications (
        id bigserial PRIMARY KEY,
        serial text NOT NULL REFERENCES merch_items(serial),
        verifier text NOT NULL,
        place text NOT NULL,
        verdict text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX merch_verifications_serial ON merch_verifications (serial, at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE merch_verifications; DROP TABLE merch_items; DROP TABLE merch_issuers; DROP TABLE scan_log; DROP TABLE admission_conflicts; DROP TABLE admissions; DROP TABLE tickets;',
    );
  }
}
