export const EVENT_STATUSES = ['scheduled', 'gates_open', 'live', 'ended', 'settled', 'cancelled'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

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
