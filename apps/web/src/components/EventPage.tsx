import { useEffect, useState } from 'react';
import type { EventView, VenueView } from '@fanmesh/protocol';
import { ApiProblem, getJson } from '../api/client';
import { venueTime } from '../lib/time';
import { isPast, statusLabel } from './EventList';
import { NotFound } from './NotFound';

/** One match, opened from its card on the home page: when (the stadium's clock), where, its state, and where to go next. */
export function EventPage({ eventId }: { eventId: string }) {
  const [event, setEvent] = useState<EventView | null>();
  const [venue, setVenue] = useState<VenueView>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    getJson<EventView>(`/api/v1/events/${eventId}`).then(
      (e) => {
        setEvent(e);
        getJson<VenueView>(`/api/v1/venues/${e.venueId}`).then(setVenue, () => undefined);
      },
      (e: ApiProblem) => (e.status === 404 || e.status === 400 ? setEvent(null) : setProblem(e.detail)),
    );
  }, [eventId]);

  if (event === null) return <NotFound what="match" />;
  if (problem)
    return (
      <p role="alert" className="problem">
        {problem}
      </p>
    );
  if (!event) return <p aria-busy="true">Loading the match…</p>;
  return (
    <section aria-labelledby="event-title" className="event-page" data-event={event.id}>
      <p>
        <a href="/">← All matches</a>
      </p>
      <h1 id="event-title">{event.name}</h1>
      <p className="event-when">
        <time dateTime={event.startsAt}>{venueTime(event.startsAt, venue?.timezone, 'datetime')}</time>
        <span className={`status status-${event.status}`}>{statusLabel[event.status]}</span>
      </p>
      <p className="venue">
        {event.venueName}
        {venue ? `, ${venue.city}` : ''}
      </p>
      {event.homeTeam && event.awayTeam && (
        <p>
          {event.homeTeam} v {event.awayTeam}
        </p>
      )}
      <ul className="actions-list">
        <li>
          <a href="/tickets">{isPast(event) ? 'My tickets and rewards' : 'My tickets for this match'}</a>
        </li>
        <li>
          <a href={`/polls?event=${event.id}`}>Fan polls for this match</a>
        </li>
      </ul>
    </section>
  );
}
