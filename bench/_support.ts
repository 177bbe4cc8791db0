import { ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A fresh database for one benchmark run, dropped by the returned function. */
export async function benchDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `fanmesh_bench_${label}_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BENCH_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(BENCH_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: BENCH_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export function onceMessage<T>(child: ChildProcess, type: string): Promise<T> {
  child.setMaxListeners(0);
  return new Promise((resolve, reject) => {
    const onMsg = (m: { type: string }) => {
      if (m.type === type) {
        child.off('message', onMsg);
        resolve(m as T);
      }
    };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  token(principal: { subject: string; kind: string; roles: string[] }): Promise<string>;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the real API in a child process against the given services. */
export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const child = fork(join(__dirname, '_api-server.js'), [], {
    execArgv: process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await onceMessage<{ port: number }>(child, 'ready');
  let id = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    token: async (principal) => {
      const my = ++id;
      const wait = new Promise<{ token: string }>((resolve) => {
        const onMsg = (m: { type: string; id: number; token: string }) => m.type === 'token' && m.id === my && (child.off('message', onMsg), resolve(m));
        child.on('message', onMsg);
      });
      child.send({ cmd: 'token', principal, id: my });
      return (await wait).token;
    },
    rss: async () => {
      child.send({ cmd: 'mem' });
      return (await onceMessage<{ rss: number }>(child, 'mem')).rss;
    },
    stop: async () => {
      child.send({ cmd: 'exit' });
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** One target of the issue "Speed at stadium scale", as a benchmark measured it. */
export interface TargetResult {
  name: string;
  measured: number;
  target: string;
  met: boolean | null;
}

/** A target checked against `measured`: `op` is how the measured value must compare with `limit`. */
export const target = (name: string, measured: number, op: '<=' | '>=' | '<', limit: number): TargetResult => ({
  name,
  measured,
  target: `${op} ${limit}`,
  met: op === '<=' ? measured <= limit : op === '>=' ? measured >= limit : measured < limit,
});

/** Writes bench/results/<name>.json: when, the load it ran under, its figures and its targets. */
export function writeResults(name: string, figures: Record<string, unknown>, targets: TargetResult[]): void {
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${name}.json`, JSON.stringify({ at: new Date().toISOString(), loadavg: loadavg(), ...figures, targets }, null, 2));
  console.log(`wrote bench/results/${name}.json (${targets.filter((t) => t.met).length} of ${targets.length} targets met)`);
}
