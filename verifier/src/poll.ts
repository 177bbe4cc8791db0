import { readFile } from 'node:fs/promises';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { AbiCoder, Contract, getAddress, id, Interface, keccak256, verifyTypedData } from 'ethers';
import { BALLOT_TYPES, ballotDomain, pollKey, type PollView } from '@fanmesh/protocol';
import { ChainReader, type Addresses } from './chain';
import { PublicApi } from './http';
import { Printer, Report, VerifyError } from './report';

/**
 * `verify poll <id>`: recounts a closed poll from its published ballots and compares with the tally
 * attested on chain (docs/polls.md "Recount"):
 *  1. the poll is closed and its result attested on chain (PollAttested, and PollAttestor.verify);
 *  2. every ballot is signed by its voter, in the attestor's EIP-712 domain on this chain, for this poll;
 *  3. one ballot per voter, each for an existing option;
 *  4. the snapshot block is the chain's (same hash), and each weight is the voter's FanToken balance
 *     there, rebuilt from Transfer logs (token weighting), or 1 (one per fan); holders held tokens;
 *  5. the recount per option equals the totals the API shows;
 *  6. the recomputed tally hash and ballots root are the ones attested on chain.
 * Whether a voter was checked in is not public (admissions are personal data): said as a SKIP.
 */
export interface PollOptions {
  rpc: string;
  api: string;
  pollId: string;
  /** recount this local copy of GET /polls/:id/ballots instead of downloading it */
  ballots?: string;
  addresses?: Addresses;
  fromBlock?: number;
  print?: Printer;
}

interface PublishedBallot {
  voter: string;
  option: number;
  issuedAt: number;
  weight: string;
  signature: string;
}

interface BallotsBody {
  pollId: string;
  key: string;
  weighting: string;
  snapshot: { block: number; blockHash: string | null } | null;
  ballots: PublishedBallot[];
}

const ATTESTOR = new Interface([
  'event PollAttested(bytes32 indexed pollId, bytes32 tallyHash, bytes32 ballotsRoot)',
  'function verify(bytes32 pollId, bytes32 tallyHash, bytes32 ballotsRoot) view returns (bool)',
]);
const TRANSFER = id('Transfer(address,address,uint256)');
const ZERO_ADDRESS = '0x' + '00'.repeat(20);
const ZERO_HASH = '0x' + '00'.repeat(32);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function verifyPoll(o: PollOptions): Promise<Report> {
  if (!UUID.test(o.pollId)) throw new VerifyError(`poll id must be a UUID, not ${JSON.stringify(o.pollId)}`);
  const report = new Report(`poll ${o.pollId}`, o.print);
  const api = new PublicApi(o.api);
  const chain = await new ChainReader({ rpc: o.rpc, api, addresses: o.addresses, fromBlock: o.fromBlock }).connect();
  try {
    const attestorAddress = chain.address('PollAttestor');
    o.print?.(`poll ${o.pollId} on chain ${chain.chainId}, PollAttestor ${attestorAddress}${chain.source ? ` (addresses from ${chain.source})` : ''}`);
    const poll = await api.json<PollView>(`/polls/${o.pollId}`);
    const body = o.ballots ? await readBallots(o.ballots) : await api.json<BallotsBody>(`/polls/${o.pollId}/ballots`);
    const key = pollKey(o.pollId);
    const ballots = body.ballots;

    // 1. closed and attested
    const attested = await chain.logs(attestorAddress, [ATTESTOR.getEvent('PollAttested')!.topicHash, key]);
    if (poll.status !== 'closed' || !poll.result) {
      report.fail('closed', `the poll is ${poll.status}; only a closed poll has a tally to check`);
      return report.end();
    }
    const onChain = attested.length ? ATTESTOR.parseLog(attested[0])! : undefined;
    if (!onChain) {
      report.fail('attested', `PollAttestor ${attestorAddress} has no PollAttested for poll key ${key}`);
      return report.end();
    }
    report.pass('attested', `tally hash ${onChain.args.tallyHash}, ballots root ${onChain.args.ballotsRoot} in tx ${attested[0].transactionHash}`);

    // 2. signatures, in a domain the verifier builds itself from the chain and the attestor
    const domain = ballotDomain(chain.chainId, attestorAddress);
    const unsigned: string[] = [];
    for (const b of ballots) {
      let signer = '';
      try {
        signer = verifyTypedData(domain, BALLOT_TYPES, { pollId: key, option: b.option, issuedAt: b.issuedAt }, b.signature);
      } catch {
        signer = '(unreadable signature)';
      }
      if (signer.toLowerCase() !== String(b.voter).toLowerCase()) unsigned.push(`${b.voter}'s ballot for option ${b.option} is signed by ${signer}`);
    }
    report.check(
      'signatures',
      unsigned.length === 0,
      `all ${ballots.length} ballots are signed by their voters for poll key ${key} in 'FanMesh Polls' at ${attestorAddress} on chain ${chain.chainId}`,
      `${unsigned.length} ballot(s) not signed by their voter: ${unsigned.slice(0, 3).join('; ')}`,
    );

    // 3. one per voter, each for an option
    const seen = new Set<string>();
    const odd: string[] = [];
    for (const b of ballots) {
      const v = String(b.voter).toLowerCase();
      if (seen.has(v)) odd.push(`${v} has more than one counted ballot`);
      seen.add(v);
      if (!Number.isInteger(b.option) || b.option < 0 || b.option >= poll.options.length) odd.push(`${v} voted for option ${b.option}, which the poll does not have`);
    }
    report.check('ballots', odd.length === 0, `${ballots.length} voters, one ballot each, each for one of the ${poll.options.length} options`, odd.slice(0, 3).join('; '));

    // 4. snapshot and weights
    const snapshotBlock = poll.snapshot?.block ?? null;
    await checkWeights(report, chain, poll, ballots, snapshotBlock);

    // 5. the recount against the totals shown
    const totals = poll.options.map(() => 0n);
    const counts = poll.options.map(() => 0);
    for (const b of ballots) {
      if (b.option < 0 || b.option >= totals.length) continue;
      totals[b.option] += BigInt(b.weight);
      counts[b.option]++;
    }
    const shown = poll.options.map((opt) => `${opt.total}/${opt.ballots}`).join(', ');
    const recounted = totals.map((t, i) => `${t}/${counts[i]}`).join(', ');
    report.check(
      'recount',
      shown === recounted,
      `per option (weight/ballots): ${recounted}, as the API shows`,
      `the ballots recount to ${recounted} (weight/ballots per option); the API shows ${shown}`,
    );

    // 6. the two hashes against the chain
    const tallyHash = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ['tuple(bytes32 pollId, uint64 snapshotBlock, uint256[] totals, uint256[] ballots)'],
        [{ pollId: key, snapshotBlock: snapshotBlock ?? 0, totals, ballots: counts }],
      ),
    );
    let root: string;
    try {
      root = ballotsRoot(ballots);
    } catch (err) {
      root = `(none: a ballot cannot be hashed: ${(err as Error).message})`;
    }
    report.check(
      'tally hash',
      tallyHash === onChain.args.tallyHash,
      `the recount hashes to ${tallyHash}, the attested tally hash`,
      `the recount hashes to ${tallyHash}; the chain attested ${onChain.args.tallyHash}`,
    );
    report.check(
      'ballots root',
      root === onChain.args.ballotsRoot,
      `the ballots' Merkle root is ${root}, as attested`,
      `the ballots' Merkle root is ${root}; the chain attested ${onChain.args.ballotsRoot}`,
    );
    const attestor = new Contract(attestorAddress, ATTESTOR, chain.provider);
    const verified = root.startsWith('0x') && ((await attestor.verify(key, tallyHash, root)) as boolean);
    report.check('PollAttestor.verify', verified, 'the contract confirms the recount', 'PollAttestor.verify(key, tallyHash, ballotsRoot) answers false for the recount');
    return report.end();
  } finally {
    chain.destroy();
  }
}

async function checkWeights(report: Report, chain: ChainReader, poll: PollView, ballots: PublishedBallot[], snapshotBlock: number | null): Promise<void> {
  const needsTokens = poll.weighting === 'token_balance' || poll.eligibility !== 'checked_in';
  if (needsTokens) {
    if (snapshotBlock === null) {
      report.fail('snapshot', `the poll is weighted or restricted by FanToken balance but names no snapshot block`);
      return;
    }
    const block = await chain.provider.getBlock(snapshotBlock);
    report.check(
      'snapshot',
      !!block && block.hash === poll.snapshot?.blockHash,
      `block ${snapshotBlock} has hash ${block?.hash}, as the poll says`,
      `the chain's block ${snapshotBlock} has hash ${block?.hash ?? 'none'}; the poll says ${poll.snapshot?.blockHash}`,
    );
  }
  const balances = needsTokens ? await balancesAt(chain, snapshotBlock!) : new Map<string, bigint>();
  const wrong: string[] = [];
  for (const b of ballots) {
    const v = String(b.voter).toLowerCase();
    const held = balances.get(v) ?? 0n;
    const expected = poll.weighting === 'token_balance' ? held : 1n;
    if (BigInt(b.weight) !== expected) wrong.push(`${v} weighs ${b.weight}, expected ${expected}`);
    if ((poll.eligibility === 'holders' || poll.eligibility === 'both') && held === 0n) wrong.push(`${v} held no FanToken at block ${snapshotBlock}`);
  }
  report.check(
    'weights',
    wrong.length === 0,
    poll.weighting === 'token_balance'
      ? `every weight is the voter's FanToken balance at block ${snapshotBlock}, rebuilt from Transfer logs`
      : 'one vote per fan: every weight is 1',
    `${wrong.length} weight(s) wrong: ${wrong.slice(0, 3).join('; ')}`,
  );
  if (poll.eligibility === 'checked_in' || poll.eligibility === 'both')
    report.skip('checked in', 'who was admitted to the match is personal data, not published: that each voter was checked in cannot be checked from outside');
}

/** Every FanToken balance after `block`, from the token's Transfer logs (mints come from the zero address). */
async function balancesAt(chain: ChainReader, block: number): Promise<Map<string, bigint>> {
  const token = chain.address('FanToken');
  const balances = new Map<string, bigint>();
  const add = (who: string, delta: bigint) => {
    if (who !== ZERO_ADDRESS) balances.set(who, (balances.get(who) ?? 0n) + delta);
  };
  for (const log of await chain.logs(token, [TRANSFER], block)) {
    const value = BigInt(log.data);
    add(('0x' + log.topics[1].slice(26)).toLowerCase(), -value);
    add(('0x' + log.topics[2].slice(26)).toLowerCase(), value);
  }
  return balances;
}

/** OpenZeppelin StandardMerkleTree root of the ballots' leaves (voter, option, issuedAt, weight, keccak256(signature)); zero for none. */
function ballotsRoot(ballots: PublishedBallot[]): string {
  if (!ballots.length) return ZERO_HASH;
  return StandardMerkleTree.of(
    ballots.map((b) => [getAddress(b.voter), b.option, b.issuedAt, b.weight, keccak256(b.signature)]),
    ['address', 'uint8', 'uint64', 'uint256', 'bytes32'],
  ).root;
}

async function readBallots(path: string): Promise<BallotsBody> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as BallotsBody;
  } catch (err) {
    throw new VerifyError(`cannot read ballots from ${path}: ${(err as Error).message}`);
  }
}
