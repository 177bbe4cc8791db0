import type { VenueDirectory } from '@fanmesh/directory';
import type { EventView } from '@fanmesh/protocol';
import { AccessError } from './access.error';

/** The venues context's not-found answer for an unknown event (a DomainError code). */
export const isEventNotFound = (err: unknown) => (err as { code?: string } | undefined)?.code === 'event_not_found';

/** The event from the venues context; an unknown one is access's 404 (`ticket_not_found`, as always). */
export async function requireEvent(venues: VenueDirectory, eventId: string): Promise<EventView> {
  try {
    return await venues.getEvent(eventId);
  } catch (err) {
    if (isEventNotFound(err)) throw new AccessError('ticket_not_found', `No event ${eventId}.`);
    throw err;
  }
}
