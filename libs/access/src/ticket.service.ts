import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { VenueDirectory } from '@fanmesh/directory';
import type { EventView, MyTicketView, TicketView } from '@fanmesh/protocol';
import { AccessCache } from './access-cache';
import { requireEvent } from './venue-events';
import { AccessError } from './access.error';
import { buyerGroup } from './purchase-groups';
import { TicketSigner } from './ticket-signer';
import { TicketRepository, TicketRow } from './ticket.repository';

export type { TicketView } from '@fanmesh/protocol';

export const MAX_TICKETS_PER_REQUEST = 10_000;
/** `purchaseGroup`: who bought it with whom (default: the holder's own group at the event, see purchase-groups.ts). */
export type NewTicket = { holder: string; section: string; seat: string; tier: string; purchaseGroup?: string };
/** GET /tickets/mine answers at most this many tickets (the earliest matches first). */
const MINE_LIMIT = 200;

@Injectable()
export class TicketService {
  private readonly logger = new Logger(TicketService.name);

  constructor(
    private readonly repo: TicketRepository,
    private readonly signer: TicketSigner,
    private readonly cache: AccessCache,
    private readonly venues: VenueDirectory,
  ) {}

  get issuer(): string {
    return this.signer.issuer;
  }

  /** Issues signed tickets in one transaction: all of them, or none with the reason. */
  async issue(eventId: string, items: NewTicket[], by: Principal): Promise<TicketView[]> {
    if (items.length > MAX_TICKETS_PER_REQUEST) throw new AccessError('too_many_tickets', `Send at most ${MAX_TICKETS_PER_REQUEST} tickets per request.`);
    const event = await this.event(eventId);
    requireVenueRole(by, ['staff'], event.venueId);
    const sections = new Set((await this.venues.getVenue(event.venueId)).sections.map((s) => s.code));
    const unknown = [...new Set(items.map((i) => i.section).filter((s) => !sections.has(s)))];
    if (unknown.length) throw new AccessError('unknown_section', `This venue has no section ${unknown.slice(0, 5).join(', ')}.`, { unknown });
    const seen = new Set<string>();
    for (const i of items) {
      const key = `${i.section}/${i.seat}`;
      if (seen.has(key)) throw new AccessError('seat_taken', `Seat ${key} appears twice in the request.`, { seat: key });
      seen.add(key);
    }
    // One buyer's tickets are one purchase group, in this request and any earlier one (a group a claim joined included).
    const groups = await this.repo.buyerGroups(eventId, [...new Set(items.map((i) => i.holder.toLowerCase()))]);
    const tickets = this.signed(
      eventId,
      items.map((i) => ({ ...i, purchaseGroup: groups.get(i.holder.toLowerCase()) })),
    );
    try {
      await this.repo.insertMany(tickets);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new AccessError('seat_taken', 'One of these seats already has a valid ticket for this event.');
      throw err;
    }
    this.logger.log({ eventId, count: tickets.length, by: by.subject }, 'tickets issued');
    return tickets.map((r) => this.view(r));
  }

  /**
   * New tickets at version 1, signed by the issuer, not yet stored: `issue` stores them after its
   * checks; a ticket-list import stores them in its own transaction with the orders they are for.
   */
  signed(eventId: string, items: NewTicket[]): TicketRow[] {
    return items.map((i) => {
      const claims = { ticketId: randomUUID(), eventId, holder: i.holder.toLowerCase(), section: i.section, seat: i.seat, tier: i.tier, version: 1 };
      const purchasedBy = /^0x0{40}$/.test(claims.holder) ? null : claims.holder; // an import's unbound ticket is bought once claimed
      const purchaseGroup = i.purchaseGroup ?? buyerGroup(eventId, claims.holder);
      return { id: claims.ticketId, ...claims, issuerSignature: this.signer.sign(claims), status: 'valid' as const, purchaseGroup, purchasedBy };
    });
  }

  /** The holder's tickets with their matches, the earliest match first. */
  async mine(holder: string): Promise<MyTicketView[]> {
    const tickets = await this.repo.forHolder(holder);
    const events = new Map<string, EventView | undefined>();
    for (const eventId of new Set(tickets.map((t) => t.eventId))) events.set(eventId, await this.venues.getEvent(eventId).catch(() => undefined));
    return tickets
      .flatMap((t) => {
        const e = events.get(t.eventId);
        return e ? [{ t, e }] : [];
      })
      .sort((a, b) => Date.parse(a.e.startsAt) - Date.parse(b.e.startsAt))
      .slice(0, MINE_LIMIT)
      .map(({ t, e }) => ({
        ...this.view(t),
        event: { id: t.eventId, name: e.name, startsAt: e.startsAt, venueName: e.venueName, status: e.status },
        admittedAt: t.admittedAt ? new Date(t.admittedAt).toISOString() : null,
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
    const event = await this.event(t.eventId);
    requireVenueRole(by, ['staff'], event.venueId);
    if (!(await this.repo.revoke(ticketId))) throw new AccessError('ticket_revoked', 'This ticket was already revoked.');
    await this.cache.ticketChanged(ticketId);
    this.logger.log({ ticketId, by: by.subject }, 'ticket revoked');
  }

  private event(eventId: string): Promise<EventView> {
    return requireEvent(this.venues, eventId);
  }

  private view(r: TicketRow): TicketView {
    return {
      id: r.id,
      eventId: r.eventId,
      holder: r.holder,
      section: r.section,
      seat: r.seat,
      tier: r.tier,
      version: r.version,
      status: r.status,
      issuerSignature: r.issuerSignature,
      issuer: this.signer.issuer,
    };
  }
}
