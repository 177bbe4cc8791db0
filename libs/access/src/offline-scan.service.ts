import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { RealtimeService } from '@fanmesh/realtime';
import { AccessError } from './access.error';
import { AdmissionRepository } from './admission.repository';
import { GateInfo } from './access-cache';
import { GateScanService } from './gate-scan.service';
import { TicketRepository } from './ticket.repository';
import { TicketSigner } from './ticket-signer';

const MAX_AGE_MS = 24 * 3600_000;
const FUTURE_SKEW_MS = 60_000;

export type OfflineOutcome =
  | { index: number; result: 'accepted'; ticketId: string; admissionId: string }
  | { index: number; result: 'conflict'; ticketId: string; firstGate: string; firstAdmittedAt: string }
  | { index: number; result: 'rejected'; reason: string; ticketId?: string };

/**
 * Offline scanning: a scanner downloads what it needs to verify codes without the network, admits
 * locally, and uploads its decisions later. The server re-verifies each one at the time it was made;
 * a ticket admitted twice (two offline gates, or offline after online) is kept twice and flagged,
 * never merged away silently.
 */
@Injectable()
export class OfflineScanService {
  private readonly logger = new Logger(OfflineScanService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly tickets: TicketRepository,
    private readonly admissions: AdmissionRepository,
    private readonly signer: TicketSigner,
    private readonly scans: GateScanService,
    private readonly realtime: RealtimeService,
  ) {}

  async snapshot(eventId: string, by: Principal) {
    const [event] = await this.ds.query(`SELECT id, venue_id AS "venueId", status FROM events WHERE id = $1`, [eventId]);
    if (!event) throw new AccessError('ticket_not_found', `No event ${eventId}.`);
    if (by.kind !== 'device') requireVenueRole(by, ['steward', 'staff'], event.venueId);
    const [tickets, admitted, gates] = await Promise.all([
      this.tickets.forEvent(eventId),
      this.admissions.admittedTicketIds(eventId),
      this.ds.query(`SELECT id, code, section_codes AS "sections" FROM gates WHERE venue_id = $1`, [event.venueId]),
    ]);
    return {
      eventId,
      venueId: event.venueId,
      status: event.status,
      issuer: this.signer.issuer,
      generatedAt: new Date().toISOString(),
      gates,
      tickets: tickets.filter((t) => t.status === 'valid').map(({ id, holder, section, seat, tier, version, issuerSignature }) => ({ id, holder, section, seat, tier, version, issuerSignature })),
      admitted,
    };
  }

  async upload(gate: GateInfo, scans: { code: string; scannedAt: string }[], by: Principal): Promise<OfflineOutcome[]> {
    const out: OfflineOutcome[] = [];
    for (const [index, s] of scans.entries()) {
      const at = Date.parse(s.scannedAt);
      if (!Number.isFinite(at) || at > Date.now() + FUTURE_SKEW_MS || at < Date.now() - MAX_AGE_MS) {
        out.push({ index, result: 'rejected', reason: 'bad_scan_time' });
        continue;
      }
      const verified = await this.scans.verify(gate, s.code, at, { gatesMustBeOpen: false });
      if ('decision' in verified) {
        out.push({ index, result: 'rejected', reason: verified.decision === 'deny' ? verified.reason : 'unknown', ticketId: verified.ticketId });
        continue;
      }
      const ticket = verified.ticket;
      const result = await this.scans.admit(gate, ticket, by, new Date(at), 'offline');
      if (result.decision === 'admit') {
        out.push({ index, result: 'accepted', ticketId: ticket.id, admissionId: result.admissionId });
        continue;
      }
      const first = await this.admissions.findByTicket(ticket.id);
      if (!first) {
        out.push({ index, result: 'rejected', reason: result.reason, ticketId: ticket.id });
        continue;
      }
      // The same decision uploaded again (a retry after a lost answer): it is that admission, not a conflict.
      if (first.mode === 'offline' && first.gateId === gate.id && new Date(first.admittedAt).getTime() === at) {
        out.push({ index, result: 'accepted', ticketId: ticket.id, admissionId: first.id });
        continue;
      }
      const fresh = await this.admissions.insertConflict({ ticketId: ticket.id, eventId: ticket.eventId, admissionId: first.id, gateId: gate.id, scanner: by.subject, scannedAt: new Date(at) });
      if (fresh) {
        this.logger.warn({ ticketId: ticket.id, gate: gate.code, firstGate: first.gateCode }, 'ticket admitted twice (offline conflict)');
        await this.realtime.publish(`staff:${gate.venueId}`, {
          type: 'access.conflict',
          ticketId: ticket.id,
          eventId: ticket.eventId,
          section: ticket.section,
          seat: ticket.seat,
          first: { gate: first.gateCode, at: new Date(first.admittedAt).toISOString(), mode: first.mode },
          second: { gate: gate.code, at: new Date(at).toISOString(), scanner: by.subject },
        });
      }
      out.push({ index, result: 'conflict', ticketId: ticket.id, firstGate: first.gateCode, firstAdmittedAt: new Date(first.admittedAt).toISOString() });
    }
    return out;
  }

  conflicts(eventId: string) {
    return this.admissions.conflicts(eventId);
  }
}
