import { useEffect, useState } from 'react';
import { EventList } from './components/EventList';
import { FanHome } from './fan/FanHome';
import { StaffDashboard } from './staff/StaffDashboard';
import { GateScanner } from './steward/GateScanner';
import { SponsorConsole } from './sponsor/SponsorConsole';
import { PollsArea } from './polls/PollPage';
import { ApiProblem } from './api/client';
import { embeddedWallet, offlineSession, Session, signIn, signOut } from './lib/session';

const AREAS = ['/tickets', '/staff', '/steward', '/polls'];

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = location.pathname;

  const start = async () => {
    setBusy(true);
    setProblem(null);
    const wallet = await embeddedWallet();
    try {
      setSession(await signIn(wallet));
    } catch (e) {
      // No network at the gate: the fan's tickets still open from the saved copy.
      if (e instanceof ApiProblem && e.code === 'offline' && path.startsWith('/tickets')) setSession(offlineSession(wallet));
      else setProblem((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (AREAS.some((a) => path.startsWith(a))) void start();
  }, []);

  return (
    <>
      <header className="topbar">
        <a href="/" className="brand-link" aria-label="FanMesh home"><img src="/icons/icon.svg" alt="" width={32} height={32} /><span className="brand">FanMesh</span></a>
        <nav>
          <a href="/tickets">My tickets</a>
          <a href="/steward">Scan</a>
          <a href="/staff">Staff</a>
          <a href="/sponsor" className="wide-only">Sponsor</a>
          {session && <button className="link" onClick={() => signOut().then(() => setSession(null))}>Sign out</button>}
        </nav>
      </header>
      <main>
        {path.startsWith('/sponsor') ? (
          <SponsorConsole />
        ) : AREAS.some((a) => path.startsWith(a)) ? (
          session ? (
            path.startsWith('/staff') ? <StaffDashboard session={session} /> : path.startsWith('/polls') ? <PollsArea session={session} /> : path.startsWith('/steward') ? <GateScanner session={session} /> : <FanHome session={session} />
          ) : (
            <section>
              <h1>{path.startsWith('/staff') ? 'Staff dashboard' : path.startsWith('/polls') ? 'Fan poll' : path.startsWith('/steward') ? 'Gate scanner' : 'My tickets'}</h1>
              {problem && <p role="alert" className="problem">{problem}</p>}
              <button className="primary" onClick={() => void start()} disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
              <p className="muted">No wallet needed: this app makes a key for you and keeps it on this device.</p>
            </section>
          )
        ) : (
          <>
            <h1>Upcoming matches</h1>
            <EventList />
          </>
        )}
      </main>
    </>
  );
}
