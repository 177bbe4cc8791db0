import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Batcher, Principal, requireVenueRole, hasRole } from '@fanmesh/common';
import { RealtimeService } from '@fanmesh/realtime';
import { AccessCache, GateInfo } from './access-cache';
import { AccessError, DenyReason } from './access.error';
import { AdmissionLock } from './admission-lock';
import { AdmissionRepository, NewAdmission, ScanLogEntry } from './admission.repository';
import { decodeQr, qrMessageHash, windowAt } from './ticket-codec';
import { recoverSigner } from './recover';
import { TicketRow } from './ticket.repository';

export type ScanResult =
  | { decision: 'admit'; ticketId: string; admissionId: string; section: string; seat: string; tier: string; gate: string; admittedAt: string }
  | { decision: 'deny'; reason: DenyReason; detail: string; ticketId?: string; admittedAt?: string; gate?: string };

/** The domain event every admission emits (rewards, dashboards and stewards' credit listen). */
export interface AdmissionEvent {
  type: 'access.admitted';
  admissionId: string;
  ticketId: string;
  eventId: string;
  venueId: string;
  gateId: string;
  section: string;
  holder: string;
  steward: string | null;
  mode: 'online' | 'offline';
  at: string;
}

const STALE_CLAIM_MS = 5_000;
const SCANS_PER_SECOND = 50; // per scanner per instance: a phone or turnstile cannot honestly go faster
const BURST = 100;

const detail: Record<DenyReason, string> = {
  malformed_code: 'This is not a FanMesh ticket code.',
  unknown_ticket: 'No such ticket.',
  bad_signature: 'The code was not signed by the ticket holder.',
  expired_code: 'This code has expired (a screenshot?). Ask the fan to show the live code.',
  wrong_event: 'This ticket is for another event.',
  revoked: 'This ticket was revoked or transferred to someone else.',
  gates_closed: 'The gates for this event are not open.',
  wrong_gate: 'This ticket is for a section this gate does not serve.',
  already_admitted: 'This ticket was already admitted.',
};

/**
 * Verifies a scanned code and admits the ticket at most once across all instances: cheap checks
 * first, the holder's signature next, then a Redis claim and the admission row (in batches) as truth.
 */
@Injectable()
export class GateScanService implements OnModuleDestroy {
  private readonly logger = new Logger(GateScanService.name);
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly writer: Batcher<NewAdmission, string | undefined>;
  private readonly log: Batcher<ScanLogEntry, undefined>;
  private readonly listeners: ((e: AdmissionEvent) => void)[] = [];

  constructor(
    private readonly cache: AccessCache,
    private readonly lock: AdmissionLock,
    private readonly admissions: AdmissionRepository,
    private readonly realtime: RealtimeService,
  ) {
    this.writer = new Batcher(
      async (batch) => {
        const landed = await this.admissions.insertBatch(batch);
        return batch.map((a) => landed.get(a.ticketId));
      },
      { maxSize: 500, maxWaitMs: 2, concurrency: 4 },
    );
    this.log = new Batcher(async (entries) => {
      await this.admissions.logScans(entries);
      return entries.map(() => undefined);
    }, { maxSize: 2000, maxWaitMs: 50, concurrency: 1 });
  }

  /** In-process listeners for admissions (dashboards, stewards' credit). */
  onAdmission(listener: (e: AdmissionEvent) => void): void {
    this.listeners.push(listener);
  }

  async onModuleDestroy(): Promise<void> {
    // Let queued audit lines reach the database before the pool closes.
    await new Promise((r) => setTimeout(r, 60));
  }

  async authorize(gateId: string, principal: Principal): Promise<GateInfo> {
    const gate = await this.cache.gate(gateId);
    if (!gate) throw new AccessError('gate_not_found', `No gate ${gateId}.`);
    if (principal.kind !== 'device') requireVenueRole(principal, ['steward', 'staff'], gate.venueId);
    this.rateLimit(principal.subject);
    return gate;
  }

  async scan(gate: GateInfo, code: string, principal: Principal, expectEventId?: string): Promise<ScanResult> {
    const result = await this.decide(gate, code, principal, expectEventId);
    const ticketId = result.ticketId ?? null;
    const eventId = ticketId ? ((await this.cache.ticket(ticketId))?.eventId ?? null) : null;
    void this.log
      .push({ eventId, gateId: gate.id, ticketId, scanner: principal.subject, decision: result.decision, reason: result.decision === 'deny' ? result.reason : null, at: new Date() })
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'scan log write failed'));
    return result;
  }

  private async decide(gate: GateInfo, code: string, principal: Principal, expectEventId?: string): Promise<ScanResult> {
    const now = Date.now();
    const verified = await this.verify(gate, code, now, { gatesMustBeOpen: true, expectEventId });
    if ('decision' in verified) return verified;
    return this.admit(gate, verified.ticket, principal, new Date(now), 'online');
  }

  /**
   * Everything but the admission: the code, the ticket, the window (relative to `atMs`, the moment
   * of the scan), the event, the gate's sections and the holder's signature. Cheap checks first.
   */
  async verify(gate: GateInfo, code: string, atMs: number, opts: { gatesMustBeOpen: boolean; expectEventId?: string }): Promise<{ ticket: TicketRow } | ScanResult> {
    const qr = decodeQr(code);
    if (!qr) return deny('malformed_code');
    const ticket = await this.cache.ticket(qr.ticketId);
    if (!ticket) return deny('unknown_ticket', qr.ticketId);
    const current = windowAt(atMs);
    if (qr.window !== current && qr.window !== current - 1) return deny('expired_code', ticket.id);
    if (ticket.status !== 'valid' || qr.version !== ticket.version) return deny('revoked', ticket.id);
    const event = await this.cache.event(ticket.eventId);
    if (!event || event.venueId !== gate.venueId || (opts.expectEventId && opts.expectEventId !== ticket.eventId)) return deny('wrong_event', ticket.id);
    const open = event.status === 'gates_open' || event.status === 'live';
    if (opts.gatesMustBeOpen ? !open : event.status === 'scheduled' || event.status === 'cancelled') return deny('gates_closed', ticket.id);
    if (!gate.sections.has(ticket.section)) return deny('wrong_gate', ticket.id);
    if (recoverSigner(qrMessageHash(ticket.id, qr.version, qr.window), qr.signature) !== ticket.holder) return deny('bad_signature', ticket.id);
    return { ticket };
  }

  /** Claims the ticket, writes the admission, and tells everyone. Shared with offline reconciliation. */
  async admit(gate: GateInfo, ticket: TicketRow, principal: Principal, at: Date, mode: 'online' | 'offline'): Promise<ScanResult> {
    const note = `${gate.code}|${at.toISOString()}`;
    let claim = await this.lock.take(ticket.id, note);
    if (claim !== true) {
      const existing = await this.admissions.findByTicket(ticket.id);
      if (existing) return already(ticket.id, existing.gateCode, existing.admittedAt);
      const [heldGate, heldAt] = claim.split('|');
      // A claim with no row after a while belongs to an instance that crashed mid-write: take it over.
      if (Date.now() - Date.parse(heldAt) > STALE_CLAIM_MS) {
        await this.lock.release(ticket.id, claim);
        claim = await this.lock.take(ticket.id, note);
      }
      if (claim !== true) return already(ticket.id, heldGate, new Date(heldAt));
    }
    let admissionId: string | undefined;
    try {
      admissionId = await this.writer.push({
        ticketId: ticket.id,
        version: ticket.version,
        eventId: ticket.eventId,
        gateId: gate.id,
        section: ticket.section,
        holder: ticket.holder,
        scanner: principal.subject,
        steward: principal.kind === 'account' && hasRole(principal, 'steward', gate.venueId) ? principal.subject : null,
        mode,
        admittedAt: at,
      });
    } catch (err) {
      await this.lock.release(ticket.id, note);
      throw err;
    }
    if (!admissionId) {
      await this.lock.release(ticket.id, note);
      const existing = await this.admissions.findByTicket(ticket.id);
      if (existing) return already(ticket.id, existing.gateCode, existing.admittedAt);
      await this.cache.ticketChanged(ticket.id);
      return deny('revoked', ticket.id);
    }
    const event: AdmissionEvent = {
      type: 'access.admitted',
      admissionId,
      ticketId: ticket.id,
      eventId: ticket.eventId,
      venueId: gate.venueId,
      gateId: gate.id,
      section: ticket.section,
      holder: ticket.holder,
      steward: principal.kind === 'account' && hasRole(principal, 'steward', gate.venueId) ? principal.subject : null,
      mode,
      at: at.toISOString(),
    };
    for (const l of this.listeners) l(event);
    void this.realtime.publish(`fan:${ticket.holder}`, event).catch(() => undefined);
    return { decision: 'admit', ticketId: ticket.id, admissionId, section: ticket.section, seat: ticket.seat, tier: ticket.tier, gate: gate.code, admittedAt: at.toISOString() };
  }

  private rateLimit(scanner: string): void {
    const now = Date.now();
    const b = this.buckets.get(scanner) ?? { tokens: BURST, at: now };
    b.tokens = Math.min(BURST, b.tokens + ((now - b.at) / 1000) * SCANS_PER_SECOND);
    b.at = now;
    if (b.tokens < 1) throw new AccessError('rate_limited', `A scanner may send at most ${SCANS_PER_SECOND} scans a second; slow down.`);
    b.tokens -= 1;
    this.buckets.set(scanner, b);
  }
}

function deny(reason: DenyReason, ticketId?: string): ScanResult {
  return { decision: 'deny', reason, detail: detail[reason], ...(ticketId ? { ticketId } : {}) };
}

function already(ticketId: string, gate: string, at: Date): ScanResult {
  return { decision: 'deny', reason: 'already_admitted', detail: `Already admitted at gate ${gate} at ${new Date(at).toISOString()}.`, ticketId, gate, admittedAt: new Date(at).toISOString() };
}
