import { useEffect, useState } from 'react';
import type { MomentKind, MomentView } from '@fanmesh/protocol';
import { ApiProblem, getJson, postJson } from '../api/client';
import type { StaffListen } from './staff-feed';

type Moment = MomentView;

/** The choices staff get, the likeliest first. */
const KIND: readonly MomentKind[] = ['goal', 'kickoff', 'halftime', 'fulltime', 'big_moment'];

/** Moment candidates from the sensors, for staff to confirm (it goes on chain) or reject (the sensors lose trust). */
export function MomentsPanel({ eventId, listen }: { eventId: string; listen: StaffListen }) {
  const [moments, setMoments] = useState<Moment[]>([]);
  const [kinds, setKinds] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    getJson<Moment[]>(`/api/v1/events/${eventId}/moments`).then(setMoments, () => undefined);
    return listen((m) => {
      if (m.type !== 'moments.candidate' && m.type !== 'moments.decided') return;
      const moment = m.moment;
      if (moment.eventId !== eventId) return;
      setMoments((list) => [moment, ...list.filter((x) => x.id !== moment.id)]);
    });
  }, [eventId, listen]);

  const decide = async (m: Moment, decision: 'confirm' | 'reject') => {
    setProblem(undefined);
    try {
      const body = decision === 'confirm' ? { kind: kinds[m.id] ?? m.kind } : { reason: 'not a match moment' };
      const updated = await postJson<Moment>(`/api/v1/moments/${m.id}/${decision}`, body);
      setMoments((list) => list.map((x) => (x.id === m.id ? { ...x, ...updated } : x)));
    } catch (e) {
      setProblem((e as ApiProblem).detail);
    }
  };

  const open = moments.filter((m) => m.status === 'candidate');
  const done = moments.filter((m) => m.status !== 'candidate').slice(0, 8);
  return (
    <section aria-labelledby="moments-title" className="panel">
      <h2 id="moments-title">Moments</h2>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {open.length === 0 && (
        <p className="muted">
          No candidates waiting. The sensors raise one when the crowd roars in several sections at once, heard by sensors of two owners with established trust (the venue
          console&rsquo;s Sensors tab shows which).
        </p>
      )}
      <ul className="cards">
        {open.map((m) => (
          <li key={m.id} className="candidate" data-moment={m.id}>
            <strong>Candidate at {new Date(m.at).toLocaleTimeString()}</strong>
            <span className="muted">
              {m.signal?.devices?.length ?? '?'} sensors in {m.signal?.sections?.length ?? '?'} sections{m.signal?.peakDb ? `, peak ${Math.round(m.signal.peakDb)} dB` : ''}
            </span>
            <label>
              What was it?{' '}
              <select value={kinds[m.id] ?? m.kind} onChange={(e) => setKinds((k) => ({ ...k, [m.id]: e.target.value }))}>
                {KIND.map((k) => (
                  <option key={k} value={k}>
                    {k.replace('_', ' ')}
                  </option>
                ))}
              </select>
            </label>
            <div className="actions">
              <button className="primary" onClick={() => void decide(m, 'confirm')}>
                Confirm
              </button>
              <button className="secondary" onClick={() => void decide(m, 'reject')}>
                Reject
              </button>
            </div>
          </li>
        ))}
      </ul>
      {done.length > 0 && (
        <ul className="feed">
          {done.map((m) => (
            <li key={m.id}>
              <time>{new Date(m.at).toLocaleTimeString()}</time> {m.kind.replace('_', ' ')}
              {m.team ? ` (${m.team})` : ''} · {m.status}
              {m.source === 'feed' ? ' by the official feed' : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
