import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff approval of a sound sensor (rule sound-quorum v2): an approved sensor starts at full trust
 * instead of earning it. The approval names the owner it was given under, so it lapses when the
 * device passes to someone else.
 */
export class SensorApprovals1767500000650 implements MigrationInterface {
  name = 'SensorApprovals1767500000650';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sensor_approvals (
        device text PRIMARY KEY,
        venue_id uuid NOT NULL,
        owner text NOT NULL,
        approved_by text NOT NULL,
        approved_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sensor_approvals`);
  }
}
