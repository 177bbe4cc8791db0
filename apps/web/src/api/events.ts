import type { EventView } from '@fanmesh/protocol';
import { getJson } from './client';

export const eventsApi = {
  list: () => getJson<EventView[]>('/api/v1/events'),
};
