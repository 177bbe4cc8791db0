import { useCallback, useEffect, useRef, useState } from 'react';
import { channels, type EventView, type RealtimeMessage } from '@fanmesh/protocol';
import { getAccessToken, getJson } from '../api/client';
import { Live } from '../lib/live';
import { StaffFeed } from '../staff/staff-feed';
import { venueApi } from './venue-api';

export interface VenueEvents {
  events: EventView[] | undefined;
  /** Puts an event as the server answered it (after a move, or a new event). */
  put: (e: EventView) => void;
  /** The staff channel's messages, for panels that listen to it (the epoch review). */
  feed: StaffFeed;
  live: Live['state'];
  problem?: string;
}

/**
 * A venue's events, kept current from `staff:<venueId>`: a move made anywhere (another phone, the
 * settlement job) shows on every tab of the console without a reload, so no status label goes stale.
 */
export function useVenueEvents(venueId: string): VenueEvents {
  const [events, setEvents] = useState<EventView[]>();
  const [live, setLive] = useState<Live['state']>('connecting');
  const [problem, setProblem] = useState<string>();
  const feed = useRef(new StaffFeed()).current;

  const put = useCallback((e: EventView) => {
    setEvents((list) => {
      const rest = (list ?? []).filter((x) => x.id !== e.id);
      // A frame older than what is shown (replayed after a reconnect) changes nothing.
      const shown = list?.find((x) => x.id === e.id);
      if (shown && shown.version > e.version) return list;
      return [...rest, e].sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.name.localeCompare(b.name));
    });
  }, []);

  useEffect(() => {
    let stop = false;
    venueApi.events(venueId).then(
      (list) => !stop && setEvents(list),
      (e: Error) => !stop && setProblem(e.message),
    );
    const socket = new Live(getAccessToken);
    socket.onState = setLive;
    socket.subscribe(channels.staff(venueId), (data) => {
      const m = data as RealtimeMessage;
      feed.emit(m);
      if (m.type !== 'event.status_changed') return;
      setEvents((list) => list?.map((e) => (e.id === m.eventId && e.version < m.version ? { ...e, status: m.to, version: m.version, statusChangedAt: m.at } : e)));
      // The frame has the move; the event's own answer has what it allows next.
      void getJson<EventView>(`/api/v1/events/${m.eventId}`).then(
        (e) => !stop && put(e),
        () => undefined,
      );
    });
    return () => {
      stop = true;
      socket.close();
    };
  }, [venueId]);

  return { events, put, feed, live, problem };
}
