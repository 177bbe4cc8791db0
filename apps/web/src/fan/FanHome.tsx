import { useEffect, useState } from 'react';
import { channels, type BalanceView, type EventView, type FanDropView, type MomentKind, type MyTicketView, type RealtimeMessage, type RewardKind } from '@fanmesh/protocol';
import { ApiProblem, getAccessToken, getJson, postJson } from '../api/client';
import { Live } from '../lib/live';
import { exportKey, savedTickets, saveTickets, Session } from '../lib/session';
import { DropsInbox, FanDrop } from './DropsInbox';
import { MyData } from './MyData';
import { fan } from './rewards-api';
import { RewardsCard } from './RewardsCard';
import { TicketQr } from './TicketQr';
import { TransferLink } from '../claim/TransferLink';
import { WitnessMode } from './WitnessMode';

const EARNED_FOR: Record<RewardKind, string> = {
  admission: 'for checking in at the gate',
  verification: 'for verifying a fan at the gate',
  moment: 'for being there for a match moment',
  witness: 'for witnessing a fan hotspot',
  coverage: 'for your hotspot’s coverage',
  sensing: 'for your sensor hearing a match moment',
  drop: 'from a sponsor drop',
};
const MOMENT_TEXT: Record<MomentKind, string> = { kickoff: 'Kick-off!', goal: 'GOAL!', halftime: 'Half-time', fulltime: 'Full time', big_moment: 'What a moment!' };

type MyTicket = MyTicketView;
/** One line of the feed; `key` (a ledger entry's kind and cause) keeps the ledger's copy and the live frame's from showing twice. */
type FeedItem = { at: string; text: string; key?: string };

const FEED_MAX = 50;
const byTime = (a: FeedItem, b: FeedItem) => b.at.localeCompare(a.at);
const earned = (amount: string, kind: RewardKind, reason: string, match?: string) => `+${fan(amount)} FAN ${EARNED_FOR[kind] ?? `(${reason})`}${match ? ` at ${match}` : ''}.`;

export function FanHome({ session, onErased }: { session: Session; onErased: () => void }) {
  const [tickets, setTickets] = useState<MyTicket[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [feed, setFeed] = useState<FeedItem[]>([]);
  const [backup, setBackup] = useState<string | null>(null);
  const [live, setLive] = useState<Live['state']>('connecting');
  const [balance, setBalance] = useState<string | null>(null);
  const [drops, setDrops] = useState<FanDrop[]>([]);
  const [conn, setConn] = useState<Live>();

  // Online: the API's answer, saved for this address; offline (or the API unreachable): the saved copy.
  const saved = (why?: string) =>
    savedTickets(session.address).then((list) => {
      if (list) setTickets(list);
      else if (why) setProblem(why);
      else setTickets([]);
    });
  const load = () =>
    session.offline
      ? saved()
      : getJson<MyTicket[]>('/api/v1/tickets/mine').then(
          (list) => {
            setTickets(list);
            void saveTickets(session.address, list);
          },
          (e: ApiProblem) => (e.code === 'offline' ? saved(e.detail) : setProblem(e.detail)),
        );
  const add = (items: FeedItem[]) =>
    setFeed((f) => {
      const keys = new Set(f.map((x) => x.key).filter(Boolean));
      return [...f, ...items.filter((x) => !x.key || !keys.has(x.key))].sort(byTime).slice(0, FEED_MAX);
    });
  const say = (text: string, at = new Date().toISOString(), key?: string) => add([{ at, text, key }]);

  useEffect(() => {
    setProblem(null);
    void load();
    if (session.offline) return;
    // History: what earned each token, from the ledger (it outlives this page), with the match's name.
    Promise.all([getJson<BalanceView>('/api/v1/rewards/me'), getJson<EventView[]>('/api/v1/events').catch(() => [] as EventView[])]).then(
      ([mine, events]) => {
        setBalance(mine.balance);
        const names = new Map(events.map((e) => [e.id, e.name]));
        add(
          mine.entries.filter((e) => BigInt(e.amount) > 0n).map((e) => ({ at: e.at, key: `${e.kind}:${e.cause}`, text: earned(e.amount, e.kind, e.reason, names.get(e.eventId)) })),
        );
      },
      () => undefined,
    );
    getJson<FanDropView[]>('/api/v1/drops/mine').then(
      (rows) =>
        setDrops(
          rows.map((r) => ({
            dropId: r.dropId,
            title: r.content.title,
            body: r.content.body,
            imageUrl: r.content.imageUrl,
            cta: r.content.cta,
            rewardKind: r.rewardKind,
            codes: r.codes ?? [],
            expiresAt: r.expiresAt,
          })),
        ),
      () => undefined,
    );
    const c = new Live(getAccessToken);
    c.onState = setLive;
    setConn(c);
    const off = c.subscribe(channels.fan(session.address), (data) => {
      const d = data as RealtimeMessage;
      switch (d.type) {
        case 'access.admitted':
          setTickets((list) => list?.map((t) => (t.id === d.ticketId ? { ...t, admittedAt: d.at ?? new Date().toISOString() } : t)) ?? list);
          return say(`Welcome in! Checked in to section ${d.section}.`, d.at);
        case 'rewards.credited':
          if (d.balance !== undefined) setBalance(d.balance);
          return say(earned(d.amount, d.kind, d.reason), undefined, `${d.kind}:${d.cause}`);
        case 'drop.delivered':
          // Tell the sponsor's analytics it arrived; the fan opens it when they like.
          void postJson(`/api/v1/drops/${d.dropId}/delivered`).catch(() => undefined);
          setDrops((list) =>
            list.some((x) => x.dropId === d.dropId)
              ? list
              : [{ dropId: d.dropId, title: d.title, body: d.body, imageUrl: d.imageUrl, cta: d.cta, rewardKind: d.reward.kind, codes: [], expiresAt: d.expiresAt }, ...list],
          );
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
  }, [session.address, session.offline]);

  // Match moments arrive on each event's public channel.
  const eventIds = [...new Set(tickets?.map((t) => t.event.id) ?? [])].join(',');
  useEffect(() => {
    if (!conn || !eventIds) return;
    const offs = eventIds.split(',').map((id) =>
      conn.subscribe(channels.event(id), (data) => {
        const d = data as RealtimeMessage;
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
          <span className="live live-closed" aria-live="polite">
            Offline – saved tickets
          </span>
        ) : (
          <span className={`live live-${live}`} aria-live="polite">
            {live === 'open' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline – reconnecting'}
          </span>
        )}
      </div>
      <p className="muted">
        Signed in as{' '}
        <code>
          {session.address.slice(0, 6)}…{session.address.slice(-4)}
        </code>
      </p>
      {session.offline && (
        <p className="muted" role="note">
          No connection. Your saved tickets still work: the code is signed on this phone.
        </p>
      )}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
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
              <p className="admitted" role="status">
                ✓ Admitted {new Date(t.admittedAt).toLocaleTimeString()}
              </p>
            ) : t.status === 'valid' ? (
              <>
                <TicketQr wallet={session.wallet} ticketId={t.id} version={t.version} />
                {!session.offline && <TransferLink ticketId={t.id} />}
              </>
            ) : (
              <p className="problem">This ticket was revoked.</p>
            )}
          </li>
        ))}
      </ul>
      {feed.length > 0 && (
        <section aria-label="What happened" className="history">
          <h2>Feed</h2>
          <p className="muted">What earned your tokens comes from the rewards ledger; check-ins, moments and drops appear as they happen.</p>
          <ul className="feed">
            {feed.map((f, i) => (
              <li key={i}>
                <time>{new Date(f.at).toLocaleTimeString()}</time> {f.text}
              </li>
            ))}
          </ul>
        </section>
      )}
      {!session.offline && <MyData address={session.address} onErased={onErased} />}
      <details className="backup">
        <summary>Back up your key</summary>
        <p>This app keeps your key on this device. Save it somewhere safe to use your tickets and tokens on another device.</p>
        {backup ? <code className="key">{backup}</code> : <button onClick={() => exportKey().then((k) => setBackup(k ?? null))}>Show my key</button>}
      </details>
    </section>
  );
}
