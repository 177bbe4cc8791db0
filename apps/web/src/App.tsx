import { lazy, Suspense, useEffect, useState } from 'react';
import { EventList } from './components/EventList';
import { EventPage } from './components/EventPage';
import { NotFound } from './components/NotFound';
import { TopBar } from './components/TopBar';
import { ApiProblem } from './api/client';
import { embeddedWallet, offlineSession, Session, signedInBefore, signIn, signOut } from './lib/session';

/**
 * Each area is its own chunk, loaded only where it is used: a fan's phone on the stadium network
 * does not download the staff charts, the scanner's ZXing or the consoles. The area of the page
 * opened starts loading at once, beside the sign-in, so it is ready when the session is.
 */
const CHUNKS = {
  fan: () => import('./fan/FanHome'),
  staff: () => import('./staff/StaffDashboard'),
  steward: () => import('./steward/GateScanner'),
  devices: () => import('./devices/DevicesPage'),
  sponsor: () => import('./sponsor/SponsorConsole'),
  polls: () => import('./polls/PollPage'),
  venueTickets: () => import('./venue/tickets/VenueTickets'),
  claim: () => import('./claim/ClaimPage'),
  venue: () => import('./venue/VenueConsole'),
  firstRun: () => import('./venue/FirstRunNotice'),
};
const FanHome = lazy(() => CHUNKS.fan().then((m) => ({ default: m.FanHome })));
const StaffDashboard = lazy(() => CHUNKS.staff().then((m) => ({ default: m.StaffDashboard })));
const GateScanner = lazy(() => CHUNKS.steward().then((m) => ({ default: m.GateScanner })));
const DevicesPage = lazy(() => CHUNKS.devices().then((m) => ({ default: m.DevicesPage })));
const SponsorConsole = lazy(() => CHUNKS.sponsor().then((m) => ({ default: m.SponsorConsole })));
const PollsArea = lazy(() => CHUNKS.polls().then((m) => ({ default: m.PollsArea })));
const VenueTickets = lazy(() => CHUNKS.venueTickets().then((m) => ({ default: m.VenueTickets })));
const ClaimPage = lazy(() => CHUNKS.claim().then((m) => ({ default: m.ClaimPage })));
const VenueConsole = lazy(() => CHUNKS.venue().then((m) => ({ default: m.VenueConsole })));
const FirstRunNotice = lazy(() => CHUNKS.firstRun().then((m) => ({ default: m.FirstRunNotice })));

/** The chunk a path shows, started before React renders (import() runs each module once, so the lazy component reuses it). */
function chunkFor(path: string): (() => Promise<unknown>) | undefined {
  if (path.startsWith('/sponsor')) return CHUNKS.sponsor;
  if (path.startsWith('/venue/tickets')) return CHUNKS.venueTickets;
  if (path.startsWith('/claim/')) return CHUNKS.claim;
  if (path.startsWith('/venue')) return CHUNKS.venue;
  if (path.startsWith('/staff')) return CHUNKS.staff;
  if (path.startsWith('/devices')) return CHUNKS.devices;
  if (path.startsWith('/polls')) return CHUNKS.polls;
  if (path.startsWith('/steward')) return CHUNKS.steward;
  if (path.startsWith('/tickets')) return CHUNKS.fan;
  if (path === '/' || path === '/index.html') return CHUNKS.firstRun;
  return undefined;
}
void chunkFor(location.pathname)?.().catch(() => undefined); // a failed load is retried, and shown, by the lazy component

const AREAS = ['/tickets', '/staff', '/steward', '/polls', '/devices', '/venue', '/claim/'];
const EVENT_PAGE = /^\/events\/([^/]+)\/?$/;
/** Offline, the app tries the API again this often (and at once when the browser says the network is back). */
const PROBE_MS = 10_000;

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const path = location.pathname;
  const eventPage = EVENT_PAGE.exec(path)?.[1];

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

  /** Pages outside the areas (home, a match, not found) keep a session this device already has, so its areas and sign-out show there too. */
  const resume = async () => {
    if (!(await signedInBefore())) return;
    await signIn(await embeddedWallet()).then(setSession, () => undefined);
  };

  useEffect(() => {
    if (AREAS.some((a) => path.startsWith(a))) void start();
    else if (!path.startsWith('/sponsor')) void resume(); // the sponsor console has its own key and sign-out
  }, []);

  // Opened without a network: when it comes back (or the API answers again), sign in for real and go live, no reload.
  useEffect(() => {
    if (!session?.offline) return;
    let stop = false;
    let trying = false;
    const probe = async () => {
      if (trying || stop) return;
      trying = true;
      try {
        const online = await signIn(session.wallet);
        if (!stop) setSession(online);
      } catch {
        // still offline: the saved tickets stay up
      } finally {
        trying = false;
      }
    };
    window.addEventListener('online', probe);
    const timer = setInterval(() => void probe(), PROBE_MS);
    return () => {
      stop = true;
      window.removeEventListener('online', probe);
      clearInterval(timer);
    };
  }, [session]);

  const leave = (why?: string) =>
    signOut(session?.address).then(() => {
      setSession(null);
      setNotice(why ?? null);
    });

  return (
    <>
      <TopBar session={session} onSignOut={() => void leave()} />
      <main>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {path.startsWith('/sponsor') ? (
            <SponsorConsole />
          ) : AREAS.some((a) => path.startsWith(a)) ? (
            session ? (
              path.startsWith('/venue/tickets') ? (
                <VenueTickets session={session} />
              ) : path.startsWith('/claim/') ? (
                <ClaimPage session={session} />
              ) : path.startsWith('/venue') ? (
                <VenueConsole session={session} onSession={setSession} />
              ) : path.startsWith('/staff') ? (
                <StaffDashboard session={session} />
              ) : path.startsWith('/devices') ? (
                <DevicesPage session={session} />
              ) : path.startsWith('/polls') ? (
                <PollsArea session={session} />
              ) : path.startsWith('/steward') ? (
                <GateScanner session={session} />
              ) : (
                <FanHome
                  session={session}
                  onErased={() =>
                    void leave(
                      'Your data was erased and you are signed out on every device. Your key stays on this phone: signing in again shows your tickets and tokens, which the ledger and the chain keep.',
                    )
                  }
                />
              )
            ) : (
              <section>
                <h1>
                  {path.startsWith('/claim/')
                    ? 'Your ticket link'
                    : path.startsWith('/venue/tickets')
                      ? 'Tickets'
                      : path.startsWith('/venue')
                        ? 'Venue console'
                        : path.startsWith('/staff')
                          ? 'Staff dashboard'
                          : path.startsWith('/devices')
                            ? 'My devices'
                            : path.startsWith('/polls')
                              ? 'Fan poll'
                              : path.startsWith('/steward')
                                ? 'Gate scanner'
                                : 'My tickets'}
                </h1>
                {notice && (
                  <p role="status" className="notice">
                    {notice}
                  </p>
                )}
                {problem && (
                  <p role="alert" className="problem">
                    {problem}
                  </p>
                )}
                <button className="primary" onClick={() => void start()} disabled={busy}>
                  {busy ? 'Signing in…' : 'Sign in'}
                </button>
                <p className="muted">No wallet needed: this app makes a key for you and keeps it on this device.</p>
              </section>
            )
          ) : eventPage ? (
            <EventPage eventId={eventPage} />
          ) : path === '/' || path === '/index.html' ? (
            <>
              <FirstRunNotice />
              <h1>Matches</h1>
              {notice && (
                <p role="status" className="notice">
                  {notice}
                </p>
              )}
              <EventList />
            </>
          ) : (
            <NotFound />
          )}
        </Suspense>
      </main>
    </>
  );
}
