/**
 * Every bounded context throws its own DomainError subclass with a code from its own union
 * (`VenueError('bad_transition', {...})`). The problem filter turns the code into an HTTP status
 * through the context's status table, which is a Record over the code union, so a new code
 * cannot compile without a status.
 */
export abstract class DomainError<Code extends string = string> extends Error {
  abstract readonly status: number;
  constructor(
    readonly code: Code,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

/** Errors shared by every context: request shape, auth, rate limits. */
export type CommonErrorCode =
  | 'validation_failed'
  | 'malformed_json'
  | 'invalid_text'
  | 'too_deeply_nested'
  | 'unsupported_content_encoding'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'not_found'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'conflict'
  | 'bad_request'
  | 'unavailable'
  | 'database_unavailable'
  | 'redis_unavailable'
  | 'internal';

const commonStatus: Record<CommonErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  invalid_text: 400,
  too_deeply_nested: 400,
  unsupported_content_encoding: 415,
  bad_request: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
  conflict: 409,
  unavailable: 503,
  database_unavailable: 503,
  redis_unavailable: 503,
  internal: 500,
};

export class CommonError extends DomainError<CommonErrorCode> {
  get status(): number {
    return commonStatus[this.code];
  }
}

export interface FieldProblem {
  field: string;
  problems: string[];
}
