import { useEffect, useRef, useState } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { channels, type DropAnalytics as Analytics, type DropReachView, type DropView, type RealtimeMessage } from '@fanmesh/protocol';
import { ApiProblem, getAccessToken, getJson, getText, postJson, setAccessToken, setApiKey } from '../api/client';
import { Live } from '../lib/live';
import { DropForm } from './DropForm';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

type Drop = DropView;

const KEY = 'fanmesh.sponsor-key';
const statusText: Record<string, string> = {
  draft: 'Waiting for venue approval',
  approved: 'Approved: fires on its trigger',
  approved_manual: 'Approved: fires when you press Fire',
  rejected: 'Sent back by the venue',
  cancelled: 'Cancelled',
  fired: 'Fired',
};

/** Sponsors sign in with their API key (kept for this tab only), create drops, and watch them land. */
export function SponsorConsole() {
  const [key, setKey] = useState<string | null>(() => sessionStorage.getItem(KEY));
  const [me, setMe] = useState<{ subject: string; venueId: string }>();
  const [drops, setDrops] = useState<Drop[]>([]);
  const [selected, setSelected] = useState<string>();
  const [analytics, setAnalytics] = useState<Record<string, Analytics>>({});
  const [problem, setProblem] = useState<string>();
  const [draftKey, setDraftKey] = useState('');
  /** A drop whose audience is empty right now: the sponsor is asked before it fires to nobody. */
  const [nobody, setNobody] = useState<string>();

  const load = () => getJson<Drop[]>('/api/v1/drops').then(setDrops, (e: ApiProblem) => setProblem(e.detail));

  useEffect(() => {
    if (!key) return;
    setApiKey(key);
    let live: Live | undefined;
    postJson<{ accessToken: string; principal: { subject: string; roles: string[] } }>('/api/v1/auth/sponsor-session').then(
      (s) => {
        sessionStorage.setItem(KEY, key);
        setAccessToken(s.accessToken); // for the websocket only; REST calls carry the key
        const venueId = s.principal.roles.find((r) => r.startsWith('sponsor@'))?.slice(8) ?? '';
        setMe({ subject: s.principal.subject, venueId });
        void load();
        live = new Live(getAccessToken);
        live.subscribe(channels.sponsor(s.principal.subject), (data) => {
          const d = data as RealtimeMessage;
          if (d.type === 'drop.analytics') {
            setAnalytics((a) => ({ ...a, [d.dropId]: d }));
            void load();
          }
        });
      },
      (e: ApiProblem) => {
        sessionStorage.removeItem(KEY);
        setApiKey(null);
        setKey(null);
        setProblem(e.code === 'api_key_invalid' ? 'That key is not valid (or was revoked). Ask the venue admin for a new one.' : e.detail);
      },
    );
    // Approval by the venue is not pushed to sponsors; a light poll shows it within seconds.
    const poll = setInterval(() => void load(), 3000);
    return () => {
      clearInterval(poll);
      live?.close();
    };
  }, [key]);

  // The sponsor channel pushes changes; a slow poll covers a socket that is reconnecting.
  useEffect(() => {
    if (!selected) return;
    const refresh = () =>
      getJson<Analytics>(`/api/v1/drops/${selected}/analytics`).then(
        (a) => setAnalytics((x) => ({ ...x, [selected]: a })),
        () => undefined,
      );
    void refresh();
    const timer = setInterval(() => void refresh(), 5000);
    return () => clearInterval(timer);
  }, [selected]);

  const fire = async (d: Drop, anyway = false) => {
    setProblem(undefined);
    if (!anyway) {
      const audience = await getJson<DropReachView>(`/api/v1/drops/${d.id}/audience`).catch(() => undefined);
      if (audience && audience.reach === 0) return setNobody(d.id);
    }
    setNobody(undefined);
    await postJson(`/api/v1/drops/${d.id}/fire`).then(load, (e: ApiProblem) => setProblem(e.detail));
  };
  const exportCsv = async (d: Drop) => {
    const csv = await getText(`/api/v1/drops/${d.id}/analytics/export`);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    a.download = `drop-${d.id}.csv`;
    a.click();
  };

  if (!key || !me) {
    return (
      <section aria-labelledby="sponsor-title">
        <h1 id="sponsor-title">Sponsor console</h1>
        {problem && (
          <p role="alert" className="problem">
            {problem}
          </p>
        )}
        <form className="manual" onSubmit={(e) => (e.preventDefault(), setProblem(undefined), setKey(draftKey.trim()))}>
          <label htmlFor="sponsor-key">Your sponsor API key</label>
          <input id="sponsor-key" type="password" value={draftKey} onChange={(e) => setDraftKey(e.target.value)} placeholder="fmsk_…" autoComplete="off" />
          <button type="submit" className="primary">
            Open the console
          </button>
        </form>
        <p className="muted">The venue's admin gives you a key. It stays in this tab only. You will see your own drops and totals, never fans' addresses.</p>
      </section>
    );
  }
  const current = drops.find((d) => d.id === selected);
  return (
    <section className="dashboard sponsor" aria-labelledby="sponsor-title" data-sponsor={me.subject}>
      <div className="row">
        <h1 id="sponsor-title">Sponsor console</h1>
        <button className="link-dark" onClick={() => (sessionStorage.removeItem(KEY), setApiKey(null), setKey(null), setMe(undefined))}>
          Sign out
        </button>
      </div>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <DropForm venueId={me.venueId} onCreated={(id) => (void load(), setSelected(id))} />
      <section aria-labelledby="my-drops" className="panel">
        <h2 id="my-drops">Your drops</h2>
        {drops.length === 0 && <p className="muted">No drops yet: create one above.</p>}
        <ul className="cards">
          {drops.map((d) => (
            <li key={d.id} data-drop={d.id} className={d.id === selected ? 'selected' : ''}>
              <button className="link-dark" onClick={() => setSelected(d.id)}>
                <strong>{d.content.title}</strong>
              </button>
              <span data-testid="drop-status">
                {statusText[d.status === 'approved' && d.trigger.kind === 'manual' ? 'approved_manual' : d.status] ?? d.status}
                {d.reviewNote ? `: ${d.reviewNote}` : ''}
              </span>
              <span className="muted">
                {d.reward.kind} · {d.claimed}/{d.inventory} claimed ·{' '}
                {d.trigger.kind === 'moment'
                  ? `fires on ${d.trigger.moment}`
                  : d.trigger.kind === 'manual'
                    ? d.status === 'fired'
                      ? 'fired by hand'
                      : 'fires when you press Fire'
                    : 'fires at a time'}
              </span>
              {d.status === 'approved' && d.trigger.kind === 'manual' && nobody !== d.id && (
                <button className="primary" onClick={() => void fire(d)}>
                  Fire
                </button>
              )}
              {nobody === d.id && (
                <div className="confirm" role="alert" data-testid="reach-warning">
                  <p>
                    <strong>Nobody would get this drop right now.</strong> No checked-in fan is in its audience
                    {d.audience.sections?.length ? ` (sections ${d.audience.sections.join(', ')})` : ''}
                    {d.audience.tiers?.length ? ` (tiers ${d.audience.tiers.join(', ')})` : ''}. A drop fires once: fired now, it is spent.
                  </p>
                  <div className="actions">
                    <button className="secondary" onClick={() => setNobody(undefined)}>
                      Wait
                    </button>
                    <button className="primary danger" onClick={() => void fire(d, true)}>
                      Fire anyway
                    </button>
                  </div>
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
      {current && <DropAnalytics drop={current} analytics={analytics[current.id]} onExport={() => void exportCsv(current)} />}
    </section>
  );
}

/** Delivered, opened and redeemed per minute, and the funnel in totals: live from the sponsor channel. */
function DropAnalytics({ drop, analytics, onExport }: { drop: Drop; analytics?: Analytics; onExport: () => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | undefined>(undefined);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'line',
      data: {
        labels: [],
        datasets: [
          { label: 'Delivered', data: [], borderColor: '#0b3d2e' },
          { label: 'Opened', data: [], borderColor: '#f5a700' },
          { label: 'Redeemed', data: [], borderColor: '#c8102e' },
        ],
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    });
    return () => chart.current?.destroy();
  }, [drop.id]);
  useEffect(() => {
    const c = chart.current;
    if (!c || !analytics) return;
    c.data.labels = analytics.timeline.map((t) => new Date(t.minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    c.data.datasets[0].data = analytics.timeline.map((t) => t.delivered);
    c.data.datasets[1].data = analytics.timeline.map((t) => t.opened);
    c.data.datasets[2].data = analytics.timeline.map((t) => t.redeemed);
    c.update('none');
  }, [analytics]);
  return (
    <section aria-labelledby="analytics-title" className="panel">
      <div className="row">
        <h2 id="analytics-title">{drop.content.title}: live</h2>
        <button className="secondary" onClick={onExport}>
          Export CSV
        </button>
      </div>
      <div className="kpis">
        {(['targeted', 'delivered', 'opened', 'redeemed'] as const).map((k) => (
          <div className="kpi" key={k}>
            <span className="kpi-label">{k[0].toUpperCase() + k.slice(1)}</span>
            <span className="kpi-value" data-testid={`kpi-${k}`}>
              {analytics?.[k] ?? 0}
            </span>
          </div>
        ))}
      </div>
      <figure>
        <div className="chart-box">
          <canvas ref={canvas} role="img" aria-label="Delivered, opened and redeemed per minute" />
        </div>
      </figure>
    </section>
  );
}
