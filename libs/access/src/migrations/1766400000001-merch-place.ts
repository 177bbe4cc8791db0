import { MigrationInterface, QueryRunner } from 'typeorm';

/** A verification's place is the server's (the verifier's venue binding); a fan's has none, so it is never clone evidence. */
export class MerchPlace1766400000001 implements MigrationInterface {
  name = 'MerchPlace1766400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE merch_verifications ALTER COLUMN place DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE merch_verifications SET place = '' WHERE place IS NULL; ALTER TABLE merch_verifications ALTER COLUMN place SET NOT NULL`);
  }
}
