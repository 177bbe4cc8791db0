import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two small work lists of the drops context:
 * - drop_moment_queue: confirmed moments (the `moments.confirmed` domain event) written by its
 *   consumer in the delivery transaction, fired by one instance (right after that commit, or by the
 *   `drops.fire-moments` job), then deleted;
 * - drop_analytics_dirty: drops whose counters moved (a firing, an acknowledgement, a redemption),
 *   written by the statement that moved them, taken by the `drops.analytics` job on whichever
 *   instance runs it, which pushes their aggregates to the sponsor.
 */
export class MomentQueueAndMoved1765000000900 implements MigrationInterface {
  name = 'MomentQueueAndMoved1765000000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE drop_moment_queue (
        moment_id text PRIMARY KEY,
        moment jsonb NOT NULL,
        queued_at timestamptz NOT NULL DEFAULT now(),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        due_at timestamptz NOT NULL DEFAULT now(),
        leased_until timestamptz
      );
      CREATE TABLE drop_analytics_dirty (
        drop_id uuid PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE drop_analytics_dirty; DROP TABLE drop_moment_queue;');
  }
}
