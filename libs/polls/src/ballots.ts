import { AbiCoder, keccak256, TypedDataField } from 'ethers';
import { hashPair } from '@fanmesh/chain';
import { pollKey, type PollEligibility, type PollWeighting } from '@fanmesh/protocol';

/**
 * Everything needed to check a poll's result from the outside, with no access to our database: the
 * ballot's EIP-712 type, the Merkle leaf of a counted ballot, the ballots root and the tally hash,
 * exactly as PollAttestor receives them. A recount takes the published ballots, checks each
 * signature in the attestor's domain, re-derives each weight from FanToken's Transfer logs up to the
 * snapshot block, and recomputes these two hashes. The ballot's EIP-712 type and domain, and pollKey
 * (the poll's id as ballots carry it), are the wire contract's: BALLOT_TYPES, ballotDomain and pollKey
 * in @fanmesh/protocol.
 */

export type Weighting = PollWeighting;
export type Eligibility = PollEligibility;

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

/** Token-holder eligibility and token weighting need the chain (the FanToken snapshot). */
export const needsChain = (p: { eligibility: Eligibility; weighting: Weighting }): boolean => p.eligibility !== 'checked_in' || p.weighting === 'token_balance';
