// One HTTP server for bench/http-adapter, in its own process: `node _http-peer.js <kind>`, where kind
// is raw | express | fastify | nest-express | nest-fastify. Every kind answers the same route,
// POST /gates/:gateId/scans with a small JSON body, with the same small JSON answer; the Nest kinds
// run the project's own validation pipe on a DTO shaped like the scan route's. Reports its port over IPC.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Body, Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { IsString, Length, Matches } from 'class-validator';
import express from 'express';
import Fastify from 'fastify';
import { createValidationPipe } from '@fanmesh/common';

const answer = (gateId: string, code: string) => ({ verdict: 'admit', gateId, codeLength: code.length });

class PeerScanDto {
  @IsString()
  @Length(16, 512)
  code!: string;
}
class PeerGateParam {
  @Matches(/^[0-9a-f-]{36}$/)
  gateId!: string;
}

@Controller()
class PeerScanController {
  @Post('gates/:gateId/scans')
  @HttpCode(200)
  scan(@Param() p: PeerGateParam, @Body() dto: PeerScanDto) {
    return answer(p.gateId, dto.code);
  }
}

@Module({ controllers: [PeerScanController] })
class PeerModule {}

async function listen(kind: string): Promise<number> {
  if (kind === 'raw') {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code: string };
        const gateId = req.url!.split('/')[2];
        const out = JSON.stringify(answer(gateId, body.code));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }
  if (kind === 'express') {
    const app = express();
    app.use(express.json());
    app.post('/gates/:gateId/scans', (req, res) => {
      res.json(answer(req.params.gateId, (req.body as { code: string }).code));
    });
    const server = await new Promise<ReturnType<typeof app.listen>>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    return (server.address() as AddressInfo).port;
  }
  if (kind === 'fastify') {
    const app = Fastify();
    app.post<{ Params: { gateId: string }; Body: { code: string } }>('/gates/:gateId/scans', async (req) => answer(req.params.gateId, req.body.code));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as AddressInfo).port;
  }
  if (kind === 'nest-express' || kind === 'nest-fastify') {
    const app = kind === 'nest-express' ? await NestFactory.create(PeerModule, { logger: false }) : await NestFactory.create(PeerModule, new FastifyAdapter(), { logger: false });
    app.useGlobalPipes(createValidationPipe());
    await app.listen(0, '127.0.0.1');
    return (app.getHttpServer().address() as AddressInfo).port;
  }
  throw new Error(`unknown server kind ${kind}`);
}

listen(process.argv[2]).then(
  (port) => process.send!({ type: 'ready', port }),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
