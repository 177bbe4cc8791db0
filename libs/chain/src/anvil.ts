import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { HDNodeWallet, Mnemonic, computeAddress } from 'ethers';
import { WELL_KNOWN_DEV_KEYS } from '@fanmesh/config';

/** anvil funds the accounts of this public test mnemonic; they are for local dev chains only. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

/**
 * anvil's first ten dev accounts (m/44'/60'/0'/0/i of {@link ANVIL_MNEMONIC}). Public knowledge,
 * listed rather than derived because deriving them costs a PBKDF2 run per process.
 */
export const ANVIL_DEV_KEYS: readonly string[] = WELL_KNOWN_DEV_KEYS;

/** The private key of anvil's dev account `index` (any index; the first ten without derivation). */
export function anvilDevKey(index = 0): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`anvil dev account index must be a non-negative integer, got ${index}`);
  if (index < ANVIL_DEV_KEYS.length) return ANVIL_DEV_KEYS[index];
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_MNEMONIC), `m/44'/60'/0'/0/${index}`).privateKey;
}

/**
 * The embedded dev chain's contract admin: anvil dev account #9, a key the embedded stack holds
 * itself (it deploys and funds there, so `npm start` needs no set-up). Account #0 is the API's hot
 * key, which never holds an admin role; tests use #1 and #2 as spare funded accounts.
 */
export const EMBEDDED_ADMIN_INDEX = 9;

export interface AnvilOptions {
  /** TCP port; default: a free one. */
  port?: number;
  /** default 31337 */
  chainId?: number;
  /** Persist the chain in this JSON file: loaded at start when present, dumped on stop and every `stateInterval` s. */
  stateFile?: string;
  /** Shorthand for `stateFile: <stateDir>/anvil.json`. */
  stateDir?: string;
  /** Seconds between periodic state dumps (with a state file). Default 2. */
  stateInterval?: number;
  /** Number of funded dev accounts. Default 10. */
  accounts?: number;
  /** EVM hard fork, e.g. 'shanghai', 'cancun', 'prague'. Default: anvil's latest. */
  hardfork?: string;
  /** Seconds per block (interval mining). Default: automine (a block per transaction). */
  blockTime?: number;
  /** Milliseconds to wait for JSON-RPC to answer. Default 20,000. */
  startTimeoutMs?: number;
  /** Extra command-line arguments. */
  args?: string[];
}

export interface Anvil {
  /** http://127.0.0.1:<port> */
  rpcUrl: string;
  port: number;
  chainId: number;
  /** Private keys of the funded dev accounts (index 0 first). */
  privateKeys: readonly string[];
  /** Their addresses, in the same order. */
  accounts: readonly string[];
  /** The state file, when the chain is persisted. */
  stateFile?: string;
  process: ChildProcess;
  /** SIGTERM (anvil dumps its state), then SIGKILL after `timeoutMs` (default 10 s). Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Path of the anvil binary from the npm package `@foundry-rs/anvil` (`ANVIL_BIN` overrides it). */
export function anvilBinary(): string {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  // `require` is not defined when this module runs as ESM (vitest); resolve from here or from the cwd.
  const bases = [typeof __filename === 'string' ? __filename : undefined, join(process.cwd(), 'package.json')].filter(Boolean) as string[];
  for (const base of bases) {
    try {
      const binary = join(dirname(createRequire(base).resolve(`${pkg}/package.json`)), 'bin', exe);
      if (existsSync(binary)) return binary;
    } catch {
      // not resolvable from this base
    }
  }
  throw new Error(`anvil binary not found: install the npm package @foundry-rs/anvil (it brings ${pkg}) or set ANVIL_BIN`);
}

/** A TCP port that was free a moment ago (anvil may still lose a race for it; {@link startAnvil} retries). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function rpcAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return res.ok && typeof ((await res.json()) as { result?: unknown }).result === 'string';
  } catch {
    return false;
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // If our process exits without stop(), do not leave anvil behind: SIGTERM still lets it dump state.
  process.once('exit', () => {
    for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
}

/**
 * Starts anvil as a child process, on a free port unless one is given, and resolves once its
 * JSON-RPC answers. With `stateFile` (or `stateDir`) the chain is loaded from that file when it
 * exists and dumped to it on stop and every few seconds, so it survives restarts.
 */
export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  const attempts = opts.port ? 1 : 3;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await startOnce(opts, opts.port ?? (await freePort()));
    } catch (err) {
      lastError = err;
      if (!/address already in use|os error 98|EADDRINUSE/i.test(String((err as Error).message))) break;
    }
  }
  throw lastError;
}

async function startOnce(opts: AnvilOptions, port: number): Promise<Anvil> {
  const chainId = opts.chainId ?? 31337;
  const accountCount = opts.accounts ?? 10;
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--accounts', String(accountCount), '--silent'];
  const stateFile = opts.stateFile ?? (opts.stateDir ? join(opts.stateDir, 'anvil.json') : undefined);
  if (stateFile) {
    mkdirSync(dirname(stateFile), { recursive: true });
    args.push('--state', stateFile, '--state-interval', String(opts.stateInterval ?? 2));
  }
  if (opts.hardfork) args.push('--hardfork', opts.hardfork);
  if (opts.blockTime) args.push('--block-time', String(opts.blockTime));
  if (opts.args) args.push(...opts.args);

  const rpcUrl = `http://127.0.0.1:${port}`;
  // Something answering there already would pass for our anvil below: refuse instead.
  if (await rpcAnswers(rpcUrl)) throw new Error(`cannot start anvil on port ${port}: address already in use (a JSON-RPC server answers there)`);
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  installExitHook();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  for (;;) {
    if (spawnError) throw new Error(`anvil could not be started: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`anvil exited (${child.exitCode ?? child.signalCode}) before answering on ${rpcUrl}: ${stderr.trim() || 'no output'}`);
    }
    if (await rpcAnswers(rpcUrl)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`anvil did not answer on ${rpcUrl} within ${opts.startTimeoutMs ?? 20_000} ms: ${stderr.trim() || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const privateKeys = Array.from({ length: accountCount }, (_, i) => anvilDevKey(i));
  let stopping: Promise<void> | undefined;
  return {
    rpcUrl,
    port,
    chainId,
    privateKeys,
    accounts: privateKeys.map((k) => computeAddress(k)),
    stateFile,
    process: child,
    stop: (timeoutMs = 10_000) =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          child.kill('SIGTERM'); // anvil dumps its state (when it has a state file) and exits
          await exited;
          clearTimeout(kill);
        }
        running.delete(child);
      })()),
  };
}
