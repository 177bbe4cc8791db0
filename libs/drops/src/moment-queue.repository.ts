import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec } from '@fanmesh/db';
import type { ConfirmedMoment } from '@fanmesh/directory';

export interface QueuedMoment {
  moment: ConfirmedMoment;
  attempts: number;
}

/** Confirmed moments waiting to fire their drops (drop_moment_queue): durable, one runner per moment. */
@Injectable()
export class MomentQueueRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Written in the consumer's delivery transaction: the moments are queued exactly when the cursor
   * passes them, held for `leaseMs` by the instance that fires them right after the commit.
   */
  async add(tx: EntityManager, moments: ConfirmedMoment[], leaseMs: number): Promise<void> {
    if (!moments.length) return;
    await exec(
      tx,
      `INSERT INTO drop_moment_queue (moment_id, moment, leased_until)
       SELECT m->>'momentId', m, now() + make_interval(secs => $2) FROM jsonb_array_elements($1::jsonb) AS m ON CONFLICT DO NOTHING`,
      [JSON.stringify(moments), leaseMs / 1000],
    );
  }

  /** Takes up to `limit` due moments for this runner (skipping those another runner holds) for `leaseMs`. */
  async claim(limit: number, leaseMs: number): Promise<QueuedMoment[]> {
    return exec<QueuedMoment>(
      this.ds,
      `UPDATE drop_moment_queue q SET leased_until = now() + make_interval(secs => $2)
       WHERE q.moment_id IN (
         SELECT moment_id FROM drop_moment_queue WHERE due_at <= now() AND (leased_until IS NULL OR leased_until < now())
         ORDER BY queued_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING q.moment, q.attempts`,
      [limit, leaseMs / 1000],
    );
  }

  async done(momentId: string): Promise<void> {
    await exec(this.ds, `DELETE FROM drop_moment_queue WHERE moment_id = $1`, [momentId]);
  }

  /** Firing failed: due again after `retryMs`. */
  async retry(momentId: string, error: string, retryMs: number): Promise<void> {
    await exec(
      this.ds,
      `UPDATE drop_moment_queue SET attempts = attempts + 1, last_error = $2, leased_until = NULL, due_at = now() + make_interval(secs => $3) WHERE moment_id = $1`,
      [momentId, error.slice(0, 2000), retryMs / 1000],
    );
  }
}
