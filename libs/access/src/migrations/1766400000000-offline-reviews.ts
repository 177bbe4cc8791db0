import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Offline decisions uploaded after their event ended: kept for staff to review, never admitted (an
 * admission then would pay a reward into an event that is closing or already settled).
 */
export class OfflineReviews1766400000000 implements MigrationInterface {
  name = 'OfflineReviews1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE offline_scan_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        event_id uuid NOT NULL,
        gate_id uuid NOT NULL,
        scanner text NOT NULL,
        scanned_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        reason text NOT NULL,
        resolved_at timestamptz,
        UNIQUE (ticket_id, gate_id, scanned_at)
      );
      CREATE INDEX offline_scan_reviews_event ON offline_scan_reviews (event_id, received_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE offline_scan_reviews;');
  }
}
