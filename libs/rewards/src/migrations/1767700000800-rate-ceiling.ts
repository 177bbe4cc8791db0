import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rate controller may raise a kind's rate above the default, up to twice it (RATE_CEILING_BPS in
 * reward-rates.ts), when the work leaves the schedule's release unspent; the factor's check allows it.
 */
export class RateCeiling1767700000800 implements MigrationInterface {
  name = 'RateCeiling1767700000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE reward_rates DROP CONSTRAINT reward_rates_factor_bps_check;
      ALTER TABLE reward_rates ADD CONSTRAINT reward_rates_factor_bps_check CHECK (factor_bps BETWEEN 1 AND 20000);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE reward_rates SET factor_bps = 10000 WHERE factor_bps > 10000;
      ALTER TABLE reward_rates DROP CONSTRAINT reward_rates_factor_bps_check;
      ALTER TABLE reward_rates ADD CONSTRAINT reward_rates_factor_bps_check CHECK (factor_bps BETWEEN 1 AND 10000);
    `);
  }
}
