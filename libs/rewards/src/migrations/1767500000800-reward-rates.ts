import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rate controller's state (libs/rewards reward-rates.ts): each kind's factor on its default rate,
 * and every step with what the epoch emitted and its budget, so the season's rates can be audited.
 * One step per (epoch, kind): replaying an epoch's close steps nothing twice.
 */
export class RewardRates1767500000800 implements MigrationInterface {
  name = 'RewardRates1767500000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reward_rates (
        kind text PRIMARY KEY,
        factor_bps integer NOT NULL CHECK (factor_bps BETWEEN 1 AND 10000),
        epoch_id bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE reward_rate_steps (
        epoch_id bigint NOT NULL,
        kind text NOT NULL,
        factor_before integer NOT NULL,
        factor_after integer NOT NULL,
        emitted numeric(78, 0) NOT NULL,
        budget numeric(78, 0),
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (epoch_id, kind)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reward_rate_steps; DROP TABLE reward_rates`);
  }
}
