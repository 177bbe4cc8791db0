import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import type { DomainEvent, DomainEventName } from './domain-events';

export interface CursorRow {
  xid: string;
  id: string;
  failures: number;
}

interface EventRow {
  id: string;
  xid: string;
  name: DomainEventName;
  payload: unknown;
  createdAt: Date;
}

export type StoredEvent = DomainEvent & { xid: string };

/**
 * The event log's SQL. Order is `(xid, id)`: `xid` is the writing transaction's id. A reader only
 * sees events whose transaction is older than the oldest one still running (the snapshot's xmin,
 * the "horizon"): every such transaction has committed or rolled back, so no event can still
 * appear below a cursor. A cursor over insert time or `id` alone would skip a row whose
 * transaction commits after a later one's.
 */
@Injectable()
export class DomainEventRepository {
  constructor(private readonly ds: DataSource) {}

  async append(tx: Queryable, name: string, payloads: unknown[]): Promise<void> {
    if (!payloads.length) return;
    await tx.query(`INSERT INTO domain_events (name, payload) SELECT $1, p FROM jsonb_array_elements($2::jsonb) AS p`, [name, JSON.stringify(payloads)]);
  }

  async ensureCursors(consumers: string[]): Promise<void> {
    if (!consumers.length) return;
    await this.ds.query(`INSERT INTO domain_event_cursors (consumer) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [consumers]);
  }

  /**
   * Locks the consumer's cursor for this transaction (undefined when another instance holds it) and
   * reads the horizon in the same round trip: the oldest transaction
   * still running, below which everything is final. Read in this statement's snapshot, it is never
   * later than one read after it, so what lies below it is final for the batch read that follows.
   */
  async lockCursor(tx: Queryable, consumer: string): Promise<(CursorRow & { horizon: string }) | undefined> {
    return row<CursorRow & { horizon: string }>(
      tx,
      `SELECT xid::text AS xid, id::text AS id, failures, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon
       FROM domain_event_cursors WHERE consumer = $1 FOR UPDATE SKIP LOCKED`,
      [consumer],
    );
  }

  /** The newest final event, whatever its name: the head consumers catch up to. */
  async head(tx: Queryable, horizon?: string): Promise<{ xid: string; id: string } | undefined> {
    return row<{ xid: string; id: string }>(
      tx,
      `SELECT e.xid::text AS xid, e.id::text AS id FROM domain_events e
       WHERE e.xid < coalesce($1::xid8, pg_snapshot_xmin(pg_current_snapshot())) ORDER BY e.xid DESC, e.id DESC LIMIT 1`,
      [horizon ?? null],
    );
  }

  /** The names of the events after `after`, up to and including `upTo` (both final positions). */
  async namesBetween(db: Queryable, after: { xid: string; id: string }, upTo: { xid: string; id: string }): Promise<string[]> {
    const found = await rows<{ name: string }>(
      db,
      `SELECT DISTINCT e.name FROM domain_events e WHERE (e.xid, e.id) > ($1::xid8, $2::bigint) AND (e.xid, e.id) <= ($3::xid8, $4::bigint)`,
      [after.xid, after.id, upTo.xid, upTo.id],
    );
    return found.map((r) => r.name);
  }

  async batch(tx: Queryable, after: CursorRow, horizon: string, names: string[], limit: number): Promise<StoredEvent[]> {
    const found = await rows<EventRow>(
      tx,
      // Order by the columns, not the text aliases of the select list ('10' sorts before '6').
      `SELECT e.id::text AS id, e.xid::text AS xid, e.name, e.payload, e.created_at AS "createdAt" FROM domain_events e
       WHERE (e.xid, e.id) > ($1::xid8, $2::bigint) AND e.xid < $3::xid8 AND e.name = ANY($4::text[])
       ORDER BY e.xid, e.id LIMIT $5`,
      [after.xid, after.id, horizon, names, limit],
    );
    return found.map((e) => ({ id: e.id, xid: e.xid, name: e.name, payload: e.payload as never, createdAt: new Date(e.createdAt) }));
  }

  /** True while a consumer has committed events of its names it has not been handed yet. */
  async pending(consumer: string, names: string[]): Promise<boolean> {
    const r = await row<{ left: boolean }>(
      this.ds,
      `SELECT EXISTS (SELECT 1 FROM domain_events e, domain_event_cursors c
         WHERE c.consumer = $1 AND (e.xid, e.id) > (c.xid, c.id) AND e.name = ANY($2::text[])) AS left`,
      [consumer, names],
    );
    return !!r?.left;
  }

  async moveCursor(tx: Queryable, consumer: string, to: { xid: string; id: string }, delivered: number): Promise<void> {
    await tx.query(
      `UPDATE domain_event_cursors SET xid = $2::xid8, id = $3::bigint, delivered = delivered + $4, failures = 0, last_error = NULL, updated_at = now()
       WHERE consumer = $1 AND (xid, id) < ($2::xid8, $3::bigint)`,
      [consumer, to.xid, to.id, delivered],
    );
  }

  async recordFailure(consumer: string, error: string): Promise<number> {
    const [r] = await exec<{ failures: number }>(
      this.ds,
      `UPDATE domain_event_cursors SET failures = failures + 1, last_error = $2, updated_at = now() WHERE consumer = $1 RETURNING failures`,
      [consumer, error.slice(0, 2000)],
    );
    return r?.failures ?? 0;
  }

  /** Keeps an event a consumer could not handle, and moves that consumer past it. */
  async park(consumer: string, event: StoredEvent, error: string): Promise<void> {
    await this.ds.transaction(async (tx) => {
      await tx.query(`INSERT INTO domain_event_failures (consumer, event_id, name, payload, error) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [
        consumer,
        event.id,
        event.name,
        JSON.stringify(event.payload),
        error.slice(0, 2000),
      ]);
      await this.moveCursor(tx, consumer, event, 0);
    });
  }

  async cursors(): Promise<{ consumer: string; id: string; delivered: string; failures: number; lastError: string | null }[]> {
    return rows(this.ds, `SELECT consumer, id::text AS id, delivered::text AS delivered, failures, last_error AS "lastError" FROM domain_event_cursors ORDER BY consumer`);
  }

  async failures(): Promise<{ consumer: string; eventId: string; name: string; error: string }[]> {
    return rows(this.ds, `SELECT consumer, event_id::text AS "eventId", name, error FROM domain_event_failures ORDER BY failed_at`);
  }
}
