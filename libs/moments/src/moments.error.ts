import { DomainError } from '@fanmesh/common';

export type MomentsErrorCode =
  | 'moment_not_found'
  | 'moment_rejected'
  | 'moment_confirmed'
  | 'event_not_found'
  | 'event_not_at_venue'
  | 'feed_not_configured'
  | 'bad_feed_signature'
  | 'stale_feed_message'
  | 'feed_replayed'
  | 'sensor_not_found'
  | 'not_a_sensor'
  | 'sensor_not_eligible';

const status: Record<MomentsErrorCode, number> = {
  moment_not_found: 404,
  moment_rejected: 409,
  moment_confirmed: 409,
  event_not_found: 404,
  event_not_at_venue: 422,
  feed_not_configured: 401,
  bad_feed_signature: 401,
  stale_feed_message: 401,
  feed_replayed: 409,
  sensor_not_found: 404,
  not_a_sensor: 422,
  sensor_not_eligible: 409,
};

export class MomentsError extends DomainError<MomentsErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
