// bench/gas: the gas of every platform transaction, measured on a real EVM (anvil), each printed beside
// its public anchor and target with the ratio.
//
// Claims carry a proof from a real 100,000-leaf OpenZeppelin StandardMerkleTree (depth 17, as the
// anchors' 100k-leaf trees), built here by a byte-level builder that produces the identical tree
// (checked at start against @openzeppelin/merkle-tree on a smaller tree, and on chain by the claims).
//
// Usage: npm run bench -- gas     (or: node dist/bench/gas.js [--full-check] to also compare the whole
// 100k tree with @openzeppelin/merkle-tree, which takes a while)
import { keccak_256 } from '@noble/hashes/sha3.js';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Contract, ContractTransactionResponse, InterfaceAbi, JsonRpcProvider, Wallet, getAddress, hexlify, id, keccak256, parseUnits, toUtf8Bytes } from 'ethers';
import { DeviceRegistry, FanToken, MomentAttestor, RewardDistributor } from '../contracts/artifacts';
import { startAnvil } from '../libs/chain/src/anvil';
import { MomentRecord, signClaim, signRegistration } from '../libs/chain/src/contracts';
import { deployAll, Deployment } from '../libs/chain/src/deploy';
import { buildFastTree, standardLeaf } from '../libs/chain/src/merkle';
import { receiptOf } from '@fanmesh/chain';
import { target, writeResults } from './_support';

// the fast StandardMerkleTree(['address','uint256']) builder lives in libs/chain/src/merkle.ts (settlement uses it too)

function checkAgainstOpenZeppelin(entries: readonly (readonly [string, bigint])[]): void {
  const fast = buildFastTree(entries.map(([a, v]) => standardLeaf(a, v)));
  const oz = StandardMerkleTree.of(
    entries.map(([a, v]) => [a, v.toString()]),
    ['address', 'uint256'],
  );
  if (fast.root !== oz.root) throw new Error(`fast tree root ${fast.root} differs from StandardMerkleTree ${oz.root}`);
  for (let i = 0; i < entries.length; i += Math.max(1, Math.floor(entries.length / 50))) {
    if (JSON.stringify(fast.proof(i)) !== JSON.stringify(oz.getProof(i))) throw new Error(`fast tree proof ${i} differs from StandardMerkleTree`);
  }
}

// ------------------------------------------------------------------ the run

const fmt = (n: number) => n.toLocaleString('en-US');

/** Calldata gas as the EVM charges it (EIP-2028): 4 per zero byte, 16 per other byte. */
function calldataGas(data: string): number {
  let gas = 0;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === '00' ? 4 : 16;
  return gas;
}

interface Row {
  what: string;
  gas: number;
  anchor?: { label: string; gas: number };
  target?: number;
  note?: string;
}

async function main(): Promise<void> {
  const N = 100_000;
  const fullCheck = process.argv.includes('--full-check');

  // a deterministic population: N accounts with realistic 18-decimal amounts; a few are real wallets
  const filler = (i: number) => getAddress(hexlify(keccak_256(toUtf8Bytes(`fan-${i}`)).subarray(12)));
  const fans = Array.from({ length: 24 }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`bench-fan-${i}`))));
  const amountOf = (i: number, epoch: number) => parseUnits(String(1 + ((i * 7919) % 5000)), 16) * BigInt(i < fans.length ? epoch : 1); // 0.01 .. 50 FAN
  const accounts = Array.from({ length: N }, (_, i) => (i < fans.length ? fans[i].address : filler(i)));
  const entriesOf = (epoch: number) => accounts.map((a, i) => [a, amountOf(i, epoch)] as const);

  let t0 = performance.now();
  checkAgainstOpenZeppelin(entriesOf(1).slice(0, 500));
  const checkMs = performance.now() - t0;
  // Epoch 2 raises the claimants' cumulative amounts (and leaves the rest as they were), as a later
  // epoch does for the fans who earned something: the claimants' leaves and every inner node change.
  t0 = performance.now();
  const leaves1 = entriesOf(1).map(([a, v]) => standardLeaf(a, v));
  const tree1 = buildFastTree(leaves1);
  const firstMs = performance.now() - t0;
  const leaves2 = leaves1.slice();
  for (let i = 0; i < fans.length; i++) leaves2[i] = standardLeaf(accounts[i], amountOf(i, 2));
  const tree2 = buildFastTree(leaves2);
  console.log(
    `trees: ${fmt(N)} leaves, built in ${fmt(Math.round(firstMs))} ms (byte-level builder; identical to @openzeppelin/merkle-tree on a 500-leaf check, ${fmt(Math.round(checkMs))} ms)`,
  );
  if (fullCheck) {
    t0 = performance.now();
    checkAgainstOpenZeppelin(entriesOf(1));
    console.log(`full check: the ${fmt(N)}-leaf tree equals @openzeppelin/merkle-tree's (${fmt(Math.round(performance.now() - t0))} ms for theirs)`);
  }
  // claimants whose proofs have the full depth, 17, in both epochs
  const deep = fans.map((_, i) => i).filter((i) => tree1.proof(i).length === 17 && tree2.proof(i).length === 17);
  if (deep.length < 2) throw new Error('not enough depth-17 claimants; change the population');
  const [a, b] = deep;

  const anvil = await startAnvil();
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 10, cacheTimeout: -1, batchMaxCount: 1 });
  const operator = new Wallet(anvil.privateKeys[0], provider);
  const relayer = new Wallet(anvil.privateKeys[1], provider);
  const rows: Row[] = [];
  const gasOf = async (p: Promise<unknown>): Promise<number> => {
    const receipt = await receiptOf(await (p as Promise<ContractTransactionResponse>));
    if (receipt.status !== 1) throw new Error('transaction failed');
    return Number(receipt.gasUsed);
  };
  try {
    const deployGas: Record<string, number> = {};
    const d: Deployment = await deployAll(operator, { fund: 0n, onReceipt: (label, r) => (deployGas[label] = Number(r.gasUsed)) });
    for (const name of ['FanToken', 'RewardDistributor', 'MomentAttestor', 'DeviceRegistry']) rows.push({ what: `deploy ${name}`, gas: deployGas[`deploy ${name}`] });
    const at = (address: string, art: { abi: unknown }, runner = operator) => new Contract(address, art.abi as InterfaceAbi, runner);
    const token = at(d.FanToken, FanToken);
    const distributor = at(d.RewardDistributor, RewardDistributor);
    const attestor = at(d.MomentAttestor, MomentAttestor);
    const registry = at(d.DeviceRegistry, DeviceRegistry);
    const { chainId } = await provider.getNetwork();

    const total = (epoch: number) => entriesOf(epoch).reduce((s, [, v]) => s + v, 0n);
    await gasOf(distributor.fund(total(2)));
    rows.push({ what: 'publish root (epoch 1)', gas: await gasOf(distributor.publishRoot(1, tree1.root, total(1), id('epoch file 1'))) });
    rows.push({
      what: 'first claim (17-hash proof)',
      gas: await gasOf(distributor.claim(fans[a].address, amountOf(a, 1), tree1.proof(a))),
      anchor: { label: '1inch CumulativeMerkleDrop', gas: 92_832 },
      target: 75_000,
    });
    rows.push({ what: '  same, vs Uniswap MerkleDistributor', gas: rows[rows.length - 1].gas, anchor: { label: 'Uniswap MerkleDistributor', gas: 94_054 }, target: 75_000 });
    await gasOf(distributor.publishRoot(2, tree2.root, total(2), id('epoch file 2')));
    const repeatTx: ContractTransactionResponse = await distributor.claim(fans[a].address, amountOf(a, 2), tree2.proof(a));
    rows.push({ what: 'repeat claim (next epoch)', gas: await gasOf(Promise.resolve(repeatTx)), anchor: { label: '1inch CumulativeMerkleDrop', gas: 58_867 }, target: 50_000 });
    const repeatCalldata = calldataGas(repeatTx.data);
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const sig = await signClaim(fans[b], chainId, d.RewardDistributor, { account: fans[b].address, cumulativeAmount: amountOf(b, 2), recipient: fans[b].address, deadline });
    rows.push({
      what: 'relayed first claim (claimFor)',
      gas: await gasOf((distributor.connect(relayer) as Contract).claimFor(fans[b].address, amountOf(b, 2), fans[b].address, deadline, sig, tree2.proof(b))),
      note: 'relayer pays; + EIP-712 signature check',
    });
    if ((await token.balanceOf(fans[a].address)) !== amountOf(a, 2)) throw new Error('claims did not pay the expected amount');

    const moment = (n: number): MomentRecord => ({
      momentId: keccak256(toUtf8Bytes(`moment-${n}`)),
      eventId: keccak256(toUtf8Bytes('match-1')),
      kind: 1 + (n % 5),
      timestamp: 1_790_000_000 + n * 60,
      attendance: 58_000 + n,
      evidenceRoot: keccak256(toUtf8Bytes(`evidence-${n}`)),
    });
    rows.push({ what: 'attest 1 moment', gas: await gasOf(attestor.attest(moment(0))), anchor: { label: 'EAS attest', gas: 271_869 } });
    const batch = await gasOf(attestor.attestBatch(Array.from({ length: 10 }, (_, i) => moment(i + 1))));
    rows.push({ what: 'attestBatch of 10, per moment', gas: Math.round(batch / 10), anchor: { label: 'EAS multiAttest, each', gas: 236_688 }, target: 30_000 });

    const device = Wallet.createRandom();
    const owner = Wallet.createRandom();
    const registration = { device: device.address, owner: owner.address, venueId: keccak256(toUtf8Bytes('venue-1')), deadline };
    const [deviceSig, ownerSig] = await Promise.all([
      signRegistration(device, chainId, d.DeviceRegistry, registration),
      signRegistration(owner, chainId, d.DeviceRegistry, registration),
    ]);
    rows.push({ what: 'register device (2 signatures)', gas: await gasOf(registry.register(device.address, owner.address, registration.venueId, deadline, deviceSig, ownerSig)) });

    const hardfork = String(((await provider.send('anvil_nodeInfo', []).catch(() => ({}))) as { hardFork?: string }).hardFork ?? 'anvil default').toLowerCase();
    console.log(`\ngas on anvil (${hardfork}; contracts compiled for shanghai), ${fmt(N)}-leaf reward trees, proofs of depth 17\n`);
    const header = ['transaction', 'gas', 'anchor', 'anchor gas', 'ratio', 'target', ''];
    const table = rows.map((r) => [
      r.what,
      fmt(r.gas),
      r.anchor?.label ?? r.note ?? '',
      r.anchor ? fmt(r.anchor.gas) : '',
      r.anchor ? `${(r.gas / r.anchor.gas).toFixed(2)}x` : '',
      r.target ? `<= ${fmt(r.target)}` : '',
      r.target ? (r.gas <= r.target ? 'met' : 'MISSED') : '',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of table) console.log(line(row));
    const repeat = rows.find((r) => r.what.startsWith('repeat claim'))!;
    const exec = repeat.gas - 21_000 - repeatCalldata;
    const fixed = 6_300 + 5_800 + 3_137 + 2_600;
    console.log(
      [
        '',
        `where the repeat claim's gas goes: 21,000 transaction + ${fmt(repeatCalldata)} calldata (the 17-hash proof ~8,700) + ${fmt(exec)} execution;`,
        `  execution = 3 cold storage reads (root; holder word; supply word) 6,300 + 2 writes 5,800 + Transfer and Claimed logs 3,137`,
        `  + the distributor -> token call 2,600 = ${fmt(fixed)} that no code can avoid in this design, and ${fmt(exec - fixed)} for 17 levels of hashing, dispatch and ABI.`,
        `  So two contracts start at ${fmt(21_000 + repeatCalldata + fixed)} before hashing anything: <= 50,000 would take merging the distributor`,
        `  into the token and dropping the Claimed log (see the contracts' notes).`,
      ].join('\n'),
    );
    const missed = rows.filter((r) => r.target && r.gas > r.target);
    console.log(missed.length ? `\ntargets missed: ${missed.map((r) => r.what).join(', ')}` : '\nall targets met');
    writeResults(
      'gas',
      { hardfork, leaves: N, rows },
      rows.filter((r) => r.target).map((r) => target(`${r.what.trim()} (gas)`, r.gas, '<=', r.target!)),
    );
  } finally {
    provider.destroy();
    await anvil.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
