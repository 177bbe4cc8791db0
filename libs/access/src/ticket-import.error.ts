import { DomainError } from '@fanmesh/common';

/** Why a ticket list or a claim link was refused as a whole (a row's problems are in the preview instead). */
export type TicketImportErrorCode =
  | 'csv_too_large'
  | 'csv_too_many_rows'
  | 'csv_encoding'
  | 'csv_malformed'
  | 'csv_missing_columns'
  | 'csv_empty'
  | 'import_conflict'
  | 'bad_link_expiry'
  | 'wrong_venue'
  | 'claim_link_not_found'
  | 'claim_link_expired'
  | 'claim_link_used'
  | 'claim_link_revoked'
  | 'claim_link_stale'
  | 'already_holder'
  | 'ticket_admitted';

const status: Record<TicketImportErrorCode, number> = {
  csv_too_large: 413,
  csv_too_many_rows: 413,
  csv_encoding: 422,
  csv_malformed: 422,
  csv_missing_columns: 422,
  csv_empty: 422,
  import_conflict: 409,
  bad_link_expiry: 422,
  wrong_venue: 403,
  claim_link_not_found: 404,
  claim_link_expired: 410,
  claim_link_used: 409,
  claim_link_revoked: 410,
  claim_link_stale: 409,
  already_holder: 409,
  ticket_admitted: 409,
};

export class TicketImportError extends DomainError<TicketImportErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
