import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@fanmesh/config';
import { asDomainError, CommonError, createValidationPipe, PROBLEM_CONTENT_TYPE, toProblem } from '@fanmesh/common';
import { AppModule } from './app.module';

const API_PREFIX = 'api/v1';
const BULK_ROUTES = /^\/api\/v1\/(events\/[^/]+\/tickets|gates\/[^/]+\/offline-scans)$/;
const NOT_SPA = /^\/(api|health|metrics|ws)(\/|$)/;

/** Builds the whole app (not listening yet); main.ts and the tests both start it this way. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.useWebSocketAdapter(new WsAdapter(app));

  // Bodies: JSON only, bounded; anything else on a write is a 415, not a confusing validation error.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) && !req.is(['application/json', 'application/*+json'])) {
      return next(new CommonError('unsupported_media_type', 'Send the body as JSON with content-type: application/json.'));
    }
    next();
  });
  // Bulk routes (ticket issue, offline uploads, device batches) take bigger bodies than the rest.
  const json = express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'], strict: true });
  const bulkJson = express.json({ limit: '4mb', type: ['application/json', 'application/*+json'], strict: true });
  app.use((req: Request, res: Response, next: NextFunction) => (BULK_ROUTES.test(req.path) ? bulkJson : json)(req, res, next));
  // Body and content-type errors are answered here, before Nest would flatten them into a bare 400.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = asDomainError(err, req);
    res.status(error.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(toProblem(error, req.originalUrl.split('?')[0])));
  });

  // The PWA, when built: static files, and index.html for its client-side routes.
  const web = config.webDist;
  if (existsSync(join(web, 'index.html'))) {
    const assets = express.static(web, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForShell });
    // API paths never touch the file system (a stat per scan request was 10% of the scan path).
    app.use((req: Request, res: Response, next: NextFunction) => (NOT_SPA.test(req.path) ? next() : assets(req, res, next)));
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (req.method === 'GET' && !NOT_SPA.test(req.path) && req.accepts('html')) {
        return res.sendFile(join(web, 'index.html'), { headers: { 'cache-control': 'no-cache' } });
      }
      next();
    });
  }

  app.setGlobalPrefix(API_PREFIX, { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());

  const openapi = new DocumentBuilder()
    .setTitle('FanMesh API')
    .setDescription('Fan-venue DePIN platform: venues, events, access, coverage, sensing, rewards, drops. Errors are application/problem+json.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'sponsor-key')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openapi), { jsonDocumentUrl: 'api/docs/openapi.json' });

  await app.init();
  return app;
}

function noCacheForShell(res: Response, path: string): void {
  // The service worker and the shell must be revalidated, or an old app would live forever.
  if (path.endsWith('sw.js') || path.endsWith('index.html') || path.endsWith('manifest.webmanifest')) {
    res.setHeader('cache-control', 'no-cache');
  }
}
