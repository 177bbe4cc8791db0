import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { VenueDirectory } from '@fanmesh/directory';
import { Principal } from '@fanmesh/common';
import type { EventStatus } from './event-lifecycle';
import { CreateEventDto, CreateGateDto, CreateSectionDto, CreateVenueDto, EventView, VenueSummaryView, VenueView } from './dto/venue.dto';
import { EventLifecycleService } from './event-lifecycle.service';
import { VenueError } from './venue.error';
import { toEventView, toVenueView } from './venue.mapper';
import type { EventRow, GateRow, VenueRow } from './venue.model';
import { VenueRepository } from './venue.repository';

/** An event's window when the venue gives no end: a match with its build-up and the crowd leaving. */
const DEFAULT_EVENT_MS = 3 * 3600_000;
const MAX_EVENT_MS = 7 * 24 * 3600_000;

/** 409 event_overlaps for a window that overlaps `other`'s. */
export function overlapsWindow(other: EventRow): VenueError {
  const [from, to] = [new Date(other.startsAt).toISOString(), new Date(other.endsAt).toISOString()];
  return new VenueError('event_overlaps', `This overlaps ${other.name} (${from} to ${to}) at the same venue; pick another time or cancel that event.`, {
    eventId: other.id,
    name: other.name,
    startsAt: from,
    endsAt: to,
    status: other.status,
  });
}

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

/** True when the runtime knows the IANA zone (the console shows match times in it). */
export function isKnownTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Venues, their sections and gates, and events: the admin writes and the reads. It is also the
 * `VenueDirectory` other contexts ask (provided globally by VenuesModule).
 */
@Injectable()
export class VenuesService implements VenueDirectory {
  private readonly logger = new Logger(VenuesService.name);

  constructor(
    private readonly repo: VenueRepository,
    private readonly lifecycle: EventLifecycleService,
  ) {}

  async createVenue(dto: CreateVenueDto): Promise<VenueView> {
    const sections = dto.sections ?? [];
    const gates = dto.gates ?? [];
    this.checkUnique(
      sections.map((s) => s.code),
      'section',
    );
    this.checkUnique(
      gates.map((g) => g.code),
      'gate',
    );
    this.checkGateSections(gates, new Set(sections.map((s) => s.code)));
    if (!isKnownTimezone(dto.timezone)) {
      throw new VenueError('bad_timezone', `${dto.timezone} is not a time zone this server knows; use an IANA name such as Europe/Lisbon.`, { timezone: dto.timezone });
    }
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
    this.checkUnique(
      sections.map((s) => s.code),
      'section',
    );
    try {
      await this.repo.addSections(
        venueId,
        sections.map((s) => ({ ...s, neighbours: s.neighbours ?? [] })),
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new VenueError('duplicate_code', 'A section with one of these codes already exists at this venue.');
      throw err;
    }
    return this.getVenue(venueId);
  }

  async addGates(venueId: string, gates: CreateGateDto[]): Promise<VenueView> {
    await this.requireVenue(venueId);
    this.checkUnique(
      gates.map((g) => g.code),
      'gate',
    );
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
    return toVenueView(venue, sections, gates);
  }

  /**
   * A new event with its time window (three hours from `startsAt` unless `endsAt` says otherwise).
   * Refused with 409 `event_overlaps`, naming the other event, when the window overlaps another event
   * of the venue that is not cancelled; the check and the insert hold the venue's events lock, so two
   * instances cannot both take one slot.
   */
  async createEvent(dto: CreateEventDto): Promise<EventView> {
    await this.requireVenue(dto.venueId);
    const startsAt = new Date(dto.startsAt);
    const endsAt = dto.endsAt ? new Date(dto.endsAt) : new Date(startsAt.getTime() + DEFAULT_EVENT_MS);
    if (endsAt.getTime() <= startsAt.getTime() || endsAt.getTime() - startsAt.getTime() > MAX_EVENT_MS) {
      throw new VenueError('bad_event_window', 'endsAt must be after startsAt, and an event lasts at most seven days.', {
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
      });
    }
    const id = await this.repo.transaction(async (tx) => {
      await this.repo.lockVenueEvents(tx, dto.venueId);
      const other = await this.repo.overlappingAtVenue(tx, dto.venueId, startsAt, endsAt);
      if (other) throw overlapsWindow(other);
      return this.repo.createEvent(tx, { venueId: dto.venueId, name: dto.name, homeTeam: dto.homeTeam ?? null, awayTeam: dto.awayTeam ?? null, startsAt, endsAt });
    });
    this.logger.log({ eventId: id, venueId: dto.venueId }, 'event created');
    return this.getEvent(id);
  }

  async listEvents(filter: { venueId?: string; status?: EventStatus }): Promise<EventView[]> {
    return (await this.repo.listEvents(filter)).map(toEventView);
  }

  /** `tx`: read inside a caller's transaction (a device body handler), never waiting on a second connection. */
  async getEvent(id: string, tx?: EntityManager): Promise<EventView> {
    const found = await this.repo.findEvent(id, tx);
    if (!found) throw new VenueError('event_not_found', `No event ${id}.`);
    return toEventView(found);
  }

  /** Other events, at any venue and not cancelled, whose time window overlaps this one's (a fan is admitted at one of them at most). */
  async overlappingEvents(id: string): Promise<string[]> {
    return this.repo.overlapping(id);
  }

  /** The event's epoch window: when its gates first opened and when it ended (null while not yet). */
  async eventWindow(id: string): Promise<{ openedAt: Date | null; endedAt: Date | null }> {
    return this.repo.window(id);
  }

  async hasSection(venueId: string, code: string): Promise<boolean> {
    return this.repo.hasSection(venueId, code);
  }

  /** One gate with its venue (a scanner names only the gate); undefined for an unknown id. */
  async gate(id: string): Promise<GateRow | undefined> {
    return this.repo.findGate(id);
  }

  /** @deprecated call EventLifecycleService.transition; kept for callers that have not moved yet. */
  transitionEvent(id: string, to: EventStatus, expectedVersion: number | undefined, actor: Principal): Promise<EventView> {
    return this.lifecycle.transition(id, to, expectedVersion, actor);
  }

  private async requireVenue(id: string): Promise<VenueRow> {
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
