import { useEffect, useState } from 'react';
import type { AdmissionsReviewView, HeldScanView } from '@fanmesh/protocol';
import { ApiProblem, getJson, postJson } from '../api/client';
import type { StaffListen } from './staff-feed';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * Offline decisions a steward's phone uploaded after the final whistle. Nobody is admitted or paid
 * for them until staff decide: approve a fan who really came in (admitted at the time of the scan,
 * paid in a follow-up epoch you review), reject one who did not.
 */
export function LateUploadsPanel({ eventId, gateName, listen }: { eventId: string; gateName: (id: string) => string; listen: StaffListen }) {
  const [held, setHeld] = useState<HeldScanView[]>([]);
  const [problem, setProblem] = useState<string>();
  const load = () =>
    getJson<AdmissionsReviewView>(`/api/v1/events/${eventId}/admissions`).then(
      (s) => setHeld(s.heldForReview ?? []),
      () => undefined,
    );
  useEffect(() => {
    void load();
    return listen((m) => (m.type.startsWith('access.') && 'eventId' in m && m.eventId === eventId ? void load() : undefined));
  }, [eventId, listen]);
  const decide = async (h: HeldScanView, decision: 'approve' | 'reject') => {
    setProblem(undefined);
    try {
      await postJson(`/api/v1/events/${eventId}/offline-reviews/${h.id}/decision`, { decision });
    } catch (e) {
      setProblem((e as ApiProblem).detail);
    }
    void load();
  };
  const open = held.filter((h) => !h.decision);
  if (!held.length) return null;
  return (
    <section aria-labelledby="late-title" className="panel">
      <h2 id="late-title">Late offline uploads</h2>
      <p className="muted">
        {open.length
          ? `${open.length} gate decision${open.length === 1 ? '' : 's'} arrived after full time. Nobody is admitted or paid for ${open.length === 1 ? 'it' : 'them'} until you decide.`
          : 'Every late upload has been decided.'}
      </p>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <ul className="cards">
        {held.map((h) => (
          <li key={h.id} data-review={h.id}>
            <strong>
              Ticket <code>{h.ticketId.slice(0, 8)}</code> at {gateName(h.gateId)}, scanned {time(h.scannedAt)}
            </strong>
            <span>
              Uploaded {time(h.receivedAt)} by <code>{h.scanner.slice(0, 10)}…</code>
            </span>
            {h.decision ? (
              <span data-testid={`late-decision-${h.id}`}>{h.decision === 'approved' ? 'Approved: admitted at the time of the scan' : 'Rejected: not admitted'}</span>
            ) : (
              <div className="actions">
                <button className="primary" onClick={() => void decide(h, 'approve')}>
                  They came in: admit
                </button>
                <button className="secondary" onClick={() => void decide(h, 'reject')}>
                  Reject
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
