import { AbiCoder, keccak256, TypedDataDomain, TypedDataField } from 'ethers';
import { BALLOT_TYPES, DOMAIN_NAMES, eip712Domain, hashPair } from '@fanmesh/chain';

/**
 * Everything needed to check a poll's result from the outside, with no access to our database: the
 * ballot's EIP-712 type, the Merkle leaf of a counted ballot, the ballots root and the tally hash,
 * exactly as PollAttestor receives them. A recount takes the published ballots, checks each
 * signature in the attestor's domain, re-derives each weight from FanToken's Transfer logs up to the
 * snapshot block, and recomputes these two hashes.
 */

export { BALLOT_TYPES };

export type Weighting = 'one_per_fan' | 'token_balance';
export type Eligibility = 'holders' | 'checked_in' | 'both';

/** The poll's id as the ballot and the attestor carry it: the UUID's 16 bytes, left-aligned in a bytes32. */
export const pollKey = (uuid: string): string => '0x' + uuid.replace(/-/g, '').toLowerCase().padEnd(64, '0');

/** The domain fans sign ballots in: 'FanMesh Polls' v1 at the PollAttestor, or without a contract when the chain is off. */
export function ballotDomain(chainId: number | undefined, attestor: string | undefined): TypedDataDomain {
  return attestor && chainId ? eip712Domain(DOMAIN_NAMES.PollAttestor, chainId, attestor) : { name: DOMAIN_NAMES.PollAttestor, version: '1' };
}

export interface CountedBallot {
  voter: string;
  option: number;
  /** unix seconds */
  issuedAt: number;
  /** smallest token units for token weighting, 1 for one fan one vote */
  weight: bigint;
  signature: string;
}

const abi = AbiCoder.defaultAbiCoder();

/** Types of a ballot leaf, for OpenZeppelin's StandardMerkleTree: (voter, option, issuedAt, weight, keccak256(signature)). */
export const BALLOT_LEAF_TYPES = ['address', 'uint8', 'uint64', 'uint256', 'bytes32'] as const;

export const ballotLeafValues = (b: CountedBallot) => [b.voter, b.option, b.issuedAt, b.weight, keccak256(b.signature)] as const;

/** StandardMerkleTree leaf: keccak256(keccak256(abi.encode(voter, option, issuedAt, weight, keccak256(signature)))). */
export function ballotLeaf(b: CountedBallot): string {
  return keccak256(keccak256(abi.encode([...BALLOT_LEAF_TYPES], [...ballotLeafValues(b)])));
}

/**
 * The root of OpenZeppelin's StandardMerkleTree over the ballots' leaves (leaves sorted, the same
 * array layout, sorted-pair hashing), so `StandardMerkleTree.of(values, BALLOT_LEAF_TYPES).root`
 * equals it. Zero for no ballots.
 */
export function ballotsRoot(ballots: readonly CountedBallot[]): string {
  if (!ballots.length) return '0x' + '00'.repeat(32);
  const leaves = ballots.map(ballotLeaf).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  const n = leaves.length;
  const tree: string[] = new Array(2 * n - 1);
  for (let i = 0; i < n; i++) tree[tree.length - 1 - i] = leaves[i];
  for (let i = tree.length - 1 - n; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
  return tree[0];
}

export interface Tally {
  /** per option: the sum of the weights of the ballots for it, smallest units */
  totals: bigint[];
  /** per option: how many ballots */
  ballots: number[];
}

export function tally(options: number, ballots: readonly CountedBallot[]): Tally {
  const totals = Array.from({ length: options }, () => 0n);
  const counts = Array.from({ length: options }, () => 0);
  for (const b of ballots) {
    totals[b.option] += b.weight;
    counts[b.option]++;
  }
  return { totals, ballots: counts };
}

export const TALLY_ABI_TYPE = 'tuple(bytes32 pollId, uint64 snapshotBlock, uint256[] totals, uint256[] ballots)';

/** keccak256(abi.encode((pollId, snapshotBlock, totals, ballots))): what PollAttestor records as the tally. snapshotBlock 0 = no snapshot. */
export function tallyHash(pollId: string, snapshotBlock: number | null, t: Tally): string {
  return keccak256(abi.encode([TALLY_ABI_TYPE], [{ pollId: pollKey(pollId), snapshotBlock: snapshotBlock ?? 0, totals: t.totals, ballots: t.ballots }]));
}

export type BallotTypes = Record<string, TypedDataField[]>;
