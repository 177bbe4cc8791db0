import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Bus, BUS } from '@fanmesh/realtime';
import { EVENT_STATUS_TOPIC, EventStatusChanged } from '@fanmesh/venues';
import { TicketRepository, TicketRow } from './ticket.repository';

export interface GateInfo {
  id: string;
  code: string;
  venueId: string;
  sections: Set<string>;
}

interface Timed<T> {
  value: T;
  at: number;
}

const TICKET_CHANGED = 'access:ticket-changed';

/**
 * What a scan reads, kept in memory: gates, event states (1 s) and tickets (warmed per event, then
 * kept until a transfer or revocation anywhere invalidates them over the bus). The admission insert
 * re-checks the ticket in the database, so a stale cache can delay a refusal but never admit twice.
 */
@Injectable()
export class AccessCache implements OnModuleInit {
  private readonly gates = new Map<string, Timed<GateInfo | null>>();
  private readonly events = new Map<string, Timed<{ venueId: string; status: string } | null>>();
  private readonly tickets = new Map<string, TicketRow>();
  private readonly warmed = new Map<string, Promise<void>>();

  constructor(
    private readonly ds: DataSource,
    private readonly repo: TicketRepository,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(TICKET_CHANGED, (m) => {
      const { ticketId } = m as { ticketId: string };
      this.tickets.delete(ticketId);
    });
    await this.bus.subscribe(EVENT_STATUS_TOPIC, (m) => {
      const { eventId, venueId, to } = m as EventStatusChanged;
      this.events.set(eventId, { value: { venueId, status: to }, at: Date.now() });
    });
  }

  /** Tells every instance that a ticket changed (transfer, revoke). */
  async ticketChanged(ticketId: string): Promise<void> {
    this.tickets.delete(ticketId);
    await this.bus.publish(TICKET_CHANGED, { ticketId });
  }

  async gate(id: string): Promise<GateInfo | null> {
    const hit = this.gates.get(id);
    if (hit && Date.now() - hit.at < 10_000) return hit.value;
    const [row] = await this.ds.query(`SELECT id, code, venue_id AS "venueId", section_codes AS "sections" FROM gates WHERE id = $1`, [id]);
    const value = row ? { ...row, sections: new Set<string>(row.sections) } : null;
    this.gates.set(id, { value, at: Date.now() });
    return value;
  }

  async event(id: string): Promise<{ venueId: string; status: string } | null> {
    const hit = this.events.get(id);
    if (hit && Date.now() - hit.at < 1000) return hit.value;
    const [row] = await this.ds.query(`SELECT venue_id AS "venueId", status FROM events WHERE id = $1`, [id]);
    this.events.set(id, { value: row ?? null, at: Date.now() });
    return row ?? null;
  }

  async ticket(id: string): Promise<TicketRow | undefined> {
    const hit = this.tickets.get(id);
    if (hit) return hit;
    const row = await this.repo.find(id);
    if (row) {
      this.tickets.set(id, row);
      void this.warm(row.eventId); // the rest of this event's crowd is about to arrive
    }
    return row;
  }

  /** Loads all of an event's tickets once, so the next 60,000 scans never wait on a lookup. */
  warm(eventId: string): Promise<void> {
    let w = this.warmed.get(eventId);
    if (!w) {
      w = this.repo.forEvent(eventId).then(
        (rows) => rows.forEach((r) => this.tickets.has(r.id) || this.tickets.set(r.id, r)),
        () => void this.warmed.delete(eventId),
      );
      this.warmed.set(eventId, w);
    }
    return w;
  }
}
