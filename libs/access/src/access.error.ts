import { DomainError } from '@fanmesh/common';

export type AccessErrorCode =
  | 'ticket_not_found'
  | 'gate_not_found'
  | 'seat_taken'
  | 'unknown_section'
  | 'ticket_revoked'
  | 'not_ticket_holder'
  | 'wrong_venue'
  | 'too_many_tickets'
  | 'rate_limited'
  | 'merch_not_found'
  | 'merch_bad_signature'
  | 'merch_duplicate'
  | 'merch_claimed';

const status: Record<AccessErrorCode, number> = {
  ticket_not_found: 404,
  gate_not_found: 404,
  seat_taken: 409,
  unknown_section: 422,
  ticket_revoked: 409,
  not_ticket_holder: 403,
  wrong_venue: 403,
  too_many_tickets: 413,
  rate_limited: 429,
  merch_not_found: 404,
  merch_bad_signature: 422,
  merch_duplicate: 409,
  merch_claimed: 409,
};

export class AccessError extends DomainError<AccessErrorCode> {
  get status(): number {
    return status[this.code];
  }
}

/** Why a scan was refused. Every one is reached by a test. */
export const DENY_REASONS = [
  'malformed_code',
  'unknown_ticket',
  'bad_signature',
  'expired_code',
  'wrong_event',
  'revoked',
  'gates_closed',
  'wrong_gate',
  'already_admitted',
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];
