import { DomainError } from '@fanmesh/common';

export type IdentityErrorCode =
  | 'malformed_siwe_message'
  | 'unknown_nonce'
  | 'nonce_used'
  | 'nonce_expired'
  | 'wrong_domain'
  | 'wrong_uri'
  | 'wrong_chain'
  | 'message_expired'
  | 'bad_signature'
  | 'refresh_token_invalid'
  | 'refresh_token_reused'
  | 'grant_not_found'
  | 'sponsor_not_found'
  | 'api_key_invalid'
  | 'api_key_required'
  | 'sponsor_key_not_found'
  | 'venue_scope'
  | 'venue_not_found'
  | 'invite_not_found'
  | 'invite_used'
  | 'invite_expired'
  | 'invite_revoked'
  | 'operator_invite_closed'
  | 'operator_invite_used'
  | 'operator_not_local';

const status: Record<IdentityErrorCode, number> = {
  malformed_siwe_message: 400,
  unknown_nonce: 401,
  nonce_used: 401,
  nonce_expired: 401,
  wrong_domain: 401,
  wrong_uri: 401,
  wrong_chain: 401,
  message_expired: 401,
  bad_signature: 401,
  refresh_token_invalid: 401,
  refresh_token_reused: 401,
  grant_not_found: 404,
  sponsor_not_found: 404,
  api_key_invalid: 401,
  api_key_required: 401,
  sponsor_key_not_found: 404,
  venue_scope: 403,
  venue_not_found: 404,
  invite_not_found: 404,
  invite_used: 409,
  invite_expired: 410,
  invite_revoked: 410,
  operator_invite_closed: 403,
  operator_invite_used: 409,
  operator_not_local: 403,
};

export class IdentityError extends DomainError<IdentityErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
