import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlement writes one row per account per epoch (100,000 in a big match) in the transaction that
 * holds the epoch row's lock: a per-row foreign-key check adds nothing there but time, and byte-wise
 * ("C") ordering of addresses makes the key cheaper to build than a locale's.
 */
export class EpochAccounts1764000000801 implements MigrationInterface {
  name = 'EpochAccounts1764000000801';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE reward_epoch_accounts DROP CONSTRAINT IF EXISTS reward_epoch_accounts_epoch_id_fkey;
      ALTER TABLE reward_epoch_accounts ALTER COLUMN account TYPE text COLLATE "C";
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE reward_epoch_accounts ALTER COLUMN account TYPE text COLLATE "default";
      ALTER TABLE reward_epoch_accounts ADD CONSTRAINT reward_epoch_accounts_epoch_id_fkey FOREIGN KEY (epoch_id) REFERENCES reward_epochs(id);
    `);
  }
}
