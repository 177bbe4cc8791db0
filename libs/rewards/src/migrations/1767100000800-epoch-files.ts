import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Public epoch files (docs/rewards.md "Check it yourself"): each settled epoch's file, stored as the
 * exact bytes whose keccak256 goes on chain beside the root, and the publishRoot transaction's hash.
 */
export class EpochFiles1767100000800 implements MigrationInterface {
  name = 'EpochFiles1767100000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE reward_epochs ADD COLUMN file_hash text, ADD COLUMN tx_hash text;
      CREATE TABLE reward_epoch_files (
        epoch_id bigint PRIMARY KEY REFERENCES reward_epochs(id),
        hash text NOT NULL CHECK (hash ~ '^0x[0-9a-f]{64}$'),
        body bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE reward_epoch_files;
      ALTER TABLE reward_epochs DROP COLUMN file_hash, DROP COLUMN tx_hash;
    `);
  }
}
