import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';

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

/** Every query on tickets. */
@Injectable()
export class TicketRepository {
  constructor(private readonly ds: DataSource) {}

  /** One statement for the whole batch: arrays in, rows out (in the caller's transaction when given one). */
  async insertMany(tickets: TicketRow[], db: Queryable = this.ds): Promise<void> {
    await db.query(
      `INSERT INTO tickets (id, event_id, holder, section_code, seat, tier, version, issuer_signature)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[])`,
      [
        tickets.map((r) => r.id),
        tickets.map((r) => r.eventId),
        tickets.map((r) => r.holder),
        tickets.map((r) => r.section),
        tickets.map((r) => r.seat),
        tickets.map((r) => r.tier),
        tickets.map((r) => r.version),
        tickets.map((r) => r.issuerSignature),
      ],
    );
  }

  async find(id: string): Promise<TicketRow | undefined> {
    return row<TicketRow>(this.ds, `SELECT ${COLUMNS} FROM tickets WHERE id = $1`, [id]);
  }

  async forEvent(eventId: string): Promise<TicketRow[]> {
    return rows<TicketRow>(this.ds, `SELECT ${COLUMNS} FROM tickets WHERE event_id = $1`, [eventId]);
  }

  /** The holder's tickets with when each was admitted (the events they are for are the venues context's). */
  async forHolder(holder: string): Promise<(TicketRow & { admittedAt: Date | null })[]> {
    return rows<TicketRow & { admittedAt: Date | null }>(
      this.ds,
      `SELECT t.id, t.event_id AS "eventId", t.holder, t.section_code AS "section", t.seat, t.tier, t.version,
              t.issuer_signature AS "issuerSignature", t.status, a.admitted_at AS "admittedAt"
       FROM tickets t LEFT JOIN admissions a ON a.ticket_id = t.id
       WHERE t.holder = $1 ORDER BY t.created_at, t.id LIMIT 2000`,
      [holder],
    );
  }

  /** Compare-and-set on the version, so two transfers of one ticket cannot both win. */
  async reissue(id: string, fromVersion: number, holder: string, signature: string, db: Queryable = this.ds): Promise<boolean> {
    const moved = await exec<{ id: string }>(
      db,
      `UPDATE tickets SET holder = $3, version = version + 1, issuer_signature = $4, updated_at = now()
       WHERE id = $1 AND version = $2 AND status = 'valid' RETURNING id`,
      [id, fromVersion, holder, signature],
    );
    return moved.length === 1;
  }

  async revoke(id: string): Promise<boolean> {
    const revoked = await exec<{ id: string }>(this.ds, `UPDATE tickets SET status = 'revoked', updated_at = now() WHERE id = $1 AND status = 'valid' RETURNING id`, [id]);
    return revoked.length === 1;
  }
}
