import { join } from 'node:path';
import type { TypedDataDomain } from '@fanmesh/protocol';
import { Interface } from 'ethers';
import { ApiClient, describeOffset, NetworkError } from './api';
import { Journal } from './journal';
import { DeviceKey, KEY_FILE, KeyError } from './key';
import { CLOCK_SKEW_MS } from './limits';
import { lockHolder } from './lock';
import { probeRegistration } from './probe';
import { StateFile } from './state';

export interface DoctorOptions {
  api: string;
  data: string;
  /** An EVM JSON-RPC endpoint, to read DeviceRegistry.ownerOf(device) on chain. */
  rpc?: string;
  timeoutMs: number;
}

type Verdict = 'ok' | 'fail' | 'warn' | 'skip';
const MARK: Record<Verdict, string> = { ok: '✔', fail: '✘', warn: '!', skip: '–' };

/**
 * `agent doctor`: checks what a device needs, one line each, and for every failure says what to
 * do. Exit code 1 when anything failed. It changes nothing (the registration check is the
 * side-effect-free probe), so it is safe to run next to a running agent.
 */
export async function doctor(o: DoctorOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let failures = 0;
  const say = (v: Verdict, what: string, text: string, fix?: string) => {
    if (v === 'fail') failures++;
    out.write(`${MARK[v]} ${what.padEnd(12)} ${text}\n${fix ? `  ${' '.repeat(12)} fix: ${fix}\n` : ''}`);
  };
  out.write(`FanMesh agent doctor — data ${o.data}, API ${o.api}\n\n`);

  // 1. the key
  let key: DeviceKey | undefined;
  try {
    key = DeviceKey.load(o.data, { create: false }).key;
    say('ok', 'key', `${join(o.data, KEY_FILE)} (mode 0600): device ${key.address}`);
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    say('fail', 'key', err.message, 'see above; the agent cannot sign anything without its key');
  }

  // 2. the API
  const api = new ApiClient(o.api, undefined, o.timeoutMs);
  let reachable = false;
  try {
    const t0 = Date.now();
    const a = await api.request<{ status?: string; info?: Record<string, unknown>; error?: Record<string, { message?: string }> }>('GET', '/health');
    const ms = Date.now() - t0;
    if (a.status === 200) {
      reachable = true;
      say('ok', 'api', `${api.base} answers (healthy) in ${ms} ms`);
    } else if (a.status === 503) {
      reachable = true;
      const down = Object.entries(a.body.error ?? {}).map(([k, v]) => `${k}: ${v.message ?? 'down'}`);
      say(
        'warn',
        'api',
        `${api.base} answers but is unhealthy (${down.join('; ') || 'a dependency is down'})`,
        "the API's operator must fix it; the agent keeps readings on disk meanwhile",
      );
    } else if (a.status === 404) {
      say(
        'fail',
        'api',
        `${api.base}/health answered 404: this is not the FanMesh API's base URL`,
        'pass the API root as --api, e.g. https://fanmesh.example.org (without /api/v1)',
      );
    } else {
      reachable = true;
      say('warn', 'api', `${api.base}/health answered ${a.status}`);
    }
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    say(
      'fail',
      'api',
      `cannot reach the API at ${api.base} (${err.message.replace(/^GET \S+: /, '')})`,
      `check --api (scheme, host and port), that the API is running, and this device's network, DNS and firewall: \`curl ${api.base}/health\` must answer`,
    );
  }

  // 3. the clock (from the API's Date header)
  if (!reachable || api.clock.offsetMs === undefined) say('skip', 'clock', 'not checked: the API did not answer');
  else if (Math.abs(api.clock.offsetMs) > CLOCK_SKEW_MS) {
    say(
      'fail',
      'clock',
      `${describeOffset(api.clock.offsetMs)} the API's (±${(api.clock.uncertaintyMs / 1000).toFixed(1)} s); the API refuses messages more than ${CLOCK_SKEW_MS / 1000} s off, and the agent does not sign`,
      'sync the clock: `timedatectl set-ntp true` (systemd-timesyncd) or install chrony; then check `timedatectl`',
    );
  } else say('ok', 'clock', `${describeOffset(api.clock.offsetMs)} the API's (±${(api.clock.uncertaintyMs / 1000).toFixed(1)} s; allowed ${CLOCK_SKEW_MS / 1000} s)`);

  // 4. registration with the API, then on chain
  if (!key || !reachable) say('skip', 'registered', `not checked: ${!key ? 'no usable key' : 'the API did not answer'}`);
  else {
    const r = await probeRegistration(api, key);
    if (r.state === 'paired') say('ok', 'registered', `the API knows device ${key.address} and it is active`);
    else if (r.state === 'unpaired')
      say(
        'fail',
        'registered',
        `the API does not know device ${key.address}: it is not paired`,
        "start the agent, then pair it from the owner's app (Devices → Add): scan the QR in the agent's terminal or on its status page (http://<device>:8787/), or type its short code",
      );
    else if (r.state === 'revoked')
      say('fail', 'registered', `revoked: ${r.detail}`, 'a revoked device stays revoked; to use this box again, move its data folder away (a new key) and pair it as a new device');
    else if (r.state === 'denylisted')
      say('fail', 'registered', `denylisted: ${r.detail}`, "the owner can appeal from the app (the device's report → Appeal); venue staff decide it");
    else if (r.state === 'key_mismatch') say('fail', 'registered', r.detail, 'this key is not the one the device was paired with: restore the original data folder');
    else say('warn', 'registered', r.detail);

    const d = await api.request<{ registration: TypedDataDomain; onChain: boolean }>('GET', '/api/v1/devices/pairing-domains').catch(() => undefined);
    if (!d || d.status !== 200) say('skip', 'on chain', 'not checked: the API did not give its pairing domains');
    else if (!d.body.onChain) say('skip', 'on chain', 'the API runs without a chain: the registration is kept by the API only');
    else if (!o.rpc) say('skip', 'on chain', `DeviceRegistry ${d.body.registration.verifyingContract} on chain ${d.body.registration.chainId}: pass --rpc <url> to read it`);
    else {
      const owner = await ownerOnChain(o.rpc, String(d.body.registration.verifyingContract), key.address).catch((err: Error) => err);
      if (owner instanceof Error) say('fail', 'on chain', `cannot read DeviceRegistry at ${o.rpc}: ${owner.message}`, 'check --rpc (an EVM JSON-RPC URL of the same chain)');
      else if (/^0x0{40}$/i.test(owner)) {
        say(
          r.state === 'paired' ? 'warn' : 'fail',
          'on chain',
          `DeviceRegistry ${d.body.registration.verifyingContract} has no owner for this device`,
          r.state === 'paired'
            ? 'the API relays registrations through its outbox: wait a minute; if it stays so, the operator checks /health (chain) and the outbox'
            : 'pair the device first',
        );
      } else say('ok', 'on chain', `DeviceRegistry ${d.body.registration.verifyingContract}: owner ${owner}`);
    }
  }

  // 5. the agent process and what it last got through
  const pid = lockHolder(o.data);
  const state = StateFile.peek(o.data);
  const queue = safePeek(o.data);
  say(
    pid ? 'ok' : 'warn',
    'agent',
    pid ? `running (pid ${pid})` : 'not running on this data folder',
    pid ? undefined : 'start it: `systemctl start fanmesh-agent` (see `journalctl -u fanmesh-agent`), or `npm run agent -- --api <url>`',
  );
  const last = state?.lastAccepted;
  if (last) {
    const age = Math.round((Date.now() - Date.parse(last.at)) / 1000);
    say(
      age > 300 && pid ? 'warn' : 'ok',
      'last sent',
      `seq ${last.seq} (${last.type}) accepted ${age} s ago`,
      age > 300 && pid ? 'the agent runs but nothing was accepted for 5 minutes: see the checks above and its log' : undefined,
    );
  } else say('fail', 'last sent', 'no message from this data folder was ever accepted', 'pair the device and let the agent run; the checks above say what stops it');
  if (state?.lastRefusal) say('skip', 'last refusal', `${state.lastRefusal.code}: ${state.lastRefusal.detail} (seq ${state.lastRefusal.seq}, ${state.lastRefusal.at})`);
  if (queue) {
    const waiting = queue.queued + queue.pending;
    say(
      waiting > 10_000 ? 'warn' : 'ok',
      'queue',
      `${waiting} readings waiting${queue.oldestAtMs ? ` (oldest taken ${new Date(queue.oldestAtMs).toISOString()})` : ''}${queue.pendingSeq ? `, envelope seq ${queue.pendingSeq} on its way` : ''}`,
    );
  }

  out.write(failures ? `\n${failures} check${failures === 1 ? '' : 's'} failed.\n` : '\nAll checks passed.\n');
  return failures ? 1 : 0;
}

function safePeek(data: string): ReturnType<typeof Journal.peek> | undefined {
  try {
    return Journal.peek(data);
  } catch {
    return undefined;
  }
}

async function ownerOnChain(rpc: string, registry: string, device: string): Promise<string> {
  const iface = new Interface(['function ownerOf(address device) view returns (address)']);
  const res = await fetch(rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: registry, data: iface.encodeFunctionData('ownerOf', [device]) }, 'latest'] }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result?: string; error?: { message: string } };
  if (body.error || !body.result) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return iface.decodeFunctionResult('ownerOf', body.result)[0] as string;
}
