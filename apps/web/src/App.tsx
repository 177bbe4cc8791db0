import { useEffect, useState } from 'react';
import { EventList } from './components/EventList';
import { FanHome } from './fan/FanHome';
import { StaffDashboard } from './staff/StaffDashboard';
import { GateScanner } from './steward/GateScanner';
import { embeddedWallet, Session, signIn, signOut } from './lib/session';

const AREAS = ['/tickets', '/staff', '/steward'];

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = location.pathname;

  const start = async () => {
    setBusy(true);
    setProblem(null);
    try {
      setSession(await signIn(await embeddedWallet()));
    } catch (e) {
      setProblem((e as Error).message);
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
          {session && <button className="link" onClick={() => signOut().then(() => setSession(null))}>Sign out</button>}
        </nav>
      </header>
      <main>
        {AREAS.some((a) => path.startsWith(a)) ? (
          session ? (
            path.startsWith('/staff') ? <StaffDashboard session={session} /> : path.startsWith('/steward') ? <GateScanner session={session} /> : <FanHome session={session} />
          ) : (
            <section>
              <h1>{path.startsWith('/staff') ? 'Staff dashboard' : path.startsWith('/steward') ? 'Gate scanner' : 'My tickets'}</h1>
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
