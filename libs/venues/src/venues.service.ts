import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Bus, BUS, RealtimeService } from '@fanmesh/realtime';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { canTransition, EVENT_TRANSITIONS, EventStatus } from './event-lifecycle';
import { CreateEventDto, CreateGateDto, CreateSectionDto, CreateVenueDto, EventView, VenueSummaryView, VenueView } from './dto/venue.dto';
import { VenueError } from './venue.error';
import { EventRow, VenueRepository } from './venue.repository';

/** Domain event published when an event changes state; dashboards and later contexts listen. */
export interface EventStatusChanged {
  type: 'event.status_changed';
  eventId: string;
  venueId: string;
  from: EventStatus;
  to: EventStatus;
  version: number;
  at: string;
}

/** Bus topic carrying every EventStatusChanged, for contexts that cache event state. */
export const EVENT_STATUS_TOPIC = 'venues:event-status';

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

@Injectable()
export class VenuesService {
  private readonly logger = new Logger(VenuesService.name);

  constructor(
    private readonly repo: VenueRepository,
    private readonly realtime: RealtimeService,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  async createVenue(dto: CreateVenueDto): Promise<VenueView> {
    const sections = dto.sections ?? [];
    const gates = dto.gates ?? [];
    this.checkUnique(sections.map((s) => s.code), 'section');
    this.checkUnique(gates.map((g) => g.code), 'gate');
    this.checkGateSections(gates, new Set(sections.map((s) => s.code)));
    const id = await this.repo.createVenue({
      name: dto.name,
      city: dto.city,
      timezone: dto.timezone,
      sections: sections.map((s) => ({ ...s, neighbours: s.neighbours ?? [] })),
      gates,
    });
    this.logger.log({ venueId: id, sections: sections.length, gates: gates.length }, 'venue created');
    return this.getVenue(id);
  }

  async addSections(venueId: string, sections: CreateSectionDto[]): Promise<VenueView> {
    await this.requireVenue(venueId);
    this.checkUnique(sections.map((s) => s.code), 'section');
    try {
      await this.repo.addSections(venueId, sections.map((s) => ({ ...s, neighbours: s.neighbours ?? [] })));
    } catch (err) {
      if (isUniqueViolation(err)) throw new VenueError('duplicate_code', 'A section with one of these codes already exists at this venue.');
      throw err;
    }
    return this.getVenue(venueId);
  }

  async addGates(venueId: string, gates: CreateGateDto[]): Promise<VenueView> {
    await this.requireVenue(venueId);
    this.checkUnique(gates.map((g) => g.code), 'gate');
    this.checkGateSections(gates, new Set((await this.repo.sections(venueId)).map((s) => s.code)));
    try {
      await this.repo.addGates(venueId, gates);
    } catch (err) {
      if (isUniqueViolation(err)) throw new VenueError('duplicate_code', 'A gate with one of these codes already exists at this venue.');
      throw err;
    }
    return this.getVenue(venueId);
  }

  async listVenues(): Promise<VenueSummaryView[]> {
    return (await this.repo.listVenues()).map((v) => ({ id: v.id, name: v.name, city: v.city, capacity: v.capacity }));
  }

  async getVenue(id: string): Promise<VenueView> {
    const venue = await this.requireVenue(id);
    const [sections, gates] = await Promise.all([this.repo.sections(id), this.repo.gates(id)]);
    return {
      id: venue.id,
      name: venue.name,
      city: venue.city,
      timezone: venue.timezone,
      capacity: sections.reduce((n, s) => n + s.capacity, 0),
      sections: sections.map(({ venueId: _v, ...s }) => s),
      gates: gates.map(({ venueId: _v, ...g }) => g),
    };
  }

  async createEvent(dto: CreateEventDto): Promise<EventView> {
    await this.requireVenue(dto.venueId);
    const id = await this.repo.createEvent({
      venueId: dto.venueId,
      name: dto.name,
      homeTeam: dto.homeTeam ?? null,
      awayTeam: dto.awayTeam ?? null,
      startsAt: new Date(dto.startsAt),
    });
    this.logger.log({ eventId: id, venueId: dto.venueId }, 'event created');
    return this.getEvent(id);
  }

  async listEvents(filter: { venueId?: string; status?: EventStatus }): Promise<EventView[]> {
    return (await this.repo.listEvents(filter)).map(toEventView);
  }

  /** `tx`: read inside a caller's transaction (a device body handler), never waiting on a second connection. */
  async getEvent(id: string, tx?: EntityManager): Promise<EventView> {
    const row = await this.repo.findEvent(id, tx);
    if (!row) throw new VenueError('event_not_found', `No event ${id}.`);
    return toEventView(row);
  }

  /** The event's epoch window: when its gates first opened and when it ended (null while not yet). */
  async eventWindow(id: string): Promise<{ openedAt: Date | null; endedAt: Date | null }> {
    return this.repo.window(id);
  }

  async transitionEvent(id: string, to: EventStatus, expectedVersion: number | undefined, actor: Principal): Promise<EventView> {
    const current = await this.repo.findEvent(id);
    if (!current) throw new VenueError('event_not_found', `No event ${id}.`);
    requireVenueRole(actor, ['staff'], current.venueId);
    const refuse = (reason: string, now: EventRow) =>
      new VenueError('bad_transition', reason, { from: now.status, to, allowed: EVENT_TRANSITIONS[now.status], version: now.version });
    if (!canTransition(current.status, to)) {
      throw refuse(`An event that is ${current.status} cannot become ${to}; allowed next: ${EVENT_TRANSITIONS[current.status].join(', ') || 'none'}.`, current);
    }
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw refuse(`The event changed since version ${expectedVersion} (now ${current.version}, ${current.status}); reload and try again.`, current);
    }
    const moved = await this.repo.transitionEvent(id, current.status, to, expectedVersion, actor.subject);
    if (!moved) {
      const now = (await this.repo.findEvent(id))!;
      throw refuse(`Someone else moved the event to ${now.status} first; reload and try again.`, now);
    }
    const after = (await this.repo.findEvent(id))!;
    const change: EventStatusChanged = {
      type: 'event.status_changed',
      eventId: id,
      venueId: after.venueId,
      from: current.status,
      to,
      version: after.version,
      at: after.statusChangedAt.toISOString(),
    };
    await Promise.all([
      this.bus.publish(EVENT_STATUS_TOPIC, change), // other contexts' caches, on every instance
      this.realtime.publish(`event:${id}`, change),
      this.realtime.publish(`staff:${after.venueId}`, change),
    ]);
    this.logger.log({ eventId: id, from: current.status, to }, 'event status changed');
    return toEventView(after);
  }

  private async requireVenue(id: string) {
    const venue = await this.repo.findVenue(id);
    if (!venue) throw new VenueError('venue_not_found', `No venue ${id}.`);
    return venue;
  }

  private checkUnique(codes: string[], what: string): void {
    const seen = new Set<string>();
    for (const c of codes) {
      if (seen.has(c)) throw new VenueError('duplicate_code', `The ${what} code ${c} appears twice in the request.`, { code: c });
      seen.add(c);
    }
  }

  private checkGateSections(gates: CreateGateDto[], known: Set<string>): void {
    for (const g of gates) {
      const unknown = g.sectionCodes.filter((c) => !known.has(c));
      if (unknown.length) {
        throw new VenueError('unknown_section', `Gate ${g.code} names sections this venue does not have: ${unknown.join(', ')}.`, { gate: g.code, unknown });
      }
    }
  }
}

function toEventView(e: EventRow): EventView {
  return {
    id: e.id,
    venueId: e.venueId,
    venueName: e.venueName,
    name: e.name,
    homeTeam: e.homeTeam,
    awayTeam: e.awayTeam,
    startsAt: new Date(e.startsAt).toISOString(),
    status: e.status,
    statusChangedAt: new Date(e.statusChangedAt).toISOString(),
    version: e.version,
    nextStatuses: [...EVENT_TRANSITIONS[e.status]],
  };
}
