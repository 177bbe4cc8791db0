import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ticket lists imported from a ticketing system (one order ref per ticket and event, the buyer's
 * contact for the venue's mailer) and the one-time links that bind a ticket to a fan's key. A link's
 * token is never stored: it is an HMAC of the link's id under a key derived from the issuer key, and
 * only its SHA-256 is kept to find the link again.
 */
export class TicketImports1766600000000 implements MigrationInterface {
  name = 'TicketImports1766600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ticket_imports (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        file_sha256 text NOT NULL,
        rows int NOT NULL,
        imported int NOT NULL,
        unchanged int NOT NULL,
        errors int NOT NULL,
        imported_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ticket_imports_event ON ticket_imports (event_id, created_at);

      CREATE TABLE ticket_orders (
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        order_ref text NOT NULL,
        ticket_id uuid NOT NULL UNIQUE REFERENCES tickets(id) ON DELETE CASCADE,
        contact text NOT NULL,
        import_id uuid NOT NULL REFERENCES ticket_imports(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, order_ref)
      );

      CREATE TABLE claim_links (
        id uuid PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        ticket_id uuid NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('claim', 'transfer')),
        ticket_version int NOT NULL,
        created_by text NOT NULL,
        expires_at timestamptz NOT NULL,
        claimed_by text,
        claimed_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((claimed_by IS NULL) = (claimed_at IS NULL))
      );
      CREATE INDEX claim_links_ticket ON claim_links (ticket_id, created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE claim_links; DROP TABLE ticket_orders; DROP TABLE ticket_imports;');
  }
}
