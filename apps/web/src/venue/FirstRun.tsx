import { useState } from 'react';
import { DEMO_VENUE_ID } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import type { Session } from '../lib/session';
import { navigate } from './console-nav';
import { venueApi } from './venue-api';
import { Problem, type ConsoleProps } from './ui';

/**
 * The first screen of a new FanMesh. Whoever started it on this machine is its first admin: this
 * browser takes the operator's first-run invite (once), then the operator picks a way in.
 */
export function FirstRun({ session, refresh, claim }: ConsoleProps & { claim: boolean }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  const go = async (to: string) => {
    setBusy(true);
    setProblem(undefined);
    try {
      let s: Session = session;
      if (claim || !s.roles.includes('admin')) {
        await venueApi.acceptOperatorInvite();
        s = await refresh();
      }
      if (!s.roles.includes('admin')) throw new Error('This account did not become admin; reload the page and try again.');
      navigate(to);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e.detail : (e as Error).message);
      setBusy(false);
    }
  };

  return (
    <section className="console first-run" data-address={session.address} aria-labelledby="first-run-title">
      <p className="eyebrow">First run</p>
      <h1 id="first-run-title">Welcome to your FanMesh</h1>
      <p className="lead">
        You started FanMesh on this machine, so <strong>you are its first admin</strong>: you set up venues, invite staff and stewards, and run match days from here, on a phone or
        a computer.
      </p>
      <p className="muted">
        Your admin key is kept in this browser (address <code>{session.address}</code>). FanMesh also keeps an admin key of its own in its data folder, for the simulator.
      </p>
      {problem && <Problem text={problem} />}
      <div className="paths">
        <button className="path-card" disabled={busy} onClick={() => void go(`/venue/${DEMO_VENUE_ID}/match-day`)}>
          <strong>Explore the demo stadium</strong>
          <span>FanMesh Arena: 60,000 seats in 40 sections, 8 gates and a match tomorrow, ready to run.</span>
        </button>
        <button className="path-card primary-card" disabled={busy} onClick={() => void go('/venue/new')}>
          <strong>Set up my venue</strong>
          <span>Your stadium, its sections and gates, your first match and the people who run it: about ten minutes.</span>
        </button>
      </div>
    </section>
  );
}
