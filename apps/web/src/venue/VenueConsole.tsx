import { useEffect, useState } from 'react';
import { DEMO_VENUE_ID, type OperatorInviteView, type VenueSummaryView, type VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { signIn, type Session } from '../lib/session';
import { FirstRun } from './FirstRun';
import { JoinInvite } from './JoinInvite';
import { MatchDay } from './MatchDay';
import { People } from './People';
import { PollsTab } from './PollsTab';
import { SetupTab } from './SetupTab';
import { SensorsTab } from './SensorsTab';
import { SponsorsTab } from './SponsorsTab';
import { Link, navigate, usePath } from './console-nav';
import { rememberConsole } from './console-memory';
import { venueApi } from './venue-api';
import { useVenueEvents } from './venue-live';
import { Problem, type ConsoleProps } from './ui';
import './venue.css';

const isAdmin = (s: Session) => s.roles.includes('admin');
const staffVenues = (s: Session) => s.roles.filter((r) => r.startsWith('staff@')).map((r) => r.slice('staff@'.length));

/** The venue console (/venue): first run, a venue's set-up, match day, people, sponsors and polls. */
export function VenueConsole({ session, onSession }: { session: Session; onSession: (s: Session) => void }) {
  const path = usePath();
  const refresh = async () => {
    const next = await signIn(session.wallet);
    onSession(next);
    return next;
  };
  useEffect(() => rememberConsole(isAdmin(session) || staffVenues(session).length > 0), [session]);

  const [, , first, tab] = path.split('/');
  const props = { session, refresh };
  if (first === 'join') return <JoinInvite {...props} />;
  if (first === 'new') return isAdmin(session) ? <NewVenue /> : <NotAllowed session={session} />;
  if (first) return <VenueArea session={session} venueId={first} tab={tab ?? ''} />;
  return <ConsoleHome {...props} />;
}

function ConsoleHome({ session, refresh }: ConsoleProps) {
  const [operator, setOperator] = useState<OperatorInviteView>();
  const [venues, setVenues] = useState<VenueSummaryView[]>();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    venueApi.operatorInvite().then(setOperator, (e: ApiProblem) => setProblem(e.detail));
    venueApi.venues().then(setVenues, (e: ApiProblem) => setProblem(e.detail));
  }, []);
  if (problem) return <Problem text={problem} />;
  if (!operator || !venues) return <p aria-busy="true">Loading the venue console…</p>;
  const own = venues.filter((v) => v.id !== DEMO_VENUE_ID);
  if (operator.open || (isAdmin(session) && own.length === 0)) return <FirstRun session={session} refresh={refresh} claim={operator.open} />;
  const mine = isAdmin(session) ? venues : venues.filter((v) => staffVenues(session).includes(v.id));
  if (!mine.length) return <NotAllowed session={session} closedBecause={operator.reason} />;
  return (
    <section className="console" data-address={session.address}>
      <h1>Venue console</h1>
      <ul className="venue-list" aria-label="Your venues">
        {mine.map((v) => (
          <li key={v.id}>
            <Link to={`/venue/${v.id}${isAdmin(session) ? '' : '/match-day'}`} className="venue-link">
              <strong>{v.name}</strong>
              <span className="muted">
                {v.city} · {v.capacity.toLocaleString()} seats{v.id === DEMO_VENUE_ID ? ' · demo' : ''}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {isAdmin(session) && (
        <Link to="/venue/new" className="primary big">
          Set up a new venue
        </Link>
      )}
    </section>
  );
}

function NotAllowed({ session, closedBecause }: { session: Session; closedBecause?: OperatorInviteView['reason'] }) {
  return (
    <section className="console" data-address={session.address}>
      <h1>Venue console</h1>
      <p>The venue console is for a venue&apos;s staff and admins. If a venue sent you an invite link, open it on this phone: it gives you your role.</p>
      {closedBecause === 'admin_address' && <p className="muted">This FanMesh&apos;s admin is the account ADMIN_ADDRESS names.</p>}
      <p className="muted">
        This phone&apos;s address: <code>{session.address}</code>
      </p>
    </section>
  );
}

function NewVenue() {
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const guess = Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Lisbon';
  const submit = async (form: HTMLFormElement) => {
    const f = new FormData(form);
    setBusy(true);
    setProblem(undefined);
    try {
      const venue = await venueApi.createVenue({ name: String(f.get('name')).trim(), city: String(f.get('city')).trim(), timezone: String(f.get('timezone')).trim() });
      navigate(`/venue/${venue.id}`);
    } catch (e) {
      setProblem((e as ApiProblem).detail ?? (e as Error).message);
      setBusy(false);
    }
  };
  return (
    <section className="console">
      <p>
        <Link to="/venue">← Venue console</Link>
      </p>
      <h1>Set up your venue</h1>
      <p className="muted">Step 1 of 4: the venue. Then its sections and gates, then your first match.</p>
      <form
        className="form card"
        onSubmit={(e) => {
          e.preventDefault();
          void submit(e.currentTarget);
        }}
      >
        <label>
          Venue name
          <input name="name" required maxLength={120} autoComplete="off" />
        </label>
        <label>
          City
          <input name="city" required maxLength={120} autoComplete="address-level2" />
        </label>
        <label>
          Time zone
          <input name="timezone" required defaultValue={guess} aria-describedby="tz-hint" />
          <span id="tz-hint" className="hint">
            Match times show in this zone, e.g. Europe/Lisbon.
          </span>
        </label>
        {problem && <Problem text={problem} />}
        <button className="primary big" disabled={busy}>
          {busy ? 'Creating…' : 'Create venue'}
        </button>
      </form>
    </section>
  );
}

const TABS = [
  { tab: '', label: 'Set-up', admin: true },
  { tab: 'match-day', label: 'Match day', admin: false },
  { tab: 'people', label: 'People', admin: false },
  { tab: 'sponsors', label: 'Sponsors', admin: true },
  { tab: 'polls', label: 'Polls', admin: false },
  { tab: 'sensors', label: 'Sensors', admin: false },
];

/** One venue: its tabs share the venue and its live events, so a status shown on one tab is the status on all. */
function VenueArea({ session, venueId, tab }: { session: Session; venueId: string; tab: string }) {
  const [venue, setVenue] = useState<VenueView>();
  const [problem, setProblem] = useState<string>();
  const events = useVenueEvents(venueId);
  const admin = isAdmin(session);
  useEffect(() => {
    venueApi.venue(venueId).then(setVenue, (e: ApiProblem) => setProblem(e.detail));
  }, [venueId]);
  if (!admin && !staffVenues(session).includes(venueId)) return <NotAllowed session={session} />;
  if (problem) return <Problem text={problem} />;
  if (!venue) return <p aria-busy="true">Loading the venue…</p>;
  const tabs = TABS.filter((t) => admin || !t.admin);
  const ticketEvent = events.events?.find((e) => e.status !== 'settled' && e.status !== 'cancelled');
  const current = tabs.find((t) => t.tab === tab) ?? tabs[0];
  return (
    <section className="console" data-address={session.address}>
      <p className="crumbs">
        <Link to="/venue">Venue console</Link>
      </p>
      <h1>{venue.name}</h1>
      <nav className="tabs" aria-label="Venue console sections">
        {tabs.map((t) => (
          <Link key={t.tab} to={`/venue/${venueId}${t.tab ? `/${t.tab}` : ''}`} aria-current={t === current ? 'page' : undefined}>
            {t.label}
          </Link>
        ))}
        {/* ticket lists and claim links are their own page (/venue/tickets), opened for this venue's next match */}
        <a href={`/venue/tickets${ticketEvent ? `?event=${ticketEvent.id}` : ''}`}>Tickets</a>
      </nav>
      {current.tab === '' && <SetupTab venue={venue} onVenue={setVenue} events={events} />}
      {current.tab === 'match-day' && <MatchDay venue={venue} events={events} />}
      {current.tab === 'people' && <People venue={venue} session={session} />}
      {current.tab === 'sponsors' && <SponsorsTab venue={venue} />}
      {current.tab === 'polls' && <PollsTab venue={venue} events={events} />}
      {current.tab === 'sensors' && <SensorsTab venue={venue} />}
      <p className="muted live-note">
        <span className={`live live-${events.live}`}>{events.live === 'open' ? 'Live' : events.live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}</span> Match statuses update
        by themselves.
      </p>
    </section>
  );
}
