import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Contract, ContractTransactionResponse, Interface, InterfaceAbi, JsonRpcProvider, Log, TransactionReceipt, Wallet } from 'ethers';
import { expect } from 'vitest';
import { DeviceRegistry, FanToken, MomentAttestor, RewardDistributor } from '../artifacts';
import { Anvil, startAnvil } from '../../libs/chain/src/anvil';
import { deployAll, DeployOptions, Deployment } from '../../libs/chain/src/deploy';
import { receiptOf } from '@fanmesh/chain';

/**
 * One anvil per spec file with the four contracts deployed once; each test runs between an
 * evm_snapshot and an evm_revert, so tests never see each other's state.
 */
export interface Fixture {
  anvil: Anvil;
  provider: JsonRpcProvider;
  chainId: bigint;
  /** anvil account 0: deployer, admin and operator of every contract (unless `opts` names others) */
  admin: Wallet;
  /** anvil accounts 1..: funded accounts with no role */
  others: Wallet[];
  deployment: Deployment;
  token: Contract;
  distributor: Contract;
  attestor: Contract;
  registry: Contract;
  /** a contract handle at `address` for `signer` */
  as(contract: Contract, signer: Wallet): Contract;
  /** the latest block's timestamp */
  now(): Promise<bigint>;
  stop(): Promise<void>;
}

export async function deployFixture(opts: DeployOptions = {}): Promise<Fixture> {
  const anvil = await startAnvil();
  // cacheTimeout -1: no request cache, so nonces and balances are read fresh after every evm_revert
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 10, cacheTimeout: -1, batchMaxCount: 1 });
  const [admin, ...others] = anvil.privateKeys.map((k) => new Wallet(k, provider));
  const deployment = await deployAll(admin, opts);
  const at = (address: string, abi: unknown) => new Contract(address, abi as InterfaceAbi, admin);
  return {
    anvil,
    provider,
    chainId: BigInt(anvil.chainId),
    admin,
    others,
    deployment,
    token: at(deployment.FanToken, FanToken.abi),
    distributor: at(deployment.RewardDistributor, RewardDistributor.abi),
    attestor: at(deployment.MomentAttestor, MomentAttestor.abi),
    registry: at(deployment.DeviceRegistry, DeviceRegistry.abi),
    as: (contract, signer) => contract.connect(signer) as Contract,
    now: async () => BigInt((await provider.getBlock('latest'))!.timestamp),
    stop: async () => {
      provider.destroy();
      await anvil.stop();
    },
  };
}

/** evm_snapshot now; the returned function goes back to it. */
export async function snapshot(provider: JsonRpcProvider): Promise<() => Promise<void>> {
  const id: string = await provider.send('evm_snapshot', []);
  return async () => {
    const ok: boolean = await provider.send('evm_revert', [id]);
    if (!ok) throw new Error(`evm_revert(${id}) failed`);
  };
}

// ------------------------------------------------------------------ events and errors

/** Every event and custom error of the four contracts (errors thrown by FanToken bubble up through RewardDistributor). */
export const ALL = new Interface(
  [...FanToken.abi, ...RewardDistributor.abi, ...MomentAttestor.abi, ...DeviceRegistry.abi].filter(
    (f, i, all) => (f.type === 'error' || f.type === 'event') && all.findIndex((g) => g.type === f.type && 'name' in g && 'name' in f && g.name === f.name) === i,
  ) as InterfaceAbi,
);

export interface DecodedRevert {
  name: string;
  args: unknown[];
}

function decodeRevert(err: unknown): DecodedRevert | undefined {
  const e = err as { data?: string; info?: { error?: { data?: string | { data?: string } } }; error?: { data?: string } };
  const raw = e.info?.error?.data;
  const data = e.data ?? (typeof raw === 'string' ? raw : raw?.data) ?? e.error?.data;
  if (!data || data === '0x') return undefined;
  const parsed = ALL.parseError(data);
  return parsed ? { name: parsed.name, args: [...parsed.args] } : { name: `unknown(${data.slice(0, 10)})`, args: [] };
}

/** When `res` is a sent transaction, waits until it is mined and throws if it reverted (a call's result passes). */
export async function minedIfSent(res: unknown): Promise<void> {
  if (!res || typeof (res as ContractTransactionResponse).wait !== 'function') return;
  const receipt = await receiptOf(res as ContractTransactionResponse);
  if (receipt.status !== 1) throw Object.assign(new Error('transaction reverted'), { receipt });
}

/** Awaits a transaction (or call) that must revert with the custom error `name` (and `args`, when given). */
export async function expectRevert(p: Promise<unknown>, name: string, args?: unknown[]): Promise<DecodedRevert> {
  let decoded: DecodedRevert | undefined;
  try {
    await minedIfSent(await p);
  } catch (err) {
    decoded = decodeRevert(err);
    if (!decoded) throw new Error(`expected revert ${name}, got: ${(err as Error).message}`);
    expect(decoded.name).toBe(name);
    if (args) expect(decoded.args).toEqual(args);
    return decoded;
  }
  throw new Error(`expected revert ${name}, but it succeeded`);
}

/** Sends and waits; throws if the transaction failed. */
export async function mined(p: Promise<ContractTransactionResponse>): Promise<TransactionReceipt> {
  const receipt = await receiptOf(await p);
  if (receipt.status !== 1) throw new Error('transaction failed');
  return receipt;
}

export interface DecodedEvent {
  address: string;
  name: string;
  args: Record<string, unknown>;
}

/** The receipt's logs decoded with every contract's events, in order. */
export function eventsOf(receipt: { logs: readonly Log[] }): DecodedEvent[] {
  return receipt.logs.flatMap((log) => {
    const parsed = ALL.parseLog(log);
    return parsed ? [{ address: log.address, name: parsed.name, args: parsed.args.toObject() }] : [];
  });
}

/** Asserts that the receipt has exactly these events of these contracts, with these arguments, in order. */
export function expectEvents(receipt: { logs: readonly Log[] }, expected: { address: string; name: string; args: Record<string, unknown> }[]): void {
  expect(eventsOf(receipt).map((e) => ({ ...e, address: e.address.toLowerCase() }))).toEqual(expected.map((e) => ({ ...e, address: e.address.toLowerCase() })));
}

// ------------------------------------------------------------------ reward trees

export type Balances = readonly (readonly [string, bigint])[];

/** An OpenZeppelin StandardMerkleTree of cumulative balances, as the platform settles epochs. */
export function rewardTree(balances: Balances): StandardMerkleTree<[string, string]> {
  return StandardMerkleTree.of(
    balances.map(([a, v]) => [a, v.toString()] as [string, string]),
    ['address', 'uint256'],
  );
}

export function proofOf(tree: StandardMerkleTree<[string, string]>, account: string): string[] {
  for (const [i, [a]] of tree.entries()) if (a.toLowerCase() === account.toLowerCase()) return tree.getProof(i);
  throw new Error(`${account} is not in the tree`);
}

export const sum = (balances: Balances): bigint => balances.reduce((n, [, v]) => n + v, 0n);
