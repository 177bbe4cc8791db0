// bench/ws-fanout: broadcast latency until every socket has the message, and server memory per
// connection, for our gateway (auth, channels, sequence numbers, replay buffer) beside plain ws
// (serializing per socket, the naive way) and socket.io 4 rooms, measured side by side in one run.
// Clients run in separate processes. Writes bench/results/ws-fanout.json.
// Usage: npm run bench -- ws-fanout [--sizes 1000,5000,10000] [--modes fanmesh,ws,socketio] [--broadcasts 20]
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

type Mode = 'fanmesh' | 'ws' | 'socketio';
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const MODES = arg('modes', 'fanmesh,ws,socketio').split(',') as Mode[];
const SIZES = arg('sizes', '1000,5000,10000').split(',').map(Number);
const BROADCASTS = Number(arg('broadcasts', '20'));
const CLIENT_PROCS = 4;
/** The issue "Speed at stadium scale": at 10,000 sockets. */
const TARGETS = { p99Ms: 100, vsSocketIo: 2, kbPerConn: 6 };
const PAYLOAD = { kind: 'moment', text: 'GOAL! FanMesh FC 1-0 Harbour City, 23rd minute, header from a corner.', pad: 'x'.repeat(60) };

const once = <T>(child: ChildProcess, type: string) =>
  new Promise<T>((resolve, reject) => {
    const onMsg = (m: { type: string }) => {
      if (m.type === type) {
        child.off('message', onMsg);
        resolve(m as T);
      } else if (m.type === 'failed') reject(new Error(JSON.stringify(m)));
    };
    child.on('message', onMsg);
    child.setMaxListeners(0);
    child.once('exit', (code) => code && reject(new Error(`child exited ${code}`)));
  });

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function run(mode: Mode, n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-'));
  const channel = `event:${randomUUID()}`;
  const server = fork(join(__dirname, '_fanout-server.js'), [mode, dir, channel], { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const { port } = await once<{ port: number }>(server, 'ready');
  server.send({ cmd: 'mem' });
  const before = await once<{ rss: number; heap: number }>(server, 'mem');
  const per = Math.ceil(n / CLIENT_PROCS);
  const clients = Array.from({ length: CLIENT_PROCS }, (_, i) =>
    fork(join(__dirname, '_fanout-client.js'), [mode, String(port), String(Math.min(per, n - i * per)), channel], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  );
  await Promise.all(clients.map((c) => once(c, 'connected')));
  server.send({ cmd: 'mem' });
  const after = await once<{ rss: number; heap: number; connections: number }>(server, 'mem');
  for (let b = 1; b <= BROADCASTS; b++) {
    server.send({ cmd: 'broadcast', payload: { ...PAYLOAD, n: b } });
    await once(server, 'sent');
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const reports = await Promise.all(clients.map((c) => (c.send({ cmd: 'report' }), once<{ latencies: Record<string, number[]> }>(c, 'report'))));
  const all: number[] = [];
  const completion: number[] = [];
  let delivered = 0;
  for (let b = 1; b <= BROADCASTS; b++) {
    const l = reports.flatMap((r) => r.latencies[b] ?? []);
    delivered += l.length;
    all.push(...l);
    completion.push(Math.max(...l));
  }
  all.sort((x, y) => x - y);
  completion.sort((x, y) => x - y);
  for (const c of clients) c.send({ cmd: 'exit' });
  server.send({ cmd: 'exit' });
  rmSync(dir, { recursive: true, force: true });
  return {
    mode,
    n,
    connections: after.connections,
    delivered: `${((delivered / (n * BROADCASTS)) * 100).toFixed(1)}%`,
    p50: pct(all, 50),
    p99: pct(all, 99),
    completionP50: pct(completion, 50),
    kbPerConn: (after.heap - before.heap) / 1024 / n,
    rssKbPerConn: (after.rss - before.rss) / 1024 / n,
  };
}

async function main() {
  console.log(`ws-fanout: ${BROADCASTS} broadcasts of ${JSON.stringify(PAYLOAD).length + 40} bytes to N loopback sockets (${CLIENT_PROCS} client processes)`);
  console.log('mode       N       delivered  p50 ms   p99 ms   all-sockets p50 ms   heap KB/conn  (RSS KB/conn)');
  const results: Awaited<ReturnType<typeof run>>[] = [];
  const targets: { name: string; measured: number; target: string; met: boolean }[] = [];
  for (const n of SIZES) {
    for (const mode of MODES) {
      const r = await run(mode, n);
      results.push(r);
      console.log(
        `${mode.padEnd(10)} ${String(n).padEnd(7)} ${r.delivered.padEnd(10)} ${r.p50.toFixed(1).padStart(7)}  ${r.p99.toFixed(1).padStart(7)}  ${r.completionP50.toFixed(1).padStart(12)}          ${r.kbPerConn.toFixed(1).padStart(6)}        (${r.rssKbPerConn.toFixed(1)})`,
      );
    }
    const [f, w, s] = (['fanmesh', 'ws', 'socketio'] as const).map((m) => results.find((r) => r.mode === m && r.n === n));
    if (!f || !w || !s) continue;
    console.log(
      `  N=${n}: p99 socket.io/fanmesh = ${(s.p99 / f.p99).toFixed(2)}x (target >= 2x), p99 plain-ws/fanmesh = ${(w.p99 / f.p99).toFixed(2)}x, fanmesh p99 ${f.p99.toFixed(0)} ms (target <= ${TARGETS.p99Ms} at 10,000), ${f.kbPerConn.toFixed(1)} KB/conn (target <= ${TARGETS.kbPerConn})`,
    );
    if (n === 10_000) {
      targets.push(
        { name: 'p99 ms, 10,000 sockets', measured: f.p99, target: `<= ${TARGETS.p99Ms}`, met: f.p99 <= TARGETS.p99Ms },
        { name: 'p99 socket.io / fanmesh, same run', measured: s.p99 / f.p99, target: `>= ${TARGETS.vsSocketIo}`, met: s.p99 / f.p99 >= TARGETS.vsSocketIo },
        { name: 'heap KB per connection', measured: f.kbPerConn, target: `<= ${TARGETS.kbPerConn}`, met: f.kbPerConn <= TARGETS.kbPerConn },
      );
    }
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/ws-fanout.json', JSON.stringify({ at: new Date().toISOString(), loadavg: loadavg(), broadcasts: BROADCASTS, results, targets }, null, 2));
  console.log('wrote bench/results/ws-fanout.json');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
