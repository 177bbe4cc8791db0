import { Contract, ContractFactory, InterfaceAbi, Signer, TransactionReceipt, TransactionResponse, getCreateAddress, parseUnits } from 'ethers';
import { DeviceRegistry, FanToken, MomentAttestor, PollAttestor, RewardDistributor } from '../../../contracts/artifacts';
import { ROLES } from './contracts';

/** Addresses of one deployment of the contracts (exactly these keys). */
export interface Deployment {
  FanToken: string;
  RewardDistributor: string;
  MomentAttestor: string;
  DeviceRegistry: string;
  /** Poll tallies and the ballots' EIP-712 domain; deployed last, so the other four keep their addresses and gas. */
  PollAttestor: string;
}

export type ContractKey = keyof Deployment;

export interface DeployOptions {
  /** Token name (also its EIP-712 / permit domain name). Default 'FanMesh Fan Token'. */
  name?: string;
  /** Default 'FAN'. */
  symbol?: string;
  /** Hard cap in the token's smallest unit. Default {@link DEFAULT_CAP}. */
  cap?: bigint;
  /**
   * Holds DEFAULT_ADMIN_ROLE on all four contracts: grants roles, funds the distributor, revokes
   * devices. Default: the deployer. When it differs, the deployer wires everything, hands the admin
   * role over and renounces its own.
   */
  admin?: string;
  /**
   * The platform's hot signer: OPERATOR_ROLE on RewardDistributor (publishes roots) and
   * DeviceRegistry (relays registrations), ATTESTER_ROLE on MomentAttestor and PollAttestor. Default: the deployer.
   */
  operator?: string;
  /**
   * Lifetime total the distributor may pay out, funded at deploy (the admin can raise it later with
   * `fund`). Default: the cap, which suits the embedded dev chain; a production deployment should pass
   * what the treasury has approved (0 to fund later).
   */
  fund?: bigint;
  /** Called with each transaction's label and receipt (for gas reports). */
  onReceipt?: (label: string, receipt: TransactionReceipt) => void;
}

export const DEFAULT_CAP = parseUnits('1000000000', 18); // one billion FAN


type Artifact = { abi: unknown; bytecode: string };

/**
 * Deploys FanToken, RewardDistributor (wired as FanToken's minter), MomentAttestor, DeviceRegistry and
 * (last) PollAttestor with `signer`, and returns their addresses. Transactions are sent back to back and
 * their receipts awaited together; any failed transaction throws.
 *
 * FanToken is told the distributor's address in advance (the CREATE address of the deployer's next
 * nonce) so that the distributor's mints skip a role lookup; the role itself is still granted
 * explicitly, and a wrong guess would only cost gas, never safety.
 */
export async function deployAll(signer: Signer, opts: DeployOptions = {}): Promise<Deployment> {
  const deployer = await signer.getAddress();
  const admin = opts.admin ?? deployer;
  const operator = opts.operator ?? deployer;
  const cap = opts.cap ?? DEFAULT_CAP;
  const fund = opts.fund ?? cap;
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
  const token = await deploy('FanToken', FanToken, [opts.name ?? 'FanMesh Fan Token', opts.symbol ?? 'FAN', cap, deployer, predictedDistributor]);
  const distributor = await deploy('RewardDistributor', RewardDistributor, [token, deployer, operator]);
  const attestor = await deploy('MomentAttestor', MomentAttestor, [admin, operator]);
  const registry = await deploy('DeviceRegistry', DeviceRegistry, [admin, operator]);
  await call('grant MINTER_ROLE to RewardDistributor', token, FanToken, 'grantRole', [ROLES.MINTER_ROLE, distributor]);
  if (fund > 0n) await call('fund RewardDistributor', distributor, RewardDistributor, 'fund', [fund]);
  if (admin.toLowerCase() !== deployer.toLowerCase()) {
    for (const [label, address, artifact] of [['FanToken', token, FanToken], ['RewardDistributor', distributor, RewardDistributor]] as const) {
      await call(`grant admin on ${label}`, address, artifact, 'grantRole', [ROLES.DEFAULT_ADMIN_ROLE, admin]);
      await call(`renounce deployer admin on ${label}`, address, artifact, 'renounceRole', [ROLES.DEFAULT_ADMIN_ROLE, deployer]);
    }
  }
  // Last, so the transactions above keep their nonces (FanToken's predicted distributor) and order.
  const polls = await deploy('PollAttestor', PollAttestor, [admin, operator]);

  for (const { label, tx } of sent) {
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`deployment step failed: ${label} (tx ${tx.hash})`);
    opts.onReceipt?.(label, receipt);
  }
  return { FanToken: token, RewardDistributor: distributor, MomentAttestor: attestor, DeviceRegistry: registry, PollAttestor: polls };
}

/**
 * Contracts a later release added that stand alone (nothing else is wired to them): a deployment made
 * before they existed gains them at boot instead of needing a fresh chain.
 */
export const STANDALONE = ['PollAttestor'] as const satisfies readonly ContractKey[];

/** Deploys one standalone contract with the signer as admin and operator (deployAll's defaults). */
export async function deployStandalone(signer: Signer, name: (typeof STANDALONE)[number]): Promise<string> {
  const me = await signer.getAddress();
  const artifact = { PollAttestor }[name] as Artifact;
  const contract = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signer).deploy(me, me);
  const receipt = await contract.deploymentTransaction()!.wait();
  if (!receipt || receipt.status !== 1) throw new Error(`deploying ${name} failed`);
  return contract.getAddress();
}
