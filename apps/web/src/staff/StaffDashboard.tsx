import { useEffect, useRef, useState } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { ApiProblem, getAccessToken, getJson } from '../api/client';
import { Live } from '../lib/live';
import type { Session } from '../lib/session';
import { HotspotsPanel } from './HotspotsPanel';
import { MomentsPanel } from './MomentsPanel';
import { SensorsPanel } from './SensorsPanel';
import { AppealsPanel, DropsReviewPanel, EpochPanel } from './ReviewPanels';
import { StaffFeed } from './staff-feed';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

interface Venue {
  id: string;
  name: string;
  capacity: number;
  sections: { code: string; capacity: number }[];
  gates: { id: string; code: string }[];
}
interface EventView {
  id: string;
  name: string;
  status: string;
  startsAt: string;
}
interface Alert {
  at: string;
  text: string;
}

/** Staff's live view of one event: attendance by section against capacity, gate throughput, alerts. */
export function StaffDashboard({ session }: { session: Session }) {
  const venueId = session.roles.find((r) => r.startsWith('staff@'))?.slice('staff@'.length);
  const [venue, setVenue] = useState<Venue>();
  const [events, setEvents] = useState<EventView[]>([]);
  const [eventId, setEventId] = useState<string>();
  const [bySection, setBySection] = useState<Record<string, number>>({});
  const [admitted, setAdmitted] = useState(0);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [problem, setProblem] = useState<string>();
  const sectionChart = useRef<HTMLCanvasElement>(null);
  const rateChart = useRef<HTMLCanvasElement>(null);
  const charts = useRef<{ sections?: Chart; rate?: Chart }>({});
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
    getJson<{ admitted: number; bySection: Record<string, number> }>(`/api/v1/events/${eventId}/admissions`).then((s) => {
      setAdmitted(s.admitted);
      setBySection(s.bySection);
    });
    const live = new Live(getAccessToken);
    live.subscribe(`staff:${venueId}`, (data) => {
      const d = data as { type: string; eventId?: string; admitted?: number; bySection?: Record<string, number>; at?: string; serial?: string; ticketId?: string; first?: { gate: string }; second?: { gate: string }; section?: string; counted?: number; device?: string; status?: string };
      feed.emit(data as { type: string });
      if (d.type === 'access.throughput' && d.eventId === eventId) {
        setAdmitted((n) => n + (d.admitted ?? 0));
        setBySection((prev) => {
          const next = { ...prev };
          for (const [k, v] of Object.entries(d.bySection ?? {})) next[k] = (next[k] ?? 0) + v;
          return next;
        });
        const rate = charts.current.rate;
        if (rate) {
          rate.data.labels!.push(new Date(d.at!).toLocaleTimeString());
          rate.data.datasets[0].data.push(d.admitted ?? 0);
          if (rate.data.labels!.length > 120) (rate.data.labels!.shift(), rate.data.datasets[0].data.shift());
          rate.update('none');
        }
      } else if (d.type === 'access.conflict') {
        setAlerts((a) => [{ at: new Date().toISOString(), text: `Ticket admitted twice: gate ${d.first?.gate} and gate ${d.second?.gate}` }, ...a]);
      } else if (d.type === 'merch.clone_suspected') {
        setAlerts((a) => [{ at: new Date().toISOString(), text: `Likely cloned merch tag ${d.serial}` }, ...a]);
      } else if (d.type === 'sensing.attendance_alert' && d.eventId === eventId) {
        setAlerts((a) => [{ at: new Date().toISOString(), text: `Section ${d.section}: turnstiles counted ${d.counted}, gates admitted ${d.admitted}. Check for tailgating or a broken counter.` }, ...a]);
      } else if (d.type === 'device.status' && (d.status === 'offline' || d.status === 'denylisted')) {
        setAlerts((a) => [{ at: new Date().toISOString(), text: `Device ${d.device?.slice(0, 10)}… is ${d.status}` }, ...a]);
      }
    });
    return () => live.close();
  }, [eventId, venueId]);

  useEffect(() => {
    if (!venue || !sectionChart.current || !rateChart.current) return;
    charts.current.sections = new Chart(sectionChart.current, {
      type: 'bar',
      data: { labels: venue.sections.map((s) => s.code), datasets: [{ label: '% of capacity in the stands', data: [], backgroundColor: '#0b3d2e' }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } } } },
    });
    charts.current.rate = new Chart(rateChart.current, {
      type: 'line',
      data: { labels: [], datasets: [{ label: 'Admissions per second', data: [], borderColor: '#c8102e', tension: 0.2 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    });
    return () => {
      charts.current.sections?.destroy();
      charts.current.rate?.destroy();
    };
  }, [venue]);

  useEffect(() => {
    const c = charts.current.sections;
    if (!c || !venue) return;
    // Percent of each section's capacity, so a half-empty stand shows at a glance.
    c.data.datasets[0].data = venue.sections.map((s) => Math.round(((bySection[s.code] ?? 0) / s.capacity) * 1000) / 10);
    c.update('none');
  }, [bySection, venue]);

  if (!venueId) {
    return (
      <section data-address={session.address}>
        <h1>Staff dashboard</h1>
        <p>You are not staff at any venue yet. Ask an admin to grant you the staff role, then sign in again.</p>
        <p className="muted">Your address: <code>{session.address}</code></p>
      </section>
    );
  }
  return (
    <section className="dashboard" data-address={session.address}>
      <div className="row">
        <h1>{venue?.name ?? 'Staff dashboard'}</h1>
        <select aria-label="Event" value={eventId} onChange={(e) => setEventId(e.target.value)}>
          {events.map((e) => (
            <option key={e.id} value={e.id}>{e.name} ({e.status})</option>
          ))}
        </select>
      </div>
      {problem && <p role="alert" className="problem">{problem}</p>}
      <div className="kpis">
        <div className="kpi"><span className="kpi-label">Admitted</span><span className="kpi-value" data-testid="admitted">{admitted.toLocaleString()}</span></div>
        <div className="kpi"><span className="kpi-label">Capacity</span><span className="kpi-value">{venue?.capacity.toLocaleString() ?? '—'}</span></div>
        <div className="kpi"><span className="kpi-label">Filled</span><span className="kpi-value">{venue ? `${((admitted / venue.capacity) * 100).toFixed(1)}%` : '—'}</span></div>
      </div>
      <div className="charts">
        <figure><figcaption>Attendance by section</figcaption><div className="chart-box"><canvas ref={sectionChart} aria-label="Attendance by section against capacity" role="img" /></div></figure>
        <figure><figcaption>Gate throughput</figcaption><div className="chart-box"><canvas ref={rateChart} aria-label="Admissions per second" role="img" /></div></figure>
      </div>
      {eventId && (
        <div className="panels">
          <MomentsPanel eventId={eventId} listen={feed.listen} />
          <HotspotsPanel eventId={eventId} listen={feed.listen} />
          <SensorsPanel eventId={eventId} listen={feed.listen} />
          <EpochPanel eventId={eventId} eventStatus={events.find((e) => e.id === eventId)?.status ?? ''} listen={feed.listen} />
          <AppealsPanel venueId={venueId} listen={feed.listen} />
          <DropsReviewPanel venueId={venueId} listen={feed.listen} />
        </div>
      )}
      <section aria-label="Alerts">
        <h2>Alerts</h2>
        {alerts.length === 0 ? <p className="muted">No fraud or conflict alerts.</p> : <ul className="alerts">{alerts.map((a, i) => <li key={i}><time>{new Date(a.at).toLocaleTimeString()}</time> {a.text}</li>)}</ul>}
      </section>
    </section>
  );
}
