import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BaseWallet } from 'ethers';
import request from 'supertest';
import { REGISTRATION_TYPES } from '@fanmesh/protocol';
import type { RunningApp } from '../support/app';

export const ROOT = resolve(__dirname, '../..');

/** Compiles the agent exactly as `npm run agent` does, into a folder of its own; returns its main.js. */
export function buildAgent(): { main: string; dispose(): void } {
  const out = mkdtempSync(join(ROOT, '.test-build-agent-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'apps/agent/build.mjs'), '--out', out, '--quiet'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the agent failed: ${r.stderr}`);
  return { main: join(out, 'apps/agent/src/main.js'), dispose: () => rmSync(out, { recursive: true, force: true }) };
}

export const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `fanmesh-agent-${label}-`));

/** The agent as a real child process: its output kept, waited on, and killed like on a device. */
export class AgentProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(main: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [main, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      if (process.env.AGENT_LOG) process.stderr.write(`[agent ${this.child.pid}] ${d}`);
    });
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Resolves with the first match of `re` in the agent's output (stdout + stderr). */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(re);
      if (m) return m;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`the agent exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${re}:\n${this.output}`);
      if (Date.now() > end) throw new Error(`the agent did not print ${re} within ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Runs the agent to completion (doctor, init, a refused start). */
export function runAgent(main: string, args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new AgentProcess(main, args);
  const t = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  return p.exited.then(({ code }) => {
    clearTimeout(t);
    return { code, stdout: p.stdout, stderr: p.stderr };
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * A TCP proxy between the agent and the API, to cut the network: `stop()` closes it (connections
 * refused), `swallowAnswers()` keeps forwarding requests but drops every answer (the API does
 * the work, the agent never hears of it).
 */
export class TcpProxy {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private swallow = false;
  port = 0;
  /** Answers dropped while swallowing, and whether the request before each carried readings. */
  swallowedReadingsAnswers = 0;
  /** Shifts the Date header of every answer by this much: the API's clock as the device sees it. */
  dateShiftMs = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.swallow = false;
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      this.sockets.add(client).add(upstream);
      let lastRequestHadReadings = false;
      client.on('data', (d) => {
        const readings = d.includes('\\"type\\":\\"readings\\"');
        lastRequestHadReadings = /^(GET|POST) /.test(d.subarray(0, 5).toString('latin1')) ? readings : lastRequestHadReadings || readings;
        upstream.write(d);
      });
      upstream.on('data', (d) => {
        if (this.swallow) {
          if (lastRequestHadReadings && /^HTTP\/1\.1 2/.test(d.toString('latin1'))) this.swallowedReadingsAnswers++;
          return;
        }
        if (this.dateShiftMs) {
          const text = d.toString('latin1');
          const shifted = text.replace(/\r\nDate: ([^\r]+)\r\n/i, (_, date: string) => `\r\nDate: ${new Date(Date.parse(date) + this.dateShiftMs).toUTCString()}\r\n`);
          d = Buffer.from(shifted, 'latin1');
        }
        client.write(d);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  swallowAnswers(): void {
    this.swallow = true;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}

/**
 * Pairs a running agent as the owner's app will: reads the offer from the agent's status page,
 * asks the agent (with the short code) to sign the registration, adds the owner's signature and
 * sends both to the API, as test/support/devices.ts does with a key it holds.
 */
export async function pairThroughAgent(
  api: RunningApp,
  statusUrl: string,
  venueId: string,
  sectionCode: string,
  owner: BaseWallet,
): Promise<{ device: string; offer: Record<string, unknown> }> {
  const pairing = (await (await fetch(`${statusUrl}/pairing.json`)).json()) as {
    offer: { device: string; kind: string; nonce: string; expiresAt: number; signature: string };
    code: string;
  };
  const deadline = Math.floor(Date.now() / 1000) + 3600;
  const res = await fetch(`${statusUrl}/pairing/registration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: pairing.code, owner: owner.address, venueId, sectionCode, deadline }),
  });
  if (res.status !== 200) throw new Error(`the agent refused to sign the registration: ${res.status} ${await res.text()}`);
  const signed = (await res.json()) as { deviceSignature: string; registration: Record<string, unknown>; domain: Record<string, unknown> };
  const domain = (await request(api.url).get('/api/v1/devices/pairing-domains').expect(200)).body.registration;
  const registration = { device: pairing.offer.device, owner: owner.address, venueId: signed.registration.venueId, deadline };
  await request(api.url)
    .post('/api/v1/devices/pairings')
    .set('authorization', `Bearer ${await api.tokenFor({ subject: owner.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`)
    .send({
      offer: pairing.offer,
      venueId,
      sectionCode,
      deadline,
      deviceSignature: signed.deviceSignature,
      ownerSignature: await owner.signTypedData(domain, REGISTRATION_TYPES, registration),
    })
    .expect(201);
  return { device: pairing.offer.device.toLowerCase(), offer: pairing.offer };
}

export const runId = () => randomBytes(4).toString('hex');
