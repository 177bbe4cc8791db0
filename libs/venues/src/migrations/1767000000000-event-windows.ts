import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every event gets a time window, from `starts_at` to `ends_at` (three hours unless the venue says
 * otherwise): a venue cannot hold two events whose windows overlap, and a fan cannot be admitted at
 * two events whose windows overlap. An event that ends early gives the rest of its window back.
 */
export class EventWindows1767000000000 implements MigrationInterface {
  name = 'EventWindows1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE events ADD COLUMN ends_at timestamptz;
      UPDATE events SET ends_at = starts_at + interval '3 hours';
      ALTER TABLE events ALTER COLUMN ends_at SET NOT NULL;
      ALTER TABLE events ADD CONSTRAINT events_window CHECK (ends_at >= starts_at);
      CREATE INDEX events_starts ON events (starts_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX events_starts; ALTER TABLE events DROP CONSTRAINT events_window; ALTER TABLE events DROP COLUMN ends_at;');
  }
}
