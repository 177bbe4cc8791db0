import type { EventStatus } from '@fanmesh/protocol';

/**
 * Bus topics between API instances (not client channels): at-most-once hints that let every
 * instance refresh what it keeps in memory. The truth stays in Postgres and in the domain events.
 */
export const BUS_TOPICS = {
  /** An event's status changed (venues): per-instance caches of event state update themselves. */
  eventStatus: 'venues:event-status',
} as const;

/** The message on BUS_TOPICS.eventStatus. */
export interface EventStatusBroadcast {
  type: 'event.status_changed';
  eventId: string;
  venueId: string;
  from: EventStatus;
  to: EventStatus;
  version: number;
  at: string;
}
