import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events with sound readings the detector has not looked at yet: one row per event, written by the
 * `sensing.readings_stored` consumer in its delivery transaction, taken (leased) by one instance at
 * a time to run detection, checked once more a little later (`recheck`), then deleted.
 */
export class DetectionQueue1765000000650 implements MigrationInterface {
  name = 'DetectionQueue1765000000650';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE moment_detection_queue (
        event_id uuid PRIMARY KEY,
        venue_id uuid NOT NULL,
        -- the span of new sound readings (unix ms)
        from_ms bigint NOT NULL,
        to_ms bigint NOT NULL,
        due_at timestamptz NOT NULL,
        -- the next run is the second look at readings already detected over
        recheck boolean NOT NULL DEFAULT false,
        -- bumped by every new reading span, so a run knows whether readings came in while it ran
        version int NOT NULL DEFAULT 1,
        leased_until timestamptz
      );
      CREATE INDEX moment_detection_queue_due ON moment_detection_queue (due_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE moment_detection_queue');
  }
}
