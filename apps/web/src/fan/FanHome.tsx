import { useEffect, useState } from 'react';
import { ApiProblem, getAccessToken, getJson, postJson } from '../api/client';
import { Live } from '../lib/live';
import { exportKey, Session } from '../lib/session';
import { DropsInbox, FanDrop } from './DropsInbox';
import { fan } from './rewards-api';
import { RewardsCard } from './RewardsCard';
import { TicketQr } from './TicketQr';
import { WitnessMode } from './WitnessMode';

const EARNED_FOR: Record<string, string> = {
  admission: 'for checking in at the gate',
  verification: 'for verifying a fan at the gate',
  moment: 'for being there for a match moment',
  witness: 'for witnessing a fan hotspot',
  coverage: 'for your hotspot’s coverage',
  drop: 'from a sponsor drop',
};
const MOMENT_TEXT: Record<string, string> = { kickoff: 'Kick-off!', goal: 'GOAL!', halftime: 'Half-time', fulltime: 'Full time', big_moment: 'What a moment!' };

interface FanDropRow {
  dropId: string;
  content: { title: string; body: string; imageUrl?: string; cta?: { label: string; url: string } };
  rewardKind: string;
  codes: string[];
  expiresAt: string;
}

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
  const [balance, setBalance] = useState<string | null>(null);
  const [drops, setDrops] = useState<FanDrop[]>([]);
  const [conn, setConn] = useState<Live>();

  const load = () => getJson<MyTicket[]>('/api/v1/tickets/mine').then(setTickets, (e: ApiProblem) => setProblem(e.detail));
  const say = (text: string, at = new Date().toISOString()) => setFeed((f) => [{ at, text }, ...f].slice(0, 50));

  useEffect(() => {
    void load();
    if (session.offline) return;
    getJson<FanDropRow[]>('/api/v1/drops/mine').then(
      (rows) => setDrops(rows.map((r) => ({ dropId: r.dropId, title: r.content.title, body: r.content.body, imageUrl: r.content.imageUrl, cta: r.content.cta, rewardKind: r.rewardKind, codes: r.codes ?? [], expiresAt: r.expiresAt }))),
      () => undefined,
    );
    const c = new Live(getAccessToken);
    c.onState = setLive;
    setConn(c);
    const off = c.subscribe(`fan:${session.address}`, (data) => {
      const d = data as Record<string, string> & { type: string; cta?: { label: string; url: string } | null };
      switch (d.type) {
        case 'access.admitted':
          setTickets((list) => list?.map((t) => (t.id === d.ticketId ? { ...t, admittedAt: d.at ?? new Date().toISOString() } : t)) ?? list);
          return say(`Welcome in! Checked in to section ${d.section}.`, d.at);
        case 'rewards.credited':
          setBalance(d.balance);
          return say(`+${fan(d.amount)} FAN ${EARNED_FOR[d.kind] ?? `(${d.reason})`}.`);
        case 'drop.delivered':
          // Tell the sponsor's analytics it arrived; the fan opens it when they like.
          void postJson(`/api/v1/drops/${d.dropId}/delivered`).catch(() => undefined);
          setDrops((list) => (list.some((x) => x.dropId === d.dropId) ? list : [{ dropId: d.dropId, title: d.title, body: d.body, imageUrl: d.imageUrl, cta: d.cta, rewardKind: (d as unknown as { reward: { kind: string } }).reward.kind, codes: [], expiresAt: d.expiresAt }, ...list]));
          return say(`A drop for you: ${d.title}`);
        case 'coverage.witness':
          return d.verdict === 'valid' ? say('You witnessed a fan hotspot.') : undefined;
        case 'device.appeal':
          return say(`Your appeal for hotspot ${d.device.slice(0, 8)}… was ${d.status}.`);
      }
    });
    return () => {
      off();
      c.close();
    };
  }, [session.address]);

  // Match moments arrive on each event's public channel.
  const eventIds = [...new Set(tickets?.map((t) => t.event.id) ?? [])].join(',');
  useEffect(() => {
    if (!conn || !eventIds) return;
    const offs = eventIds.split(',').map((id) =>
      conn.subscribe(`event:${id}`, (data) => {
        const d = data as { type: string; moment?: { kind: string; team: string | null; at: string } };
        if (d.type === 'moments.confirmed' && d.moment) say(`${MOMENT_TEXT[d.moment.kind] ?? d.moment.kind}${d.moment.team ? ` (${d.moment.team})` : ''}`, d.moment.at);
      }),
    );
    return () => offs.forEach((off) => off());
  }, [conn, eventIds]);

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
      {!session.offline && <RewardsCard wallet={session.wallet} address={session.address} balance={balance} onBalance={setBalance} />}
      <DropsInbox drops={drops} onRedeemed={(id, code) => setDrops((list) => list.map((d) => (d.dropId === id ? { ...d, codes: [...d.codes, code] } : d)))} />
      {!session.offline && <WitnessMode wallet={session.wallet} address={session.address} />}
      {tickets === null && !problem && <p aria-busy="true">Loading your tickets…</p>}
      {tickets?.length === 0 && <p>No tickets yet. Tickets sent to your address appear here.</p>}
      <ul className="tickets">
        {tickets?.map((t) => (
          <li key={t.id} className="ticket-card" data-ticket={t.id}>
            <h2>{t.event.name}</h2>
            <p className="muted">
              {t.event.venueName} · Section {t.section}, seat {t.seat} · {t.tier}
            </p>
            <a href={`/polls?event=${t.event.id}`}>Polls for this match</a>
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
