import { useEffect, useState } from 'react';
import type { ClaimLinkView, MyTicketView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { TicketQr } from '../fan/TicketQr';
import type { Session } from '../lib/session';
import { claimApi } from './claim-api';
import './claim.css';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });

/**
 * /claim/<token>: a claim link from the venue, or a transfer link from a friend. Claiming ties the
 * ticket to the key this app already keeps on the phone: nothing to copy, no wallet. A link that
 * was used says who holds the ticket now and never binds it again.
 */
export function ClaimPage({ session }: { session: Session }) {
  const token = decodeURIComponent(location.pathname.slice('/claim/'.length)).replace(/\/+$/, '');
  const [link, setLink] = useState<ClaimLinkView>();
  const [mine, setMine] = useState<MyTicketView>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const view = await claimApi.lookup(token);
      setLink(view);
      if (view.holder?.you) setMine((await claimApi.mine()).find((t) => t.id === view.ticket.id));
    } catch (e) {
      const p = e as ApiProblem;
      setProblem(p.code === 'validation_failed' || p.code === 'claim_link_not_found' ? 'This link is not valid. Check that it was copied whole, or ask for a new one.' : p.detail);
    }
  };
  useEffect(() => void load(), [token, session.address]);

  const claim = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      setMine(await claimApi.claim(token));
      setLink(await claimApi.lookup(token));
    } catch (e) {
      setProblem((e as ApiProblem).detail);
      await load();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="claim-page" data-address={session.address} aria-labelledby="claim-title">
      <h1 id="claim-title">{!link ? 'Your ticket link' : link.kind === 'transfer' ? 'A ticket handed to you' : 'Your ticket'}</h1>
      {!link && !problem && <p aria-busy="true">Opening the link…</p>}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {link && (
        <article className="ticket-card" data-status={link.status}>
          <h2>{link.event.name}</h2>
          <p className="muted">
            {link.event.venueName} · {when(link.event.startsAt)}
          </p>
          <p className="seat">
            Section <strong>{link.ticket.section}</strong>, seat <strong>{link.ticket.seat}</strong> · {link.ticket.tier}
          </p>
          <Verdict link={link} />
          {link.status === 'open' && !link.holder?.you && (
            <>
              <button className="primary big" onClick={() => void claim()} disabled={busy}>
                {busy ? 'Claiming…' : 'Claim this ticket'}
              </button>
              <p className="muted small">The ticket is tied to this phone&apos;s own key. No wallet, no address to copy. The link works once.</p>
            </>
          )}
          {mine && link.holder?.you && (
            <>
              {mine.admittedAt ? (
                <p className="admitted" role="status">
                  ✓ Admitted {new Date(mine.admittedAt).toLocaleTimeString()}
                </p>
              ) : (
                <TicketQr wallet={session.wallet} ticketId={mine.id} version={mine.version} />
              )}
              <p>
                <a href="/tickets">All my tickets</a>
              </p>
            </>
          )}
        </article>
      )}
    </section>
  );
}

function Verdict({ link }: { link: ClaimLinkView }) {
  const held = link.holder;
  const expires = new Date(link.expiresAt).toLocaleString();
  const holder =
    held &&
    (held.you ? (
      <>You hold this ticket now.</>
    ) : (
      <>
        The ticket is held by <code>{held.short}</code> now.
      </>
    ));
  switch (link.status) {
    case 'claimed':
      return held?.you ? (
        <p role="status" className="verdict-line ok">
          This ticket is yours. Show the code below at the gate.
        </p>
      ) : (
        <p role="status" className="verdict-line">
          This link was used already. {holder}
        </p>
      );
    case 'expired':
      return <p className="problem">This link expired on {expires}. Ask the venue or the person who sent it for a new one.</p>;
    case 'revoked':
      return <p className="problem">This link was replaced by a newer one. Ask the person who sent it for the latest link. {holder}</p>;
    case 'stale':
      return <p className="problem">This ticket changed since the link was made (it was handed on or cancelled), so the link no longer works. {holder}</p>;
    default:
      return held?.you ? (
        <p role="status" className="verdict-line">
          This is the link to hand your ticket on. Send it to the person you are giving it to; the ticket stays yours until they claim it (before {expires}).
        </p>
      ) : (
        <p className="verdict-line">
          {link.kind === 'transfer' && held ? (
            <>
              <code>{held.short}</code> is handing this ticket to you.{' '}
            </>
          ) : null}
          Claim it before {expires}.
        </p>
      );
  }
}
