// bench/http-adapter: the HTTP adapter, measured in one run. The same JSON POST (a scan-shaped body,
// a small JSON answer) against raw node:http, Express 5, Fastify 5, and a Nest 11 app with the
// project's validation pipe on each of Nest's two adapters (platform-express, platform-fastify);
// then the FanMesh API itself on the scan route, refused at its access guard (no token), which is
// everything our HTTP stack costs a request before the scan's own work. Each server runs in its
// own process; the figure that matters is its CPU per request (from /proc, so the load generator
// sharing the cores does not blur it), beside requests per second and latency.
// Writes bench/results/http-adapter.json. Usage: npm run bench -- http-adapter [--seconds 8]
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_REDIS_URL, benchDatabase, fmt, onceMessage, startApi, target, writeResults } from './_support';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('seconds', '8'));
const CONNECTIONS = 64;
const KINDS = ['raw', 'fastify', 'express', 'nest-fastify', 'nest-express'] as const;
const TICK_US = 1e6 / 100; // /proc/<pid>/stat counts CPU in clock ticks of 10 ms

/** User + system CPU the process has used so far, in µs. */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

interface Row {
  server: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  non2xx: number;
}

async function load(url: string, pid: number, server: string, headers: Record<string, string> = {}): Promise<Row> {
  const body = JSON.stringify({ code: 'FM1.' + randomBytes(96).toString('base64url') });
  const opts = { url, method: 'POST', connections: CONNECTIONS, body, headers: { 'content-type': 'application/json', ...headers } };
  await autocannon({ ...opts, duration: 2 }); // warm-up: JIT, pools
  const before = cpuUs(pid);
  const r = await autocannon({ ...opts, duration: SECONDS });
  const used = cpuUs(pid) - before;
  const done = r.requests.total as number;
  return { server, reqPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, cpuUsPerReq: used / done, non2xx: r.non2xx };
}

async function peer(kind: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(__dirname, '_http-peer.js'), [kind], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const { port } = await onceMessage<{ port: number }>(child, 'ready');
  return { child, port };
}

async function main(): Promise<void> {
  const gate = randomUUID();
  const rows: Row[] = [];
  for (const kind of KINDS) {
    const { child, port } = await peer(kind);
    try {
      rows.push(await load(`http://127.0.0.1:${port}/gates/${gate}/scans`, child.pid!, kind));
      console.log(`  ${kind} done`);
    } finally {
      child.kill();
    }
  }
  const db = await benchDatabase('http-adapter');
  const api = await startApi({
    DATABASE_URL: db.url,
    REDIS_URL: BENCH_REDIS_URL,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-http-')),
    AUTH_SECRET: randomBytes(32).toString('hex'),
  });
  try {
    rows.push(await load(`${api.url}/gates/${gate}/scans`, api.child.pid!, 'fanmesh API, refused at the guard (401)'));
  } finally {
    await api.stop();
    await db.drop();
  }

  const by = (s: string) => rows.find((r) => r.server === s)!;
  console.log(`\nHTTP adapters: POST /gates/:gateId/scans, ${CONNECTIONS} connections, ${SECONDS} s each, load average ${loadavg()[0].toFixed(1)}`);
  console.log('server                                    req/s   p50 ms  p99 ms  server CPU µs/req');
  for (const r of rows) {
    console.log(
      `${r.server.padEnd(40)} ${fmt(r.reqPerSec).padStart(7)} ${fmt(r.p50Ms, 1).padStart(8)} ${fmt(r.p99Ms, 1).padStart(7)} ${fmt(r.cpuUsPerReq, 1).padStart(12)}${r.non2xx && r.server.startsWith('fanmesh') === false ? `  (${r.non2xx} non-2xx!)` : ''}`,
    );
  }
  const nestGain = by('nest-express').cpuUsPerReq - by('nest-fastify').cpuUsPerReq;
  const stack = rows[rows.length - 1].cpuUsPerReq;
  console.log(
    `\nNest on Fastify saves ${fmt(nestGain, 1)} µs of server CPU a request against Nest on Express (${fmt(by('nest-express').cpuUsPerReq / by('nest-fastify').cpuUsPerReq, 2)}×);` +
      ` our stack to the guard costs ${fmt(stack, 1)} µs, so the adapter is ${fmt((100 * nestGain) / stack, 0)}% of it.`,
  );
  // No target of its own: the issue asks for the faster adapter, and this run says which it is.
  writeResults('http-adapter', { seconds: SECONDS, connections: CONNECTIONS, rows, fasterNestAdapter: nestGain > 0 ? 'fastify' : 'express' }, [
    target('Nest on Fastify / Nest on Express, server CPU a request', by('nest-fastify').cpuUsPerReq / by('nest-express').cpuUsPerReq, '<=', 1),
  ]);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
