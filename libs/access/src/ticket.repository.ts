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
  /** Who bought it with whom (purchase-groups.ts); kept through transfers. */
  purchaseGroup: string;
  /** Whoever it was issued to, or who claimed it from an import (null while unclaimed). */
  purchasedBy: string | null;
}

const COLUMNS = `id, event_id AS "eventId", holder, section_code AS "section", seat, tier, version, issuer_signature AS "issuerSignature", status,
  purchase_group AS "purchaseGroup", purchased_by AS "purchasedBy"`;

/** Every query on tickets. */
@Injectable()
export class TicketRepository {
  constructor(private readonly ds: DataSource) {}

  /** One statement for the whole batch: arrays in, rows out (in the caller's transaction when given one). */
  async insertMany(tickets: TicketRow[], db: Queryable = this.ds): Promise<void> {
    await db.query(
      `INSERT INTO tickets (id, event_id, holder, section_code, seat, tier, version, issuer_signature, purchase_group, purchased_by)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[])`,
      [
        tickets.map((r) => r.id),
        tickets.map((r) => r.eventId),
        tickets.map((r) => r.holder),
        tickets.map((r) => r.section),
        tickets.map((r) => r.seat),
        tickets.map((r) => r.tier),
        tickets.map((r) => r.version),
        tickets.map((r) => r.issuerSignature),
        tickets.map((r) => r.purchaseGroup),
        tickets.map((r) => r.purchasedBy),
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
              t.issuer_signature AS "issuerSignature", t.status, t.purchase_group AS "purchaseGroup", t.purchased_by AS "purchasedBy", a.admitted_at AS "admittedAt"
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

  /** The group each of these buyers' tickets at the event are in already (a buyer whose groups were joined has one). */
  async buyerGroups(eventId: string, buyers: string[]): Promise<Map<string, string>> {
    if (!buyers.length) return new Map();
    const found = await rows<{ buyer: string; purchaseGroup: string }>(
      this.ds,
      `SELECT DISTINCT ON (purchased_by) purchased_by AS buyer, purchase_group AS "purchaseGroup" FROM tickets
       WHERE event_id = $1 AND purchased_by = ANY($2::text[]) AND purchase_group IS NOT NULL ORDER BY purchased_by, created_at, id`,
      [eventId, buyers],
    );
    return new Map(found.map((r) => [r.buyer, r.purchaseGroup]));
  }

  /**
   * In the claim's transaction: `fan` claimed this ticket from a link, so they bought it. Every group
   * the fan bought or claimed tickets of at this event joins the ticket's group (one key claiming
   * many buyers' tickets is one purchase), and the ticket records the fan as its buyer.
   */
  async claimed(tx: Queryable, ticketId: string, eventId: string, fan: string): Promise<void> {
    await exec(
      tx,
      `UPDATE tickets SET purchase_group = (SELECT purchase_group FROM tickets WHERE id = $1)
       WHERE event_id = $2 AND purchase_group IN (SELECT purchase_group FROM tickets WHERE event_id = $2 AND purchased_by = $3 AND id <> $1)`,
      [ticketId, eventId, fan],
    );
    await exec(tx, `UPDATE tickets SET purchased_by = $2 WHERE id = $1 AND purchased_by IS NULL`, [ticketId, fan]);
  }

  /** The purchase groups of the event's tickets these addresses bought, claimed or hold. */
  purchaseGroups(eventId: string, addresses: string[]): Promise<{ address: string; purchaseGroup: string }[]> {
    if (!addresses.length) return Promise.resolve([]);
    return rows<{ address: string; purchaseGroup: string }>(
      this.ds,
      `SELECT DISTINCT x.address, t.purchase_group AS "purchaseGroup"
       FROM tickets t CROSS JOIN LATERAL (VALUES (t.holder), (t.purchased_by)) AS x(address)
       WHERE t.event_id = $1 AND t.purchase_group IS NOT NULL AND (t.holder = ANY($2::text[]) OR t.purchased_by = ANY($2::text[])) AND x.address = ANY($2::text[])`,
      [eventId, addresses],
    );
  }

  async revoke(id: string): Promise<boolean> {
    const revoked = await exec<{ id: string }>(this.ds, `UPDATE tickets SET status = 'revoked', updated_at = now() WHERE id = $1 AND status = 'valid' RETURNING id`, [id]);
    return revoked.length === 1;
  }
}
