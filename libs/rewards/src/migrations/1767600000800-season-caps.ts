import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seasons (libs/rewards season.ts): each event's pools know their season, every entry keeps the
 * units of verified work it paid for (the fairness report's pay per unit), and what an account earned
 * per kind in a season is kept for the season caps. Pools made before this are placed in their
 * season the next time the ledger draws on them.
 */
export class SeasonCaps1767600000800 implements MigrationInterface {
  name = 'SeasonCaps1767600000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE reward_pools ADD COLUMN season text;
      CREATE INDEX reward_pools_season ON reward_pools (season);
      ALTER TABLE reward_entries ADD COLUMN units numeric(78, 0) NOT NULL DEFAULT 1 CHECK (units >= 0);
      CREATE TABLE reward_season_earned (
        season text NOT NULL,
        kind text NOT NULL,
        account text NOT NULL,
        earned numeric(78, 0) NOT NULL CHECK (earned >= 0),
        PRIMARY KEY (season, kind, account)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE reward_season_earned;
      ALTER TABLE reward_entries DROP COLUMN units;
      DROP INDEX reward_pools_season;
      ALTER TABLE reward_pools DROP COLUMN season`);
  }
}
