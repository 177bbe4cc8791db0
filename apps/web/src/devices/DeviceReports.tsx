import { useEffect, useState } from 'react';
import type { DeviceEarningStatus, DeviceEarningsView, DeviceEventReadingsView, DeviceReadingsView, DeviceView } from '@fanmesh/protocol';
import { fan } from '../fan/rewards-api';
import { deviceEarnings, deviceReadings } from './devices-api';
import './reports.css';

/** An epoch's status in the owner's words. */
const EARNING_WORDS: Record<DeviceEarningStatus, string> = {
  open: 'Still counting',
  pending: 'Venue is checking',
  settling: 'On its way to the chain',
  delayed: 'Delayed: the venue is retrying',
  rejected: 'Not paid: the venue rejected this round',
  published: 'Paid out',
  claimable: 'Ready to claim',
  claimed: 'Claimed',
};

const EARNING_HINTS: Partial<Record<DeviceEarningStatus, string>> = {
  open: 'The match is on or its rewards are not totalled yet.',
  pending: 'Rewards are totalled; venue staff approve them before they are paid.',
  settling: 'Approved; the payout is being written to the chain.',
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : '');
const n = (x: number) => x.toLocaleString();
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

/** On a device card: readings per match (sensors and turnstiles) and earnings per reward round, refreshed while the page is open. */
export function DeviceReports({ device: d }: { device: DeviceView }) {
  const [readings, setReadings] = useState<DeviceReadingsView>();
  const [earnings, setEarnings] = useState<DeviceEarningsView>();
  const [problem, setProblem] = useState<string>();
  const reads = d.kind !== 'hotspot';
  useEffect(() => {
    let stop = false;
    const load = () => {
      if (reads)
        deviceReadings(d.address).then(
          (r) => !stop && setReadings(r),
          (e: Error) => !stop && setProblem(e.message),
        );
      deviceEarnings(d.address).then(
        (e) => !stop && setEarnings(e),
        (e: Error) => !stop && setProblem(e.message),
      );
    };
    load();
    const t = setInterval(load, 10_000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [d.address, reads]);
  const id = d.address.slice(2, 10);
  return (
    <>
      {problem && !readings && !earnings && <p className="muted">Reports unavailable: {problem}</p>}
      {reads && readings && <Readings view={readings} id={id} />}
      {earnings && <Earnings view={earnings} id={id} />}
    </>
  );
}

function Readings({ view, id }: { view: DeviceReadingsView; id: string }) {
  return (
    <section className="device-section" aria-labelledby={`readings-${id}`} data-testid="device-readings">
      <h3 id={`readings-${id}`}>Readings</h3>
      {view.events.length === 0 ? (
        <p className="muted">No readings yet. They show here once the device sends some during a match.</p>
      ) : (
        <ul className="per-event">
          {view.events.map((e, i) => (
            <EventReadings key={e.eventId} e={e} open={i === 0} />
          ))}
        </ul>
      )}
      {view.otherRefusals.length > 0 && (
        <details className="other-refusals">
          <summary>
            {plural(
              view.otherRefusals.reduce((s, r) => s + r.envelopes, 0),
              'other message',
            )}{' '}
            refused
          </summary>
          <Reasons reasons={view.otherRefusals} unit="message" />
        </details>
      )}
    </section>
  );
}

function EventReadings({ e, open }: { e: DeviceEventReadingsView; open: boolean }) {
  return (
    <li data-event={e.eventId}>
      <details open={open}>
        <summary>
          <strong>{e.eventName ?? 'Unknown match'}</strong>
          <span className="counts">
            <span className="ok">{n(e.accepted.readings)} accepted</span>
            {e.refused.readings + e.refused.envelopes > 0 && <span className="bad">{n(e.refused.readings)} refused</span>}
          </span>
        </summary>
        <p className="muted small">
          {e.startsAt ? `${when(e.startsAt)} · ` : ''}
          {e.accepted.lastReadingAt ? `last reading ${when(e.accepted.lastReadingAt)}` : 'no reading accepted'}
          {e.accepted.envelopes ? ` · in ${plural(e.accepted.envelopes, 'message')}` : ''}
        </p>
        {e.refused.reasons.length > 0 && <Reasons reasons={e.refused.reasons} unit="reading" />}
      </details>
    </li>
  );
}

function Reasons({ reasons, unit }: { reasons: DeviceReadingsView['otherRefusals']; unit: 'reading' | 'message' }) {
  return (
    <ul className="reasons">
      {reasons.map((r) => (
        <li key={r.reason} data-reason={r.reason}>
          <strong>{unit === 'reading' && r.readings ? plural(r.readings, 'reading') : plural(r.envelopes, 'message')}</strong> {r.meaning}
          {r.lastDetail && <small className="muted"> Last time: “{r.lastDetail}”</small>}
        </li>
      ))}
    </ul>
  );
}

function Earnings({ view, id }: { view: DeviceEarningsView; id: string }) {
  // The claim covers everything the owner earned; shown where this device earned part of it.
  const claimable = view.claim.status === 'claimable' && view.claim.claimable !== '0' && view.epochs.some((e) => e.paidToOwner && e.status === 'claimable');
  return (
    <section className="device-section" aria-labelledby={`earnings-${id}`} data-testid="device-earnings">
      <h3 id={`earnings-${id}`}>Earnings{view.earns && view.epochs.length > 0 && <span className="total"> · {fan(view.total)} FAN in all</span>}</h3>
      {!view.earns ? (
        <p className="muted">{view.note}</p>
      ) : view.epochs.length === 0 ? (
        <p className="muted">Nothing yet. After each match, this hotspot’s score and what it earned show here.</p>
      ) : (
        <ul className="epochs">
          {view.epochs.map((e) => (
            <li key={`${e.eventId}-${e.epochId ?? 'open'}`} data-epoch={e.epochId ?? ''} data-status={e.status}>
              <div className="row">
                <strong>{e.eventName ?? 'Match'}</strong>
                <span className={`pill earning-${e.status}`}>{EARNING_WORDS[e.status]}</span>
              </div>
              <div className="row">
                <span className="muted small">
                  Score {n(e.score)} · {plural(e.uniqueWitnesses, 'fan')} checked it · up {Math.round(e.uptime * 100)} %
                </span>
                <span className="amount">{e.amount === null ? '—' : `${fan(e.amount)} FAN`}</span>
              </div>
              {EARNING_HINTS[e.status] && <small className="muted">{EARNING_HINTS[e.status]}</small>}
              {!e.paidToOwner && <small className="muted">Paid to the owner at the time, {e.paidTo.slice(0, 10)}…</small>}
            </li>
          ))}
        </ul>
      )}
      {claimable && (
        <p className="claim-hint">
          {fan(view.claim.claimable)} FAN ready to claim. <a href={view.claim.link}>Claim it in your rewards</a>
        </p>
      )}
    </section>
  );
}
