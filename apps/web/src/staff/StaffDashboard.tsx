import { useEffect, useRef, useState } from 'react';
import { channels, type AdmissionStats, type EventView, type RealtimeMessage, type ThroughputHistory, type VenueView } from '@fanmesh/protocol';
import { ApiProblem, getAccessToken, getJson } from '../api/client';
import { Live } from '../lib/live';
import type { Session } from '../lib/session';
import { Link, usePath } from '../venue/console-nav';
import { AttendanceChart } from './AttendanceChart';
import { EconomicsPanel } from './EconomicsPanel';
import { HotspotsPanel } from './HotspotsPanel';
import { MomentsPanel } from './MomentsPanel';
import { SensorsPanel } from './SensorsPanel';
import { LateUploadsPanel } from './LateUploadsPanel';
import { AppealsPanel, DropsReviewPanel, EpochPanel } from './ReviewPanels';
import { StaffFeed } from './staff-feed';
import { ThroughputChart } from './ThroughputChart';
import './staff.css';

type Venue = VenueView;
interface Alert {
  at: string;
  text: string;
}

/** How far back the gate throughput chart reaches. */
const THROUGHPUT_MINUTES = 15;
/** Live frames ask for a fresh read at most this often. */
const REFRESH_MS = 500;

/** The dashboard's tabs: the live match (/staff) and the season's economics (/staff/economics). */
const TABS = [
  { tab: '', label: 'Match day' },
  { tab: 'economics', label: 'Economics' },
];

/** Staff's live view of one event (attendance by section against capacity, gate throughput, alerts), and the season's economics. */
export function StaffDashboard({ session }: { session: Session }) {
  const path = usePath();
  const current = TABS.find((t) => t.tab === (path.split('/')[2] ?? '')) ?? TABS[0];
  const venueId = session.roles.find((r) => r.startsWith('staff@'))?.slice('staff@'.length);
  const [venue, setVenue] = useState<Venue>();
  const [events, setEvents] = useState<EventView[]>([]);
  const [eventId, setEventId] = useState<string>();
  const [bySection, setBySection] = useState<Record<string, number>>({});
  const [admitted, setAdmitted] = useState<number>();
  const [history, setHistory] = useState<ThroughputHistory>();
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [problem, setProblem] = useState<string>();
  const feed = useRef(new StaffFeed()).current;

  useEffect(() => {
    if (!venueId) return;
    getJson<Venue>(`/api/v1/venues/${venueId}`).then(setVenue, (e: ApiProblem) => setProblem(e.detail));
    getJson<EventView[]>(`/api/v1/events?venueId=${venueId}`).then((list) => {
      setEvents(list);
      setEventId((current) => current ?? (list.find((e) => e.status === 'gates_open' || e.status === 'live') ?? list[0])?.id);
    });
  }, [venueId]);

  useEffect(() => {
    if (!eventId || !venueId) return;
    setAdmitted(undefined);
    setBySection({});
    setHistory(undefined);
    // The counts and the chart are always the server's: a throughput frame says "more came in" and
    // the dashboard reads them back. Adding each frame to a count read over REST counted twice the
    // admissions of the frame that was still being summed when the page loaded (one too many).
    let closed = false;
    let asked = 0;
    let shown = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      const n = ++asked;
      Promise.all([
        getJson<AdmissionStats>(`/api/v1/events/${eventId}/admissions`),
        getJson<ThroughputHistory>(`/api/v1/events/${eventId}/admissions/throughput?minutes=${THROUGHPUT_MINUTES}`),
      ]).then(
        ([stats, h]) => {
          if (closed || n < shown) return; // an older read answering late
          shown = n;
          setAdmitted(stats.admitted);
          setBySection(stats.bySection);
          setHistory(h);
        },
        (e: ApiProblem) => !closed && setProblem(e.detail),
      );
    };
    const soon = () => (timer ??= setTimeout(() => ((timer = undefined), refresh()), REFRESH_MS));
    refresh();
    const live = new Live(getAccessToken);
    // On every (re)connect: what came in while the socket was away, or before it subscribed, is read back.
    live.onState = (state) => state === 'open' && soon();
    live.subscribe(channels.staff(venueId), (data) => {
      const d = data as RealtimeMessage;
      feed.emit(d);
      if (d.type === 'access.throughput' && d.eventId === eventId) {
        soon();
      } else if (d.type === 'event.status_changed') {
        setEvents((list) => list.map((e) => (e.id === d.eventId ? { ...e, status: d.to } : e)));
      } else if (d.type === 'access.conflict') {
        setAlerts((a) => [{ at: new Date().toISOString(), text: `Ticket admitted twice: gate ${d.first.gate} and gate ${d.second.gate}` }, ...a]);
      } else if (d.type === 'merch.clone_suspected') {
        setAlerts((a) => [{ at: new Date().toISOString(), text: `Likely cloned merch tag ${d.serial}` }, ...a]);
      } else if (d.type === 'sensing.attendance_alert' && d.eventId === eventId) {
        setAlerts((a) => [
          { at: new Date().toISOString(), text: `Section ${d.section}: turnstiles counted ${d.counted}, gates admitted ${d.admitted}. Check for tailgating or a broken counter.` },
          ...a,
        ]);
      } else if (d.type === 'device.status' && (d.status === 'offline' || d.status === 'denylisted')) {
        setAlerts((a) => [{ at: new Date().toISOString(), text: `Device ${d.device.slice(0, 10)}… is ${d.status}` }, ...a]);
      }
    });
    return () => {
      closed = true;
      clearTimeout(timer);
      live.close();
    };
  }, [eventId, venueId]);

  if (!venueId) {
    return (
      <section data-address={session.address}>
        <h1>Staff dashboard</h1>
        <p>You are not staff at any venue yet. Ask an admin to grant you the staff role, then sign in again.</p>
        <p className="muted">
          Your address: <code>{session.address}</code>
        </p>
      </section>
    );
  }
  return (
    <section className="dashboard" data-address={session.address}>
      <div className="row">
        <h1>{venue?.name ?? 'Staff dashboard'}</h1>
        {current.tab === '' && (
          <select aria-label="Event" value={eventId} onChange={(e) => setEventId(e.target.value)}>
            {events.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name} ({e.status})
              </option>
            ))}
          </select>
        )}
      </div>
      <nav className="tabs" aria-label="Staff dashboard sections">
        {TABS.map((t) => (
          <Link key={t.tab} to={`/staff${t.tab ? `/${t.tab}` : ''}`} aria-current={t === current ? 'page' : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {current.tab === 'economics' ? (
        <EconomicsPanel listen={feed.listen} />
      ) : (
        <>
          <div className="kpis">
            <div className="kpi">
              <span className="kpi-label">Admitted</span>
              <span className="kpi-value" data-testid="admitted">
                {admitted === undefined ? '…' : admitted.toLocaleString()}
              </span>
            </div>
            <div className="kpi">
              <span className="kpi-label">Capacity</span>
              <span className="kpi-value">{venue?.capacity.toLocaleString() ?? '—'}</span>
            </div>
            <div className="kpi">
              <span className="kpi-label">Filled</span>
              <span className="kpi-value">{venue && admitted !== undefined ? `${((admitted / venue.capacity) * 100).toFixed(1)}%` : '—'}</span>
            </div>
          </div>
          <div className="charts">
            <AttendanceChart sections={venue?.sections ?? []} bySection={bySection} />
            <ThroughputChart history={history} gates={venue?.gates ?? []} />
          </div>
          {eventId && (
            <div className="panels">
              <MomentsPanel eventId={eventId} listen={feed.listen} />
              <HotspotsPanel eventId={eventId} listen={feed.listen} />
              <SensorsPanel eventId={eventId} listen={feed.listen} />
              <LateUploadsPanel eventId={eventId} gateName={(id) => venue?.gates.find((g) => g.id === id)?.name ?? 'a gate'} listen={feed.listen} />
              <EpochPanel eventId={eventId} eventStatus={events.find((e) => e.id === eventId)?.status ?? ''} listen={feed.listen} />
              <AppealsPanel venueId={venueId} listen={feed.listen} />
              <DropsReviewPanel venueId={venueId} listen={feed.listen} />
            </div>
          )}
          <section aria-label="Alerts">
            <h2>Alerts</h2>
            {alerts.length === 0 ? (
              <p className="muted">No fraud or conflict alerts.</p>
            ) : (
              <ul className="alerts">
                {alerts.map((a, i) => (
                  <li key={i}>
                    <time>{new Date(a.at).toLocaleTimeString()}</time> {a.text}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </section>
  );
}
