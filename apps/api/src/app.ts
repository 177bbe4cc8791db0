import 'reflect-metadata';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@fanmesh/config';
import { asDomainError, checkRequestText, CommonError, createValidationPipe, PROBLEM_CONTENT_TYPE, refuseContentEncoding, toProblem } from '@fanmesh/common';
import { TokenService } from '@fanmesh/identity';
import { AppModule } from './app.module';
import { operatorOnly } from './edge/operator-only';
import { DOCS_PATH, securityHeaders } from './edge/security-headers';
import { setUpOpenApi } from './openapi';
import { GatewayWsAdapter } from './ws-adapter';

const API_PREFIX = 'api/v1';
const BULK_ROUTES = /^\/api\/v1\/(events\/[^/]+\/tickets(\/import)?|gates\/[^/]+\/offline-scans)$/;
const NOT_SPA = /^\/(api|health|metrics|ws)(\/|$)/;

/** Builds the whole app (not listening yet); main.ts and the tests both start it this way. */
export async function createApp(config: AppConfig, opts: { testProviders?: Provider[] } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, opts.testProviders), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.useWebSocketAdapter(new GatewayWsAdapter(app));
  app.use(securityHeaders(config));

  // Bodies: JSON only, bounded; anything else on a write is a 415, not a confusing validation error.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) && !req.is(['application/json', 'application/*+json'])) {
      return next(new CommonError('unsupported_media_type', 'Send the body as JSON with content-type: application/json.'));
    }
    next();
  });
  // Bulk routes (ticket issue and CSV import, offline uploads, device batches) take bigger bodies than the rest.
  const json = express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'], strict: true });
  const bulkJson = express.json({ limit: '4mb', type: ['application/json', 'application/*+json'], strict: true });
  app.use(refuseContentEncoding);
  app.use((req: Request, res: Response, next: NextFunction) => (BULK_ROUTES.test(req.path) ? bulkJson : json)(req, res, next));
  app.use(checkRequestText);
  // Operations endpoints: open in dev, operators only in production (METRICS_ACCESS, API_DOCS).
  const tokens = app.get(TokenService);
  if (config.edge.metrics === 'restricted') app.use('/metrics', operatorOnly('/metrics', tokens, config.edge.metricsToken));
  if (config.edge.apiDocs === 'admin') {
    const docsGate = operatorOnly('/api/docs', tokens);
    app.use((req: Request, res: Response, next: NextFunction) => (DOCS_PATH.test(req.path) ? docsGate(req, res, next) : next()));
  }
  // Body and content-type errors are answered here, before Nest would flatten them into a bare 400.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = asDomainError(err, req);
    res
      .status(error.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(toProblem(error, req.originalUrl.split('?')[0])));
  });

  // The PWA, when built: static files, and index.html for its client-side routes.
  const web = config.webDist;
  if (existsSync(join(web, 'index.html'))) {
    const assets = express.static(web, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForShell });
    const compressed = precompressedFiles(web);
    // API paths never touch the file system (a stat per scan request was 10% of the scan path).
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (NOT_SPA.test(req.path)) return next();
      const file = req.path === '/' ? '/index.html' : req.path;
      if (!sendPrecompressed(req, res, web, file, compressed, () => assets(req, res, next))) assets(req, res, next);
    });
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (req.method === 'GET' && !NOT_SPA.test(req.path) && req.accepts('html')) {
        const fallback = () => res.sendFile(join(web, 'index.html'), { headers: { 'cache-control': 'no-cache' } });
        if (!sendPrecompressed(req, res, web, '/index.html', compressed, fallback)) fallback();
        return;
      }
      next();
    });
  }

  app.setGlobalPrefix(API_PREFIX, { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());

  if (config.edge.apiDocs !== 'off') setUpOpenApi(app);

  await app.init();
  return app;
}

/** Hashed build output: its name changes with its content, so browsers keep it a year without asking again. */
const HASHED = /^\/assets\/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The web paths that have .br/.gz copies written at build (read once at start: no stat per request). */
function precompressedFiles(web: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  for (const file of walk(web)) {
    const m = /\.(br|gz)$/.exec(file);
    if (!m) continue;
    const path = '/' + relative(web, file.slice(0, -3)).split(sep).join('/');
    found.set(path, (found.get(path) ?? new Set()).add(m[1]));
  }
  return found;
}

/** Sends the build's brotli (or gzip) copy of a text file when the browser accepts it; false when there is none to send. */
function sendPrecompressed(req: Request, res: Response, web: string, path: string, compressed: Map<string, Set<string>>, fallback: () => void): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const have = compressed.get(path);
  const type = TYPES[extname(path)];
  if (!have || !type) return false;
  const encoding = have.has('br') && req.acceptsEncodings('br') === 'br' ? 'br' : have.has('gz') && req.acceptsEncodings('gzip') === 'gzip' ? 'gzip' : undefined;
  res.vary('accept-encoding');
  if (!encoding) return false;
  res.setHeader('content-type', type);
  res.setHeader('content-encoding', encoding);
  res.setHeader('cache-control', cacheControlFor(path));
  res.sendFile(join(web, `${path.slice(1)}.${encoding === 'br' ? 'br' : 'gz'}`), { acceptRanges: false, cacheControl: false, dotfiles: 'deny' }, (err) => {
    if (err && !res.headersSent) {
      res.removeHeader('content-encoding');
      res.removeHeader('content-type');
      fallback();
    }
  });
  return true;
}

function cacheControlFor(path: string): string {
  if (HASHED.test(path)) return 'public, max-age=31536000, immutable';
  if (path.endsWith('sw.js') || path.endsWith('index.html') || path.endsWith('manifest.webmanifest')) return 'no-cache';
  return 'public, max-age=3600';
}

function noCacheForShell(res: Response, path: string): void {
  res.vary('accept-encoding');
  if (HASHED.test('/' + path.split(sep).slice(-2).join('/'))) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
  // The service worker and the shell must be revalidated, or an old app would live forever.
  if (path.endsWith('sw.js') || path.endsWith('index.html') || path.endsWith('manifest.webmanifest')) {
    res.setHeader('cache-control', 'no-cache');
  }
}
