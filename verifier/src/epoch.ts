import { readFile } from 'node:fs/promises';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Interface, keccak256 } from 'ethers';
import { EPOCH_FILE_FORMAT, type EpochFile } from '@fanmesh/protocol';
import { ChainReader, type Addresses } from './chain';
import { PublicApi } from './http';
import { Printer, Report, VerifyError } from './report';

/**
 * `verify epoch <n>`: the epoch's public file against the chain, from public data alone.
 *  1. the file's keccak256 equals the fileHash RewardDistributor logged in RootPublished(n, …);
 *  2. the file says what it is (format, epoch, leaf encoding, count);
 *  3. its leaves are well formed, unique and in order;
 *  4. the StandardMerkleTree of its (account, cumulative) leaves has the root on chain;
 *  5. its amounts add up to the total on chain;
 *  6. each leaf's per-kind breakdown adds up to the leaf;
 *  7. against the previous epoch on chain (whose file is checked by its own hash first): it names that
 *     epoch, and no account's cumulative amount went down (or vanished).
 */
export interface EpochOptions {
  rpc: string;
  /** the API's origin (e.g. http://localhost:3000); needed unless every file and address is given */
  api?: string;
  epochId: string;
  /** check this local copy instead of downloading the file */
  file?: string;
  /** the previous epoch's file, likewise */
  previousFile?: string;
  addresses?: Addresses;
  fromBlock?: number;
  print?: Printer;
}

/** RewardDistributor's logs, as its ABI declares them (written out here: the verifier shares no code with the server). */
const DISTRIBUTOR = new Interface([
  'event RootPublished(uint64 indexed epochId, bytes32 root, uint256 total, bytes32 fileHash)',
  'event EpochPublished(uint64 indexed epochId, bytes32 root, uint256 total)',
]);
const ROOT_PUBLISHED = DISTRIBUTOR.getEvent('RootPublished')!.topicHash;
const EPOCH_PUBLISHED = DISTRIBUTOR.getEvent('EpochPublished')!.topicHash;

/** What the chain holds about one epoch. */
interface Commitment {
  epochId: bigint;
  root: string;
  total: bigint;
  /** null for an epoch published before file hashes (EpochPublished only) */
  fileHash: string | null;
  txHash: string;
  block: number;
}

const ADDRESS = /^0x[0-9a-f]{40}$/;
const AMOUNT = /^(0|[1-9][0-9]*)$/;

export async function verifyEpoch(o: EpochOptions): Promise<Report> {
  const n = parseEpochId(o.epochId);
  const report = new Report(`epoch ${n}`, o.print);
  const api = o.api ? new PublicApi(o.api) : undefined;
  const chain = await new ChainReader({ rpc: o.rpc, api, addresses: o.addresses, fromBlock: o.fromBlock }).connect();
  try {
    const distributor = chain.address('RewardDistributor');
    o.print?.(`epoch ${n} on chain ${chain.chainId}, RewardDistributor ${distributor}${chain.source ? ` (address from ${chain.source})` : ''}`);
    const commitments = await readCommitments(chain, distributor);
    const commit = commitments.get(n);
    if (!commit) {
      report.fail('on chain', `RewardDistributor ${distributor} has published no root for epoch ${n}`);
      return report.end();
    }
    report.pass('on chain', `root ${commit.root}, total ${commit.total}, published in tx ${commit.txHash} (block ${commit.block})`);

    const bytes = await loadFile(api, n, o.file);
    const file = checkFile(report, n, bytes, commit);
    if (!file) return report.end();
    const current = new Map(file.leaves.map((l) => [l.account, BigInt(l.cumulative)]));

    // the previous epoch on chain: cumulative amounts may only grow from it
    const earlier = [...commitments.keys()].filter((id) => id < n).sort((a, b) => (a < b ? 1 : -1));
    const prevId = earlier[0];
    if (prevId === undefined) {
      report.check(
        'previous epoch',
        file.previousEpochId === null,
        `epoch ${n} is the first on chain and its file names no earlier one`,
        `the file names epoch ${file.previousEpochId} as the previous one, but the chain has no epoch before ${n}`,
      );
      return report.end();
    }
    report.check(
      'previous epoch',
      file.previousEpochId === prevId.toString(),
      `the file builds on epoch ${prevId}, the chain's previous epoch`,
      `the file names ${file.previousEpochId === null ? 'no previous epoch' : `epoch ${file.previousEpochId}`} as the previous one; the chain's is epoch ${prevId}`,
    );
    const prevCommit = commitments.get(prevId)!;
    const prevBytes = await loadFile(api, prevId, o.previousFile);
    const prev = parseFile(prevBytes);
    const prevHash = keccak256(prevBytes);
    const prevOk = prev
      ? prevCommit.fileHash
        ? prevHash === prevCommit.fileHash
        : treeRoot(prev) === prevCommit.root // published before file hashes: its root is the commitment
      : false;
    if (!prevOk || !prev) {
      report.fail('never decreasing', `the previous epoch's file (epoch ${prevId}) does not match what the chain committed for it, so it cannot be compared`);
      return report.end();
    }
    const dropped: string[] = [];
    for (const l of prev.leaves) {
      const now = current.get(l.account) ?? 0n;
      if (now < BigInt(l.cumulative)) dropped.push(`${l.account} fell from ${l.cumulative} to ${now}${current.has(l.account) ? '' : ' (its leaf is gone)'}`);
    }
    report.check(
      'never decreasing',
      dropped.length === 0,
      `all ${prev.leaves.length} accounts of epoch ${prevId} have at least as much in epoch ${n}`,
      `${dropped.length} account(s) went down since epoch ${prevId}: ${dropped.slice(0, 3).join('; ')}${dropped.length > 3 ? '; …' : ''}`,
    );
    return report.end();
  } finally {
    chain.destroy();
  }
}

/** Checks 1–6 on the file's bytes; the parsed file when it could be read at all. */
function checkFile(report: Report, n: bigint, bytes: Uint8Array, commit: Commitment): EpochFile | undefined {
  const hash = keccak256(bytes);
  if (commit.fileHash === null) report.skip('file hash', `epoch ${n} was published before file hashes were committed on chain; the root below still binds the leaves`);
  else
    report.check(
      'file hash',
      hash === commit.fileHash,
      `keccak256 of the ${bytes.length} bytes is ${hash}, as committed on chain`,
      `keccak256 of the file is ${hash}; the chain committed ${commit.fileHash}`,
    );

  const file = parseFile(bytes);
  if (!file) {
    report.fail('file format', 'the file is not JSON with a leaves array');
    return undefined;
  }
  const header: string[] = [];
  if (file.format !== EPOCH_FILE_FORMAT) header.push(`format is ${JSON.stringify(file.format)}, expected ${EPOCH_FILE_FORMAT}`);
  if (file.epochId !== n.toString()) header.push(`it is the file of epoch ${file.epochId}`);
  if (JSON.stringify(file.leafEncoding) !== JSON.stringify(['address', 'uint256'])) header.push(`leaf encoding ${JSON.stringify(file.leafEncoding)}`);
  if (file.accounts !== file.leaves.length) header.push(`it says ${file.accounts} accounts and lists ${file.leaves.length}`);
  report.check('file format', header.length === 0, `${EPOCH_FILE_FORMAT}, epoch ${n}, ${file.leaves.length} leaves`, header.join('; '));

  const bad: string[] = [];
  file.leaves.forEach((l, i) => {
    if (typeof l.account !== 'string' || !ADDRESS.test(l.account)) bad.push(`leaf ${i}: account ${JSON.stringify(l.account)} is not a lower-case address`);
    else if (i > 0 && !(file.leaves[i - 1].account < l.account)) bad.push(`leaf ${i}: ${l.account} is not after ${file.leaves[i - 1].account} (order, or a duplicate)`);
    if (typeof l.cumulative !== 'string' || !AMOUNT.test(l.cumulative) || l.cumulative === '0')
      bad.push(`leaf ${i}: amount ${JSON.stringify(l.cumulative)} is not a positive decimal`);
  });
  if (!report.check('leaves', bad.length === 0, `${file.leaves.length} distinct accounts in order, every amount a positive decimal`, bad.slice(0, 3).join('; '))) return file;

  const root = treeRoot(file);
  report.check(
    'merkle root',
    root === commit.root && file.root === commit.root,
    `the StandardMerkleTree of the ${file.leaves.length} leaves has root ${root}, the root on chain`,
    root !== commit.root ? `the leaves rebuild root ${root}; the chain has ${commit.root}` : `the leaves rebuild the chain's root, but the file states root ${file.root}`,
  );
  const total = file.leaves.reduce((s, l) => s + BigInt(l.cumulative), 0n);
  report.check(
    'total',
    total === commit.total && file.total === commit.total.toString(),
    `the leaves add up to ${total}, the total on chain`,
    total !== commit.total ? `the leaves add up to ${total}; the chain's total is ${commit.total}` : `the leaves add up to the chain's total, but the file states ${file.total}`,
  );
  const off: string[] = [];
  for (const l of file.leaves) {
    const kinds = l.byKind && typeof l.byKind === 'object' ? Object.entries(l.byKind) : [];
    const sum = kinds.reduce((s, [, v]) => s + (AMOUNT.test(String(v)) ? BigInt(v) : 0n), 0n);
    if (sum !== BigInt(l.cumulative) || kinds.some(([, v]) => !AMOUNT.test(String(v)))) off.push(`${l.account}: kinds add up to ${sum}, the leaf says ${l.cumulative}`);
  }
  report.check(
    'breakdown',
    off.length === 0,
    `every leaf's amounts by kind add up to the leaf`,
    `${off.length} leaf/leaves disagree with their breakdown: ${off.slice(0, 3).join('; ')}${off.length > 3 ? '; …' : ''}`,
  );
  return file;
}

/** The root of OpenZeppelin's StandardMerkleTree over the file's (account, cumulative) leaves. */
function treeRoot(file: EpochFile): string {
  if (!file.leaves.length) return '0x' + '00'.repeat(32);
  return StandardMerkleTree.of(
    file.leaves.map((l) => [l.account, l.cumulative]),
    ['address', 'uint256'],
  ).root;
}

function parseFile(bytes: Uint8Array): EpochFile | undefined {
  try {
    const f = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as EpochFile;
    return f && typeof f === 'object' && Array.isArray(f.leaves) ? f : undefined;
  } catch {
    return undefined;
  }
}

/** Every epoch RewardDistributor published, from its logs (RootPublished, and EpochPublished for epochs published before it). */
async function readCommitments(chain: ChainReader, distributor: string): Promise<Map<bigint, Commitment>> {
  const out = new Map<bigint, Commitment>();
  for (const log of await chain.logs(distributor, [[ROOT_PUBLISHED, EPOCH_PUBLISHED]])) {
    const parsed = DISTRIBUTOR.parseLog(log)!;
    const epochId = parsed.args.epochId as bigint;
    const withFile = parsed.name === 'RootPublished';
    if (out.get(epochId)?.fileHash && !withFile) continue; // the same publish's EpochPublished adds nothing
    out.set(epochId, {
      epochId,
      root: parsed.args.root as string,
      total: parsed.args.total as bigint,
      fileHash: withFile ? (parsed.args.fileHash as string) : null,
      txHash: log.transactionHash,
      block: log.blockNumber,
    });
  }
  return out;
}

async function loadFile(api: PublicApi | undefined, epochId: bigint, path?: string): Promise<Uint8Array> {
  if (path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (err) {
      throw new VerifyError(`cannot read ${path}: ${(err as Error).message}`);
    }
  }
  if (!api) throw new VerifyError(`epoch ${epochId}'s file: give --api (to download it) or a local copy`);
  return api.bytes(`/epochs/${epochId}/file.json`);
}

function parseEpochId(s: string): bigint {
  if (!/^[1-9][0-9]{0,17}$/.test(s)) throw new VerifyError(`epoch id must be a positive integer, not ${JSON.stringify(s)}`);
  return BigInt(s);
}
