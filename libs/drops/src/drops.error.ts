import { DomainError } from '@fanmesh/common';

export type DropErrorCode =
  | 'drop_not_found'
  | 'event_not_found'
  | 'wrong_venue'
  | 'no_inventory'
  | 'bad_window'
  | 'overlapping_window'
  | 'unknown_moment_kind'
  | 'bad_trigger'
  | 'unknown_section'
  | 'bad_reward'
  | 'not_editable'
  | 'too_many_codes'
  | 'codes_missing'
  | 'not_approved'
  | 'drop_changed'
  | 'already_fired'
  | 'outside_window'
  | 'not_targeted'
  | 'limit_reached'
  | 'sold_out'
  | 'drop_closed';

const status: Record<DropErrorCode, number> = {
  drop_not_found: 404,
  event_not_found: 404,
  wrong_venue: 403,
  no_inventory: 422,
  bad_window: 422,
  overlapping_window: 409,
  unknown_moment_kind: 422,
  bad_trigger: 422,
  unknown_section: 422,
  bad_reward: 422,
  not_editable: 409,
  too_many_codes: 422,
  codes_missing: 409,
  not_approved: 409,
  drop_changed: 409,
  already_fired: 409,
  outside_window: 409,
  not_targeted: 403,
  limit_reached: 409,
  sold_out: 409,
  drop_closed: 409,
};

export class DropError extends DomainError<DropErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
