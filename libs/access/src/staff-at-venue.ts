import { isAdmin, Principal } from '@fanmesh/common';
import type { EventView } from '@fanmesh/protocol';
import { TicketImportError } from './ticket-import.error';

/** Ticket lists and their links are the event's venue's business: its staff, or an admin. */
export function requireStaffAt(by: Principal, event: EventView): void {
  if (isAdmin(by) || by.roles.includes(`staff@${event.venueId}`)) return;
  throw new TicketImportError('wrong_venue', `This event is at ${event.venueName}, where you are not staff.`, { venueId: event.venueId });
}
