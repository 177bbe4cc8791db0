import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Late offline decisions get a staff decision: approved (the admission is written then, and its
 * reward goes into a follow-up epoch that staff review) or rejected. The ticket's version at the scan
 * is kept, so an approval never admits a ticket that changed hands since.
 */
export class OfflineReviewDecisions1767000000001 implements MigrationInterface {
  name = 'OfflineReviewDecisions1767000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE offline_scan_reviews
        ADD COLUMN version int,
        ADD COLUMN decision text CHECK (decision IN ('approved', 'rejected')),
        ADD COLUMN decided_by text,
        ADD COLUMN note text,
        ADD COLUMN admission_id uuid;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE offline_scan_reviews DROP COLUMN version, DROP COLUMN decision, DROP COLUMN decided_by, DROP COLUMN note, DROP COLUMN admission_id;');
  }
}
