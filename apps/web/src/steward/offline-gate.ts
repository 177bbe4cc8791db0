import { get, set } from 'idb-keyval';
import { ApiProblem, getJson, postJson } from '../api/client';
import { decodeQr, nobleRecoverAddress, qrSigner, qrWindowVerdict, type OfflineScanOutcome, type OfflineSnapshot } from '@fanmesh/protocol';

/** What the server hands a scanner for working without a network (GET /events/:id/offline-snapshot). */
export type Snapshot = OfflineSnapshot;

export interface QueuedScan {
  gateId: string;
  code: string;
  scannedAt: string;
  ticketId: string;
}

export type LocalVerdict = { decision: 'admit'; section: string; seat: string; tier: string; offline: true } | { decision: 'deny'; reason: string; detail: string; offline: true };

export interface SyncReport {
  accepted: number;
  conflicts: number;
  rejected: number;
  /** uploaded after full time: waiting for staff to approve or reject each */
  held: number;
}

const SNAPSHOT = (eventId: string) => `fanmesh.snapshot.${eventId}`;
const QUEUE = 'fanmesh.offline-queue';

/** Downloads (online) or reloads (offline) the event's snapshot; the newest copy is kept on the device. */
export async function loadSnapshot(eventId: string): Promise<Snapshot | undefined> {
  try {
    const fresh = await getJson<Snapshot>(`/api/v1/events/${eventId}/offline-snapshot`);
    await set(SNAPSHOT(eventId), fresh);
    return fresh;
  } catch (e) {
    if (e instanceof ApiProblem && e.code !== 'offline') throw e;
    return get<Snapshot>(SNAPSHOT(eventId));
  }
}

export const queued = async () => (await get<QueuedScan[]>(QUEUE)) ?? [];

/**
 * The gate's rules, on the phone: a well-formed code for a ticket in the snapshot, the current or
 * previous 15 s window (or the next, for a phone clock a few seconds fast), the gate serves its section, signed by its holder, and not admitted yet
 * (by the snapshot or by this phone since). The server re-checks every queued scan on upload.
 */
export async function admitOffline(snapshot: Snapshot, gateId: string, code: string, now = Date.now()): Promise<LocalVerdict> {
  const deny = (reason: string, detail: string): LocalVerdict => ({ decision: 'deny', reason, detail, offline: true });
  const scanned = decodeQr(code);
  if (!scanned) return deny('malformed_code', 'This is not a FanMesh ticket code.');
  const ticket = snapshot.tickets.find((t) => t.id === scanned.ticketId);
  if (!ticket) return deny('unknown_ticket', 'No such ticket in this event.');
  const timing = qrWindowVerdict(scanned.window, now);
  if (timing === 'old') return deny('expired_code', 'This code is old (a screenshot, or a phone clock running behind). Ask the fan to show the live code.');
  if (timing === 'future') return deny('future_code', "This code is for a later time: the phone's clock is ahead. Ask the fan to set the phone's time automatically.");
  if (scanned.version !== ticket.version) return deny('revoked', 'This ticket was transferred or revoked.');
  const gate = snapshot.gates.find((g) => g.id === gateId);
  if (!gate?.sections.includes(ticket.section)) return deny('wrong_gate', 'This ticket is for a section this gate does not serve.');
  if (qrSigner(scanned, nobleRecoverAddress) !== ticket.holder) return deny('bad_signature', 'The code was not signed by the ticket holder.');
  const queue = await queued();
  if (snapshot.admitted.includes(ticket.id) || queue.some((q) => q.ticketId === ticket.id)) return deny('already_admitted', 'This ticket was already admitted.');
  await set(QUEUE, [...queue, { gateId, code, scannedAt: new Date(now).toISOString(), ticketId: ticket.id }]);
  return { decision: 'admit', section: ticket.section, seat: ticket.seat, tier: ticket.tier, offline: true };
}

let syncing: Promise<SyncReport | undefined> | undefined;

/** Uploads what was admitted offline, gate by gate; what the server answered leaves the queue. One upload at a time. */
export function syncQueue(): Promise<SyncReport | undefined> {
  syncing ??= upload().finally(() => (syncing = undefined));
  return syncing;
}

async function upload(): Promise<SyncReport | undefined> {
  const queue = await queued();
  if (!queue.length) return undefined;
  const report: SyncReport = { accepted: 0, conflicts: 0, rejected: 0, held: 0 };
  for (const gateId of new Set(queue.map((q) => q.gateId))) {
    const batch = queue.filter((q) => q.gateId === gateId).slice(0, 1000);
    const { results } = await postJson<{ results: OfflineScanOutcome[] }>(`/api/v1/gates/${gateId}/offline-scans`, {
      scans: batch.map(({ code, scannedAt }) => ({ code, scannedAt })),
    });
    for (const r of results)
      report[r.result === 'accepted' ? 'accepted' : r.result === 'conflict' ? 'conflicts' : r.result === 'rejected' && r.reason === 'held_for_review' ? 'held' : 'rejected']++;
    const sent = new Set(batch);
    await set(
      QUEUE,
      (await queued()).filter((q) => !batch.some((b) => b.code === q.code && b.scannedAt === q.scannedAt) && !sent.has(q)),
    );
  }
  return report;
}
