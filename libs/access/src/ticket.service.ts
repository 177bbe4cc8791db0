import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { AccessCache } from './access-cache';
import { AccessError } from './access.error';
import { TicketSigner } from './ticket-signer';
import { TicketRepository, TicketRow } from './ticket.repository';

export interface TicketView {
  id: string;
  eventId: string;
  holder: string;
  section: string;
  seat: string;
  tier: string;
  version: number;
  status: 'valid' | 'revoked';
  issuerSignature: string;
  issuer: string;
}

export const MAX_TICKETS_PER_REQUEST = 10_000;

@Injectable()
export class TicketService {
  private readonly logger = new Logger(TicketService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly repo: TicketRepository,
    private readonly signer: TicketSigner,
    private readonly cache: AccessCache,
  ) {}

  get issuer(): string {
    return this.signer.issuer;
  }

  /** Issues signed tickets in one transaction: all of them, or none with the reason. */
  async issue(eventId: string, items: { holder: string; section: string; seat: string; tier: string }[], by: Principal): Promise<TicketView[]> {
    if (items.length > MAX_TICKETS_PER_REQUEST) throw new AccessError('too_many_tickets', `Send at most ${MAX_TICKETS_PER_REQUEST} tickets per request.`);
    const [event] = await this.ds.query(`SELECT e.venue_id AS "venueId" FROM events e WHERE e.id = $1`, [eventId]);
    if (!event) throw new AccessError('ticket_not_found', `No event ${eventId}.`);
    requireVenueRole(by, ['staff'], event.venueId);
    const sections = new Set<string>((await this.ds.query(`SELECT code FROM sections WHERE venue_id = $1`, [event.venueId])).map((r: { code: string }) => r.code));
    const unknown = [...new Set(items.map((i) => i.section).filter((s) => !sections.has(s)))];
    if (unknown.length) throw new AccessError('unknown_section', `This venue has no section ${unknown.slice(0, 5).join(', ')}.`, { unknown });
    const seen = new Set<string>();
    for (const i of items) {
      const key = `${i.section}/${i.seat}`;
      if (seen.has(key)) throw new AccessError('seat_taken', `Seat ${key} appears twice in the request.`, { seat: key });
      seen.add(key);
    }
    const rows: TicketRow[] = items.map((i) => {
      const claims = { ticketId: randomUUID(), eventId, holder: i.holder.toLowerCase(), section: i.section, seat: i.seat, tier: i.tier, version: 1 };
      return { id: claims.ticketId, ...claims, issuerSignature: this.signer.sign(claims), status: 'valid' as const };
    });
    try {
      await this.repo.insertMany(rows);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new AccessError('seat_taken', 'One of these seats already has a valid ticket for this event.');
      throw err;
    }
    this.logger.log({ eventId, count: rows.length, by: by.subject }, 'tickets issued');
    return rows.map((r) => this.view(r));
  }

  async mine(holder: string) {
    return (await this.repo.forHolder(holder)).map((r) => ({
      ...this.view(r),
      event: { id: r.eventId, name: r.eventName, startsAt: new Date(r.startsAt).toISOString(), venueName: r.venueName, status: r.eventStatus },
      admittedAt: r.admittedAt ? new Date(r.admittedAt).toISOString() : null,
    }));
  }

  /** The holder hands the ticket to another address: re-signed at the next version, the old codes void. */
  async transfer(ticketId: string, to: string, by: Principal): Promise<TicketView> {
    const t = await this.repo.find(ticketId);
    if (!t) throw new AccessError('ticket_not_found', `No ticket ${ticketId}.`);
    if (t.holder !== by.subject) throw new AccessError('not_ticket_holder', 'Only the ticket holder can transfer it.');
    if (t.status !== 'valid') throw new AccessError('ticket_revoked', 'This ticket was revoked.');
    const holder = to.toLowerCase();
    const next = { ticketId: t.id, eventId: t.eventId, holder, section: t.section, seat: t.seat, tier: t.tier, version: t.version + 1 };
    const signature = this.signer.sign(next);
    if (!(await this.repo.reissue(t.id, t.version, holder, signature))) {
      throw new AccessError('ticket_revoked', 'The ticket changed meanwhile (transferred, revoked or used); reload it.');
    }
    await this.cache.ticketChanged(t.id);
    return this.view({ ...t, holder, version: next.version, issuerSignature: signature });
  }

  async revoke(ticketId: string, by: Principal): Promise<void> {
    const t = await this.repo.find(ticketId);
    if (!t) throw new AccessError('ticket_not_found', `No ticket ${ticketId}.`);
    const [event] = await this.ds.query(`SELECT venue_id AS "venueId" FROM events WHERE id = $1`, [t.eventId]);
    requireVenueRole(by, ['staff'], event.venueId);
    if (!(await this.repo.revoke(ticketId))) throw new AccessError('ticket_revoked', 'This ticket was already revoked.');
    await this.cache.ticketChanged(ticketId);
    this.logger.log({ ticketId, by: by.subject }, 'ticket revoked');
  }

  private view(r: TicketRow): TicketView {
    return { id: r.id, eventId: r.eventId, holder: r.holder, section: r.section, seat: r.seat, tier: r.tier, version: r.version, status: r.status, issuerSignature: r.issuerSignature, issuer: this.signer.issuer };
  }
}
