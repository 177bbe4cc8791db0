import { MigrationInterface, QueryRunner } from 'typeorm';

/** Audience option: only fans with a valid hotspot witness at the event (the coverage context's verdicts). */
export class AudienceWitnessed1764000000902 implements MigrationInterface {
  name = 'AudienceWitnessed1764000000902';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE drops ADD COLUMN audience_witnessed boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE drops DROP COLUMN audience_witnessed`);
  }
}
