import { Contract, ContractFactory, InterfaceAbi, Signer, TransactionReceipt, TransactionResponse, getCreateAddress, parseUnits } from 'ethers';
import { DeviceRegistry, FanToken, MomentAttestor, PollAttestor, RewardDistributor } from '@fanmesh/contracts';
import type { ContractKey, Deployment } from './deployment';
import { emissionArgs, EmissionSchedule } from './emission';
import { receiptOf } from './receipt';

export type { ContractKey, Deployment } from './deployment';

export interface DeployOptions {
  /** Token name (also its EIP-712 / permit domain name). Default 'FanMesh Fan Token'. */
  name?: string;
  /** Default 'FAN'. */
  symbol?: string;
  /** Hard cap in the token's smallest unit. Default {@link DEFAULT_CAP}. */
  cap?: bigint;
  /**
   * The one holder of DEFAULT_ADMIN_ROLE on all five contracts (set in each constructor): grants and
   * revokes roles, funds the distributor, revokes devices, and hands the role on in two steps with
   * {@link ADMIN_TRANSFER_DELAY}. A multisig in production (ADMIN_ADDRESS). Default: the deployer
   * (contract tests and benchmarks only; the platform never deploys so).
   */
  admin?: string;
  /**
   * The platform's hot signer: OPERATOR_ROLE on RewardDistributor (publishes roots) and
   * DeviceRegistry (relays registrations), ATTESTER_ROLE on MomentAttestor and PollAttestor. Nothing
   * else: it never holds an admin role. Default: the deployer.
   */
  operator?: string;
  /**
   * Lifetime total the distributor may pay out, funded at deploy; only when the deployer is the admin
   * (funding is the admin's act). Default 0: the admin funds an approved amount later
   * (`npm run chain -- fund`).
   */
  fund?: bigint;
  /**
   * RewardDistributor's first emission schedule (set in its constructor; later changes are the
   * admin's, `setEmissionSchedule`). `start` defaults to the latest block's time. Default: the whole
   * cap every week from then on, i.e. no bound beyond the funding (contract tests and benchmarks
   * only; the platform passes its configured schedule, see ChainService).
   */
  emission?: Partial<EmissionSchedule>;
  /** Called with each transaction's label and receipt (for gas reports). */
  onReceipt?: (label: string, receipt: TransactionReceipt) => void;
}

export const DEFAULT_CAP = parseUnits('1000000000', 18); // one billion FAN

/** Seconds between the two steps of an admin transfer on every contract (ADMIN_TRANSFER_DELAY in contracts/src/Common.sol). */
export const ADMIN_TRANSFER_DELAY = 2 * 86_400;

type Artifact = { abi: unknown; bytecode: string };

/**
 * Deploys FanToken, RewardDistributor (FanToken's minter), MomentAttestor, DeviceRegistry and (last)
 * PollAttestor with `signer`, and returns their addresses. Every role is set in the constructors, so
 * the deployer needs (and keeps) no role of its own unless it is the admin or the operator.
 * Transactions are sent back to back and their receipts awaited together; any failed one throws.
 *
 * FanToken grants MINTER_ROLE to the distributor's address before it exists: the CREATE address of
 * the deployer's next nonce, which only the deployer can fill, and fills at once with the
 * distributor (checked below, so a mismatch throws instead of leaving a minter nobody deployed).
 */
export async function deployAll(signer: Signer, opts: DeployOptions = {}): Promise<Deployment> {
  const deployer = await signer.getAddress();
  const admin = opts.admin ?? deployer;
  const operator = opts.operator ?? deployer;
  const cap = opts.cap ?? DEFAULT_CAP;
  const fund = opts.fund ?? 0n;
  if (fund > 0n && !sameAddress(admin, deployer)) {
    throw new Error(
      `deployAll cannot fund the distributor: funding is the admin's (${admin}) act, and the deployer ${deployer} is not the admin; fund it afterwards with the admin's key`,
    );
  }
  const latest = opts.emission?.start === undefined ? await signer.provider?.getBlock('latest') : undefined;
  const emission: EmissionSchedule = {
    start: opts.emission?.start ?? BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000)),
    weekly: opts.emission?.weekly ?? cap,
    decayBps: opts.emission?.decayBps ?? 0,
    seasonWeeks: opts.emission?.seasonWeeks ?? 1,
  };
  const sent: { label: string; tx: TransactionResponse }[] = [];

  // Explicit nonces: a plain Wallet behind a caching provider would otherwise reuse one for
  // back-to-back sends; a NonceManager assigns the same numbers itself.
  const first = await signer.getNonce('pending');
  let nonce = first;
  const deploy = async (label: string, artifact: Artifact, args: unknown[]): Promise<string> => {
    const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signer);
    const contract = await factory.deploy(...args, { nonce: nonce++ });
    sent.push({ label: `deploy ${label}`, tx: contract.deploymentTransaction()! });
    return contract.getAddress();
  };
  const call = async (label: string, address: string, artifact: Artifact, method: string, args: unknown[]): Promise<void> => {
    const contract = new Contract(address, artifact.abi as InterfaceAbi, signer);
    sent.push({ label, tx: (await contract.getFunction(method).send(...args, { nonce: nonce++ })) as TransactionResponse });
  };

  const predictedDistributor = getCreateAddress({ from: deployer, nonce: first + 1 });
  const token = await deploy('FanToken', FanToken, [opts.name ?? 'FanMesh Fan Token', opts.symbol ?? 'FAN', cap, admin, predictedDistributor]);
  const distributor = await deploy('RewardDistributor', RewardDistributor, [token, admin, operator, ...emissionArgs(emission)]);
  if (!sameAddress(distributor, predictedDistributor)) {
    throw new Error(`deployment went wrong: RewardDistributor is at ${distributor}, but FanToken's minter is ${predictedDistributor}; deploy again from a fresh nonce`);
  }
  const attestor = await deploy('MomentAttestor', MomentAttestor, [admin, operator]);
  const registry = await deploy('DeviceRegistry', DeviceRegistry, [admin, operator]);
  if (fund > 0n) await call('fund RewardDistributor', distributor, RewardDistributor, 'fund', [fund]);
  // Last, so the transactions above keep their nonces and addresses.
  const polls = await deploy('PollAttestor', PollAttestor, [admin, operator]);

  for (const { label, tx } of sent) {
    const receipt = await receiptOf(tx);
    if (receipt.status !== 1) throw new Error(`deployment step failed: ${label} (tx ${tx.hash})`);
    opts.onReceipt?.(label, receipt);
  }
  return { FanToken: token, RewardDistributor: distributor, MomentAttestor: attestor, DeviceRegistry: registry, PollAttestor: polls };
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Contracts a later release added that stand alone (nothing else is wired to them): a deployment made
 * before they existed gains them at boot instead of needing a fresh chain.
 */
export const STANDALONE = ['PollAttestor'] as const satisfies readonly ContractKey[];

/** Deploys one standalone contract with `signer`, `roles.admin` as its admin and `roles.operator` as its attester. */
export async function deployStandalone(signer: Signer, name: (typeof STANDALONE)[number], roles: { admin: string; operator: string }): Promise<string> {
  const artifact = { PollAttestor }[name] as Artifact;
  const contract = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signer).deploy(roles.admin, roles.operator);
  const receipt = await receiptOf(contract.deploymentTransaction()!);
  if (receipt.status !== 1) throw new Error(`deploying ${name} failed`);
  return contract.getAddress();
}
