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
  | 'merch_not_found'
  | 'merch_bad_signature'
  | 'merch_duplicate'
  | 'merch_claimed'
  | 'window_too_long'
  | 'review_not_found'
  | 'review_decided'
  | 'review_not_admissible';

const status: Record<AccessErrorCode, number> = {
  ticket_not_found: 404,
  gate_not_found: 404,
  seat_taken: 409,
  unknown_section: 422,
  ticket_revoked: 409,
  not_ticket_holder: 403,
  wrong_venue: 403,
  too_many_tickets: 413,
  merch_not_found: 404,
  merch_bad_signature: 422,
  merch_duplicate: 409,
  merch_claimed: 409,
  window_too_long: 400,
  review_not_found: 404,
  review_decided: 409,
  review_not_admissible: 409,
};

export class AccessError extends DomainError<AccessErrorCode> {
  get status(): number {
    return status[this.code];
  }
}

/** Why a scan was refused (the wire contract's list). Every one is reached by a test. */
export { DENY_REASONS, type DenyReason } from '@fanmesh/protocol';
