// bench/gate-lane: scans per second and p50/p99 over the gate lane (persistent websockets at
// /ws/gates, scans pipelined) beside POST /gates/:gateId/scans (autocannon, 64 connections), on one
// API instance against real Postgres and Redis, in the same run. Every code is signed just before
// its phase. Writes bench/results/gate-lane.json. Target: >= 10,000 scans/s over the lane.
// Usage: npm run bench -- gate-lane [--scale 0.5]   (BENCH_PROFILE=1 writes the API's CPU profile to /tmp/prof)
//
// The per-scanner budget (gate.scans, 100 a second) is raised for this run: a real turnstile sends
// one or two a second, while each of these lanes sends thousands. The limiter still runs, one Redis
// call per scan, so its cost is in the figures; it just never refuses.
import { randomBytes } from 'node:crypto';
import { fork, ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBytes, hashMessage } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { DEMO_VENUE_ID as DEMO_VENUE, encodeQr, qrDigest, windowAt } from '@fanmesh/protocol';
import { BENCH_REDIS_URL, benchDatabase, fmt, onceMessage, pct, startApi } from './_support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const secp = require('secp256k1') as {
  publicKeyCreate(k: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(m: Uint8Array, k: Uint8Array): { signature: Uint8Array; recid: number };
};

const TARGET_LANE_PER_SECOND = 10_000;
const LANES = 4;
const LOAD_PROCS = 2;
const HTTP_CONNECTIONS = 64;
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
/** `--scale 0.5` halves every measured phase (a quicker run, or a profile). */
const SCALE = Number(arg('scale', '1'));
const PHASES = Object.fromEntries(
  Object.entries({ warm: 2_000, lane64: 10_000, lane256: 10_000, twice: 2_500, http: 4_000 }).map(([k, v]) => [k, Math.round(v * (k === 'warm' ? 1 : SCALE))]),
) as Record<'warm' | 'lane64' | 'lane256' | 'twice' | 'http', number>;
/** At most this many scans are signed and sent at a time. */
const CHUNK = 5_000;

interface Ticket {
  id: string;
  version: number;
  key: Uint8Array;
  gateId: string;
}

function fanKey(): { key: Uint8Array; address: string } {
  const key = randomBytes(32);
  const pub = secp.publicKeyCreate(key, false);
  return { key, address: '0x' + Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString('hex') };
}

/** The code the fan's phone shows right now. */
function code(t: Ticket, at = Date.now()): string {
  const window = windowAt(at);
  const { signature, recid } = secp.ecdsaSign(getBytes(hashMessage(getBytes(qrDigest(t.id, t.version, window)))), t.key);
  const sig = new Uint8Array(65);
  sig.set(signature);
  sig[64] = 27 + recid;
  return encodeQr({ ticketId: t.id, version: t.version, window, signature: sig });
}

async function post(url: string, path: string, auth: string, body: unknown) {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Who used the machine's CPU, in seconds (Linux /proc, 10 ms ticks): the API; Postgres, that is the
 * backends of this run's database and the server's own background processes (WAL writer,
 * checkpointer: shared with anyone else on the server); Redis (the whole server); the load
 * generators; and everything else on the machine.
 */
type CpuUse = Record<'api' | 'postgres' | 'redis' | 'load' | 'other', number>;
type CpuSnapshot = { busy: number; procs: Map<string, { who: keyof CpuUse; t: number }> };

function cpuSnapshot(api: number, load: number[], database: string): CpuSnapshot | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const loaders = new Set([process.pid, ...load].map(String));
  const procs = new Map<string, { who: keyof CpuUse; t: number }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime + stime, and for this process also its reaped children's (the HTTP loaders that have exited)
      const t = (Number(f[11]) + Number(f[12]) + (pid === String(process.pid) ? Number(f[13]) + Number(f[14]) : 0)) / 100;
      let who: keyof CpuUse = 'other';
      if (pid === String(api)) who = 'api';
      else if (loaders.has(pid)) who = 'load';
      else if (comm === 'redis-server') who = 'redis';
      else if (comm === 'postgres') {
        // a backend's title names its database and client ("postgres: 15/main: user db 127.0.0.1(5432) idle"); a background process's neither
        const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        if (title.includes(` ${database} `) || !/ (\S+\(\d+\)|\[local\]) /.test(title)) who = 'postgres';
      }
      procs.set(pid, { who, t });
    } catch {
      // gone meanwhile
    }
  }
  const [, ...cpu] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return { busy: (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]) / 100, procs }; // user nice system irq softirq steal
}

/** CPU used between two snapshots; a process that ended in between is left in `other` (the machine's total still counts it). */
function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const use: CpuUse = { api: 0, postgres: 0, redis: 0, load: 0, other: 0 };
  for (const [pid, p] of after.procs) if (p.who !== 'other') use[p.who] += p.t - (before.procs.get(pid)?.t ?? 0);
  use.other = after.busy - before.busy - use.api - use.postgres - use.redis - use.load;
  return use;
}

interface PhaseResult {
  name: string;
  scans: number;
  rate: number;
  p50: number;
  p99: number;
  verdicts: Record<string, number>;
  /** CPU microseconds per scan, by who (only while scans were being sent). */
  cpuPerScanUs?: CpuUse;
  /** The phase's span on the monotonic clock (µs), to cut a BENCH_PROFILE CPU profile to it. */
  monotonicUs: [number, number];
}

/** The lanes, spread over LOAD_PROCS processes; lane i is bound to gate i. */
class LaneLoad {
  private constructor(
    private readonly children: ChildProcess[],
    private readonly perChild: number,
  ) {}

  static async open(url: string, lanes: { token: string; gateId: string }[]): Promise<LaneLoad> {
    const perChild = Math.ceil(lanes.length / LOAD_PROCS);
    const children = Array.from({ length: LOAD_PROCS }, () => fork(join(__dirname, '_lane-load.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    await Promise.all(
      children.map((c, i) => {
        const connected = onceMessage(c, 'connected');
        c.send({ cmd: 'connect', url, lanes: lanes.slice(i * perChild, (i + 1) * perChild) });
        return connected;
      }),
    );
    return new LaneLoad(children, perChild);
  }

  /** Scans `codes[i]` on lane i, `inFlight` at a time on each lane; the time is the lanes' own, from the first send to the last verdict. */
  async run(codes: string[][], inFlight: number): Promise<Part> {
    const parts = await Promise.all(
      this.children.map((c, i) => {
        const done = onceMessage<Part>(c, 'done');
        c.send({ cmd: 'run', codes: codes.slice(i * this.perChild, (i + 1) * this.perChild), inFlight });
        return done;
      }),
    );
    return merge(parts);
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid!);
  }

  close(): void {
    for (const c of this.children) c.send({ cmd: 'exit' });
  }
}

/** POST /gates/:gateId/scans with autocannon from LOAD_PROCS processes, as bench/scan does; the time is the loaders' own. */
async function http(url: string, requests: { path: string; body: string }[], tokens: string[]): Promise<Part> {
  const all = requests.map((r, i) => ({ ...r, auth: tokens[i % tokens.length] }));
  const per = Math.ceil(all.length / LOAD_PROCS);
  const parts = await Promise.all(
    Array.from({ length: LOAD_PROCS }, (_, i) => {
      const child = fork(join(__dirname, '_load.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const done = onceMessage<{ seconds: number; verdicts: Record<string, number>; histogram: { p50: number; p99: number } }>(child, 'done');
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ url, requests: all.slice(i * per, (i + 1) * per), connections: HTTP_CONNECTIONS / LOAD_PROCS });
      return done.then(async (d) => (await exited, d)); // reaped, so its CPU time is counted as the load's
    }),
  );
  const verdicts: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.verdicts)) verdicts[k] = (verdicts[k] ?? 0) + v;
  // autocannon gives percentiles per process, in whole milliseconds: the slower process is the honest figure
  const p50 = Math.max(...parts.map((p) => p.histogram.p50));
  const p99 = Math.max(...parts.map((p) => p.histogram.p99));
  return { seconds: Math.max(...parts.map((p) => p.seconds)), latencies: [], verdicts, scans: all.length, p50, p99 };
}

interface Part {
  seconds: number;
  latencies: number[];
  verdicts: Record<string, number>;
  scans?: number;
  p50?: number;
  p99?: number;
}

function merge(parts: Part[]): Part {
  const verdicts: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.verdicts)) verdicts[k] = (verdicts[k] ?? 0) + v;
  return { seconds: Math.max(...parts.map((p) => p.seconds)), latencies: parts.flatMap((p) => p.latencies), verdicts };
}

/**
 * A phase in chunks of tickets: each chunk's codes are signed just before it is sent (a code is good
 * for 15 to 30 s; a chunk is some 8 s of tickets at the rate so far, at most `chunk`), and only the
 * sending counts: scans/s is all scans over the sum of the chunks' times.
 */
async function phase(name: string, list: Ticket[], chunk: number, send: (tickets: Ticket[]) => Promise<Part>, cpu?: () => CpuSnapshot | undefined): Promise<PhaseResult> {
  let seconds = 0;
  let used: CpuUse | undefined;
  const from = Number(process.hrtime.bigint() / 1000n);
  let scans = 0;
  const latencies: number[] = [];
  const verdicts: Record<string, number> = {};
  const p50s: number[] = [];
  const p99s: number[] = [];
  // the first chunk small; then some 8 s of tickets at the rate so far
  for (let i = 0, size = Math.min(chunk, 1000); i < list.length; i += size, size = Math.max(500, Math.min(chunk, Math.round((i / seconds) * 8)))) {
    const before = cpu?.();
    const part = await send(list.slice(i, i + size));
    const after = cpu?.();
    if (before && after) {
      const d = cpuUsed(before, after);
      used ??= { api: 0, postgres: 0, redis: 0, load: 0, other: 0 };
      for (const k of Object.keys(used) as (keyof CpuUse)[]) used[k] += d[k];
    }
    seconds += part.seconds;
    scans += part.scans ?? part.latencies.length;
    latencies.push(...part.latencies);
    for (const [k, v] of Object.entries(part.verdicts)) verdicts[k] = (verdicts[k] ?? 0) + v;
    if (part.p50 !== undefined) p50s.push(part.p50);
    if (part.p99 !== undefined) p99s.push(part.p99);
  }
  latencies.sort((x, y) => x - y);
  const p50 = latencies.length ? pct(latencies, 50) : Math.max(...p50s);
  const p99 = latencies.length ? pct(latencies, 99) : Math.max(...p99s);
  const cpuPerScanUs = used && (Object.fromEntries(Object.entries(used).map(([k, v]) => [k, Math.round((v * 1e6) / scans)])) as CpuUse);
  return { name, scans, rate: scans / seconds, p50, p99, verdicts, cpuPerScanUs, monotonicUs: [from, Number(process.hrtime.bigint() / 1000n)] };
}

async function main() {
  const runStarted = performance.now();
  const total = Object.values(PHASES).reduce((a, b) => a + b, 0);
  const db = await benchDatabase('lane');
  const api = await startApi({
    DATABASE_URL: db.url,
    REDIS_URL: BENCH_REDIS_URL,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-lane-')),
    AUTH_SECRET: randomBytes(32).toString('hex'),
    RATE_LIMITS: 'gate.scans=1000000/1s',
  });
  let lanes: LaneLoad | undefined;
  try {
    const admin = `Bearer ${await api.token({ subject: '0x' + 'a'.repeat(40), kind: 'account', roles: ['admin'] })}`;
    const steward = (i: number) => api.token({ subject: `0x${(0x1a0e00 + i).toString(16).padStart(40, '0')}`, kind: 'account', roles: [`steward@${DEMO_VENUE}`] });
    const venue = await (await fetch(`${api.url}/api/v1/venues/${DEMO_VENUE}`)).json();
    // One lane per gate; the gates serving no section of an earlier one, so each ticket has its lane.
    const gates: { id: string; code: string; sectionCodes: string[] }[] = [];
    for (const g of venue.gates as { id: string; code: string; sectionCodes: string[] }[]) {
      if (gates.length < LANES && !g.sectionCodes.some((s) => gates.some((o) => o.sectionCodes.includes(s)))) gates.push(g);
    }
    if (gates.length < LANES) throw new Error(`the demo venue has only ${gates.length} gates with sections of their own`);
    const sections = gates.flatMap((g) => g.sectionCodes.map((s) => ({ section: s, gateId: g.id })));
    const event = await post(api.url, '/api/v1/events', admin, { venueId: DEMO_VENUE, name: 'Lane bench night', startsAt: new Date().toISOString() });

    process.stdout.write(`issuing ${fmt(total)} tickets… `);
    const t0 = performance.now();
    const fans = Array.from({ length: total }, fanKey);
    const tickets: Ticket[] = [];
    for (let i = 0; i < total; i += 5000) {
      const slice = fans.slice(i, i + 5000).map((f, k) => ({ holder: f.address, section: sections[(i + k) % sections.length].section, seat: String(i + k), tier: 'standard' }));
      const { tickets: issued } = await post(api.url, `/api/v1/events/${event.id}/tickets`, admin, { tickets: slice });
      issued.forEach((t: { id: string; version: number }, k: number) =>
        tickets.push({ id: t.id, version: t.version, key: fans[i + k].key, gateId: sections[(i + k) % sections.length].gateId }),
      );
    }
    console.log(`${fmt((performance.now() - t0) / 1000, 1)} s`);
    await post(api.url, `/api/v1/events/${event.id}/transitions`, admin, { to: 'gates_open' });

    let cursor = 0;
    const take = (n: number) => tickets.slice(cursor, (cursor += n));
    /** Codes signed now, each on the lane bound to its ticket's gate. */
    const byLane = (list: Ticket[], times = 1): string[][] => {
      const out: string[][] = gates.map(() => []);
      for (const t of list) {
        const c = code(t);
        for (let k = 0; k < times; k++) out[gates.findIndex((g) => g.id === t.gateId)].push(c);
      }
      return out;
    };

    lanes = await LaneLoad.open(api.url, await Promise.all(gates.map(async (g, i) => ({ token: await steward(i), gateId: g.id }))));
    const httpTokens = await Promise.all(Array.from({ length: 64 }, (_, i) => steward(100 + i).then((t) => `Bearer ${t}`)));
    const request = (t: Ticket) => ({ path: `/api/v1/gates/${t.gateId}/scans`, body: JSON.stringify({ code: code(t) }) });

    const laneRun =
      (inFlight: number, times = 1) =>
      (list: Ticket[]) =>
        lanes!.run(byLane(list, times), inFlight);
    const httpRun = (list: Ticket[]) => http(api.url, list.map(request), httpTokens);

    // warm the caches and the JIT on both paths, not measured
    const warm = take(PHASES.warm);
    await phase('warm', warm.slice(0, PHASES.warm - 500), CHUNK, laneRun(16));
    await phase('warm', warm.slice(PHASES.warm - 500), CHUNK, httpRun);

    const database = new URL(db.url).pathname.slice(1);
    const cpu = () => cpuSnapshot(api.child.pid!, lanes!.pids, database);
    const results: PhaseResult[] = [];
    results.push(await phase(`lane: ${LANES} connections x 16 in flight (64)`, take(PHASES.lane64), CHUNK, laneRun(16), cpu));
    results.push(await phase(`lane: ${LANES} connections x 64 in flight (256)`, take(PHASES.lane256), CHUNK, laneRun(64), cpu));
    const dup = await phase(`lane: every code twice at once (${fmt(PHASES.twice)}x2)`, take(PHASES.twice), CHUNK / 2, laneRun(64, 2), cpu);
    results.push(dup);
    results.push(await phase(`HTTP: ${HTTP_CONNECTIONS} connections, one scan per request`, take(PHASES.http), CHUNK, httpRun, cpu));
    const rss = await api.rss();

    console.log(`\n${'phase'.padEnd(48)} ${'scans/s'.padStart(8)}  ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  verdicts`);
    for (const r of results) {
      console.log(`${r.name.padEnd(48)} ${fmt(r.rate).padStart(8)}  ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)}  ${JSON.stringify(r.verdicts)}`);
    }
    if (results[0].cpuPerScanUs) {
      console.log(`\nCPU per scan, microseconds (Linux /proc, while sending)   API  Postgres  Redis  load  rest of the machine`);
      for (const r of results) {
        const c = r.cpuPerScanUs!;
        console.log(`${r.name.padEnd(56)} ${[c.api, c.postgres, c.redis, c.load, c.other].map((v) => fmt(v).padStart(5)).join('  ')}`);
      }
    }
    const best = Math.max(...results.filter((r) => r.name.startsWith('lane')).map((r) => r.rate));
    const httpRate = results.at(-1)!.rate;
    const exactlyOnce = dup.verdicts.admit === PHASES.twice && dup.verdicts.already_admitted === PHASES.twice;
    const met = best >= TARGET_LANE_PER_SECOND;
    console.log(
      `\nlane / HTTP = ${(best / httpRate).toFixed(2)}x; duplicates admitted exactly once: ${exactlyOnce ? 'yes' : `NO (${JSON.stringify(dup.verdicts)})`}; ` +
        `target >= ${fmt(TARGET_LANE_PER_SECOND)} scans/s over the lane: ${met ? 'met' : 'missed'} (${fmt(best)}/s); API RSS ${fmt(rss / 1024 / 1024)} MB; ` +
        `gate.scans raised to 1,000,000/s (the limiter still runs); ${cpus().length} cores shared by the API, Postgres, Redis and the load generators; run took ${fmt((performance.now() - runStarted) / 1000, 1)} s`,
    );
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/gate-lane.json',
      JSON.stringify(
        {
          at: new Date().toISOString(),
          cores: cpus().length,
          target: { lanePerSecond: TARGET_LANE_PER_SECOND },
          met,
          bestLanePerSecond: Math.round(best),
          httpPerSecond: Math.round(httpRate),
          exactlyOnce,
          phases: results.map((r) => ({ ...r, rate: Math.round(r.rate), p50: +r.p50.toFixed(2), p99: +r.p99.toFixed(2) })),
        },
        null,
        2,
      ),
    );
    console.log('wrote bench/results/gate-lane.json');
    if (!exactlyOnce) process.exitCode = 1;
  } finally {
    lanes?.close();
    await api.stop();
    await db.drop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
