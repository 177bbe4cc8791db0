import { DomainError } from '@fanmesh/common';

export type RewardsErrorCode =
  | 'event_not_found'
  | 'pools_frozen'
  | 'bad_pool'
  | 'event_not_ended'
  | 'epoch_in_progress'
  | 'nothing_to_settle'
  | 'epoch_not_found'
  | 'epoch_not_pending'
  | 'epoch_not_failed'
  | 'epoch_superseded'
  | 'epoch_not_published'
  | 'epoch_file_missing'
  | 'not_settled'
  | 'no_rewards'
  | 'nothing_to_claim'
  | 'stale_claim'
  | 'bad_claim_signature'
  | 'deadline_passed'
  | 'not_your_address'
  | 'bad_season';

const status: Record<RewardsErrorCode, number> = {
  event_not_found: 404,
  pools_frozen: 409,
  bad_pool: 422,
  event_not_ended: 409,
  epoch_in_progress: 409,
  nothing_to_settle: 409,
  epoch_not_found: 404,
  epoch_not_pending: 409,
  epoch_not_failed: 409,
  epoch_superseded: 409,
  epoch_not_published: 404,
  epoch_file_missing: 404,
  not_settled: 404,
  no_rewards: 404,
  nothing_to_claim: 409,
  stale_claim: 409,
  bad_claim_signature: 422,
  deadline_passed: 422,
  not_your_address: 403,
  bad_season: 400,
};

export class RewardsError extends DomainError<RewardsErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
