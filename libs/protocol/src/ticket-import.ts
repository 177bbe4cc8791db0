/**
 * Ticket lists imported from a ticketing system's CSV export, and the claim links that hand each
 * ticket to a fan's key. Times are ISO-8601 strings. The buyer's contact (e-mail or phone) is in
 * none of these views: only the venue's own claim-link CSV export carries it.
 */
import type { EventStatus } from './domain';

/** The fields a ticket list must have; each is found under any of its header names (case, spaces and punctuation ignored). */
export const TICKET_CSV_FIELDS = {
  orderRef: ['order ref', 'order reference', 'order', 'order id', 'order number', 'order no', 'booking ref', 'booking reference', 'reference', 'ref'],
  section: ['section', 'block', 'section code'],
  seat: ['seat', 'seat number', 'seat no'],
  tier: ['tier', 'price band', 'price level', 'category', 'ticket type'],
  contact: ['contact', 'email', 'e-mail', 'email address', 'phone', 'mobile', 'phone number', 'telephone'],
} as const;
export type TicketCsvField = keyof typeof TICKET_CSV_FIELDS;

export const TICKET_CSV_MAX_BYTES = 2 * 1024 * 1024;
export const TICKET_CSV_MAX_ROWS = 10_000;

/** Why one row cannot be imported. */
export type TicketRowProblemCode =
  | 'missing_value'
  | 'too_long'
  | 'formula_cell'
  | 'unknown_section'
  | 'duplicate_seat'
  | 'seat_taken'
  | 'duplicate_order_ref'
  | 'order_ref_taken'
  | 'bad_contact'
  | 'wrong_column_count';

export interface TicketRowProblem {
  code: TicketRowProblemCode;
  /** The field at fault, or null for the whole row. */
  field: TicketCsvField | null;
  /** In words, for the venue; never quotes the contact. */
  reason: string;
}

/** A row that will not be imported, with every reason. */
export interface TicketImportBadRowView {
  /** The line in the file (the header is line 1). */
  line: number;
  orderRef: string | null;
  section: string | null;
  seat: string | null;
  problems: TicketRowProblem[];
}

/** POST /events/:eventId/tickets/import: the preview (dryRun) or what was written. */
export interface TicketImportView {
  eventId: string;
  dryRun: boolean;
  applied: boolean;
  /** Which header of the file each field was read from. */
  columns: Record<TicketCsvField, string>;
  /** Every bad row, in file order. */
  bad: TicketImportBadRowView[];
  summary: { rows: number; import: number; unchanged: number; errors: number };
  /** How cells that a spreadsheet would run as a formula are treated. */
  formulaPolicy: string;
}

export type ClaimLinkKind = 'claim' | 'transfer';
/** open: can be claimed; claimed: used once, never again; expired; revoked: replaced by a newer link; stale: the ticket changed since (transferred or revoked). */
export type ClaimLinkStatus = 'open' | 'claimed' | 'expired' | 'revoked' | 'stale';

/** Who holds a ticket now, as a fan may be told: "you", or a shortened address. */
export interface TicketHolderView {
  you: boolean;
  short: string;
}

/** GET /events/:eventId/claim-links: an imported ticket and its claim link, as the venue's staff see it (no contact). */
export interface ImportedTicketView {
  ticketId: string;
  orderRef: string;
  section: string;
  seat: string;
  tier: string;
  ticketStatus: 'valid' | 'revoked';
  claim: ClaimLinkStatus;
  claimedAt: string | null;
  holder: string | null;
  expiresAt: string;
  url: string;
}

export interface ImportedTicketsView {
  eventId: string;
  tickets: ImportedTicketView[];
  summary: { total: number; claimed: number; open: number; expired: number; other: number };
}

/** POST /claim-links/lookup: what a fan who opened a link is shown. */
export interface ClaimLinkView {
  kind: ClaimLinkKind;
  status: ClaimLinkStatus;
  expiresAt: string;
  event: { id: string; name: string; startsAt: string; venueName: string; status: EventStatus };
  ticket: { id: string; section: string; seat: string; tier: string };
  /** Who holds the ticket now; null while nobody has claimed it. */
  holder: TicketHolderView | null;
}

/** POST /tickets/:ticketId/transfer-links: the link the holder sends on (shown once). */
export interface TransferLinkView {
  path: string;
  url: string;
  expiresAt: string;
}

/** The PWA path a claim or transfer link opens. */
export const claimPath = (token: string) => `/claim/${token}`;
/** A claim token: 32 bytes, base64url without padding. */
export const CLAIM_TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const shortAddress = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
