import { useEffect, useState } from 'react';
import { ApiProblem } from '../api/client';
import { eventsApi, EventStatus, EventView } from '../api/events';

const statusLabel: Record<EventStatus, string> = {
  scheduled: 'Scheduled',
  gates_open: 'Gates open',
  live: 'Live',
  ended: 'Full time',
  settled: 'Rewards settled',
  cancelled: 'Cancelled',
};

export function EventList() {
  const [events, setEvents] = useState<EventView[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

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

  if (problem && !events) return <p role="alert" className="problem">{problem}</p>;
  if (!events) return <p aria-busy="true">Loading events…</p>;
  if (events.length === 0) return <p>No events yet. Staff can create one from the dashboard.</p>;
  return (
    <ul className="events" aria-label="Events">
      {events.map((e) => (
        <li key={e.id} className="event-card">
          <div className="event-when">
            <time dateTime={e.startsAt}>{new Date(e.startsAt).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}</time>
            <span className={`status status-${e.status}`}>{statusLabel[e.status]}</span>
          </div>
          <h2>{e.name}</h2>
          <p className="venue">{e.venueName}</p>
        </li>
      ))}
    </ul>
  );
}
