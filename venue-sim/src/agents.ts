// Real device agents (apps/agent) as child processes beside the sim's in-process devices:
// built once, each with its own data folder, paired by an owner exactly as the owner app does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TypedDataDomain } from 'ethers';
import { Owner } from './actors/device';
import { SimProblem } from './client';
import { REGISTRATION_TYPES } from './protocol';

export type AgentRole = 'sensor' | 'hotspot';

export interface AgentReport {
  address: string;
  role: AgentRole;
  section: string;
  pid: number | undefined;
  /** Envelopes the API accepted (the device's last seq in GET /devices/mine). */
  acceptedMessages: number;
  /** Readings the agent sent in envelopes the API accepted (its status.json). */
  readingsStored: number;
  /** Hotspots: challenges its portal handed out. */
  challengesServed?: number;
  portalUrl?: string;
  /** What GET /devices/mine said last (online, offline, …). */
  status: string;
  /** How the process ended: exit code or signal. */
  exit?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The repo root: the folder holding apps/agent/build.mjs above this file (src or dist). */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'apps/agent/build.mjs'))) return dir;
    if (dirname(dir) === dir) return resolve(process.cwd());
  }
}

/** One agent child process: its output kept, so the sim can read the URLs it prints. */
class AgentChild {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<string>;
  constructor(main: string, args: string[], cwd: string) {
    this.child = spawn(process.execPath, [main, ...args], { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: string) => {
      this.output = (this.output + d).slice(-20_000);
      if (process.env.AGENT_LOG) process.stderr.write(`[agent ${this.child.pid}] ${d}`);
    };
    this.child.stdout!.setEncoding('utf8').on('data', keep);
    this.child.stderr!.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r(signal ?? `exit ${code}`)));
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(re);
      if (m) return m;
      if (!this.running) throw new SimProblem(0, 'agent_exited', `an agent exited before printing ${re}:\n${this.output.slice(-2000)}`);
      if (Date.now() > end) throw new SimProblem(0, 'agent_timeout', `an agent did not print ${re} within ${timeoutMs / 1000} s:\n${this.output.slice(-2000)}`);
      await sleep(50);
    }
  }
  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<string> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
      const how = await this.exited;
      clearTimeout(t);
      return how;
    }
    return this.exited;
  }
}

export interface RunningAgent {
  role: AgentRole;
  section: string;
  address: string;
  statusUrl: string;
  portalUrl?: string;
  process: AgentChild;
}

/**
 * `--agents N`: builds the agent (or reuses FANMESH_AGENT_MAIN), spawns N agents (half sensors with
 * the synthetic source, half hotspots with a portal on a free local port; N=1 a sensor) working for
 * `eventId`, pairs each as `owner` would from the app, and waits until the API says each is online.
 */
export class AgentFleet {
  readonly agents: RunningAgent[] = [];
  private readonly temp = mkdtempSync(join(tmpdir(), 'fanmesh-sim-agents-'));
  private build: string | undefined;
  private main = process.env.FANMESH_AGENT_MAIN ?? '';
  private readonly root = repoRoot();
  private owner!: Owner;
  private stopped: AgentReport[] | undefined;

  constructor(
    private readonly url: string,
    private readonly count: number,
  ) {}

  /** Compiles apps/agent as `npm run agent` does (apps/agent/build.mjs) into a folder of its own. */
  private compile(): void {
    if (this.main && existsSync(this.main)) return;
    this.build = mkdtempSync(join(this.root, '.test-build-sim-agent-'));
    const r = spawnSync(process.execPath, [join(this.root, 'apps/agent/build.mjs'), '--out', this.build, '--quiet'], { cwd: this.root, encoding: 'utf8' });
    if (r.status !== 0) throw new SimProblem(0, 'agent_build', `building the agent failed: ${r.stderr || r.stdout}`);
    this.main = join(this.build, 'apps/agent/src/main.js');
  }

  async start(venueId: string, eventId: string, sections: string[]): Promise<void> {
    this.compile();
    this.owner = await new Owner(this.url).signIn();
    const domain = (await this.owner.client.get<{ registration: TypedDataDomain }>('/api/v1/devices/pairing-domains')).registration;
    const roles: AgentRole[] = Array.from({ length: this.count }, (_, i) => (i % 2 === 0 ? 'sensor' : 'hotspot'));
    await Promise.all(roles.map((role, i) => this.startOne(role, sections[i % sections.length], venueId, eventId, domain, i)));
    await this.untilOnline();
  }

  private async startOne(role: AgentRole, section: string, venueId: string, eventId: string, domain: TypedDataDomain, i: number): Promise<void> {
    const args = ['--api', this.url, '--data', join(this.temp, `${role}-${i}`), '--role', role, '--event', eventId, '--status', '127.0.0.1:0'];
    args.push('--batch-ms', '500', '--heartbeat-s', '5');
    if (role === 'hotspot') args.push('--portal', '127.0.0.1:0');
    const p = new AgentChild(this.main, args, this.root);
    const agent: RunningAgent = { role, section, address: '', statusUrl: '', process: p };
    this.agents.push(agent);
    agent.statusUrl = (await p.waitFor(/status page: (http:\/\/127\.0\.0\.1:\d+)\//))[1];
    await p.waitFor(/showing a pairing offer/);
    // what the owner app does: the offer from the status page, the agent signs the registration, the owner too
    const pairing = (await (await fetch(`${agent.statusUrl}/pairing.json`)).json()) as {
      offer: { device: string; kind: string; nonce: string; expiresAt: number; signature: string };
      code: string;
    };
    const deadline = Math.floor(Date.now() / 1000) + 3600;
    const res = await fetch(`${agent.statusUrl}/pairing/registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: pairing.code, owner: this.owner.wallet.address, venueId, sectionCode: section, deadline }),
    });
    if (res.status !== 200) throw new SimProblem(res.status, 'agent_refused', `the ${role} agent refused to sign the registration: ${await res.text()}`);
    const signed = (await res.json()) as { deviceSignature: string; registration: { venueId: string } };
    const registration = { device: pairing.offer.device, owner: this.owner.wallet.address, venueId: signed.registration.venueId, deadline };
    await this.owner.client.post('/api/v1/devices/pairings', {
      offer: pairing.offer,
      venueId,
      sectionCode: section,
      deadline,
      deviceSignature: signed.deviceSignature,
      ownerSignature: await this.owner.wallet.signTypedData(domain, REGISTRATION_TYPES, registration),
    });
    agent.address = pairing.offer.device.toLowerCase();
    await p.waitFor(/paired: the API knows this device/);
    if (role === 'hotspot') agent.portalUrl = (await p.waitFor(/phones get challenges at (http:\/\/127\.0\.0\.1:\d+)\/fanmesh\/challenge/))[1];
  }

  private mine = () => this.owner.client.get<{ address: string; status: string; lastSeq: number }[]>('/api/v1/devices/mine');

  private async untilOnline(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const mine = await this.mine();
      const offline = this.agents.filter((a) => mine.find((d) => d.address === a.address)?.status !== 'online');
      if (!offline.length) return;
      if (Date.now() > end) throw new SimProblem(0, 'agent_offline', `agents not online within ${timeoutMs / 1000} s: ${offline.map((a) => `${a.role} ${a.address}`).join(', ')}`);
      await sleep(250);
    }
  }

  private async agentStatus(a: RunningAgent): Promise<{ sent?: { readings: number }; portal?: { served: number } }> {
    try {
      return (await (await fetch(`${a.statusUrl}/status.json`, { signal: AbortSignal.timeout(5000) })).json()) as never;
    } catch {
      return {};
    }
  }

  /** Waits (up to `timeoutMs`) until every sensor agent has had readings accepted. */
  async untilReadings(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (const a of this.agents.filter((x) => x.role === 'sensor')) {
      while (((await this.agentStatus(a)).sent?.readings ?? 0) === 0 && Date.now() < end) await sleep(250);
    }
  }

  /** Reads each agent's figures (API and status page), stops every process, removes the temp folders. */
  async stop(): Promise<AgentReport[]> {
    if (this.stopped) return this.stopped;
    const mine = this.owner ? await this.mine().catch(() => []) : [];
    const reports: AgentReport[] = [];
    for (const a of this.agents) {
      const s = a.statusUrl ? await this.agentStatus(a) : {};
      const d = mine.find((x) => x.address === a.address);
      reports.push({
        address: a.address,
        role: a.role,
        section: a.section,
        pid: a.process.child.pid,
        acceptedMessages: d?.lastSeq ?? 0,
        readingsStored: s.sent?.readings ?? 0,
        ...(a.role === 'hotspot' ? { challengesServed: s.portal?.served ?? 0, portalUrl: a.portalUrl } : {}),
        status: d?.status ?? 'not paired',
      });
    }
    const exits = await Promise.all(this.agents.map((a) => a.process.stop()));
    exits.forEach((how, i) => (reports[i].exit = how));
    rmSync(this.temp, { recursive: true, force: true });
    if (this.build) rmSync(this.build, { recursive: true, force: true });
    this.stopped = reports;
    return reports;
  }
}

/** One line per agent for the report. */
export const agentLine = (a: AgentReport) =>
  `${a.role} ${a.address || '(unpaired)'} at ${a.section}: ${a.status}, ${a.acceptedMessages} messages accepted, ${a.readingsStored} readings stored` +
  (a.role === 'hotspot' ? `, ${a.challengesServed ?? 0} challenges served at ${a.portalUrl ?? 'no portal'}` : '') +
  `; stopped (${a.exit ?? 'still running'})`;
