import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import type { AdmittedFan } from '@fanmesh/directory';

export interface NewAdmission {
  ticketId: string;
  version: number;
  eventId: string;
  /** The gate's venue: not stored with the admission, carried on its domain event. */
  venueId: string;
  gateId: string;
  section: string;
  holder: string;
  scanner: string;
  steward: string | null;
  mode: 'online' | 'offline';
  admittedAt: Date;
  /** Events whose time overlaps this one's: the holder admitted at one of them is not admitted here (not stored). */
  overlapping?: string[];
}

export interface AdmissionRow {
  id: string;
  ticketId: string;
  gateId: string;
  admittedAt: Date;
  mode: 'online' | 'offline';
}

export interface ScanLogEntry {
  eventId: string | null;
  gateId: string;
  ticketId: string | null;
  scanner: string;
  decision: 'admit' | 'deny';
  reason: string | null;
  at: Date;
}

/** A second entry for an already admitted ticket (an offline upload), with the first admission. */
export interface ConflictRow {
  id: string;
  ticketId: string;
  gateId: string;
  scanner: string;
  scannedAt: Date;
  detectedAt: Date;
  firstGateId: string;
  firstAdmittedAt: Date;
  firstMode: 'online' | 'offline';
}

/** An offline decision uploaded after its event ended, kept for staff to review (admitted only once they approve it). */
export interface HeldScanRow {
  id: string;
  ticketId: string;
  eventId: string;
  gateId: string;
  scanner: string;
  scannedAt: Date;
  receivedAt: Date;
  reason: string;
  /** The ticket's version when it was scanned (null for decisions held before it was kept). */
  version: number | null;
  decision: 'approved' | 'rejected' | null;
  decidedBy: string | null;
  note: string | null;
  /** The admission an approval wrote. */
  admissionId: string | null;
  resolvedAt: Date | null;
}

const HELD_COLUMNS = `id, ticket_id AS "ticketId", event_id AS "eventId", gate_id AS "gateId", scanner, scanned_at AS "scannedAt", received_at AS "receivedAt", reason,
  version, decision, decided_by AS "decidedBy", note, admission_id AS "admissionId", resolved_at AS "resolvedAt"`;

/** One gate's admissions in one bucket (a second or a minute). */
export interface ThroughputRow {
  at: Date;
  gateId: string;
  n: number;
}

const FAN_COLUMNS = `a.id AS "admissionId", a.ticket_id AS "ticketId", a.holder, a.section_code AS section, t.tier, a.gate_id AS "gateId", a.steward, a.admitted_at AS "admittedAt",
  coalesce(t.purchase_group, 'ticket:' || t.id::text) AS "purchaseGroup"`;
/** An admission still counts: its ticket is valid and held by whoever it admitted (revoked or handed on since, it does not). */
const STILL_IN = `t.status = 'valid' AND t.holder = a.holder`;

/** Every query on admissions, their conflicts and the scan log. */
@Injectable()
export class AdmissionRepository {
  constructor(private readonly ds: DataSource) {}

  /** Runs `fn` in one transaction (admission rows and their domain events commit together). */
  transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /**
   * Inserts a batch of admissions in one statement, in the caller's transaction. A row lands only if
   * its ticket is still valid at that version (the database re-checks revocation and transfer) and
   * was not admitted before (the unique ticket_id: the one claim on a ticket, which dies with its
   * writer's transaction). Rows go in ticket order, so two batches sharing tickets wait on each other
   * instead of deadlocking. Returns the admitted ticket ids with their new admission ids: only the
   * rows actually inserted.
   */
  async insertBatch(tx: Queryable, batch: NewAdmission[]): Promise<Map<string, string>> {
    if (!batch.length) return new Map();
    const landed = await exec<{ id: string; ticket_id: string }>(
      tx,
      `INSERT INTO admissions (ticket_id, event_id, gate_id, section_code, holder, scanner, steward, mode, admitted_at)
       SELECT u.ticket_id, u.event_id, u.gate_id, u.section_code, u.holder, u.scanner, u.steward, u.mode, u.admitted_at
       FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
            AS u(ticket_id, version, event_id, gate_id, section_code, holder, scanner, steward, mode, admitted_at)
       JOIN tickets t ON t.id = u.ticket_id AND t.version = u.version AND t.status = 'valid'
       ORDER BY u.ticket_id
       ON CONFLICT (ticket_id) DO NOTHING
       RETURNING id, ticket_id`,
      [
        batch.map((a) => a.ticketId),
        batch.map((a) => a.version),
        batch.map((a) => a.eventId),
        batch.map((a) => a.gateId),
        batch.map((a) => a.section),
        batch.map((a) => a.holder),
        batch.map((a) => a.scanner),
        batch.map((a) => a.steward),
        batch.map((a) => a.mode),
        batch.map((a) => a.admittedAt),
      ],
    );
    return new Map(landed.map((r) => [r.ticket_id, r.id]));
  }

  /**
   * In `tx`, before the batch's insert: which of these candidates' holders are already in at one of
   * their overlapping events (ticket id → that event). Each holder's advisory lock is held until
   * `tx` ends, in a fixed order, so two instances admitting one holder at two overlapping events at
   * the same moment take turns, and the second sees the first. Within the batch, the first
   * candidate of a holder wins over a later one at an overlapping event.
   */
  async admittedElsewhere(tx: Queryable, candidates: Pick<NewAdmission, 'ticketId' | 'eventId' | 'holder' | 'overlapping'>[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!candidates.length) return out;
    const holders = [...new Set(candidates.map((c) => c.holder))];
    await exec(tx, `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext('admission-holder:' || h) AS k FROM unnest($1::text[]) AS h ORDER BY 1) x`, [holders]);
    const events = [...new Set(candidates.flatMap((c) => c.overlapping ?? []))];
    const found = await rows<{ holder: string; eventId: string }>(
      tx,
      `SELECT DISTINCT holder, event_id AS "eventId" FROM admissions WHERE event_id = ANY($1::uuid[]) AND holder = ANY($2::text[])`,
      [events, holders],
    );
    const inAt = new Map<string, Set<string>>();
    for (const f of found) (inAt.get(f.holder) ?? inAt.set(f.holder, new Set()).get(f.holder)!).add(f.eventId);
    for (const c of candidates) {
      const at = inAt.get(c.holder);
      const other = c.overlapping?.find((e) => at?.has(e));
      if (other) out.set(c.ticketId, other);
      else (at ?? inAt.set(c.holder, new Set()).get(c.holder)!).add(c.eventId); // a later candidate of this holder in this batch
    }
    return out;
  }

  async findByTicket(ticketId: string): Promise<AdmissionRow | undefined> {
    return row<AdmissionRow>(
      this.ds,
      `SELECT a.id, a.ticket_id AS "ticketId", a.gate_id AS "gateId", a.admitted_at AS "admittedAt", a.mode FROM admissions a WHERE a.ticket_id = $1`,
      [ticketId],
    );
  }

  /** The admissions of these tickets (those that have one). */
  async findByTickets(ticketIds: string[]): Promise<AdmissionRow[]> {
    if (!ticketIds.length) return [];
    return rows<AdmissionRow>(
      this.ds,
      `SELECT a.id, a.ticket_id AS "ticketId", a.gate_id AS "gateId", a.admitted_at AS "admittedAt", a.mode FROM admissions a WHERE a.ticket_id = ANY($1::uuid[])`,
      [ticketIds],
    );
  }

  async admittedTicketIds(eventId: string): Promise<string[]> {
    return (await rows<{ ticket_id: string }>(this.ds, `SELECT ticket_id FROM admissions WHERE event_id = $1`, [eventId])).map((r) => r.ticket_id);
  }

  async insertConflict(c: { ticketId: string; eventId: string; admissionId: string; gateId: string; scanner: string; scannedAt: Date }): Promise<boolean> {
    const inserted = await exec<{ id: string }>(
      this.ds,
      `INSERT INTO admission_conflicts (ticket_id, event_id, admission_id, gate_id, scanner, scanned_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING id`,
      [c.ticketId, c.eventId, c.admissionId, c.gateId, c.scanner, c.scannedAt],
    );
    return inserted.length === 1;
  }

  /** Keeps a late offline decision for review; false when this one was kept already (a retried upload). */
  async holdForReview(h: { ticketId: string; version: number; eventId: string; gateId: string; scanner: string; scannedAt: Date; reason: string }): Promise<boolean> {
    const kept = await exec<{ id: string }>(
      this.ds,
      `INSERT INTO offline_scan_reviews (ticket_id, version, event_id, gate_id, scanner, scanned_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING RETURNING id`,
      [h.ticketId, h.version, h.eventId, h.gateId, h.scanner, h.scannedAt, h.reason],
    );
    return kept.length === 1;
  }

  async heldForReview(eventId: string): Promise<HeldScanRow[]> {
    return rows<HeldScanRow>(this.ds, `SELECT ${HELD_COLUMNS} FROM offline_scan_reviews WHERE event_id = $1 ORDER BY received_at, id`, [eventId]);
  }

  async heldScan(id: string): Promise<HeldScanRow | undefined> {
    return row<HeldScanRow>(this.ds, `SELECT ${HELD_COLUMNS} FROM offline_scan_reviews WHERE id = $1`, [id]);
  }

  /** Records staff's decision on a held decision still open; undefined when someone decided it first. */
  async decideHeld(id: string, d: { decision: 'approved' | 'rejected'; by: string; note: string | null }): Promise<HeldScanRow | undefined> {
    const [decided] = await exec<HeldScanRow>(
      this.ds,
      `UPDATE offline_scan_reviews SET decision = $2, decided_by = $3, note = $4, resolved_at = now() WHERE id = $1 AND decision IS NULL RETURNING ${HELD_COLUMNS}`,
      [id, d.decision, d.by, d.note],
    );
    return decided;
  }

  /** An approval that could not admit: the decision is open again. */
  async reopenHeld(id: string): Promise<void> {
    await exec(this.ds, `UPDATE offline_scan_reviews SET decision = NULL, decided_by = NULL, note = NULL, resolved_at = NULL WHERE id = $1`, [id]);
  }

  async heldAdmitted(id: string, admissionId: string): Promise<HeldScanRow | undefined> {
    const [admitted] = await exec<HeldScanRow>(this.ds, `UPDATE offline_scan_reviews SET admission_id = $2 WHERE id = $1 RETURNING ${HELD_COLUMNS}`, [id, admissionId]);
    return admitted;
  }

  async conflicts(eventId: string): Promise<ConflictRow[]> {
    return rows<ConflictRow>(
      this.ds,
      `SELECT c.id, c.ticket_id AS "ticketId", c.gate_id AS "gateId", c.scanner, c.scanned_at AS "scannedAt", c.detected_at AS "detectedAt",
              a.gate_id AS "firstGateId", a.admitted_at AS "firstAdmittedAt", a.mode AS "firstMode"
       FROM admission_conflicts c JOIN admissions a ON a.id = c.admission_id WHERE c.event_id = $1 ORDER BY c.detected_at`,
      [eventId],
    );
  }

  async logScans(entries: ScanLogEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.ds.query(
      `INSERT INTO scan_log (event_id, gate_id, ticket_id, scanner, decision, reason, at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])`,
      [
        entries.map((e) => e.eventId),
        entries.map((e) => e.gateId),
        entries.map((e) => e.ticketId),
        entries.map((e) => e.scanner),
        entries.map((e) => e.decision),
        entries.map((e) => e.reason),
        entries.map((e) => e.at),
      ],
    );
  }

  async stats(eventId: string): Promise<{ admitted: number; bySection: Record<string, number>; byGate: Record<string, number> }> {
    const counted = await rows<{ section_code: string; gate_id: string; n: string }>(
      this.ds,
      `SELECT section_code, gate_id, count(*) AS n FROM admissions WHERE event_id = $1 GROUP BY section_code, gate_id`,
      [eventId],
    );
    const bySection: Record<string, number> = {};
    const byGate: Record<string, number> = {};
    let admitted = 0;
    for (const r of counted) {
      const n = Number(r.n);
      admitted += n;
      bySection[r.section_code] = (bySection[r.section_code] ?? 0) + n;
      byGate[r.gate_id] = (byGate[r.gate_id] ?? 0) + n;
    }
    return { admitted, bySection, byGate };
  }

  /** Admissions per gate in each second or minute since `from` (only the buckets that have one), oldest first. */
  async throughput(eventId: string, from: Date, bucket: 'second' | 'minute'): Promise<ThroughputRow[]> {
    return rows<ThroughputRow>(
      this.ds,
      `SELECT date_trunc($3, admitted_at) AS at, gate_id AS "gateId", count(*)::int AS n
       FROM admissions WHERE event_id = $1 AND admitted_at >= $2
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [eventId, from, bucket],
    );
  }

  // ---- what other contexts ask (AdmissionDirectory)

  /** The holder's first admission to this event that still counts. */
  async admitted(eventId: string, holder: string): Promise<AdmittedFan | undefined> {
    return row<AdmittedFan>(
      this.ds,
      `SELECT ${FAN_COLUMNS} FROM admissions a JOIN tickets t ON t.id = a.ticket_id WHERE a.event_id = $1 AND a.holder = $2 AND ${STILL_IN} ORDER BY a.admitted_at LIMIT 1`,
      [eventId, holder],
    );
  }

  /** One row per admitted holder (their first admission that still counts), optionally only some sections or tiers, or those in before `before`. */
  async fans(eventId: string, filter: { sections?: string[]; tiers?: string[]; before?: Date }): Promise<AdmittedFan[]> {
    return rows<AdmittedFan>(
      this.ds,
      `SELECT DISTINCT ON (a.holder) ${FAN_COLUMNS} FROM admissions a JOIN tickets t ON t.id = a.ticket_id
       WHERE a.event_id = $1 AND ${STILL_IN} AND ($2::text[] IS NULL OR a.section_code = ANY($2)) AND ($3::text[] IS NULL OR t.tier = ANY($3))
         AND ($4::timestamptz IS NULL OR a.admitted_at <= $4)
       ORDER BY a.holder, a.admitted_at`,
      [eventId, filter.sections ?? null, filter.tiers ?? null, filter.before ?? null],
    );
  }

  async countBySection(eventId: string, at?: Date): Promise<{ section: string; n: number }[]> {
    return rows<{ section: string; n: number }>(
      this.ds,
      `SELECT a.section_code AS section, count(*)::int AS n FROM admissions a JOIN tickets t ON t.id = a.ticket_id
       WHERE a.event_id = $1 AND ${STILL_IN} AND ($2::timestamptz IS NULL OR a.admitted_at <= $2) GROUP BY a.section_code`,
      [eventId, at ?? null],
    );
  }
}
