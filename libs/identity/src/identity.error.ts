import { DomainError } from '@fanmesh/common';

export type IdentityErrorCode =
  | 'malformed_siwe_message'
  | 'unknown_nonce'
  | 'nonce_used'
  | 'nonce_expired'
  | 'wrong_domain'
  | 'wrong_chain'
  | 'message_expired'
  | 'bad_signature'
  | 'refresh_token_invalid'
  | 'refresh_token_reused'
  | 'grant_not_found'
  | 'sponsor_not_found'
  | 'api_key_invalid'
  | 'sponsor_key_not_found'
  | 'venue_scope';

const status: Record<IdentityErrorCode, number> = {
  malformed_siwe_message: 400,
  unknown_nonce: 401,
  nonce_used: 401,
  nonce_expired: 401,
  wrong_domain: 401,
  wrong_chain: 401,
  message_expired: 401,
  bad_signature: 401,
  refresh_token_invalid: 401,
  refresh_token_reused: 401,
  grant_not_found: 404,
  sponsor_not_found: 404,
  api_key_invalid: 401,
  sponsor_key_not_found: 404,
  venue_scope: 403,
};

export class IdentityError extends DomainError<IdentityErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
