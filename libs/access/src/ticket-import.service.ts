import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Principal } from '@fanmesh/common';
import type { Queryable } from '@fanmesh/db';
import { VenueDirectory } from '@fanmesh/directory';
import type { EventView, TicketImportBadRowView, TicketImportView } from '@fanmesh/protocol';
import { ClaimLinksService, UNBOUND_HOLDER } from './claim-links.service';
import { contactGroup } from './purchase-groups';
import { requireStaffAt } from './staff-at-venue';
import { FORMULA_POLICY, parseTicketList, TicketCsvRow, TicketList } from './ticket-csv';
import { TicketImportError } from './ticket-import.error';
import { TicketImportRepository } from './ticket-import.repository';
import { TicketRepository } from './ticket.repository';
import { TicketService } from './ticket.service';
import { requireEvent } from './venue-events';

/** Claim links of a list imported for a match live until 6 h after kick-off, and at least a day. */
const LINK_AFTER_KICKOFF_MS = 6 * 3600_000;
const LINK_MIN_MS = 24 * 3600_000;
const LINK_MAX_MS = 365 * 24 * 3600_000;

type Judged = TicketCsvRow & { action: 'import' | 'unchanged' | 'error' };

/**
 * Ticket lists as ticketing systems export them. The preview (dryRun) reports every bad row with
 * its reasons and writes nothing; the import writes the good rows in one transaction: the tickets
 * (issued as every ticket is, unbound), their orders and a claim link each. An order ref already
 * imported for the seat it names is unchanged, so importing the same file again changes nothing.
 */
@Injectable()
export class TicketImportService {
  private readonly logger = new Logger(TicketImportService.name);

  constructor(
    private readonly repo: TicketImportRepository,
    private readonly tickets: TicketService,
    private readonly ticketRows: TicketRepository,
    private readonly links: ClaimLinksService,
    private readonly venues: VenueDirectory,
  ) {}

  async import(eventId: string, file: Buffer, opts: { dryRun: boolean; linksExpireAt?: string }, by: Principal): Promise<TicketImportView> {
    const event = await requireEvent(this.venues, eventId);
    requireStaffAt(by, event);
    const expiresAt = linkExpiry(event, opts.linksExpireAt);
    const list = parseTicketList(file);
    const sections = (await this.venues.getVenue(event.venueId)).sections.map((s) => s.code);
    checkAgainstFile(list.rows, sections);
    if (opts.dryRun) return view(event.id, list, await this.judge(eventId, list.rows), true);

    const judged = await this.repo
      .transaction(async (tx): Promise<Judged[]> => {
        await this.repo.lockEvent(tx, eventId);
        const rows = await this.judge(eventId, list.rows, tx);
        const good = rows.filter((r) => r.action === 'import');
        if (!good.length) return rows;
        // Issued as every ticket is (TicketService signs them), stored here with their orders and links: all or none.
        // One contact's tickets are one purchase group (the buyer), whatever their order refs.
        const issued = this.tickets.signed(
          eventId,
          good.map((r) => ({ holder: UNBOUND_HOLDER, section: r.section, seat: r.seat, tier: r.tier, purchaseGroup: contactGroup(eventId, r.contact) })),
        );
        await this.ticketRows.insertMany(issued, tx);
        const importId = randomUUID();
        const count = (a: Judged['action']) => rows.filter((r) => r.action === a).length;
        await this.repo.insertImport(tx, {
          id: importId,
          eventId,
          sha256: list.sha256,
          rows: rows.length,
          imported: good.length,
          unchanged: count('unchanged'),
          errors: count('error'),
          by: by.subject,
        });
        await this.repo.insertOrders(
          tx,
          importId,
          eventId,
          good.map((r, i) => ({ orderRef: r.orderRef, ticketId: issued[i].id, contact: r.contact })),
        );
        await this.links.createForImport(
          tx,
          issued.map((t) => t.id),
          by.subject,
          expiresAt,
        );
        return rows;
      })
      .catch((err: unknown) => {
        // Imports of an event are serialised; only a ticket issued meanwhile by another route can still collide.
        if ((err as { code?: string }).code === '23505') {
          throw new TicketImportError('import_conflict', 'Tickets for this match were issued while this list was being imported; preview the file again.');
        }
        throw err;
      });
    const result = view(event.id, list, judged, false);
    this.logger.log({ eventId, sha256: list.sha256, ...result.summary, by: by.subject }, 'ticket list imported');
    return result;
  }

  /** Adds what the database knows: orders imported before (unchanged, or for another seat) and seats already ticketed. */
  private async judge(eventId: string, rows: TicketCsvRow[], db?: Queryable): Promise<Judged[]> {
    const orders = new Map((await this.repo.existingOrders(eventId, db)).map((o) => [o.orderRef, o]));
    const taken = new Set((await this.repo.takenSeats(eventId, db)).map((s) => `${s.section}/${s.seat}`));
    return rows.map((r) => {
      const problems = [...r.problems];
      const before = r.orderRef ? orders.get(r.orderRef) : undefined;
      const same = before && before.section === r.section && before.seat === r.seat && before.tier === r.tier;
      if (before && !same) {
        problems.push({
          code: 'order_ref_taken',
          field: 'orderRef',
          reason: `Order ref ${r.orderRef} was imported before for seat ${before.section}/${before.seat} (${before.tier}); revoke that ticket to change it.`,
        });
      } else if (!before && r.section && r.seat && taken.has(`${r.section}/${r.seat}`)) {
        problems.push({ code: 'seat_taken', field: 'seat', reason: `Seat ${r.section}/${r.seat} already has a ticket for this match.` });
      }
      const action = problems.length ? 'error' : same ? 'unchanged' : 'import';
      return { ...r, problems, action };
    });
  }
}

/** Checks a row can only fail against the rest of the file and the venue: sections, and seats or order refs that appear twice. */
function checkAgainstFile(rows: TicketCsvRow[], sections: string[]): void {
  const byUpper = new Map(sections.map((s) => [s.toUpperCase(), s]));
  const seats = new Map<string, number>();
  const orders = new Map<string, number>();
  for (const r of rows) {
    if (r.section) {
      const code = byUpper.get(r.section.toUpperCase());
      if (code) r.section = code;
      else {
        const some = sections.slice(0, 8).join(', ') + (sections.length > 8 ? ', …' : '');
        r.problems.push({ code: 'unknown_section', field: 'section', reason: `Section ${r.section} is not in this venue (it has ${some || 'no sections yet'}).` });
      }
    }
    if (r.section && r.seat) {
      const key = `${r.section}/${r.seat}`;
      const first = seats.get(key);
      if (first) r.problems.push({ code: 'duplicate_seat', field: 'seat', reason: `Seat ${key} is also on line ${first}.` });
      else seats.set(key, r.line);
    }
    if (r.orderRef) {
      const first = orders.get(r.orderRef);
      if (first) r.problems.push({ code: 'duplicate_order_ref', field: 'orderRef', reason: `Order ref ${r.orderRef} is also on line ${first}.` });
      else orders.set(r.orderRef, r.line);
    }
  }
}

function linkExpiry(event: EventView, asked?: string): Date {
  const now = Date.now();
  if (asked) {
    const at = Date.parse(asked);
    if (!(at > now) || at > now + LINK_MAX_MS)
      throw new TicketImportError('bad_link_expiry', 'Claim links must expire in the future, and within a year.', { linksExpireAt: asked });
    return new Date(at);
  }
  return new Date(Math.max(Date.parse(event.startsAt) + LINK_AFTER_KICKOFF_MS, now + LINK_MIN_MS));
}

function view(eventId: string, list: TicketList, rows: Judged[], dryRun: boolean): TicketImportView {
  const bad: TicketImportBadRowView[] = rows
    .filter((r) => r.action === 'error')
    .map((r) => ({ line: r.line, orderRef: r.orderRef || null, section: r.section || null, seat: r.seat || null, problems: r.problems }));
  const count = (a: Judged['action']) => rows.filter((r) => r.action === a).length;
  return {
    eventId,
    dryRun,
    applied: !dryRun,
    columns: list.columns,
    bad,
    summary: { rows: rows.length, import: count('import'), unchanged: count('unchanged'), errors: bad.length },
    formulaPolicy: FORMULA_POLICY,
  };
}
