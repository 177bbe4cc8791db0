import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger learns from domain events now (a cursor per consumer), so the catch-up sweeps and their
 * cursors go. What the consumer cannot do inside its delivery (it needs another context's directory:
 * the fans in at a moment, the final coverage scores) it queues here, in the delivery's transaction.
 */
export class RewardTasks1765000000800 implements MigrationInterface {
  name = 'RewardTasks1765000000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reward_tasks (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('moment', 'close')),
        key text NOT NULL UNIQUE,
        event_id uuid NOT NULL,
        payload jsonb NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        run_after timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      DROP TABLE reward_sweeps;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE reward_tasks;
      CREATE TABLE reward_sweeps (
        event_id uuid NOT NULL,
        source text NOT NULL,
        cursor jsonb,
        swept_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, source)
      );
    `);
  }
}
