import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ZeroAddress } from 'ethers';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { Principal } from '@fanmesh/common';
import type { Queryable } from '@fanmesh/db';
import { VenueDirectory } from '@fanmesh/directory';
import {
  claimPath,
  shortAddress,
  type ClaimLinkStatus,
  type ClaimLinkView,
  type ImportedTicketsView,
  type MyTicketView,
  type TicketHolderView,
  type TransferLinkView,
} from '@fanmesh/protocol';
import { AccessCache } from './access-cache';
import { AccessError } from './access.error';
import { ClaimLinkRepository, ClaimLinkRow } from './claim-link.repository';
import { ClaimLinkTokens } from './claim-link-tokens';
import { requireStaffAt } from './staff-at-venue';
import { csvCell } from './ticket-csv';
import { TicketImportError } from './ticket-import.error';
import { ImportedTicketRow, TicketImportRepository } from './ticket-import.repository';
import { TicketSigner } from './ticket-signer';
import { TicketRepository, TicketRow } from './ticket.repository';
import { requireEvent } from './venue-events';

/** An imported ticket belongs to nobody until a fan claims it: the zero address, whose key nobody has, so no code of it can be signed. */
export const UNBOUND_HOLDER = ZeroAddress.toLowerCase();
const TRANSFER_LINK_TTL_MS = 48 * 3600_000;
const EXPORT_HEADER = ['order_ref', 'contact', 'section', 'seat', 'tier', 'status', 'claim_url', 'expires_at'];

/**
 * One-time links that bind a ticket to the key of whoever opens them in the PWA: a claim link per
 * imported ticket (for the venue's mailer), and transfer links a holder makes to hand a ticket on.
 * Claiming re-signs the ticket for the fan at the next version, so every older code stops admitting.
 */
@Injectable()
export class ClaimLinksService {
  private readonly logger = new Logger(ClaimLinksService.name);

  constructor(
    private readonly links: ClaimLinkRepository,
    private readonly imports: TicketImportRepository,
    private readonly tickets: TicketRepository,
    private readonly tokens: ClaimLinkTokens,
    private readonly signer: TicketSigner,
    private readonly cache: AccessCache,
    private readonly venues: VenueDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Claim links for freshly imported tickets, written in the import's transaction. */
  async createForImport(tx: Queryable, ticketIds: string[], by: string, expiresAt: Date): Promise<void> {
    await this.links.insertMany(
      tx,
      ticketIds.map((ticketId) => {
        const id = randomUUID();
        return { id, tokenHash: this.tokens.hash(this.tokens.token(id)), ticketId, kind: 'claim' as const, ticketVersion: 1, createdBy: by, expiresAt };
      }),
    );
  }

  /** Links carry PUBLIC_ORIGIN when set (what fans open), else the origin the venue's browser used. */
  origin(requestOrigin: string): string {
    return this.config.auth.publicOrigin ?? requestOrigin;
  }

  /** The event's imported tickets with their claim status, for its venue (never the buyers' contacts). */
  async list(eventId: string, by: Principal, requestOrigin: string): Promise<ImportedTicketsView> {
    requireStaffAt(by, await requireEvent(this.venues, eventId));
    const rows = await this.imports.imported(eventId);
    const tickets = rows.map((r) => {
      const claim = importedStatus(r);
      return {
        ticketId: r.ticketId,
        orderRef: r.orderRef,
        section: r.section,
        seat: r.seat,
        tier: r.tier,
        ticketStatus: r.ticketStatus,
        claim,
        claimedAt: r.claimedAt ? new Date(r.claimedAt).toISOString() : null,
        holder: r.holder === UNBOUND_HOLDER ? null : shortAddress(r.holder),
        expiresAt: r.expiresAt ? new Date(r.expiresAt).toISOString() : '',
        url: r.linkId ? this.url(requestOrigin, r.linkId) : '',
      };
    });
    const count = (s: ClaimLinkStatus) => tickets.filter((t) => t.claim === s).length;
    const [claimed, open, expired] = [count('claimed'), count('open'), count('expired')];
    return { eventId, tickets, summary: { total: tickets.length, claimed, open, expired, other: tickets.length - claimed - open - expired } };
  }

  /** The venue's mailer file: order ref, the buyer's contact and their link. The one answer that carries contacts. */
  async exportCsv(eventId: string, by: Principal, requestOrigin: string): Promise<string> {
    requireStaffAt(by, await requireEvent(this.venues, eventId));
    const rows = await this.imports.importedWithContacts(eventId);
    const lines = rows.map((r) =>
      [
        r.orderRef,
        r.contact,
        r.section,
        r.seat,
        r.tier,
        importedStatus(r),
        r.linkId ? this.url(requestOrigin, r.linkId) : '',
        r.expiresAt ? new Date(r.expiresAt).toISOString() : '',
      ]
        .map(csvCell)
        .join(','),
    );
    this.logger.log({ eventId, rows: rows.length, by: by.subject }, 'claim links exported');
    return [EXPORT_HEADER.join(','), ...lines].join('\r\n') + '\r\n';
  }

  /** What a fan who opened a link sees: the match, the seat, and who holds the ticket now. */
  async lookup(token: string, by: Principal): Promise<ClaimLinkView> {
    const link = await this.find(token);
    const ticket = (await this.tickets.find(link.ticketId))!;
    const event = await requireEvent(this.venues, ticket.eventId);
    return {
      kind: link.kind,
      status: linkStatus(link, ticket),
      expiresAt: new Date(link.expiresAt).toISOString(),
      event: { id: event.id, name: event.name, startsAt: event.startsAt, venueName: event.venueName, status: event.status },
      ticket: { id: ticket.id, section: ticket.section, seat: ticket.seat, tier: ticket.tier },
      holder: holderView(ticket.holder, by.subject),
    };
  }

  /**
   * Binds the ticket to the caller's key: the link's row is locked, so of two fans claiming at once
   * exactly one wins and the other is told who holds it. The re-signed ticket is compare-and-set on
   * the version the link was made at; a ticket moved or revoked since leaves the link unused.
   */
  async claim(token: string, by: Principal): Promise<MyTicketView> {
    const found = await this.find(token);
    const ticket = (await this.tickets.find(found.ticketId))!;
    const event = await requireEvent(this.venues, ticket.eventId);
    const fan = by.subject.toLowerCase();
    const next = { ticketId: ticket.id, eventId: ticket.eventId, holder: fan, section: ticket.section, seat: ticket.seat, tier: ticket.tier, version: found.ticketVersion + 1 };
    const signature = this.signer.sign(next);
    await this.links.transaction(async (tx) => {
      const link = (await this.links.byTokenHash(this.tokens.hash(token), tx, true))!;
      if (link.claimedAt) {
        const holder = holderView((await this.links.holderOf(tx, link.ticketId))!, fan);
        const who = holder ? (holder.you ? 'you' : holder.short) : 'nobody';
        throw new TicketImportError('claim_link_used', `This link was used already; the ticket is held by ${who}. A link binds a ticket once.`, { holder });
      }
      if (link.revokedAt) throw new TicketImportError('claim_link_revoked', 'This link was replaced by a newer one; ask the sender for the latest link.');
      if (link.expired)
        throw new TicketImportError('claim_link_expired', `This link expired at ${new Date(link.expiresAt).toISOString()}; ask the venue or the sender for a new one.`);
      if (ticket.holder === fan) throw new TicketImportError('already_holder', 'This ticket is yours already; send the link to the person you are giving it to.');
      if (await this.links.admitted(tx, ticket.id)) throw new TicketImportError('ticket_admitted', 'This ticket was already used at the gate; it cannot change hands.');
      if (!(await this.tickets.reissue(ticket.id, link.ticketVersion, fan, signature, tx))) {
        throw new TicketImportError('claim_link_stale', 'The ticket changed since this link was made (it was handed on or revoked), so the link no longer works.');
      }
      // A claim link is the buyer's: the claimer bought it, and joins it to whatever else they bought here. A transfer keeps its buyer's group.
      if (link.kind === 'claim') await this.tickets.claimed(tx, ticket.id, ticket.eventId, fan);
      await this.links.markClaimed(tx, link.id, fan);
      await this.links.revokeOpen(tx, ticket.id, 'any', link.id);
    });
    await this.cache.ticketChanged(ticket.id);
    this.logger.log({ ticketId: ticket.id, kind: found.kind, by: fan }, 'ticket claimed by link');
    return {
      id: ticket.id,
      eventId: ticket.eventId,
      holder: fan,
      section: ticket.section,
      seat: ticket.seat,
      tier: ticket.tier,
      version: next.version,
      status: 'valid',
      issuerSignature: signature,
      issuer: this.signer.issuer,
      event: { id: event.id, name: event.name, startsAt: event.startsAt, venueName: event.venueName, status: event.status },
      admittedAt: null,
    };
  }

  /** The holder's link to hand the ticket on (48 h); a newer one replaces it, and the ticket's codes keep working until it is claimed. */
  async transferLink(ticketId: string, by: Principal, requestOrigin: string): Promise<TransferLinkView> {
    const ticket = await this.tickets.find(ticketId);
    if (!ticket) throw new AccessError('ticket_not_found', `No ticket ${ticketId}.`);
    if (ticket.holder !== by.subject.toLowerCase()) throw new AccessError('not_ticket_holder', 'Only the ticket holder can hand it on.');
    if (ticket.status !== 'valid') throw new AccessError('ticket_revoked', 'This ticket was revoked.');
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + TRANSFER_LINK_TTL_MS);
    await this.links.transaction(async (tx) => {
      if (await this.links.admitted(tx, ticket.id)) throw new TicketImportError('ticket_admitted', 'This ticket was already used at the gate; it cannot change hands.');
      await this.links.revokeOpen(tx, ticket.id, 'transfer');
      const tokenHash = this.tokens.hash(this.tokens.token(id));
      await this.links.insertMany(tx, [{ id, tokenHash, ticketId: ticket.id, kind: 'transfer', ticketVersion: ticket.version, createdBy: ticket.holder, expiresAt }]);
    });
    const path = claimPath(this.tokens.token(id));
    return { path, url: this.origin(requestOrigin) + path, expiresAt: expiresAt.toISOString() };
  }

  private async find(token: string): Promise<ClaimLinkRow> {
    const link = await this.links.byTokenHash(this.tokens.hash(token));
    if (!link) throw new TicketImportError('claim_link_not_found', 'No such link. Check that it was copied whole, or ask for a new one.');
    return link;
  }

  private url(requestOrigin: string, linkId: string): string {
    return this.origin(requestOrigin) + claimPath(this.tokens.token(linkId));
  }
}

function holderView(holder: string, caller: string): TicketHolderView | null {
  return holder === UNBOUND_HOLDER ? null : { you: holder === caller.toLowerCase(), short: shortAddress(holder) };
}

function linkStatus(link: ClaimLinkRow, ticket: TicketRow): ClaimLinkStatus {
  if (link.claimedAt) return 'claimed';
  if (link.revokedAt) return 'revoked';
  if (ticket.status !== 'valid' || ticket.version !== link.ticketVersion) return 'stale';
  return link.expired ? 'expired' : 'open';
}

function importedStatus(r: ImportedTicketRow): ClaimLinkStatus {
  if (!r.linkId) return 'revoked';
  if (r.claimedAt) return 'claimed';
  if (r.revokedAt) return 'revoked';
  if (r.ticketStatus !== 'valid' || r.ticketVersion !== r.linkVersion) return 'stale';
  return r.expired ? 'expired' : 'open';
}
