import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CommonError, isAdmin } from '@fanmesh/common';
import type { TokenService } from '@fanmesh/identity';

const BEARER = /^Bearer\s+(\S+)$/i;
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Operations endpoints (/metrics, /api/docs) kept to operators: an admin's access token, or, when
 * given, a scrape token of its own (Prometheus sends `Authorization: Bearer <token>`). Runs before
 * the routes; a scrape token is removed once accepted so the route's access guard sees no bearer.
 */
export function operatorOnly(what: string, tokens: TokenService, scrapeToken?: string): RequestHandler {
  const expected = scrapeToken ? digest(scrapeToken) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const bearer = BEARER.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) {
      res.setHeader('www-authenticate', 'Bearer');
      return next(new CommonError('unauthenticated', `${what} is for operators: send "Authorization: Bearer <token>".`));
    }
    if (expected && timingSafeEqual(digest(bearer), expected)) {
      delete req.headers.authorization;
      return next();
    }
    tokens.verify(bearer).then(
      (principal) => next(isAdmin(principal) ? undefined : new CommonError('forbidden', `${what} is for admins.`)),
      (err: unknown) => next(err),
    );
  };
}
