import { MigrationInterface, QueryRunner } from 'typeorm';

/** The instant a firing takes its audience at, so a firing an instance did not finish can be completed with the same audience. */
export class FiringAudienceAt1764000000901 implements MigrationInterface {
  name = 'FiringAudienceAt1764000000901';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE drop_firings ADD COLUMN audience_at timestamptz NOT NULL DEFAULT now()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE drop_firings DROP COLUMN audience_at`);
  }
}
