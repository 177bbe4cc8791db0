import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The domain event log and its consumers' cursors. Each event row carries the id of the
 * transaction that wrote it, so consumers can read in commit-safe order (see DomainEventStore).
 */
export class DomainEvents1765000000000 implements MigrationInterface {
  name = 'DomainEvents1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE domain_events (
        id bigserial PRIMARY KEY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        name text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX domain_events_order ON domain_events (xid, id);
      CREATE TABLE domain_event_cursors (
        consumer text PRIMARY KEY,
        xid xid8 NOT NULL DEFAULT '0',
        id bigint NOT NULL DEFAULT 0,
        delivered bigint NOT NULL DEFAULT 0,
        failures int NOT NULL DEFAULT 0,
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE domain_event_failures (
        consumer text NOT NULL,
        event_id bigint NOT NULL,
        name text NOT NULL,
        payload jsonb NOT NULL,
        error text NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );
      CREATE TABLE jobs (
        name text PRIMARY KEY,
        next_run_at timestamptz NOT NULL DEFAULT now(),
        last_run_at timestamptz,
        last_instance text,
        runs bigint NOT NULL DEFAULT 0,
        last_error text
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE jobs; DROP TABLE domain_event_failures; DROP TABLE domain_event_cursors; DROP TABLE domain_events;`);
  }
}
