import { useEffect, useState } from 'react';
import { ApiProblem, getAccessToken, getJson } from '../api/client';
import { Live } from '../lib/live';
import { exportKey, Session } from '../lib/session';
import { TicketQr } from './TicketQr';

interface MyTicket {
  id: string;
  version: number;
  section: string;
  seat: string;
  tier: string;
  status: string;
  admittedAt: string | null;
  event: { id: string; name: string; startsAt: string; venueName: string; status: string };
}

export function FanHome({ session }: { session: Session }) {
  const [tickets, setTickets] = useState<MyTicket[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [feed, setFeed] = useState<{ at: string; text: string }[]>([]);
  const [backup, setBackup] = useState<string | null>(null);
  const [live, setLive] = useState<Live['state']>('connecting');

  const load = () => getJson<MyTicket[]>('/api/v1/tickets/mine').then(setTickets, (e: ApiProblem) => setProblem(e.detail));

  useEffect(() => {
    void load();
    if (session.offline) return;
    const conn = new Live(getAccessToken);
    conn.onState = setLive;
    const off = conn.subscribe(`fan:${session.address}`, (data) => {
      const d = data as { type: string; ticketId?: string; at?: string; section?: string };
      if (d.type === 'access.admitted') {
        setTickets((list) => list?.map((t) => (t.id === d.ticketId ? { ...t, admittedAt: d.at ?? new Date().toISOString() } : t)) ?? list);
        setFeed((f) => [{ at: d.at ?? new Date().toISOString(), text: `Welcome in! Checked in to section ${d.section}.` }, ...f]);
      }
    });
    return () => {
      off();
      conn.close();
    };
  }, [session.address]);

  return (
    <section aria-labelledby="my-tickets" data-address={session.address}>
      <div className="row">
        <h1 id="my-tickets">My tickets</h1>
        {session.offline ? (
          <span className="live live-closed" aria-live="polite">Offline – saved tickets</span>
        ) : (
          <span className={`live live-${live}`} aria-live="polite">{live === 'open' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline – reconnecting'}</span>
        )}
      </div>
      <p className="muted">Signed in as <code>{session.address.slice(0, 6)}…{session.address.slice(-4)}</code></p>
      {session.offline && <p className="muted" role="note">No connection. Your saved tickets still work: the code is signed on this phone.</p>}
      {problem && <p role="alert" className="problem">{problem}</p>}
      {tickets === null && !problem && <p aria-busy="true">Loading your tickets…</p>}
      {tickets?.length === 0 && <p>No tickets yet. Tickets sent to your address appear here.</p>}
      <ul className="tickets">
        {tickets?.map((t) => (
          <li key={t.id} className="ticket-card" data-ticket={t.id}>
            <h2>{t.event.name}</h2>
            <p className="muted">
              {t.event.venueName} · Section {t.section}, seat {t.seat} · {t.tier}
            </p>
            {t.admittedAt ? (
              <p className="admitted" role="status">✓ Admitted {new Date(t.admittedAt).toLocaleTimeString()}</p>
            ) : t.status === 'valid' ? (
              <TicketQr wallet={session.wallet} ticketId={t.id} version={t.version} />
            ) : (
              <p className="problem">This ticket was revoked.</p>
            )}
          </li>
        ))}
      </ul>
      {feed.length > 0 && (
        <section aria-label="What happened">
          <h2>Feed</h2>
          <ul className="feed">{feed.map((f, i) => <li key={i}><time>{new Date(f.at).toLocaleTimeString()}</time> {f.text}</li>)}</ul>
        </section>
      )}
      <details className="backup">
        <summary>Back up your key</summary>
        <p>This app keeps your key on this device. Save it somewhere safe to use your tickets and tokens on another device.</p>
        {backup ? <code className="key">{backup}</code> : <button onClick={() => exportKey().then((k) => setBackup(k ?? null))}>Show my key</button>}
      </details>
    </section>
  );
}
