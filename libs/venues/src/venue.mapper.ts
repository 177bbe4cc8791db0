import { EVENT_TRANSITIONS } from './event-lifecycle';
import type { EventView, VenueView } from './dto/venue.dto';
import type { EventRow, GateRow, SectionRow, VenueRow } from './venue.model';

export function toEventView(e: EventRow): EventView {
  return {
    id: e.id,
    venueId: e.venueId,
    venueName: e.venueName,
    name: e.name,
    homeTeam: e.homeTeam,
    awayTeam: e.awayTeam,
    startsAt: new Date(e.startsAt).toISOString(),
    endsAt: new Date(e.endsAt).toISOString(),
    status: e.status,
    statusChangedAt: new Date(e.statusChangedAt).toISOString(),
    version: e.version,
    nextStatuses: [...EVENT_TRANSITIONS[e.status]],
  };
}

export function toVenueView(venue: VenueRow, sections: SectionRow[], gates: GateRow[]): VenueView {
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
