import { Contract, Interface, JsonRpcProvider, Wallet } from 'ethers';
import { DeviceRegistry, FanToken, MomentAttestor, RewardDistributor } from '../artifacts';
import { Anvil, anvilDevKey, deployAll, Deployment, startAnvil } from '../../libs/chain/src';

export interface Fixture {
  anvil: Anvil;
  provider: JsonRpcProvider;
  operator: Wallet;
  operatorAddress: string;
  stranger: Wallet;
  deployment: Deployment;
  token: Contract;
  distributor: Contract;
  attestor: Contract;
  registry: Contract;
  snapshot(): Promise<string>;
  revert(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** One anvil per spec file, the contracts deployed once; tests isolate with evm_snapshot/evm_revert. */
export async function deployFixture(): Promise<Fixture> {
  const anvil = await startAnvil();
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const wallet = new Wallet(anvilDevKey(0), provider);
  const operator = wallet; // a plain wallet asks the node for the nonce each time: reverts leave no gaps
  const stranger = new Wallet(anvilDevKey(1), provider);
  const deployment = await deployAll(operator);
  const at = (address: string, abi: unknown) => new Contract(address, abi as never, operator);
  return {
    anvil,
    provider,
    operator,
    operatorAddress: wallet.address,
    stranger,
    deployment,
    token: at(deployment.FanToken, FanToken.abi),
    distributor: at(deployment.RewardDistributor, RewardDistributor.abi),
    attestor: at(deployment.MomentAttestor, MomentAttestor.abi),
    registry: at(deployment.DeviceRegistry, DeviceRegistry.abi),
    snapshot: () => provider.send('evm_snapshot', []),
    revert: async (id) => {
      await provider.send('evm_revert', [id]);
    },
    stop: async () => {
      provider.destroy();
      await anvil.stop();
    },
  };
}

const errors = new Interface([...FanToken.abi, ...RewardDistributor.abi, ...MomentAttestor.abi, ...DeviceRegistry.abi].filter((f) => f.type === 'error') as never);

/** The custom error a failed call reverted with (decoded from the revert data, whoever sent it). */
export async function revertName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { revert?: { name: string }; data?: string; info?: { error?: { data?: string } }; shortMessage?: string };
    if (e.revert?.name) return e.revert.name;
    const data = e.data ?? e.info?.error?.data;
    if (data) return errors.parseError(data)?.name ?? `unknown error ${data.slice(0, 10)}`;
    return e.shortMessage ?? String(err);
  }
  throw new Error('expected a revert');
}
