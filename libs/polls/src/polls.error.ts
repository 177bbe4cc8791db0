import { DomainError } from '@fanmesh/common';

export type PollErrorCode =
  | 'poll_not_found'
  | 'bad_schedule'
  | 'duplicate_options'
  | 'needs_event'
  | 'event_not_at_venue'
  | 'chain_unavailable'
  | 'already_closed'
  | 'already_open'
  // ballot refusals: each is a reason a fan sees
  | 'wrong_poll'
  | 'bad_signature'
  | 'signer_mismatch'
  | 'poll_not_open'
  | 'poll_closed'
  | 'bad_option'
  | 'issued_in_future'
  | 'not_token_holder'
  | 'not_checked_in'
  | 'no_voting_power'
  | 'stale_ballot';

const status: Record<PollErrorCode, number> = {
  poll_not_found: 404,
  bad_schedule: 422,
  duplicate_options: 422,
  needs_event: 422,
  event_not_at_venue: 422,
  chain_unavailable: 503,
  already_closed: 409,
  already_open: 409,
  wrong_poll: 422,
  bad_signature: 422,
  signer_mismatch: 403,
  poll_not_open: 409,
  poll_closed: 409,
  bad_option: 422,
  issued_in_future: 422,
  not_token_holder: 403,
  not_checked_in: 403,
  no_voting_power: 403,
  stale_ballot: 409,
};

export class PollError extends DomainError<PollErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
