import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One admitted ticket, as other contexts see it (coverage, rewards, drops, moments). */
export interface AdmittedFan {
  admissionId: string;
  ticketId: string;
  holder: string;
  section: string;
  tier: string;
  gateId: string;
  steward: string | null;
  admittedAt: Date;
}

const COLUMNS = `a.id AS "admissionId", a.ticket_id AS "ticketId", a.holder, a.section_code AS section, t.tier, a.gate_id AS "gateId", a.steward, a.admitted_at AS "admittedAt"`;

/**
 * Read access to who is in: the one way other contexts ask about admissions, so none of them reads
 * the access tables itself. Admissions are the durable truth; `GateScanService.onAdmission` is the
 * live signal, and these reads let a listener that missed one (a crash, another instance) catch up.
 */
@Injectable()
export class AdmissionDirectory {
  constructor(private readonly ds: DataSource) {}

  /** The holder's admission to this event, if they are in (a holder may have several tickets: the first). */
  async admitted(eventId: string, holder: string): Promise<AdmittedFan | undefined> {
    const [row] = await this.ds.query(
      `SELECT ${COLUMNS} FROM admissions a JOIN tickets t ON t.id = a.ticket_id WHERE a.event_id = $1 AND a.holder = $2 ORDER BY a.admitted_at LIMIT 1`,
      [eventId, holder.toLowerCase()],
    );
    return row;
  }

  /** Admitted holders of an event, optionally only some sections or tiers, or only those in before `before`. One row per holder. */
  async fans(eventId: string, filter: { sections?: string[]; tiers?: string[]; before?: Date } = {}): Promise<AdmittedFan[]> {
    return this.ds.query(
      `SELECT DISTINCT ON (a.holder) ${COLUMNS} FROM admissions a JOIN tickets t ON t.id = a.ticket_id
       WHERE a.event_id = $1 AND ($2::text[] IS NULL OR a.section_code = ANY($2)) AND ($3::text[] IS NULL OR t.tier = ANY($3))
         AND ($4::timestamptz IS NULL OR a.admitted_at <= $4)
       ORDER BY a.holder, a.admitted_at`,
      [eventId, filter.sections ?? null, filter.tiers ?? null, filter.before ?? null],
    );
  }

  /** Admissions of an event in the order they were recorded, after a cursor (an admission id), for catch-up sweeps. */
  async page(eventId: string, after: { recordedAt: Date; admissionId: string } | undefined, limit = 5000): Promise<(AdmittedFan & { recordedAt: Date })[]> {
    return this.ds.query(
      `SELECT ${COLUMNS}, a.recorded_at AS "recordedAt" FROM admissions a JOIN tickets t ON t.id = a.ticket_id
       WHERE a.event_id = $1 AND ($2::timestamptz IS NULL OR (a.recorded_at, a.id) > ($2, $3::uuid))
       ORDER BY a.recorded_at, a.id LIMIT $4`,
      [eventId, after?.recordedAt ?? null, after?.admissionId ?? null, limit],
    );
  }

  /** How many are in, per section, at a moment in time (default: now). */
  async countBySection(eventId: string, at?: Date): Promise<Record<string, number>> {
    const rows: { section: string; n: number }[] = await this.ds.query(
      `SELECT section_code AS section, count(*)::int AS n FROM admissions WHERE event_id = $1 AND ($2::timestamptz IS NULL OR admitted_at <= $2) GROUP BY section_code`,
      [eventId, at ?? null],
    );
    return Object.fromEntries(rows.map((r) => [r.section, r.n]));
  }
}
