import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CommonError, CommonErrorCode, DomainError } from './domain-error';
import { DEPENDENCY_RETRY_AFTER_SECONDS, unavailableDependency } from './dependency-errors';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

// body-parser tags its errors with a `type`; map each to a stable code of ours.
const bodyParserCodes: Record<string, CommonErrorCode> = {
  'entity.parse.failed': 'malformed_json',
  'entity.too.large': 'payload_too_large',
  'encoding.unsupported': 'unsupported_media_type',
  'charset.unsupported': 'unsupported_media_type',
  'request.aborted': 'bad_request',
  'request.size.invalid': 'bad_request',
  'stream.encoding.set': 'bad_request',
  'parameters.too.many': 'payload_too_large',
};

const statusCodes: Record<number, CommonErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Turns anything thrown while serving HTTP into a domain error, so every answer is one problem shape. */
export function asDomainError(error: unknown, req?: Pick<Request, 'method' | 'originalUrl'>): DomainError {
  if (error instanceof DomainError) return error;
  const tagged = error as { type?: string; status?: number; expose?: boolean; limit?: number };
  if (typeof tagged?.type === 'string' && bodyParserCodes[tagged.type]) {
    const code = bodyParserCodes[tagged.type];
    const detail =
      code === 'malformed_json'
        ? 'The request body is not valid JSON. Send a JSON object with content-type application/json.'
        : code === 'payload_too_large'
          ? `The request body is larger than the ${tagged.limit ?? ''} byte limit. Send less data per request.`
          : 'The request body could not be read.';
    return new CommonError(code, detail);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404 && req) {
      return new CommonError('route_not_found', `No route ${req.method} ${req.originalUrl.split('?')[0]}. See /api/docs for the API.`);
    }
    const code = statusCodes[status] ?? (status >= 500 ? 'internal' : 'bad_request');
    const body = error.getResponse();
    const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
    return new CommonError(code, Array.isArray(message) ? message.join('; ') : String(message));
  }
  const down = unavailableDependency(error);
  if (down) {
    const what = down === 'database' ? 'The database' : 'Redis';
    return new CommonError(`${down}_unavailable`, `${what} is unavailable right now; retry in a few seconds.`, {
      dependency: down,
      retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS,
    });
  }
  return new CommonError('internal', 'Something went wrong on our side. Try again; if it persists, report the time of the request.');
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception; // websockets map errors to frames themselves
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const error = asDomainError(exception, req);
    if (error.status >= 500) this.logger.error({ err: exception, path: req.originalUrl }, 'unhandled error');
    if (res.headersSent) return;
    // 429 and 503 say when to come back (`retryAfterSeconds` in the problem, and the header clients act on).
    if (typeof error.extra.retryAfterSeconds === 'number') res.setHeader('Retry-After', String(error.extra.retryAfterSeconds));
    res
      .status(error.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(toProblem(error, req.originalUrl.split('?')[0])));
  }
}
