import type { EventStatus } from '@fanmesh/protocol';

/** The statuses are the wire contract's. */
export { EVENT_STATUSES, type EventStatus } from '@fanmesh/protocol';

/**
 * The only moves an event can make. Gates can close again before kickoff (a delay), a match that
 * never went live can be cancelled, and settlement only follows the end.
 */
export const EVENT_TRANSITIONS: Record<EventStatus, readonly EventStatus[]> = {
  scheduled: ['gates_open', 'cancelled'],
  gates_open: ['live', 'scheduled', 'cancelled'],
  live: ['ended'],
  ended: ['settled'],
  settled: [],
  cancelled: [],
};

export function canTransition(from: EventStatus, to: EventStatus): boolean {
  return EVENT_TRANSITIONS[from].includes(to);
}
