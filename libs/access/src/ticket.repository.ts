import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface TicketRow {
  id: string;
  eventId: string;
  holder: string;
  section: string;
  seat: string;
  tier: string;
  version: number;
  issuerSignature: string;
  status: 'valid' | 'revoked';
}

const COLUMNS = `id, event_id AS "eventId", holder, section_code AS "section", seat, tier, version, issuer_signature AS "issuerSignature", status`;

@Injectable()
export class TicketRepository {
  constructor(private readonly ds: DataSource) {}

  /** One statement for the whole batch: arrays in, rows out. */
  async insertMany(rows: TicketRow[]): Promise<void> {
    await this.ds.query(
      `INSERT INTO tickets (id, event_id, holder, section_code, seat, tier, version, issuer_signature)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[])`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.eventId),
        rows.map((r) => r.holder),
        rows.map((r) => r.section),
        rows.map((r) => r.seat),
        rows.map((r) => r.tier),
        rows.map((r) => r.version),
        rows.map((r) => r.issuerSignature),
      ],
    );
  }

  async find(id: string): Promise<TicketRow | undefined> {
    const [row] = await this.ds.query(`SELECT ${COLUMNS} FROM tickets WHERE id = $1`, [id]);
    return row;
  }

  async forEvent(eventId: string): Promise<TicketRow[]> {
    return this.ds.query(`SELECT ${COLUMNS} FROM tickets WHERE event_id = $1`, [eventId]);
  }

  async forHolder(holder: string): Promise<(TicketRow & { eventName: string; startsAt: Date; venueName: string; eventStatus: string; admittedAt: Date | null })[]> {
    return this.ds.query(
      `SELECT t.id, t.event_id AS "eventId", t.holder, t.section_code AS "section", t.seat, t.tier, t.version,
              t.issuer_signature AS "issuerSignature", t.status, e.name AS "eventName", e.starts_at AS "startsAt",
              e.status AS "eventStatus", v.name AS "venueName", a.admitted_at AS "admittedAt"
       FROM tickets t JOIN events e ON e.id = t.event_id JOIN venues v ON v.id = e.venue_id
       LEFT JOIN admissions a ON a.ticket_id = t.id
       WHERE t.holder = $1 ORDER BY e.starts_at LIMIT 200`,
      [holder],
    );
  }

  /** Compare-and-set on the version, so two transfers of one ticket cannot both win. */
  async reissue(id: string, fromVersion: number, holder: string, signature: string): Promise<boolean> {
    const [rows] = await this.ds.query(
      `UPDATE tickets SET holder = $3, version = version + 1, issuer_signature = $4, updated_at = now()
       WHERE id = $1 AND version = $2 AND status = 'valid' RETURNING id`,
      [id, fromVersion, holder, signature],
    );
    return rows.length === 1;
  }

  async revoke(id: string): Promise<boolean> {
    const [rows] = await this.ds.query(`UPDATE tickets SET status = 'revoked', updated_at = now() WHERE id = $1 AND status = 'valid' RETURNING id`, [id]);
    return rows.length === 1;
  }
}
