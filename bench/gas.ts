// bench/gas: gas of each platform transaction on a real EVM (anvil), printed beside public anchors.
// Claims use a proof from a real 100,000-leaf tree (depth 17), as the anchors do.
// Usage: npm run bench -- gas
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Contract, ContractFactory, JsonRpcProvider, keccak256, toUtf8Bytes, Wallet } from 'ethers';
import { DeviceRegistry, FanToken, MomentAttestor, RewardDistributor } from '../contracts/artifacts';
import { anvilDevKey, startAnvil } from '../libs/chain/src/anvil';
import { deployAll } from '../libs/chain/src/deploy';
import { fmt } from './_support';

async function gasOf(p: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<number> {
  return Number((await (await p).wait())!.gasUsed);
}

async function main() {
  const anvil = await startAnvil();
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const operator = new Wallet(anvilDevKey(0), provider);
  const relayer = new Wallet(anvilDevKey(1), provider);
  try {
    const rows: [string, number, string, string][] = [];
    const deployGas: Record<string, number> = {};
    for (const [name, art, args] of [
      ['FanToken', FanToken, ['FanMesh Fan Token', 'FAN', 10n ** 27n, operator.address]],
      ['MomentAttestor', MomentAttestor, [operator.address, operator.address]],
      ['DeviceRegistry', DeviceRegistry, [operator.address, operator.address]],
    ] as const) {
      const c = await new ContractFactory(art.abi as never, art.bytecode, operator).deploy(...(args as unknown as unknown[]));
      deployGas[name] = Number((await c.deploymentTransaction()!.wait())!.gasUsed);
    }
    const d = await deployAll(operator);
    const distributorDeploy = Number((await provider.getTransactionReceipt((await provider.getBlock(await provider.getBlockNumber() - 3))!.transactions[0]))!.gasUsed);
    const token = new Contract(d.FanToken, FanToken.abi as never, operator);
    const distributor = new Contract(d.RewardDistributor, RewardDistributor.abi as never, operator);
    const attestor = new Contract(d.MomentAttestor, MomentAttestor.abi as never, operator);
    const registry = new Contract(d.DeviceRegistry, DeviceRegistry.abi as never, operator);
    for (const [name, gas] of Object.entries(deployGas)) rows.push([`deploy ${name}`, gas, '', '']);
    rows.push(['deploy RewardDistributor', distributorDeploy, '', '']);

    // A real 100,000-leaf tree: the claimants are the first few leaves, the rest random accounts.
    process.stdout.write('building a 100,000-leaf tree with @openzeppelin/merkle-tree… ');
    const t0 = performance.now();
    const fans = Array.from({ length: 3 }, () => Wallet.createRandom());
    const N = 100_000;
    const leaves: [string, string][] = fans.map((f) => [f.address, '1000']);
    for (let i = leaves.length; i < N; i++) leaves.push([`0x${(i + 1).toString(16).padStart(40, '0')}`, String(1 + (i % 997))]);
    const build = (amountOf: (i: number) => string) => StandardMerkleTree.of(leaves.map(([a], i) => [a, amountOf(i)]), ['address', 'uint256']);
    const tree1 = build((i) => leaves[i][1]);
    console.log(`${fmt((performance.now() - t0) / 1000, 1)} s`);
    const total1 = leaves.reduce((n, [, v]) => n + BigInt(v), 0n);
    await (await distributor.fund(total1 * 3n)).wait();
    rows.push(['publish root', await gasOf(distributor.publishRoot(1, tree1.root, total1)), '', '']);
    const proof = (t: StandardMerkleTree<string[]>, i: number) => t.getProof(i);
    const first = await gasOf(distributor.claim(fans[0].address, 1000n, proof(tree1, 0)));
    rows.push(['first claim (mints to a new holder)', first, '1inch 92,832; Uniswap 94,054', '<= 75,000']);
    // the repeat claim: a later epoch raises the fan's cumulative amount
    process.stdout.write('second epoch tree… ');
    const tree2 = build((i) => String(BigInt(leaves[i][1]) * 2n));
    console.log('done');
    await (await distributor.publishRoot(2, tree2.root, total1 * 2n)).wait();
    const repeat = await gasOf(distributor.claim(fans[0].address, 2000n, proof(tree2, 0)));
    rows.push(['repeat claim (later epoch)', repeat, '1inch 58,867', '<= 50,000']);
    // relayed claim for fans[1] with its EIP-712 signature
    const { chainId } = await provider.getNetwork();
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const sig = await fans[1].signTypedData(
      { name: 'FanMesh RewardDistributor', version: '1', chainId, verifyingContract: d.RewardDistributor },
      { Claim: [{ name: 'account', type: 'address' }, { name: 'cumulativeAmount', type: 'uint256' }, { name: 'recipient', type: 'address' }, { name: 'deadline', type: 'uint256' }] },
      { account: fans[1].address, cumulativeAmount: 2000n, recipient: fans[1].address, deadline },
    );
    rows.push(['relayed claim (claimFor, first)', await gasOf((distributor.connect(relayer) as Contract).claimFor(fans[1].address, 2000n, fans[1].address, deadline, sig, proof(tree2, 1))), '', '']);

    const moment = (n: number) => ({ momentId: keccak256(toUtf8Bytes(`m${n}`)), eventId: keccak256(toUtf8Bytes('e')), kind: 1, timestamp: 1_790_000_000 + n, attendance: 58_000 + n, evidenceRoot: keccak256(toUtf8Bytes(`ev${n}`)) });
    const one = await gasOf(attestor.attest(moment(0)));
    rows.push(['attest 1 moment', one, 'EAS attest 271,869', '']);
    const batch = await gasOf(attestor.attestBatch(Array.from({ length: 10 }, (_, i) => moment(i + 1))));
    rows.push(['attestBatch 10, per moment', Math.round(batch / 10), 'EAS multiAttest 236,688 each', '<= 30,000']);

    const device = Wallet.createRandom();
    const owner = Wallet.createRandom();
    const venueId = keccak256(toUtf8Bytes('venue'));
    const domain = { name: 'FanMesh DeviceRegistry', version: '1', chainId, verifyingContract: d.DeviceRegistry };
    const fields = [{ name: 'device', type: 'address' }, { name: 'owner', type: 'address' }, { name: 'venueId', type: 'bytes32' }];
    const value = { device: device.address, owner: owner.address, venueId };
    rows.push(['register device (both signatures checked)', await gasOf(registry.register(device.address, owner.address, venueId, await device.signTypedData(domain, { DeviceClaim: fields }, value), await owner.signTypedData(domain, { OwnerClaim: fields }, value))), '', '']);
    void token;

    console.log('\ntransaction                                   gas       anchor                           target     ratio to anchor');
    const anchors: Record<string, number> = { 'first claim (mints to a new holder)': 92_832, 'repeat claim (later epoch)': 58_867, 'attest 1 moment': 271_869, 'attestBatch 10, per moment': 236_688 };
    const targets: Record<string, number> = { 'first claim (mints to a new holder)': 75_000, 'repeat claim (later epoch)': 50_000, 'attestBatch 10, per moment': 30_000 };
    for (const [name, gas, anchor, target] of rows) {
      const ratio = anchors[name] ? `${(gas / anchors[name]).toFixed(2)}x` : '';
      const verdict = targets[name] ? (gas <= targets[name] ? ' met' : ' MISSED') : '';
      console.log(`${name.padEnd(44)} ${fmt(gas).padStart(9)}   ${anchor.padEnd(32)} ${(target + verdict).padEnd(16)} ${ratio}`);
    }
  } finally {
    provider.destroy();
    await anvil.stop();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
