import { useEffect, useState } from 'react';
import type { EventView, MomentKind } from '@fanmesh/protocol';
import { ApiProblem, getJson, postJson } from '../api/client';

const EVENTS_PROBLEM = 'The matches did not load';

/** The moments a drop can fire on, the likeliest first. */
const MOMENTS: readonly MomentKind[] = ['goal', 'kickoff', 'halftime', 'fulltime', 'big_moment'];

/** A new drop: what fans see, what they get, when it fires and for whom. Coupon codes are uploaded with it. */
export function DropForm({ venueId, onCreated }: { venueId: string; onCreated: (id: string) => void }) {
  const [events, setEvents] = useState<EventView[]>([]);
  const [f, setF] = useState({
    eventId: '',
    title: '',
    body: '',
    reward: 'coupon',
    codes: '',
    trigger: 'moment',
    moment: 'goal',
    team: '',
    at: '',
    sections: '',
    inventory: 100,
    hours: 3,
  });
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  // The matches to choose from; a failed load (a flaky stadium network) says so and tries again, rather than leaving an empty list.
  useEffect(() => {
    let retry: ReturnType<typeof setTimeout> | undefined;
    let gone = false;
    const loadEvents = () =>
      getJson<EventView[]>(`/api/v1/events?venueId=${venueId}`).then(
        (list) => {
          if (gone) return;
          const upcoming = list.filter((e) => !['ended', 'settled', 'cancelled'].includes(e.status));
          setEvents(upcoming);
          setF((x) => ({ ...x, eventId: x.eventId || upcoming[0]?.id || '' }));
          setProblem((p) => (p?.startsWith(EVENTS_PROBLEM) ? undefined : p));
        },
        (e: ApiProblem) => {
          if (gone) return;
          setProblem(`${EVENTS_PROBLEM} (${e.detail ?? e.code}); trying again.`);
          retry = setTimeout(() => void loadEvents(), 2000);
        },
      );
    void loadEvents();
    return () => {
      gone = true;
      clearTimeout(retry);
    };
  }, [venueId]);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) =>
    setF((x) => ({ ...x, [k]: k === 'inventory' || k === 'hours' ? Number(e.target.value) : e.target.value }));

  const submit = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      const codes = f.codes.split(/\s+/).filter(Boolean);
      const sections = f.sections.split(/[\s,]+/).filter(Boolean);
      const drop = await postJson<{ id: string }>('/api/v1/drops', {
        eventId: f.eventId,
        content: { title: f.title, body: f.body },
        reward: { kind: f.reward },
        trigger:
          f.trigger === 'moment'
            ? { kind: 'moment', moment: f.moment, ...(f.team ? { team: f.team } : {}) }
            : f.trigger === 'time'
              ? { kind: 'time', at: new Date(f.at).toISOString() }
              : { kind: 'manual' },
        ...(sections.length ? { audience: { sections } } : {}),
        inventory: f.reward === 'coupon' ? codes.length || f.inventory : f.inventory,
        window: { startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + f.hours * 3600_000).toISOString() },
      });
      if (f.reward === 'coupon' && codes.length) await postJson(`/api/v1/drops/${drop.id}/codes`, { codes });
      setF((x) => ({ ...x, title: '', body: '', codes: '' }));
      onCreated(drop.id);
    } catch (e) {
      setProblem((e as ApiProblem).detail);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="panel" open>
      <summary>
        <h2>New drop</h2>
      </summary>
      <form className="drop-form" onSubmit={(e) => (e.preventDefault(), void submit())}>
        <label>
          Match{' '}
          <select value={f.eventId} onChange={set('eventId')}>
            {events.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name} ({e.status})
              </option>
            ))}
          </select>
        </label>
        <label>
          Title <input value={f.title} onChange={set('title')} maxLength={120} required />
        </label>
        <label>
          Message <textarea value={f.body} onChange={set('body')} maxLength={2000} required />
        </label>
        <label>
          Reward{' '}
          <select value={f.reward} onChange={set('reward')}>
            <option value="coupon">Coupon codes</option>
            <option value="collectible">Numbered collectible</option>
          </select>
        </label>
        {f.reward === 'coupon' ? (
          <label>
            Coupon codes, one per line <textarea value={f.codes} onChange={set('codes')} placeholder={'PINT-001\nPINT-002'} />
          </label>
        ) : (
          <label>
            How many <input type="number" min={1} value={f.inventory} onChange={set('inventory')} />
          </label>
        )}
        <label>
          Fires{' '}
          <select value={f.trigger} onChange={set('trigger')}>
            <option value="moment">on a match moment</option>
            <option value="time">at a set time</option>
            <option value="manual">when I press Fire</option>
          </select>
        </label>
        {f.trigger === 'manual' && (
          <p className="muted" data-testid="manual-hint">
            It fires when you press Fire under Your drops, once the venue has approved it, to the fans checked in at that moment.
          </p>
        )}
        {f.trigger === 'time' && (
          <label>
            At <input type="datetime-local" value={f.at} onChange={set('at')} required />
          </label>
        )}
        {f.trigger === 'moment' && (
          <>
            <label>
              Moment{' '}
              <select value={f.moment} onChange={set('moment')}>
                {MOMENTS.map((m) => (
                  <option key={m} value={m}>
                    {m.replace('_', ' ')}
                  </option>
                ))}
              </select>
            </label>
            {f.moment === 'goal' && (
              <label>
                Scored by{' '}
                <select value={f.team} onChange={set('team')}>
                  <option value="">either side</option>
                  <option value="home">the home team</option>
                  <option value="away">the away team</option>
                </select>
              </label>
            )}
          </>
        )}
        <label>
          Only these sections (optional) <input value={f.sections} onChange={set('sections')} placeholder="N101, N102" />
        </label>
        <label>
          Open for (hours) <input type="number" min={1} max={24} value={f.hours} onChange={set('hours')} />
        </label>
        {problem && (
          <p role="alert" className="problem">
            {problem}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !f.eventId}>
          {busy ? 'Creating…' : 'Create and send for approval'}
        </button>
      </form>
    </details>
  );
}
