import type { EntityManager } from 'typeorm';
import type { EventView, VenueView } from '@fanmesh/protocol';

/**
 * Read access to venues, sections and events for the other contexts; implemented by venues.
 * `getEvent`/`getVenue` throw the venues context's not-found error (a 404 problem) for an unknown id.
 */
export abstract class VenueDirectory {
  abstract getEvent(id: string, tx?: EntityManager): Promise<EventView>;
  abstract getVenue(id: string): Promise<VenueView>;
  /** When the gates opened and the event ended (null while not yet). */
  abstract eventWindow(id: string): Promise<{ openedAt: Date | null; endedAt: Date | null }>;
  /** Other events, at any venue and not cancelled, whose time window overlaps this one's: a fan is admitted at one of them at most. */
  abstract overlappingEvents(id: string): Promise<string[]>;
  /** True when the venue has a section with this code. */
  abstract hasSection(venueId: string, code: string): Promise<boolean>;
}
