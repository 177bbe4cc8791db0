import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, rows } from '@fanmesh/db';

/** An order already imported for an event, with the seat its ticket is for. */
export interface ImportedOrder {
  orderRef: string;
  section: string;
  seat: string;
  tier: string;
}

export interface NewImport {
  id: string;
  eventId: string;
  sha256: string;
  rows: number;
  imported: number;
  unchanged: number;
  errors: number;
  by: string;
}

/** An imported ticket with its claim link (the latest made at import), as listed and exported for the venue. */
export interface ImportedTicketRow {
  ticketId: string;
  orderRef: string;
  section: string;
  seat: string;
  tier: string;
  holder: string;
  ticketVersion: number;
  ticketStatus: 'valid' | 'revoked';
  linkId: string | null;
  linkVersion: number | null;
  expiresAt: Date | null;
  claimedAt: Date | null;
  revokedAt: Date | null;
  /** By the database's clock, so every instance agrees. */
  expired: boolean;
}

/** Ticket lists: the orders imported per event (and who to mail their links to). */
@Injectable()
export class TicketImportRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** Imports of one event run one after another (until the transaction ends), so two cannot both take a seat or an order ref. */
  async lockEvent(tx: Queryable, eventId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ticket-import:' || $1))`, [eventId]);
  }

  existingOrders(eventId: string, db: Queryable = this.ds): Promise<ImportedOrder[]> {
    return rows<ImportedOrder>(
      db,
      `SELECT o.order_ref AS "orderRef", t.section_code AS "section", t.seat, t.tier
       FROM ticket_orders o JOIN tickets t ON t.id = o.ticket_id WHERE o.event_id = $1`,
      [eventId],
    );
  }

  /** Seats of the event that already have a valid ticket, however it was issued. */
  takenSeats(eventId: string, db: Queryable = this.ds): Promise<{ section: string; seat: string }[]> {
    return rows<{ section: string; seat: string }>(db, `SELECT section_code AS "section", seat FROM tickets WHERE event_id = $1 AND status = 'valid'`, [eventId]);
  }

  async insertImport(tx: Queryable, i: NewImport): Promise<void> {
    await exec(tx, `INSERT INTO ticket_imports (id, event_id, file_sha256, rows, imported, unchanged, errors, imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      i.id,
      i.eventId,
      i.sha256,
      i.rows,
      i.imported,
      i.unchanged,
      i.errors,
      i.by,
    ]);
  }

  async insertOrders(tx: Queryable, importId: string, eventId: string, orders: { orderRef: string; ticketId: string; contact: string }[]): Promise<void> {
    await exec(
      tx,
      `INSERT INTO ticket_orders (event_id, order_ref, ticket_id, contact, import_id)
       SELECT $1, o, t, c, $2 FROM unnest($3::text[], $4::uuid[], $5::text[]) AS x(o, t, c)`,
      [eventId, importId, orders.map((o) => o.orderRef), orders.map((o) => o.ticketId), orders.map((o) => o.contact)],
    );
  }

  /** The event's imported tickets in order-ref order, each with its latest claim link. */
  imported(eventId: string): Promise<ImportedTicketRow[]> {
    return rows<ImportedTicketRow>(this.ds, `${IMPORTED} ORDER BY o.order_ref LIMIT 10000`, [eventId]);
  }

  /** The same rows with the buyer's contact, for the venue's own export only. */
  importedWithContacts(eventId: string): Promise<(ImportedTicketRow & { contact: string })[]> {
    return rows<ImportedTicketRow & { contact: string }>(this.ds, `${IMPORTED.replace('SELECT ', 'SELECT o.contact, ')} ORDER BY o.order_ref LIMIT 10000`, [eventId]);
  }
}

const IMPORTED = `SELECT o.ticket_id AS "ticketId", o.order_ref AS "orderRef", t.section_code AS "section", t.seat, t.tier, t.holder,
    t.version AS "ticketVersion", t.status AS "ticketStatus", l.id AS "linkId", l.ticket_version AS "linkVersion", l.expires_at AS "expiresAt",
    l.claimed_at AS "claimedAt", l.revoked_at AS "revokedAt", COALESCE(l.expires_at <= now(), false) AS expired
  FROM ticket_orders o
  JOIN tickets t ON t.id = o.ticket_id
  LEFT JOIN LATERAL (
    SELECT * FROM claim_links c WHERE c.ticket_id = o.ticket_id AND c.kind = 'claim' ORDER BY c.created_at DESC LIMIT 1
  ) l ON true
  WHERE o.event_id = $1`;
