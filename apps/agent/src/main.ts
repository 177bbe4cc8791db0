#!/usr/bin/env node
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { READING_KINDS, type ReadingKind } from '@fanmesh/protocol';
import { Agent, ROLE_KIND, VERSION, type AgentOptions, type Role } from './agent';
import { doctor } from './doctor';
import { DeviceKey, KeyError } from './key';
import { LockError } from './lock';
import { createLogger, type Level } from './log';

const HELP = `FanMesh device agent ${VERSION}: one program for hotspots, sensors and gate turnstiles.

  fanmesh-agent [run] --api <url> [options]   run the device (default)
  fanmesh-agent doctor --api <url> [--data <dir>] [--rpc <url>]
                                              check key, API, clock, registration, last message
  fanmesh-agent init [--data <dir>]           make the device key and print the device address

From the repo: npm run agent -- --api http://localhost:3000 --role sensor

  --api <url>            the FanMesh API (env FANMESH_API)
  --data <dir>           key, state and queue (env FANMESH_AGENT_DATA; default .data/agent)
  --role <role>          sensor | turnstile | hotspot (default sensor)
  --source <src>         synthetic (default) | stdin | exec:<command> | mqtt://host:1883
  --topic <spec>         MQTT, repeatable: filter[=kind[:label]], e.g. stadium/n101/sound=sound,
                         stadium/+/temp=generic:temp.c, gates/N-A/pass=turnstile:N-A
  --mqtt-username <u>    MQTT user (password from env FANMESH_MQTT_PASSWORD)
  --kind <kind>          reading kind when a message does not say (${READING_KINDS.join(', ')}; sensor default sound)
  --label <label>        label when a message does not say (a turnstile's gate code; a generic metric)
  --status <host:port>   status page and pairing endpoint, or off (default 0.0.0.0:8787)
  --public-url <url>     how the owner's phone reaches the status page (default: this host's LAN address)
  --portal <host:port>   hotspot: captive portal with /fanmesh/challenge (default 0.0.0.0:8080)
  --portal-url <url>     hotspot: how phones reach the portal (default: this host's LAN address)
  --app-url <url>        hotspot: the PWA the portal opens (default: --api)
  --clients-command <c>  hotspot: prints the number of connected clients (default: phones seen in 5 min)
  --venue <uuid>         the venue, when the device was paired without this agent signing
  --event <uuid>         always work for this event (default: the venue's live / gates-open event)
  --batch-ms <ms>        send a readings envelope at least this often while readings arrive (1000)
  --batch-max <n>        readings per envelope at most (500; the API takes 2,000)
  --queue-max <n>        readings kept on disk at most; beyond it the oldest are shed (200000)
  --heartbeat-s <s>      heartbeat interval (15)
  --timeout-ms <ms>      API request timeout (10000)
  --log <text|json>      log format on stderr (text)
  --log-level <level>    debug | info | warn | error (info)
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      data: { type: 'string' },
      role: { type: 'string' },
      source: { type: 'string' },
      topic: { type: 'string', multiple: true },
      'mqtt-username': { type: 'string' },
      kind: { type: 'string' },
      label: { type: 'string' },
      status: { type: 'string' },
      'public-url': { type: 'string' },
      portal: { type: 'string' },
      'portal-url': { type: 'string' },
      'app-url': { type: 'string' },
      'clients-command': { type: 'string' },
      venue: { type: 'string' },
      event: { type: 'string' },
      'batch-ms': { type: 'string' },
      'batch-max': { type: 'string' },
      'queue-max': { type: 'string' },
      'heartbeat-s': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'offer-ttl-s': { type: 'string' },
      rpc: { type: 'string' },
      log: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  const command = positionals[0] ?? 'run';
  if (values.help || command === 'help') return (void process.stdout.write(HELP), 0);
  if (values.version) return (void process.stdout.write(`${VERSION}\n`), 0);
  const data = resolve(values.data ?? process.env.FANMESH_AGENT_DATA ?? '.data/agent');
  const log = createLogger({ level: (values['log-level'] ?? 'info') as Level, json: values.log === 'json' });
  const int = (name: keyof typeof values, fallback: number, min = 1): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer of at least ${min}, not ${JSON.stringify(raw)}`);
    return n;
  };

  if (command === 'init') {
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const { key, created } = DeviceKey.load(data, { create: true });
    process.stdout.write(`${created ? 'made' : 'found'} the device key in ${data}/device.key\ndevice ${key.address}\n`);
    return 0;
  }

  const api = values.api ?? process.env.FANMESH_API;
  if (!api) throw new UsageError('--api <url> is required (the FanMesh API, e.g. http://localhost:3000), or set FANMESH_API');
  if (!/^https?:\/\//.test(api)) throw new UsageError(`--api must be an http(s) URL, not ${JSON.stringify(api)}`);

  if (command === 'doctor') return doctor({ api, data, rpc: values.rpc, timeoutMs: int('timeout-ms', 5000) });
  if (command !== 'run') throw new UsageError(`unknown command ${command}: run, doctor or init (see --help)`);

  const role = (values.role ?? 'sensor') as Role;
  if (!(role in ROLE_KIND)) throw new UsageError(`--role must be sensor, turnstile or hotspot, not ${JSON.stringify(values.role)}`);
  if (values.kind && !READING_KINDS.includes(values.kind as ReadingKind)) throw new UsageError(`--kind must be one of ${READING_KINDS.join(', ')}`);
  const opts: AgentOptions = {
    api,
    data,
    role,
    source: values.source ?? 'synthetic',
    topics: values.topic ?? [],
    kind: values.kind as ReadingKind | undefined,
    label: values.label,
    mqttUsername: values['mqtt-username'],
    mqttPassword: process.env.FANMESH_MQTT_PASSWORD,
    status: values.status ?? '0.0.0.0:8787',
    publicUrl: values['public-url'],
    portal: values.portal ?? '0.0.0.0:8080',
    portalUrl: values['portal-url'],
    appUrl: values['app-url'],
    clientsCommand: values['clients-command'],
    venue: values.venue?.toLowerCase(),
    event: values.event?.toLowerCase(),
    batchMs: int('batch-ms', 1000),
    batchMax: Math.min(2000, int('batch-max', 500)),
    queueMax: int('queue-max', 200_000, 100),
    heartbeatS: int('heartbeat-s', 15),
    timeoutMs: int('timeout-ms', 10_000, 100),
    offerTtlS: int('offer-ttl-s', 600, 120),
  };
  const agent = new Agent(opts, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping (queued readings stay on disk for the next start)`);
    agent.stop().then(
      () => process.exit(0),
      (err: Error) => {
        log.error(`stopping failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await agent.start();
  return -1; // keep running
}

class UsageError extends Error {}

// A closed pipe (`… | head`) is not the agent's failure: stop writing there, keep running.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    const code = (err as NodeJS.ErrnoException).code;
    const known = err instanceof KeyError || err instanceof LockError || err instanceof UsageError || code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'EADDRINUSE';
    if (code === 'EADDRINUSE') err.message += ': another program (or agent) has this port; choose another with --status / --portal host:port';
    process.stderr.write(`fanmesh-agent: ${err.message}\n${known ? '' : (err.stack ?? '') + '\n'}`);
    process.exit(known ? 2 : 1);
  },
);
