import { useState } from 'react';
import type { EventStatus, EventView, VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { EpochPanel } from '../staff/ReviewPanels';
import { ACTION_CONFIRM, ACTION_LABEL, overlapInWords, refusalInWords, STATUS_LABEL } from './match-words';
import { Confirm, Problem, venueTime } from './ui';
import { venueApi } from './venue-api';
import type { VenueEvents } from './venue-live';

/** The match-day buttons, in the order a match goes; the server decides what is allowed and says why not. */
const STEPS: EventStatus[] = ['gates_open', 'live', 'ended', 'settled'];

/** Events of a venue: create one, then run it with big buttons that ask first and explain a refusal. */
export function MatchDay({ venue, events }: { venue: VenueView; events: VenueEvents }) {
  const [chosen, setChosen] = useState<string>();
  const list = events.events;
  const current =
    list?.find((e) => e.id === chosen) ?? list?.find((e) => e.status === 'gates_open' || e.status === 'live') ?? list?.find((e) => e.status === 'scheduled') ?? list?.[0];
  return (
    <div className="match-day">
      {events.problem && <Problem text={events.problem} />}
      {!list ? (
        <p aria-busy="true">Loading matches…</p>
      ) : list.length === 0 ? (
        <p className="muted">No matches yet: create the first one below.</p>
      ) : (
        <section className="card" aria-labelledby="matches-title">
          <h2 id="matches-title">Matches</h2>
          <ul className="rows" aria-label="Matches">
            {list.map((e) => (
              <li key={e.id}>
                <button className={`match-pick${e.id === current?.id ? ' chosen' : ''}`} aria-pressed={e.id === current?.id} onClick={() => setChosen(e.id)}>
                  <span>
                    <strong>{e.name}</strong> <span className="muted">{venueTime(e.startsAt, venue.timezone)}</span>
                  </span>
                  <span className={`status status-${e.status}`} data-testid={`status-${e.id}`}>
                    {STATUS_LABEL[e.status]}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {current && <Lifecycle key={current.id} event={current} venue={venue} events={events} />}
      <NewEvent
        venue={venue}
        onCreated={(e) => {
          events.put(e);
          setChosen(e.id);
        }}
      />
    </div>
  );
}

function Lifecycle({ event, venue, events }: { event: EventView; venue: VenueView; events: VenueEvents }) {
  const [asking, setAsking] = useState<EventStatus>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [epochAsked, setEpochAsked] = useState(false);
  const [epochId, setEpochId] = useState<string>();

  const move = async (to: EventStatus) => {
    setAsking(undefined);
    setBusy(true);
    setProblem(undefined);
    try {
      if (to === 'settled') {
        // Settling is rewards' work: close the epoch, review it below, approve it; the match settles when the chain has it.
        // An epoch closed before (by itself at full time, or before a reload) comes back without a
        // live message: hand its id to the panel so the press always shows the epoch.
        setEpochId((await venueApi.closeEpoch(event.id)).id);
        setEpochAsked(true);
      } else {
        events.put(await venueApi.transition(event.id, to, event.version));
      }
    } catch (e) {
      setProblem(refusalInWords(e, to));
    } finally {
      setBusy(false);
    }
  };

  const extra: EventStatus[] = (['scheduled', 'cancelled'] as const).filter((s) => event.nextStatuses.includes(s));
  return (
    <section className="card lifecycle" aria-labelledby="lifecycle-title">
      <h2 id="lifecycle-title">{event.name}</h2>
      <p className="muted">
        {venueTime(event.startsAt, venue.timezone)} ({venue.timezone})
      </p>
      <p className="now">
        Now:{' '}
        <strong className={`status status-${event.status}`} data-testid="current-status" aria-live="polite">
          {STATUS_LABEL[event.status]}
        </strong>
      </p>
      <div className="big-buttons">
        {STEPS.map((to) => {
          const next = event.nextStatuses.includes(to) || (to === 'settled' && event.status === 'ended');
          return (
            <button key={to} className={next ? 'step next' : 'step'} disabled={busy} onClick={() => setAsking(to)} aria-describedby={next ? 'next-hint' : undefined}>
              {ACTION_LABEL[to]}
            </button>
          );
        })}
      </div>
      <p id="next-hint" className="hint">
        The highlighted button is the match&apos;s next step.
      </p>
      {extra.length > 0 && (
        <div className="actions">
          {extra.map((to) => (
            <button key={to} className={to === 'cancelled' ? 'danger' : 'secondary'} disabled={busy} onClick={() => setAsking(to)}>
              {ACTION_LABEL[to]}
            </button>
          ))}
        </div>
      )}
      {problem && <Problem text={problem} />}
      <p>
        <a href={`/venue/tickets?event=${event.id}`}>Tickets for this match</a> · <a href="/staff">Live dashboard</a>
      </p>
      {asking && (
        <Confirm
          title={`${ACTION_LABEL[asking]}: ${event.name}?`}
          text={ACTION_CONFIRM[asking]}
          yes={`Yes, ${ACTION_LABEL[asking].toLowerCase()}`}
          danger={asking === 'cancelled'}
          onYes={() => void move(asking)}
          onNo={() => setAsking(undefined)}
        />
      )}
      {(epochAsked || event.status === 'ended' || event.status === 'settled') && (
        <EpochPanel eventId={event.id} eventStatus={event.status} listen={events.feed.listen} epochId={epochId} />
      )}
    </section>
  );
}

function NewEvent({ venue, onCreated }: { venue: VenueView; onCreated: (e: EventView) => void }) {
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const tomorrow = new Date(Date.now() + 24 * 3600_000);
  tomorrow.setMinutes(0, 0, 0);
  const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return (
    <section className="card" aria-labelledby="new-event-title">
      <h2 id="new-event-title">New match</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          const home = String(f.get('home')).trim();
          const away = String(f.get('away')).trim();
          const name = String(f.get('name')).trim() || (home && away ? `${home} vs ${away}` : '');
          if (!name) return setProblem('Give the match a name, or both teams.');
          setBusy(true);
          setProblem(undefined);
          venueApi
            .createEvent({
              venueId: venue.id,
              name,
              ...(home ? { homeTeam: home } : {}),
              ...(away ? { awayTeam: away } : {}),
              startsAt: new Date(String(f.get('startsAt'))).toISOString(),
            })
            .then(
              (created) => {
                form.reset();
                onCreated(created);
              },
              (err: unknown) => setProblem(err instanceof ApiProblem ? (err.code === 'event_overlaps' ? overlapInWords(err) : err.detail) : (err as Error).message),
            )
            .finally(() => setBusy(false));
        }}
      >
        <div className="grid-fields">
          <label>
            Home team
            <input name="home" maxLength={80} />
          </label>
          <label>
            Away team
            <input name="away" maxLength={80} />
          </label>
          <label>
            Match name
            <input name="name" maxLength={160} placeholder="Home vs Away" />
          </label>
          <label>
            Kick-off (your clock)
            <input name="startsAt" type="datetime-local" required defaultValue={local} />
          </label>
        </div>
        {problem && <Problem text={problem} />}
        <button className="primary big" disabled={busy}>
          Create match
        </button>
      </form>
    </section>
  );
}
