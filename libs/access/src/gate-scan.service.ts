import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Batcher, Principal, hasRole } from '@fanmesh/common';
import { DomainEventMap, DomainEvents } from '@fanmesh/events';
import { IdentityRateLimit, RateLimiter } from '@fanmesh/identity';
import { RealtimeService } from '@fanmesh/realtime';
import { decodeQr, QR_CLOCK_SKEW_SECONDS, QR_WINDOW_SECONDS, qrMessageHash, qrWindowAccepted, qrWindowVerdict } from '@fanmesh/protocol';
import type { ScanResult } from '@fanmesh/protocol';
import { AccessCache, GateInfo } from './access-cache';
import { AccessError, DenyReason } from './access.error';
import { AdmissionRepository, AdmissionRow, NewAdmission, ScanLogEntry } from './admission.repository';
import { recoverSigner } from './recover';
import { ScannerBinding } from './scanner-binding';
import { TicketRow } from './ticket.repository';

export type { ScanResult } from '@fanmesh/protocol';

/** An admission as its `access.admitted` domain event (and the fan's live message) carries it. */
export type AdmissionEvent = { type: 'access.admitted' } & DomainEventMap['access.admitted'];

/**
 * Scan requests (single, batch, offline upload) per scanner, shared by every instance: a phone or a
 * turnstile honestly sends one or two a second, the simulator's busiest lane some 30 and the scan
 * benchmark's stewards 25 to 50; `RATE_LIMITS=gate.scans=…` changes it.
 */
export const GATE_SCAN_LIMIT: IdentityRateLimit = { name: 'gate.scans', limit: 100, windowMs: 1000, per: 'scanner' };

const detail: Record<DenyReason, string> = {
  malformed_code: 'This is not a FanMesh ticket code.',
  unknown_ticket: 'No such ticket.',
  bad_signature: 'The code was not signed by the ticket holder.',
  expired_code: 'This code is old (a screenshot, or a phone clock running behind). Ask the fan to show the live code.',
  future_code: `This code is for a later time: the phone's clock is more than ${QR_CLOCK_SKEW_SECONDS} s ahead of the gate's. Ask the fan to set the phone's time automatically and show the code again.`,
  wrong_event: 'This ticket is for another event.',
  revoked: 'This ticket was revoked or transferred to someone else.',
  gates_closed: 'The gates for this event are not open.',
  wrong_gate: 'This ticket is for a section this gate does not serve.',
  already_admitted: 'This ticket was already admitted.',
  admitted_elsewhere: 'This fan was already admitted at another event at the same time.',
};

/** What the admission writer made of one admission it was handed. */
type WriteOutcome = { admissionId: string } | { existing: AdmissionRow } | { changed: true } | { elsewhere: string };

/**
 * Verifies a scanned code and admits the ticket at most once across all instances: cheap checks
 * first, the holder's signature next, then the admission row (written in batches) as the one claim.
 * There is no separate lock to outlive its owner: a writer that dies mid-transaction takes its
 * uncommitted row with it, and the next scan of that ticket is admitted.
 */
@Injectable()
export class GateScanService implements OnModuleDestroy {
  private readonly logger = new Logger(GateScanService.name);
  private readonly writer: Batcher<NewAdmission, WriteOutcome>;
  private readonly log: Batcher<ScanLogEntry, undefined>;

  constructor(
    private readonly cache: AccessCache,
    private readonly admissions: AdmissionRepository,
    private readonly realtime: RealtimeService,
    private readonly events: DomainEvents,
    private readonly binding: ScannerBinding,
    private readonly limiter: RateLimiter,
  ) {
    this.writer = new Batcher((batch) => this.writeAdmissions(batch), { maxSize: 500, maxWaitMs: 2, concurrency: 4 });
    this.log = new Batcher(
      async (entries) => {
        await this.admissions.logScans(entries);
        return entries.map(() => undefined);
      },
      { maxSize: 2000, maxWaitMs: 50, concurrency: 1 },
    );
  }

  async onModuleDestroy(): Promise<void> {
    // Let queued audit lines reach the database before the pool closes.
    await new Promise((r) => setTimeout(r, 60));
  }

  /** The gate, once the scanner may scan there and has scans left in its shared budget ({@link GATE_SCAN_LIMIT}). */
  async authorize(gateId: string, principal: Principal): Promise<GateInfo> {
    const gate = await this.cache.gate(gateId);
    if (!gate) throw new AccessError('gate_not_found', `No gate ${gateId}.`);
    await this.binding.require(principal, gate.venueId);
    await this.limiter.enforce(GATE_SCAN_LIMIT, principal.subject);
    return gate;
  }

  async scan(gate: GateInfo, code: string, principal: Principal, expectEventId?: string): Promise<ScanResult> {
    const result = await this.decide(gate, code, principal, expectEventId);
    const ticketId = result.ticketId ?? null;
    const eventId = ticketId ? ((await this.cache.ticket(ticketId))?.eventId ?? null) : null;
    void this.log
      .push({
        eventId,
        gateId: gate.id,
        ticketId,
        scanner: principal.subject,
        decision: result.decision,
        reason: result.decision === 'deny' ? result.reason : null,
        at: new Date(),
      })
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
    const timing = qrWindowVerdict(qr.window, atMs);
    if (!qrWindowAccepted(timing)) return deny(timing === 'old' ? 'expired_code' : 'future_code', ticket.id, windowDetail(qr.window, atMs));
    if (ticket.status !== 'valid' || qr.version !== ticket.version) return deny('revoked', ticket.id);
    const event = await this.cache.event(ticket.eventId);
    if (!event || event.venueId !== gate.venueId || (opts.expectEventId && opts.expectEventId !== ticket.eventId)) return deny('wrong_event', ticket.id);
    const open = event.status === 'gates_open' || event.status === 'live';
    if (opts.gatesMustBeOpen ? !open : event.status === 'scheduled' || event.status === 'cancelled') return deny('gates_closed', ticket.id);
    if (!gate.sections.has(ticket.section)) return deny('wrong_gate', ticket.id);
    if (recoverSigner(qrMessageHash(ticket.id, qr.version, qr.window), qr.signature) !== ticket.holder) return deny('bad_signature', ticket.id);
    return { ticket };
  }

  /** Writes the admission (with its `access.admitted` event) and tells the fan. Shared with offline reconciliation. */
  async admit(gate: GateInfo, ticket: TicketRow, principal: Principal, at: Date, mode: 'online' | 'offline'): Promise<ScanResult> {
    const steward = principal.kind === 'account' && hasRole(principal, 'steward', gate.venueId) ? principal.subject : null;
    const overlapping = await this.cache.overlaps(ticket.eventId);
    const written = await this.writer.push({
      ticketId: ticket.id,
      version: ticket.version,
      eventId: ticket.eventId,
      venueId: gate.venueId,
      gateId: gate.id,
      section: ticket.section,
      holder: ticket.holder,
      scanner: principal.subject,
      steward,
      mode,
      admittedAt: at,
      overlapping,
    });
    if ('elsewhere' in written) return deny('admitted_elsewhere', ticket.id);
    if ('existing' in written) return already(ticket.id, await this.gateCode(written.existing.gateId), written.existing.admittedAt);
    if ('changed' in written) {
      // Revoked or transferred since this instance cached it: drop the stale copy (best effort, the row decided).
      void this.cache.ticketChanged(ticket.id);
      return deny('revoked', ticket.id);
    }
    const { admissionId } = written;
    const event: AdmissionEvent = {
      type: 'access.admitted',
      admissionId,
      ticketId: ticket.id,
      eventId: ticket.eventId,
      venueId: gate.venueId,
      gateId: gate.id,
      section: ticket.section,
      holder: ticket.holder,
      steward,
      mode,
      at: at.toISOString(),
    };
    void this.realtime.publish(`fan:${ticket.holder}`, event).catch(() => undefined);
    return { decision: 'admit', ticketId: ticket.id, admissionId, section: ticket.section, seat: ticket.seat, tier: ticket.tier, gate: gate.code, admittedAt: at.toISOString() };
  }

  /** The ticket's admission with its gate's code, if it was admitted. */
  async admissionOf(ticketId: string): Promise<(AdmissionRow & { gateCode: string }) | undefined> {
    const found = await this.admissions.findByTicket(ticketId);
    if (!found) return undefined;
    return { ...found, gateCode: await this.gateCode(found.gateId) };
  }

  private async gateCode(gateId: string): Promise<string> {
    return (await this.cache.gate(gateId))?.code ?? gateId;
  }

  /**
   * One batch of admissions and their `access.admitted` events in one transaction: an event for
   * every row actually inserted, none for a ticket that was revoked, transferred or already in.
   * The first entry of a ticket in the batch is its candidate; every other entry, and every
   * candidate whose ticket was in already, is answered from the admission found after the commit.
   * A candidate whose holder is in at an overlapping event is refused (`elsewhere`), not written.
   */
  private async writeAdmissions(batch: NewAdmission[]): Promise<WriteOutcome[]> {
    const firstOf = new Map<string, number>();
    batch.forEach((b, i) => firstOf.has(b.ticketId) || firstOf.set(b.ticketId, i));
    const candidates = [...firstOf.values()].map((i) => batch[i]);
    const { landed, elsewhere } = await this.insertWithEvents(candidates);
    const lost = [...new Set(batch.filter((b, i) => firstOf.get(b.ticketId) !== i || !landed.has(b.ticketId)).map((b) => b.ticketId))];
    const existing = new Map((await this.admissions.findByTickets(lost)).map((r) => [r.ticketId, r]));
    return batch.map((b, i): WriteOutcome => {
      const id = landed.get(b.ticketId);
      if (id && firstOf.get(b.ticketId) === i) return { admissionId: id };
      const found = existing.get(b.ticketId);
      const other = elsewhere.get(b.ticketId);
      if (!found && other) return { elsewhere: other };
      return found ? { existing: found } : { changed: true };
    });
  }

  private async insertWithEvents(candidates: NewAdmission[], attempt = 1): Promise<{ landed: Map<string, string>; elsewhere: Map<string, string> }> {
    try {
      return await this.admissions.transaction(async (tx) => {
        // One fan, one place at a time: only holders whose event overlaps another pay for the check (a lock and one indexed read).
        const elsewhere = await this.admissions.admittedElsewhere(
          tx,
          candidates.filter((a) => a.overlapping?.length),
        );
        const ids = await this.admissions.insertBatch(
          tx,
          candidates.filter((a) => !elsewhere.has(a.ticketId)),
        );
        const admitted: DomainEventMap['access.admitted'][] = [];
        for (const a of candidates) {
          const admissionId = ids.get(a.ticketId);
          if (!admissionId) continue;
          admitted.push({
            admissionId,
            ticketId: a.ticketId,
            eventId: a.eventId,
            venueId: a.venueId,
            gateId: a.gateId,
            section: a.section,
            holder: a.holder,
            steward: a.steward,
            mode: a.mode,
            at: a.admittedAt.toISOString(),
          });
        }
        await this.events.emitMany(tx, 'access.admitted', admitted);
        return { landed: ids, elsewhere };
      });
    } catch (err) {
      // Ticket-ordered inserts should never deadlock; if the database still picks this batch as a victim, run it once more.
      if ((err as { code?: string }).code === '40P01' && attempt < 3) return this.insertWithEvents(candidates, attempt + 1);
      throw err;
    }
  }
}

function deny(reason: DenyReason, ticketId?: string, words = detail[reason]): ScanResult {
  return { decision: 'deny', reason, detail: words, ...(ticketId ? { ticketId } : {}) };
}

/** Says how old (or how far ahead) a refused code is: its window started that long before (or after) the scan. */
function windowDetail(window: number, atMs: number): string {
  const startMs = window * QR_WINDOW_SECONDS * 1000;
  if (startMs <= atMs) {
    const age = Math.round((atMs - startMs) / 1000);
    return `This code is old: it was made ${age} s ago, and a code is taken for ${2 * QR_WINDOW_SECONDS} s at most (a screenshot, or a phone clock running behind). Ask the fan to show the live code.`;
  }
  const ahead = Math.round((startMs - atMs) / 1000);
  return `This code is for ${ahead} s from now: the phone's clock is more than ${QR_CLOCK_SKEW_SECONDS} s ahead of the gate's. Ask the fan to set the phone's time automatically and show the code again.`;
}

function already(ticketId: string, gate: string, at: Date): ScanResult {
  return {
    decision: 'deny',
    reason: 'already_admitted',
    detail: `Already admitted at gate ${gate} at ${new Date(at).toISOString()}.`,
    ticketId,
    gate,
    admittedAt: new Date(at).toISOString(),
  };
}
