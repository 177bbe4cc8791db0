import { useEffect, useState } from 'react';
import { ApiProblem, getJson } from '../api/client';
import type { EventStatus, EventView, VenueView } from '@fanmesh/protocol';
import { eventsApi } from '../api/events';
import { venueTime } from '../lib/time';

export const statusLabel: Record<EventStatus, string> = {
  scheduled: 'Scheduled',
  gates_open: 'Gates open',
  live: 'Live',
  ended: 'Full time',
  settled: 'Rewards settled',
  cancelled: 'Cancelled',
};

/** Over (or called off): listed under past matches, the latest first. */
export const isPast = (e: Pick<EventView, 'status'>) => e.status === 'ended' || e.status === 'settled' || e.status === 'cancelled';

/** The venues' time zones, so kick-off shows as the stadium's clock has it. */
export function useVenueZones(venueIds: string[]): Record<string, string> {
  const [zones, setZones] = useState<Record<string, string>>({});
  const key = [...new Set(venueIds)].sort().join(',');
  useEffect(() => {
    for (const id of key ? key.split(',') : []) {
      if (zones[id]) continue;
      getJson<VenueView>(`/api/v1/venues/${id}`).then(
        (v) => setZones((z) => ({ ...z, [id]: v.timezone })),
        () => undefined,
      );
    }
  }, [key]);
  return zones;
}

/** Home: upcoming matches (the soonest first) and past ones (the latest first); each card opens the match's page. */
export function EventList() {
  const [events, setEvents] = useState<EventView[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const zones = useVenueZones(events?.map((e) => e.venueId) ?? []);

  useEffect(() => {
    let stop = false;
    const load = () =>
      eventsApi.list().then(
        (list) => !stop && (setEvents(list), setProblem(null)),
        (err: ApiProblem) => !stop && setProblem(err.detail),
      );
    load();
    const timer = setInterval(load, 15_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, []);

  if (problem && !events)
    return (
      <p role="alert" className="problem">
        {problem}
      </p>
    );
  if (!events) return <p aria-busy="true">Loading events…</p>;
  if (events.length === 0) return <p>No events yet. Staff can create one from the venue console.</p>;
  const upcoming = events.filter((e) => !isPast(e)).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  const past = events.filter(isPast).sort((a, b) => b.startsAt.localeCompare(a.startsAt));
  const cards = (list: EventView[]) =>
    list.map((e) => (
      <li key={e.id} className="event-card" data-event={e.id}>
        <a href={`/events/${e.id}`} className="card-link">
          <div className="event-when">
            <time dateTime={e.startsAt}>{venueTime(e.startsAt, zones[e.venueId], 'datetime')}</time>
            <span className={`status status-${e.status}`}>{statusLabel[e.status]}</span>
          </div>
          <h3>{e.name}</h3>
          <p className="venue">{e.venueName}</p>
        </a>
      </li>
    ));
  return (
    <>
      <h2 className="list-title">Upcoming matches</h2>
      {upcoming.length ? (
        <ul className="events" aria-label="Upcoming events">
          {cards(upcoming)}
        </ul>
      ) : (
        <p className="muted">No upcoming matches.</p>
      )}
      <h2 className="list-title">Past matches</h2>
      {past.length ? (
        <ul className="events past" aria-label="Past matches">
          {cards(past)}
        </ul>
      ) : (
        <p className="muted">No past matches yet.</p>
      )}
    </>
  );
}
