/**
 * The venue console's wire contract: section CSV imports, role invites, the operator's first-run
 * invite and sponsors with their keys. Times are ISO-8601 strings.
 */

/** The demo stadium every fresh install has (FanMesh Arena), and its upcoming match. */
export const DEMO_VENUE_ID = '5eed0000-0000-4000-8000-000000000001';
export const DEMO_EVENT_ID = '5eed0000-0000-4000-8000-0000000000e1';

// ---------------------------------------------------------------- section CSV import

/** The CSV's header, in any order; `neighbours` may be left out (codes separated by spaces or `;`). */
export const SECTION_CSV_COLUMNS = ['code', 'name', 'stand', 'tier', 'capacity', 'neighbours'] as const;
export const SECTION_CSV_REQUIRED = ['code', 'name', 'stand', 'tier', 'capacity'] as const;
export const SECTION_CSV_MAX_ROWS = 500;
export const SECTION_CSV_MAX_BYTES = 64 * 1024;

/** Why one row (or one cell) cannot be imported. */
export type SectionRowProblemCode =
  | 'bad_code'
  | 'duplicate_code'
  | 'bad_name'
  | 'formula_cell'
  | 'bad_stand'
  | 'bad_tier'
  | 'bad_capacity'
  | 'unknown_neighbour'
  | 'self_neighbour'
  | 'capacity_from_seat_map'
  | 'wrong_column_count';

export interface SectionRowProblem {
  code: SectionRowProblemCode;
  /** The column at fault, or null for the whole row. */
  column: string | null;
  reason: string;
}

export interface SectionImportRowView {
  /** The line in the file (the header is line 1). */
  line: number;
  code: string | null;
  action: 'create' | 'update' | 'unchanged' | 'error';
  problems: SectionRowProblem[];
}

/** POST /venues/:venueId/sections/import: the preview (dryRun) or what was written. */
export interface SectionImportView {
  dryRun: boolean;
  applied: boolean;
  rows: SectionImportRowView[];
  summary: { create: number; update: number; unchanged: number; errors: number };
}

// ---------------------------------------------------------------- invites

export type InviteRole = 'staff' | 'steward';
export type InviteStatus = 'pending' | 'accepted' | 'expired' | 'revoked';

/** GET /venues/:venueId/invites: an invite as the admin sees it (never its token). */
export interface InviteView {
  id: string;
  venueId: string;
  role: InviteRole;
  label: string | null;
  status: InviteStatus;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  acceptedBy: string | null;
  acceptedAt: string | null;
}

/** POST /venues/:venueId/invites: the invite with its one-time token, shown only in this answer. */
export interface CreatedInviteView extends InviteView {
  token: string;
  /** Where the invitee opens it in the PWA: the token rides in the fragment, which browsers never send. */
  path: string;
}

/** POST /invites/lookup: what the invitee is asked to accept. */
export interface InviteLookupView {
  venueId: string;
  role: InviteRole;
  status: InviteStatus;
  expiresAt: string;
  /** Set once accepted: who holds the role from it. */
  acceptedBy: string | null;
}

/** POST /invites/accept */
export interface AcceptedInviteView {
  venueId: string;
  role: InviteRole;
  address: string;
  /** True when this account had already accepted this invite (opening the link again changes nothing). */
  alreadyAccepted: boolean;
}

/**
 * GET /invites/operator: the first-run invite. Outside production, with no ADMIN_ADDRESS, whoever
 * runs FanMesh becomes its first admin by opening the console on the machine itself, once.
 */
export interface OperatorInviteView {
  open: boolean;
  /** Why it is closed: an account already took it, ADMIN_ADDRESS names the admin, or production. */
  reason: 'claimed' | 'admin_address' | 'production' | null;
}

// ---------------------------------------------------------------- sponsors

export interface SponsorKeySummaryView {
  id: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** GET /sponsors?venueId=: a venue's sponsors and their keys (prefixes only: a key is shown once). */
export interface SponsorView {
  id: string;
  venueId: string;
  name: string;
  createdAt: string;
  keys: SponsorKeySummaryView[];
}
