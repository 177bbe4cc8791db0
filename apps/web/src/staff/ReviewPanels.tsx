import { useEffect, useState } from 'react';
import type { AppealView, DropView, EpochView } from '@fanmesh/protocol';
import { ApiProblem, getJson, postJson } from '../api/client';
import { fan } from '../fan/rewards-api';
import { anomalySentence } from './anomalies';
import type { StaffListen } from './staff-feed';

type Epoch = EpochView;

/** Audit before payout: close the ended match's epoch, read its manifest, approve (publish on chain) or reject. */
export function EpochPanel({ eventId, eventStatus, listen, epochId }: { eventId: string; eventStatus: string; listen: StaffListen; epochId?: string }) {
  const [epoch, setEpoch] = useState<Epoch>();
  const [problem, setProblem] = useState<string>();
  const show = (id: string) => getJson<Epoch>(`/api/v1/epochs/${id}/manifest`).then(setEpoch, (e: ApiProblem) => setProblem(e.detail));
  useEffect(() => {
    if (epochId) void show(epochId);
  }, [epochId]);
  useEffect(
    () =>
      listen((m) => {
        if ((m.type === 'rewards.manifest_ready' && m.eventId === eventId) || (m.type === 'rewards.epoch_published' && m.epochId === epoch?.id)) void show(String(m.epochId));
      }),
    [eventId, listen, epoch?.id],
  );
  const act = async (path: string) => {
    setProblem(undefined);
    try {
      const e = await postJson<Epoch>(path, {});
      await show(e.id);
    } catch (e) {
      setProblem((e as ApiProblem).detail);
    }
  };
  if (eventStatus !== 'ended' && eventStatus !== 'settled' && !epoch) return null;
  return (
    <section aria-labelledby="epoch-title" className="panel">
      <h2 id="epoch-title">Rewards epoch</h2>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {!epoch && (
        <button className="primary" onClick={() => void act(`/api/v1/events/${eventId}/epochs/close`)}>
          Close the epoch and review rewards
        </button>
      )}
      {epoch && (
        <>
          <p>
            Epoch {epoch.id}: <strong data-testid="epoch-status">{epoch.status.replace(/_/g, ' ')}</strong>
          </p>
          {epoch.manifest?.byKind && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">FAN</th>
                  <th scope="col">Entries</th>
                  <th scope="col">Accounts</th>
                </tr>
              </thead>
              <tbody>
                {epoch.manifest.byKind.map((k) => (
                  <tr key={k.kind}>
                    <td>{k.kind}</td>
                    <td>{fan(k.total)}</td>
                    <td>{k.entries}</td>
                    <td>{k.accounts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {epoch.manifest?.anomalies?.length ? (
            <section aria-label="Anomalies">
              <h3>Check before approving</h3>
              <ul className="alerts" data-testid="anomalies">
                {epoch.manifest.anomalies.map((a, i) => (
                  <li key={i}>{anomalySentence(a, epoch.manifest?.byKind)}</li>
                ))}
              </ul>
            </section>
          ) : null}
          {epoch.status === 'pending_approval' && (
            <div className="actions">
              <button className="primary" onClick={() => void act(`/api/v1/epochs/${epoch.id}/approve`)}>
                Approve and publish
              </button>
              <button className="secondary" onClick={() => void act(`/api/v1/epochs/${epoch.id}/reject`)}>
                Reject
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

type Appeal = AppealView;

/** Owners' appeals against the denylist: staff read why it was listed and what the owner says, and decide. */
export function AppealsPanel({ venueId, listen }: { venueId: string; listen: StaffListen }) {
  const [appeals, setAppeals] = useState<Appeal[]>([]);
  const load = () => getJson<Appeal[]>(`/api/v1/devices/appeals?venueId=${venueId}&status=open`).then(setAppeals, () => undefined);
  useEffect(() => {
    void load();
    return listen((m) => (m.type === 'device.appeal' ? void load() : undefined));
  }, [venueId, listen]);
  const decide = async (a: Appeal, decision: 'accept' | 'reject') => {
    await postJson(`/api/v1/devices/appeals/${a.id}/decision`, { decision, note: decision === 'accept' ? 'Accepted from the dashboard' : 'Rejected from the dashboard' }).catch(
      (e: ApiProblem) => alert(e.detail),
    );
    void load();
  };
  if (!appeals.length) return null;
  return (
    <section aria-labelledby="appeals-title" className="panel">
      <h2 id="appeals-title">Device appeals</h2>
      <ul className="cards">
        {appeals.map((a) => (
          <li key={a.id}>
            <strong>
              <code>{a.device.slice(0, 10)}…</code> listed for: {a.denylistReason}
            </strong>
            <span>Owner says: “{a.message}”</span>
            <div className="actions">
              <button className="primary" onClick={() => void decide(a, 'accept')}>
                Lift the listing
              </button>
              <button className="secondary" onClick={() => void decide(a, 'reject')}>
                Keep it
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

type Drop = DropView;

/** Sponsor drops waiting for this venue's approval before they can fire. */
export function DropsReviewPanel({ venueId, listen }: { venueId: string; listen: StaffListen }) {
  const [drops, setDrops] = useState<Drop[]>([]);
  const [problem, setProblem] = useState<string>();
  const load = () => getJson<Drop[]>(`/api/v1/drops?venueId=${venueId}`).then(setDrops, () => undefined);
  useEffect(() => {
    void load();
    return listen((m) => (m.type.startsWith('drop.') ? void load() : undefined));
  }, [venueId, listen]);
  const decide = async (d: Drop, decision: 'approve' | 'reject') => {
    setProblem(undefined);
    await postJson(`/api/v1/drops/${d.id}/${decision}`, decision === 'reject' ? { note: 'Not for this match' } : { version: d.version }).catch((e: ApiProblem) =>
      setProblem(e.detail),
    );
    void load();
  };
  const waiting = drops.filter((d) => d.status === 'draft');
  if (!waiting.length) return null;
  return (
    <section aria-labelledby="drops-review-title" className="panel">
      <h2 id="drops-review-title">Sponsor drops to review</h2>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <ul className="cards">
        {waiting.map((d) => (
          <li key={d.id} data-drop={d.id}>
            <strong>{d.content.title}</strong>
            <span className="muted">
              {d.inventory} units · fires {d.trigger.kind === 'moment' ? `on ${d.trigger.moment}` : d.trigger.kind}
            </span>
            <div className="actions">
              <button className="primary" onClick={() => void decide(d, 'approve')}>
                Approve
              </button>
              <button className="secondary" onClick={() => void decide(d, 'reject')}>
                Send back
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
