import { getAddress, isAddress, JsonRpcProvider, Log } from 'ethers';
import type { PublicApi } from './http';
import { VerifyError } from './report';

/** The platform's contracts, by the names the API uses. */
export const CONTRACT_NAMES = ['FanToken', 'RewardDistributor', 'MomentAttestor', 'DeviceRegistry', 'PollAttestor'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];
export type Addresses = Partial<Record<ContractName, string>>;

/** Blocks per eth_getLogs call: public RPCs cap the range (often 10,000). */
const LOG_RANGE = 10_000;

export interface ChainOptions {
  rpc: string;
  /** the API, to learn the contract addresses from when they are not given */
  api?: PublicApi;
  /** addresses given on the command line win over what the API says */
  addresses?: Addresses;
  /** first block to scan logs from (the contracts' deployment block; default 0) */
  fromBlock?: number;
}

/** The chain as the verifier reads it: one JSON-RPC URL, the contract addresses and paged log scans. */
export class ChainReader {
  readonly provider: JsonRpcProvider;
  chainId = 0;
  addresses: Addresses = {};
  /** where the addresses came from, said in the report */
  source = '';

  constructor(private readonly opts: ChainOptions) {
    this.provider = new JsonRpcProvider(opts.rpc, undefined, { staticNetwork: false, cacheTimeout: -1 });
  }

  async connect(): Promise<this> {
    try {
      this.chainId = Number((await this.provider.getNetwork()).chainId);
    } catch (err) {
      throw new VerifyError(`the JSON-RPC node at ${this.opts.rpc} does not answer: ${(err as Error).message}`);
    }
    const given = this.opts.addresses ?? {};
    const published = this.opts.api ? await publishedAddresses(this.opts.api) : { addresses: {}, source: '' };
    this.addresses = { ...published.addresses, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v)) };
    const named = Object.keys(given).filter((k) => given[k as ContractName]);
    this.source = [named.length ? `the command line (${named.join(', ')})` : '', published.source].filter(Boolean).join(' and ');
    return this;
  }

  /** The address of `name`, or a VerifyError saying how to give it. */
  address(name: ContractName): string {
    const a = this.addresses[name];
    if (!a) throw new VerifyError(`the ${name} address is unknown: pass --${flagOf(name)} <address> (the API did not publish it)`);
    return getAddress(a);
  }

  /** Every log of `address` with `topics`, from the first block to `toBlock`, in pages. */
  async logs(address: string, topics: (string | string[] | null)[], toBlock?: number): Promise<Log[]> {
    const head = toBlock ?? (await this.provider.getBlockNumber());
    const out: Log[] = [];
    for (let from = this.opts.fromBlock ?? 0; from <= head; from += LOG_RANGE) {
      out.push(...(await this.provider.getLogs({ address, topics, fromBlock: from, toBlock: Math.min(head, from + LOG_RANGE - 1) })));
    }
    return out;
  }

  destroy(): void {
    this.provider.destroy();
  }
}

export const flagOf = (name: ContractName) =>
  ({ FanToken: 'token', RewardDistributor: 'distributor', MomentAttestor: 'moment-attestor', DeviceRegistry: 'registry', PollAttestor: 'attestor' })[name];

/**
 * The addresses the API publishes: `GET /api/v1/chain` when the server has it, else the chain section
 * of `GET /health`. These are the operator's word: pass the addresses on the command line to pin them.
 */
async function publishedAddresses(api: PublicApi): Promise<{ addresses: Addresses; source: string }> {
  for (const path of ['/api/v1/chain', '/health']) {
    const body = await api.optionalJson<unknown>(path).catch(() => undefined);
    const found = findAddresses(body);
    if (found) return { addresses: found, source: `GET ${path}` };
  }
  return { addresses: {}, source: '' };
}

/** The JSON-RPC URL the API publishes (`rpcUrl` in GET /api/v1/chain, or in /health's chain section), if any. */
export async function publishedRpcUrl(api: PublicApi): Promise<string | undefined> {
  for (const path of ['/api/v1/chain', '/health']) {
    const url = findKey(await api.optionalJson<unknown>(path).catch(() => undefined), 'rpcUrl');
    if (typeof url === 'string' && /^https?:\/\//.test(url)) return url;
  }
  return undefined;
}

function findKey(body: unknown, key: string, depth = 0): unknown {
  if (!body || typeof body !== 'object' || depth > 4) return undefined;
  const o = body as Record<string, unknown>;
  if (key in o) return o[key];
  for (const v of Object.values(o)) {
    const found = findKey(v, key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The first object in `body` (searched depth first) that names RewardDistributor or PollAttestor with an address. */
function findAddresses(body: unknown, depth = 0): Addresses | undefined {
  if (!body || typeof body !== 'object' || depth > 4) return undefined;
  const o = body as Record<string, unknown>;
  const own = Object.fromEntries(CONTRACT_NAMES.map((n) => [n, readAddress(o[n])]).filter(([, v]) => v)) as Addresses;
  if (own.RewardDistributor || own.PollAttestor) return own;
  for (const v of Object.values(o)) {
    const found = findAddresses(v, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function readAddress(v: unknown): string | undefined {
  if (typeof v === 'string' && isAddress(v)) return v;
  if (v && typeof v === 'object' && typeof (v as { address?: unknown }).address === 'string' && isAddress((v as { address: string }).address))
    return (v as { address: string }).address;
  return undefined;
}
