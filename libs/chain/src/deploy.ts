import { BaseContract, ContractFactory, InterfaceAbi, Signer, parseUnits } from 'ethers';
import { DeviceRegistry, FanToken, MomentAttestor, RewardDistributor } from '@fanmesh/contracts';

export interface Deployment {
  FanToken: string;
  RewardDistributor: string;
  MomentAttestor: string;
  DeviceRegistry: string;
}

export const DEFAULT_CAP = parseUnits('1000000000', 18); // one billion FAN

async function deployOne(signer: Signer, artifact: { abi: InterfaceAbi; bytecode: string }, args: unknown[]): Promise<BaseContract> {
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return contract;
}

/**
 * Deploys the four contracts and wires them: the distributor is FanToken's only minter; the
 * deployer operates the distributor, attests moments and registers devices.
 */
export async function deployAll(signer: Signer, opts: { name?: string; symbol?: string; cap?: bigint } = {}): Promise<Deployment> {
  const admin = await signer.getAddress();
  const token = await deployOne(signer, FanToken as never, [opts.name ?? 'FanMesh Fan Token', opts.symbol ?? 'FAN', opts.cap ?? DEFAULT_CAP, admin]);
  const distributor = await deployOne(signer, RewardDistributor as never, [await token.getAddress(), admin, admin]);
  const minter = await (token as unknown as { MINTER_ROLE(): Promise<string> }).MINTER_ROLE();
  await (await (token as unknown as { grantRole(r: string, a: string): Promise<{ wait(): Promise<unknown> }> }).grantRole(minter, await distributor.getAddress())).wait();
  const attestor = await deployOne(signer, MomentAttestor as never, [admin, admin]);
  const registry = await deployOne(signer, DeviceRegistry as never, [admin, admin]);
  return {
    FanToken: await token.getAddress(),
    RewardDistributor: await distributor.getAddress(),
    MomentAttestor: await attestor.getAddress(),
    DeviceRegistry: await registry.getAddress(),
  };
}
