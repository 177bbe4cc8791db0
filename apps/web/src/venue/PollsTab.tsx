import { useEffect, useState } from 'react';
import { channels, type PollView, type RealtimeMessage, type VenueView } from '@fanmesh/protocol';
import { ApiProblem, getAccessToken } from '../api/client';
import { Live } from '../lib/live';
import { STATUS_LABEL } from './match-words';
import { Problem, venueTime } from './ui';
import { venueApi } from './venue-api';
import type { VenueEvents } from './venue-live';

const POLL_STATUS: Record<PollView['status'], string> = { scheduled: 'Not open yet', open: 'Open', closed: 'Closed' };
const words = (e: unknown) => (e instanceof ApiProblem ? e.detail : (e as Error).message);
/** A datetime-local value for `ms` on this device's clock. */
const localInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** Fan polls for a match: create one, open it (now, or at its time), close it; tallies follow live. */
export function PollsTab({ venue, events }: { venue: VenueView; events: VenueEvents }) {
  const list = events.events ?? [];
  const [eventId, setEventId] = useState<string>();
  const current = list.find((e) => e.id === eventId) ?? list.find((e) => e.status === 'live' || e.status === 'gates_open') ?? list.find((e) => e.status === 'scheduled') ?? list[0];
  const [polls, setPolls] = useState<PollView[]>();
  const [problem, setProblem] = useState<string>();

  const load = (id: string) => venueApi.polls(id).then(setPolls, (e) => setProblem(words(e)));
  useEffect(() => {
    if (!current) return;
    void load(current.id);
    // Ballots, openings and closings arrive on the match's channel; the list is read again on each.
    const socket = new Live(getAccessToken);
    socket.subscribe(channels.event(current.id), (data) => {
      const m = data as RealtimeMessage;
      if (m.type.startsWith('poll.')) void load(current.id);
    });
    return () => socket.close();
  }, [current?.id]);

  const act = async (fn: () => Promise<unknown>) => {
    setProblem(undefined);
    try {
      await fn();
      if (current) await load(current.id);
      return true;
    } catch (e) {
      setProblem(words(e));
      return false;
    }
  };

  if (!events.events) return <p aria-busy="true">Loading matches…</p>;
  if (!current) return <p className="muted">Polls belong to a match: create one on Match day first.</p>;
  return (
    <div className="polls-tab">
      <label className="event-pick">
        Match
        <select value={current.id} onChange={(e) => setEventId(e.target.value)}>
          {list.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name} · {STATUS_LABEL[e.status]}
            </option>
          ))}
        </select>
      </label>
      {problem && <Problem text={problem} />}
      <section className="card" aria-labelledby="polls-title">
        <h2 id="polls-title">Polls for {current.name}</h2>
        {!polls ? (
          <p aria-busy="true">Loading polls…</p>
        ) : polls.length === 0 ? (
          <p className="muted">No polls for this match yet.</p>
        ) : (
          <ul className="rows" aria-label="Polls">
            {polls.map((p) => (
              <li key={p.id} className="poll-row">
                <div className="row">
                  <strong>{p.question}</strong>
                  <span className={`pill pill-poll-${p.status}`} data-testid={`poll-status-${p.id}`}>
                    {POLL_STATUS[p.status]}
                  </span>
                </div>
                <p className="muted">
                  {p.voters} voter{p.voters === 1 ? '' : 's'} · {p.options.map((o) => `${o.label}: ${o.ballots}`).join(' · ')} ·{' '}
                  {p.status === 'scheduled' ? `opens ${venueTime(p.opensAt, venue.timezone)}` : `closes ${venueTime(p.closesAt, venue.timezone)}`}
                </p>
                <div className="actions">
                  {p.status === 'scheduled' && (
                    <button className="primary" onClick={() => void act(() => venueApi.openPoll(p.id))}>
                      Open now
                    </button>
                  )}
                  {p.status === 'open' && (
                    <button className="secondary" onClick={() => void act(() => venueApi.closePoll(p.id))}>
                      Close now
                    </button>
                  )}
                  <a href={`/polls/${p.id}`}>Fans&apos; view</a>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="new-poll-title">
        <h2 id="new-poll-title">New poll</h2>
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const f = new FormData(form);
            const options = String(f.get('options'))
              .split('\n')
              .map((o) => o.trim())
              .filter(Boolean);
            const later = f.get('when') === 'later';
            void act(() =>
              venueApi.createPoll({
                venueId: venue.id,
                eventId: current.id,
                question: String(f.get('question')).trim(),
                options,
                ...(later ? { opensAt: new Date(String(f.get('opensAt'))).toISOString() } : {}),
                closesAt: new Date(String(f.get('closesAt'))).toISOString(),
                eligibility: String(f.get('eligibility')) as 'checked_in',
                weighting: 'one_per_fan',
              }),
            ).then((ok) => ok && form.reset());
          }}
        >
          <label>
            Question
            <input name="question" required minLength={3} maxLength={280} placeholder="Player of the match?" />
          </label>
          <label>
            Options, one per line
            <textarea name="options" required rows={3} placeholder={'Keeper\nStriker'} />
          </label>
          <fieldset className="checks">
            <legend>Opens</legend>
            <label className="check">
              <input type="radio" name="when" value="later" defaultChecked /> At a time, or when you press Open now
            </label>
            <label className="check">
              <input type="radio" name="when" value="now" /> As soon as it is created
            </label>
          </fieldset>
          <div className="grid-fields">
            <label>
              Opens at (your clock)
              <input name="opensAt" type="datetime-local" defaultValue={localInput(Date.now() + 3600_000)} />
            </label>
            <label>
              Closes at (your clock)
              <input name="closesAt" type="datetime-local" required defaultValue={localInput(Date.now() + 3 * 3600_000)} />
            </label>
            <label>
              Who may vote
              <select name="eligibility" defaultValue="checked_in">
                <option value="checked_in">Fans checked in to this match</option>
                <option value="holders">FanToken holders</option>
                <option value="both">Checked-in FanToken holders</option>
              </select>
            </label>
          </div>
          <button className="primary big">Create poll</button>
        </form>
      </section>
    </div>
  );
}
