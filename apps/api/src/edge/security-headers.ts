import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '@fanmesh/config';

/** The Swagger UI's own pages (its HTML carries inline styles); everything else gets the PWA's policy. */
export const DOCS_PATH = /^\/api\/docs(\/|$)/;
const API_PATH = /^\/api\//;
/** A Host header fit to name in a policy: a hostname or bracketed IPv6, and a port (no spaces, quotes or semicolons). */
const PLAIN_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The response headers every answer carries. The PWA keeps the fan's private key in IndexedDB, so
 * the policy allows scripts from this origin only (no inline script, no eval), no framing at all,
 * and fetches to this origin, its websocket and the configured device origins only. Images may be
 * data:/blob: URLs (ticket QR codes, camera frames).
 */
export function securityHeaders(config: AppConfig): RequestHandler {
  const edge = config.edge;
  const publicOrigin = config.auth.publicOrigin ? new URL(config.auth.publicOrigin) : undefined;
  const upgrade = publicOrigin?.protocol === 'https:';
  // The websocket's origin: the public one when configured; else the host this request came to.
  const websocket = (req: Request): string => {
    if (publicOrigin) return `${publicOrigin.protocol === 'https:' ? 'wss' : 'ws'}://${publicOrigin.host}`;
    const host = req.headers.host ?? '';
    return PLAIN_HOST.test(host) ? `${req.protocol === 'https' ? 'wss' : 'ws'}://${host}` : "'self'";
  };
  const common = {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    frameSrc: ["'none'"],
    ...(upgrade ? { upgradeInsecureRequests: [] } : {}),
  };
  const headers = (directives: Record<string, (string | ((req: IncomingMessage) => string))[]>) =>
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives },
      strictTransportSecurity: edge.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      // The API is same-origin to the PWA; devices and integrations call it from servers, which CORP does not touch.
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }) as unknown as RequestHandler;
  const app = headers({
    ...common,
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    fontSrc: ["'self'"],
    mediaSrc: ["'self'", 'blob:'],
    workerSrc: ["'self'"],
    manifestSrc: ["'self'"],
    connectSrc: ["'self'", (req: IncomingMessage) => websocket(req as Request), ...edge.connectSources],
  });
  // Swagger UI loads its scripts from this origin too, but styles itself with inline <style> and style attributes.
  const docs = headers({ ...common, styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"] });

  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('permissions-policy', 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()');
    // Answers to a signed-in caller (a fan's coupon codes, tickets) are never kept by any cache, the browser's included.
    if (API_PATH.test(req.path) && (req.headers.authorization || req.headers['x-api-key'])) res.setHeader('cache-control', 'private, no-store');
    return (DOCS_PATH.test(req.path) ? docs : app)(req, res, next);
  };
}
