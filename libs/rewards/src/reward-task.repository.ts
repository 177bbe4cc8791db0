import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import { CLOSE_LOCK } from './epoch.repository';

/** A moment's presence to pay, or an ended event's epoch to close. */
export type RewardTask =
  | {
      id: string;
      kind: 'moment';
      eventId: string;
      attempts: number;
      payload: { momentId: string; eventId: string; venueId: string; at: string; sensors?: { device: string; weight: number }[] };
    }
  | { id: string; kind: 'close'; eventId: string; attempts: number; payload: { eventId: string; venueId: string } };

export type NewRewardTask = Omit<RewardTask, 'id' | 'attempts'> & { key: string };

/** The ledger consumer's queue of work it does outside its delivery (see RewardTasksService). */
@Injectable()
export class RewardTaskRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** Queues tasks in the caller's transaction; a key already queued adds nothing. */
  async add(tx: Queryable, tasks: NewRewardTask[]): Promise<void> {
    if (!tasks.length) return;
    await exec(tx, `INSERT INTO reward_tasks (kind, key, event_id, payload) SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::jsonb[]) ON CONFLICT (key) DO NOTHING`, [
      tasks.map((t) => t.kind),
      tasks.map((t) => t.key),
      tasks.map((t) => t.eventId),
      tasks.map((t) => JSON.stringify(t.payload)),
    ]);
  }

  /**
   * Late is not lost: entries just written for events that already have an epoch (an offline
   * decision staff approved after the close, an admission written as the event ended) would stay
   * outside every epoch once the event's close task is done. In the caller's transaction, queues the
   * event's close again, so they go into a follow-up epoch that staff review like any other. Holds
   * the close lock shared, so a close finishing at this moment either sees these entries or leaves
   * this task behind it. Nothing for events without an epoch (the usual case): one indexed read.
   */
  async carryLate(tx: Queryable, eventIds: string[]): Promise<string[]> {
    if (!eventIds.length) return [];
    const late = await rows<{ eventId: string; venueId: string }>(
      tx,
      `SELECT DISTINCT ON (event_id) event_id AS "eventId", venue_id AS "venueId" FROM reward_epochs WHERE event_id = ANY($1::uuid[]) ORDER BY event_id, id`,
      [eventIds],
    );
    if (!late.length) return [];
    await exec(tx, `SELECT pg_advisory_xact_lock_shared($1)`, [CLOSE_LOCK]);
    await this.add(
      tx,
      late.map((e) => ({ kind: 'close' as const, key: `close:${e.eventId}`, eventId: e.eventId, payload: { eventId: e.eventId, venueId: e.venueId } })),
    );
    return late.map((e) => e.eventId);
  }

  /** Tasks due, oldest first. */
  async due(limit = 100): Promise<RewardTask[]> {
    return rows<RewardTask>(this.ds, `SELECT id::text, kind, event_id AS "eventId", attempts, payload FROM reward_tasks WHERE run_after <= now() ORDER BY id LIMIT $1`, [limit]);
  }

  /** Locks a task for the caller's transaction; false when another instance holds it or it is done. */
  async claim(tx: Queryable, id: string): Promise<boolean> {
    return !!(await row<{ id: string }>(tx, `SELECT id::text FROM reward_tasks WHERE id = $1 FOR UPDATE SKIP LOCKED`, [id]));
  }

  async done(tx: Queryable, id: string): Promise<void> {
    await exec(tx, `DELETE FROM reward_tasks WHERE id = $1`, [id]);
  }

  /** A run threw: try again after a back-off that grows with the attempts (at most a minute). */
  async failed(id: string, error: string): Promise<void> {
    await exec(
      this.ds,
      `UPDATE reward_tasks SET attempts = attempts + 1, last_error = $2, run_after = now() + make_interval(secs => least(60, 2 ^ least(attempts, 6))) WHERE id = $1`,
      [id, error.slice(0, 2000)],
    );
  }
}
