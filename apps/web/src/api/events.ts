import { getJson } from './client';

export type EventStatus = 'scheduled' | 'gates_open' | 'live' | 'ended' | 'settled' | 'cancelled';

export interface EventView {
  id: string;
  venueId: string;
  venueName: string;
  name: string;
  homeTeam: string | null;
  awayTeam: string | null;
  startsAt: string;
  status: EventStatus;
}

export const eventsApi = {
  list: () => getJson<EventView[]>('/api/v1/events'),
};
