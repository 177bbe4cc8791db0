import { MigrationInterface, QueryRunner } from 'typeorm';

/** The scan-log retention job deletes by age: an index on `at` keeps each run from reading the whole log. */
export class ScanLogRetention1766800000000 implements MigrationInterface {
  name = 'ScanLogRetention1766800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS scan_log_at ON scan_log (at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS scan_log_at;');
  }
}
