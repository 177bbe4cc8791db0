import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface NewAdmission {
  ticketId: string;
  version: number;
  eventId: string;
  gateId: string;
  section: string;
  holder: string;
  scanner: string;
  steward: string | null;
  mode: 'online' | 'offline';
  admittedAt: Date;
}

export interface AdmissionRow {
  id: string;
  ticketId: string;
  gateId: string;
  gateCode: string;
  admittedAt: Date;
  mode: string;
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

@Injectable()
export class AdmissionRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Inserts a batch of admissions in one statement. A row lands only if its ticket is still valid at
   * that version (the database re-checks revocation and transfer) and was not admitted before (the
   * unique ticket_id). Returns the admitted ticket ids with their new admission ids.
   */
  async insertBatch(batch: NewAdmission[]): Promise<Map<string, string>> {
    if (!batch.length) return new Map();
    const rows: { id: string; ticket_id: string }[] = await this.ds.query(
      `INSERT INTO admissions (ticket_id, event_id, gate_id, section_code, holder, scanner, steward, mode, admitted_at)
       SELECT u.ticket_id, u.event_id, u.gate_id, u.section_code, u.holder, u.scanner, u.steward, u.mode, u.admitted_at
       FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
            AS u(ticket_id, version, event_id, gate_id, section_code, holder, scanner, steward, mode, admitted_at)
       JOIN tickets t ON t.id = u.ticket_id AND t.version = u.version AND t.status = 'valid'
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
    return new Map(rows.map((r) => [r.ticket_id, r.id]));
  }

  async findByTicket(ticketId: string): Promise<AdmissionRow | undefined> {
    const [row] = await this.ds.query(
      `SELECT a.id, a.ticket_id AS "ticketId", a.gate_id AS "gateId", g.code AS "gateCode", a.admitted_at AS "admittedAt", a.mode
       FROM admissions a JOIN gates g ON g.id = a.gate_id WHERE a.ticket_id = $1`,
      [ticketId],
    );
    return row;
  }

  async admittedTicketIds(eventId: string): Promise<string[]> {
    return (await this.ds.query(`SELECT ticket_id FROM admissions WHERE event_id = $1`, [eventId])).map((r: { ticket_id: string }) => r.ticket_id);
  }

  async insertConflict(c: { ticketId: string; eventId: string; admissionId: string; gateId: string; scanner: string; scannedAt: Date }): Promise<boolean> {
    const rows = await this.ds.query(
      `INSERT INTO admission_conflicts (ticket_id, event_id, admission_id, gate_id, scanner, scanned_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING id`,
      [c.ticketId, c.eventId, c.admissionId, c.gateId, c.scanner, c.scannedAt],
    );
    return rows.length === 1;
  }

  async conflicts(eventId: string) {
    return this.ds.query(
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
    const rows: { section_code: string; gate_id: string; n: string }[] = await this.ds.query(
      `SELECT section_code, gate_id, count(*) AS n FROM admissions WHERE event_id = $1 GROUP BY section_code, gate_id`,
      [eventId],
    );
    const bySection: Record<string, number> = {};
    const byGate: Record<string, number> = {};
    let admitted = 0;
    for (const r of rows) {
      const n = Number(r.n);
      admitted += n;
      bySection[r.section_code] = (bySection[r.section_code] ?? 0) + n;
      byGate[r.gate_id] = (byGate[r.gate_id] ?? 0) + n;
    }
    return { admitted, bySection, byGate };
  }
}
