import { DomainError } from '@fanmesh/common';

export type DeviceErrorCode =
  | 'bad_offer_signature'
  | 'bad_owner_signature'
  | 'bad_device_signature'
  | 'offer_expired'
  | 'offer_used'
  | 'device_paired'
  | 'device_not_found'
  | 'device_revoked'
  | 'denylisted'
  | 'replayed_seq'
  | 'clock_skew'
  | 'bad_envelope_signature'
  | 'unsupported_body'
  | 'unknown_section'
  | 'not_device_owner'
  | 'not_denylisted'
  | 'appeal_open'
  | 'appeal_not_found'
  | 'appeal_decided'
  | 'not_venue_staff'
  | 'venue_mismatch'
  | 'venue_required'
  | 'bad_recipient'
  | 'transfer_expired'
  | 'transfer_replayed'
  | 'chain_pending'
  | 'chain_unavailable';

const status: Record<DeviceErrorCode, number> = {
  bad_offer_signature: 422,
  bad_owner_signature: 422,
  bad_device_signature: 422,
  offer_expired: 422,
  offer_used: 409,
  device_paired: 409,
  device_not_found: 404,
  device_revoked: 403,
  denylisted: 403,
  replayed_seq: 409,
  clock_skew: 422,
  bad_envelope_signature: 401,
  unsupported_body: 422,
  unknown_section: 422,
  not_device_owner: 403,
  not_denylisted: 409,
  appeal_open: 409,
  appeal_not_found: 404,
  appeal_decided: 409,
  not_venue_staff: 403,
  venue_mismatch: 422,
  venue_required: 422,
  bad_recipient: 422,
  transfer_expired: 422,
  transfer_replayed: 409,
  chain_pending: 409,
  chain_unavailable: 503,
};

export class DeviceError extends DomainError<DeviceErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
