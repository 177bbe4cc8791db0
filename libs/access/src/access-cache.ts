import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { VenueDirectory } from '@fanmesh/directory';
import { Bus, BUS, BUS_TOPICS, EventStatusBroadcast } from '@fanmesh/realtime';
import { TicketRepository, TicketRow } from './ticket.repository';
import { isEventNotFound } from './venue-events';
import './venue-directory.gate';

export interface GateInfo {
  id: string;
  code: string;
  venueId: string;
  sections: Set<string>;
}

export interface CachedEvent {
  venueId: string;
  status: string;
}

interface Timed<T> {
  value: T;
  at: number;
}

const TICKET_CHANGED = 'access:ticket-changed';
const GATE_TTL_MS = 10_000;
const EVENT_TTL_MS = 1000;
/** Overlapping events change only when an event is created, cancelled or ended; each status change clears them at once. */
const OVERLAP_TTL_MS = 30_000;

/**
 * What a scan reads, kept in memory: gates (10 s), event states (1 s, and updated at once by the
 * venues context's broadcast on every status change), the events overlapping each event (30 s, and
 * cleared by every status change) and tickets (warmed per event, then kept until
 * a transfer or revocation anywhere invalidates them over the bus). Gates and events come from the
 * VenueDirectory; the admission insert re-checks the ticket in the database, so a stale cache can
 * delay a refusal but never admit twice.
 */
@Injectable()
export class AccessCache implements OnModuleInit {
  private readonly logger = new Logger(AccessCache.name);
  private readonly gates = new Map<string, Timed<GateInfo | null>>();
  private readonly events = new Map<string, Timed<CachedEvent | null>>();
  private readonly overlapping = new Map<string, Timed<Promise<string[]>>>();
  private readonly tickets = new Map<string, TicketRow>();
  private readonly warmed = new Map<string, Promise<void>>();
  private readonly gateLookups = new Map<string, Promise<GateInfo | null>>();
  private readonly eventLookups = new Map<string, Promise<CachedEvent | null>>();

  constructor(
    private readonly venues: VenueDirectory,
    private readonly repo: TicketRepository,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(TICKET_CHANGED, (m) => {
      const { ticketId } = m as { ticketId: string };
      this.tickets.delete(ticketId);
    });
    await this.bus.subscribe(BUS_TOPICS.eventStatus, (m) => {
      const { eventId, venueId, to } = m as EventStatusBroadcast;
      this.events.set(eventId, { value: { venueId, status: to }, at: Date.now() });
      // An event opening its gates (or cancelled, or ended early) may overlap others: read them again.
      this.overlapping.clear();
    });
  }

  /**
   * Tells every instance that a ticket changed (transfer, revoke). Best effort: the change is already
   * committed, and an instance that misses it is refused by the admission insert's own check.
   */
  async ticketChanged(ticketId: string): Promise<void> {
    this.tickets.delete(ticketId);
    await this.bus.publish(TICKET_CHANGED, { ticketId }).catch((err: unknown) => this.logger.warn({ ticketId, err: (err as Error).message }, 'ticket change not broadcast'));
  }

  async gate(id: string): Promise<GateInfo | null> {
    const hit = this.gates.get(id);
    if (hit && Date.now() - hit.at < GATE_TTL_MS) return hit.value;
    return this.lookup(this.gateLookups, this.gates, id, async () => {
      const found = await this.venues.gate(id);
      return found ? { id: found.id, code: found.code, venueId: found.venueId, sections: new Set(found.sectionCodes) } : null;
    });
  }

  async event(id: string): Promise<CachedEvent | null> {
    const hit = this.events.get(id);
    if (hit && Date.now() - hit.at < EVENT_TTL_MS) return hit.value;
    return this.lookup(this.eventLookups, this.events, id, () =>
      this.venues.getEvent(id).then(
        (e) => ({ venueId: e.venueId, status: e.status }),
        (err: unknown) => {
          if (isEventNotFound(err)) return null;
          throw err;
        },
      ),
    );
  }

  /**
   * One lookup in flight per key: when an entry expires under a gate rush, the scans waiting on it
   * share one query instead of each sending its own. A newer entry (a status broadcast that came
   * while the query ran) is not overwritten by the older answer.
   */
  private lookup<T>(inFlight: Map<string, Promise<T>>, cache: Map<string, Timed<T>>, id: string, read: () => Promise<T>): Promise<T> {
    const pending = inFlight.get(id);
    if (pending) return pending;
    const started = Date.now();
    const next = read()
      .then((value) => {
        const now = cache.get(id);
        if (!now || now.at <= started) cache.set(id, { value, at: Date.now() });
        return value;
      })
      .finally(() => inFlight.delete(id));
    inFlight.set(id, next);
    return next;
  }

  /**
   * The other events (any venue) whose time window overlaps this one's: a holder admitted at one of
   * them is not admitted here. One query per event and 30 s (or until the next status change), shared
   * by concurrent scans; usually empty, and then a scan pays nothing for the rule.
   */
  overlaps(eventId: string): Promise<string[]> {
    const hit = this.overlapping.get(eventId);
    if (hit && Date.now() - hit.at < OVERLAP_TTL_MS) return hit.value;
    const value = this.venues.overlappingEvents(eventId);
    this.overlapping.set(eventId, { value, at: Date.now() });
    value.catch(() => this.overlapping.get(eventId)?.value === value && this.overlapping.delete(eventId));
    return value;
  }

  async ticket(id: string): Promise<TicketRow | undefined> {
    const hit = this.tickets.get(id);
    if (hit) return hit;
    const found = await this.repo.find(id);
    if (found) {
      this.tickets.set(id, found);
      void this.warm(found.eventId); // the rest of this event's crowd is about to arrive
    }
    return found;
  }

  /** Loads all of an event's tickets once, so the next 60,000 scans never wait on a lookup. */
  warm(eventId: string): Promise<void> {
    let w = this.warmed.get(eventId);
    if (!w) {
      w = this.repo.forEvent(eventId).then(
        (found) => found.forEach((r) => this.tickets.has(r.id) || this.tickets.set(r.id, r)),
        () => void this.warmed.delete(eventId),
      );
      this.warmed.set(eventId, w);
    }
    return w;
  }
}
