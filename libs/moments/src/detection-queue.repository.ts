import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec } from '@fanmesh/db';

/** An event whose new sound readings wait for the detector. */
export interface PendingDetection {
  eventId: string;
  venueId: string;
  /** The span of new readings (unix ms). */
  from: number;
  to: number;
  /** This run is the second look. */
  recheck: boolean;
  version: number;
}

interface PendingRow {
  eventId: string;
  venueId: string;
  fromMs: string;
  toMs: string;
  recheck: boolean;
  version: number;
}

const secs = (ms: number) => ms / 1000;

/** The detection queue (moment_detection_queue): durable, one row per event, one runner at a time. */
@Injectable()
export class DetectionQueueRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * New readings for an event, written in the consumer's delivery transaction. A new row (or one
   * waiting for its second look, or one being detected right now) is due after `debounceMs`; a row
   * already waiting keeps its time, so a burst of envelopes is detected once.
   */
  async mark(tx: EntityManager, p: { eventId: string; venueId: string; from: number; to: number }, debounceMs: number): Promise<void> {
    await exec(
      tx,
      `INSERT INTO moment_detection_queue AS q (event_id, venue_id, from_ms, to_ms, due_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
       ON CONFLICT (event_id) DO UPDATE SET
         from_ms = least(q.from_ms, EXCLUDED.from_ms),
         to_ms = greatest(q.to_ms, EXCLUDED.to_ms),
         version = q.version + 1,
         due_at = CASE WHEN q.recheck OR q.leased_until IS NOT NULL THEN EXCLUDED.due_at ELSE q.due_at END,
         recheck = false`,
      [p.eventId, p.venueId, p.from, p.to, secs(debounceMs)],
    );
  }

  /** Takes up to `limit` due rows for this runner (skipping those another runner holds) for `leaseMs`. */
  async claimDue(limit: number, leaseMs: number): Promise<PendingDetection[]> {
    const claimed = await exec<PendingRow>(
      this.ds,
      `UPDATE moment_detection_queue q SET leased_until = now() + make_interval(secs => $2)
       WHERE q.event_id IN (
         SELECT event_id FROM moment_detection_queue
         WHERE due_at <= now() AND (leased_until IS NULL OR leased_until < now())
         ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING q.event_id AS "eventId", q.venue_id AS "venueId", q.from_ms::text AS "fromMs", q.to_ms::text AS "toMs", q.recheck, q.version`,
      [limit, secs(leaseMs)],
    );
    return claimed.map((r) => ({ eventId: r.eventId, venueId: r.venueId, from: Number(r.fromMs), to: Number(r.toMs), recheck: r.recheck, version: r.version }));
  }

  /**
   * A run is over. Readings that came in meanwhile keep the row (due as `mark` set it); otherwise a
   * first look becomes a second look due in `recheckMs`, and a second look is done.
   */
  async finish(p: PendingDetection, recheckMs: number): Promise<'again' | 'recheck' | 'done'> {
    if (p.recheck) {
      const gone = await exec<{ eventId: string }>(this.ds, `DELETE FROM moment_detection_queue WHERE event_id = $1 AND version = $2 RETURNING event_id AS "eventId"`, [
        p.eventId,
        p.version,
      ]);
      if (gone.length) return 'done';
    } else {
      const later = await exec<{ eventId: string }>(
        this.ds,
        `UPDATE moment_detection_queue SET recheck = true, due_at = now() + make_interval(secs => $3), leased_until = NULL
         WHERE event_id = $1 AND version = $2 RETURNING event_id AS "eventId"`,
        [p.eventId, p.version, secs(recheckMs)],
      );
      if (later.length) return 'recheck';
    }
    await exec(this.ds, `UPDATE moment_detection_queue SET leased_until = NULL WHERE event_id = $1`, [p.eventId]);
    return 'again';
  }
}
