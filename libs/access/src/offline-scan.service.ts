import { Injectable, Logger } from '@nestjs/common';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { VenueDirectory } from '@fanmesh/directory';
import type { EventView, OfflineScanOutcome, OfflineSnapshot } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { AdmissionRepository, ConflictRow, HeldScanRow } from './admission.repository';
import { AccessCache, GateInfo } from './access-cache';
import { AccessError } from './access.error';
import { requireEvent } from './venue-events';
import { GateScanService } from './gate-scan.service';
import { ScannerBinding } from './scanner-binding';
import { TicketRepository } from './ticket.repository';
import { TicketSigner } from './ticket-signer';

const FUTURE_SKEW_MS = 60_000;

export type OfflineOutcome = OfflineScanOutcome;
/** An outcome before its index is added (Omit distributed over the variants). */
type Outcome<O = OfflineOutcome> = O extends unknown ? Omit<O, 'index'> : never;
type EventWindow = { openedAt: Date | null; endedAt: Date | null };

/**
 * Offline scanning: a scanner downloads what it needs to verify codes without the network, admits
 * locally, and uploads its decisions later. The server re-verifies each one at the time it was made
 * and admits it through the gate's admission writer (the same batch, transaction and
 * `access.admitted` event as an online scan); a ticket admitted twice (two offline gates, or
 * offline after online) is kept twice and flagged, never merged away silently. A decision counts only
 * if it was made while the event's gates were open (from the first opening to the end); one uploaded
 * after the event ended is kept for staff to review, never admitted (nor paid) that late unless they
 * approve it: then it is admitted at the time of the scan, and its reward, coming after the event's
 * epoch closed, goes into a follow-up epoch that staff review too (docs/rewards.md, "Late entries").
 */
@Injectable()
export class OfflineScanService {
  private readonly logger = new Logger(OfflineScanService.name);

  constructor(
    private readonly tickets: TicketRepository,
    private readonly admissions: AdmissionRepository,
    private readonly signer: TicketSigner,
    private readonly scans: GateScanService,
    private readonly realtime: RealtimeService,
    private readonly venues: VenueDirectory,
    private readonly binding: ScannerBinding,
    private readonly cache: AccessCache,
  ) {}

  async snapshot(eventId: string, by: Principal): Promise<OfflineSnapshot> {
    const event = await this.event(eventId);
    await this.binding.require(by, event.venueId);
    const [tickets, admitted, venue] = await Promise.all([this.tickets.forEvent(eventId), this.admissions.admittedTicketIds(eventId), this.venues.getVenue(event.venueId)]);
    return {
      eventId,
      venueId: event.venueId,
      status: event.status,
      issuer: this.signer.issuer,
      generatedAt: new Date().toISOString(),
      gates: venue.gates.map((g) => ({ id: g.id, code: g.code, sections: g.sectionCodes })),
      tickets: tickets
        .filter((t) => t.status === 'valid')
        .map(({ id, holder, section, seat, tier, version, issuerSignature }) => ({ id, holder, section, seat, tier, version, issuerSignature })),
      admitted,
    };
  }

  async upload(gate: GateInfo, scans: { code: string; scannedAt: string }[], by: Principal): Promise<OfflineOutcome[]> {
    const windows = new Map<string, Promise<EventWindow>>();
    const windowOf = (eventId: string) => windows.get(eventId) ?? windows.set(eventId, this.venues.eventWindow(eventId)).get(eventId)!;
    const out: OfflineOutcome[] = [];
    for (const [index, s] of scans.entries()) out.push({ index, ...(await this.reconcile(gate, s, by, windowOf)) });
    return out;
  }

  private async reconcile(gate: GateInfo, s: { code: string; scannedAt: string }, by: Principal, windowOf: (eventId: string) => Promise<EventWindow>): Promise<Outcome> {
    const at = Date.parse(s.scannedAt);
    if (!Number.isFinite(at) || at > Date.now() + FUTURE_SKEW_MS) return { result: 'rejected', reason: 'bad_scan_time' };
    const verified = await this.scans.verify(gate, s.code, at, { gatesMustBeOpen: false });
    if ('decision' in verified) return { result: 'rejected', reason: verified.decision === 'deny' ? verified.reason : 'unknown', ticketId: verified.ticketId };
    const ticket = verified.ticket;
    const { openedAt, endedAt } = await windowOf(ticket.eventId);
    if (!openedAt || at < openedAt.getTime() || (endedAt && at > endedAt.getTime())) return { result: 'rejected', reason: 'outside_event_window', ticketId: ticket.id };
    let first = endedAt ? await this.scans.admissionOf(ticket.id) : undefined;
    if (!first && endedAt) {
      // Uploaded after the end: whether this fan came in (and earns for it) is for staff to decide now.
      const held = { ticketId: ticket.id, version: ticket.version, eventId: ticket.eventId, gateId: gate.id, scanner: by.subject, scannedAt: new Date(at), reason: 'late_upload' };
      if (await this.admissions.holdForReview(held))
        this.logger.warn({ ticketId: ticket.id, gate: gate.code, scannedAt: s.scannedAt }, 'offline decision uploaded after the event ended: held for review');
      return { result: 'rejected', reason: 'held_for_review', ticketId: ticket.id };
    }
    if (!first) {
      const result = await this.scans.admit(gate, ticket, by, new Date(at), 'offline');
      if (result.decision === 'admit') return { result: 'accepted', ticketId: ticket.id, admissionId: result.admissionId };
      first = await this.scans.admissionOf(ticket.id);
      if (!first) return { result: 'rejected', reason: result.reason, ticketId: ticket.id };
    }
    // The same decision uploaded again (a retry after a lost answer): it is that admission, not a conflict.
    if (first.mode === 'offline' && first.gateId === gate.id && new Date(first.admittedAt).getTime() === at)
      return { result: 'accepted', ticketId: ticket.id, admissionId: first.id };
    const fresh = await this.admissions.insertConflict({
      ticketId: ticket.id,
      eventId: ticket.eventId,
      admissionId: first.id,
      gateId: gate.id,
      scanner: by.subject,
      scannedAt: new Date(at),
    });
    if (fresh) {
      this.logger.warn({ ticketId: ticket.id, gate: gate.code, firstGate: first.gateCode }, 'ticket admitted twice (offline conflict)');
      // The conflict is stored (staff read it from GET /events/:eventId/admissions); the live alert is best effort.
      await this.realtime
        .publish(`staff:${gate.venueId}`, {
          type: 'access.conflict',
          ticketId: ticket.id,
          eventId: ticket.eventId,
          section: ticket.section,
          seat: ticket.seat,
          first: { gate: first.gateCode, at: new Date(first.admittedAt).toISOString(), mode: first.mode },
          second: { gate: gate.code, at: new Date(at).toISOString(), scanner: by.subject },
        })
        .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'conflict alert not sent'));
    }
    return { result: 'conflict', ticketId: ticket.id, firstGate: first.gateCode, firstAdmittedAt: new Date(first.admittedAt).toISOString() };
  }

  /**
   * Staff decide a held late decision. Rejected: kept as rejected, nothing admitted. Approved: the
   * ticket (still valid, at the version it was scanned at) is admitted at the scan's time and gate
   * through the gate's admission writer, like any offline decision (so the one-admission and
   * one-place-at-a-time rules hold); no steward earns for it. 409 `review_decided` once decided,
   * 409 `review_not_admissible` with the reason when it can no longer admit (the decision stays open).
   */
  async decideHeld(eventId: string, reviewId: string, decision: 'approve' | 'reject', note: string | undefined, by: Principal): Promise<HeldScanRow> {
    const event = await this.event(eventId);
    requireVenueRole(by, ['staff'], event.venueId);
    const held = await this.admissions.heldScan(reviewId);
    if (!held || held.eventId !== eventId) throw new AccessError('review_not_found', `No held offline decision ${reviewId} at this event.`);
    const decided = await this.admissions.decideHeld(reviewId, { decision: decision === 'approve' ? 'approved' : 'rejected', by: by.subject, note: note ?? null });
    if (!decided) {
      const now = (await this.admissions.heldScan(reviewId))!;
      throw new AccessError('review_decided', `This decision was already ${now.decision} by ${now.decidedBy}.`, { decision: now.decision });
    }
    if (decision === 'reject') {
      this.logger.log({ reviewId, ticketId: held.ticketId, by: by.subject }, 'late offline decision rejected');
      return decided;
    }
    const refuse = async (reason: string, detail: string) => {
      await this.admissions.reopenHeld(reviewId);
      return new AccessError('review_not_admissible', detail, { reason });
    };
    const ticket = await this.tickets.find(held.ticketId);
    if (!ticket || ticket.status !== 'valid' || (held.version !== null && ticket.version !== held.version))
      throw await refuse('revoked', 'The ticket was revoked or changed hands after this scan: it cannot be admitted now.');
    const gate = await this.cache.gate(held.gateId);
    if (!gate) throw await refuse('gate_not_found', `The gate ${held.gateId} no longer exists.`);
    const scanner: Principal = { subject: held.scanner, kind: 'account', roles: [] };
    const result = await this.scans.admit(gate, ticket, scanner, new Date(held.scannedAt), 'offline');
    if (result.decision !== 'admit') throw await refuse(result.reason, result.detail);
    this.logger.log({ reviewId, ticketId: ticket.id, admissionId: result.admissionId, by: by.subject }, 'late offline decision approved: admitted');
    return (await this.admissions.heldAdmitted(reviewId, result.admissionId))!;
  }

  conflicts(eventId: string): Promise<ConflictRow[]> {
    return this.admissions.conflicts(eventId);
  }

  private event(eventId: string): Promise<EventView> {
    return requireEvent(this.venues, eventId);
  }
}
