import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { hexlify, randomBytes, Wallet } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pollKey } from '@fanmesh/protocol';
import { ballotLeaf, ballotLeafValues, ballotsRoot, BALLOT_LEAF_TYPES, CountedBallot, tally, tallyHash } from './ballots';

const ballot = (i: number, over: Partial<CountedBallot> = {}): CountedBallot => ({
  voter: Wallet.createRandom().address,
  option: i % 3,
  issuedAt: 1_790_000_000 + i,
  weight: BigInt(i + 1) * 10n ** 18n,
  signature: hexlify(randomBytes(65)),
  ...over,
});

const ozRoot = (ballots: CountedBallot[]) =>
  StandardMerkleTree.of(
    ballots.map((b) => ballotLeafValues(b).map((v) => (typeof v === 'bigint' ? v.toString() : v))),
    [...BALLOT_LEAF_TYPES],
  ).root;

describe('ballot hashes', () => {
  it("computes the same root as OpenZeppelin's StandardMerkleTree for any number of ballots", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), (n) => {
        const ballots = Array.from({ length: n }, (_, i) => ballot(i));
        expect(ballotsRoot(ballots)).toBe(ozRoot(ballots));
      }),
      { numRuns: 25 },
    );
  });

  it('uses the StandardMerkleTree leaf encoding', () => {
    const b = ballot(7);
    const tree = StandardMerkleTree.of([ballotLeafValues(b).map((v) => (typeof v === 'bigint' ? v.toString() : v))], [...BALLOT_LEAF_TYPES]);
    expect(ballotLeaf(b)).toBe(tree.leafHash(ballotLeafValues(b).map((v) => (typeof v === 'bigint' ? v.toString() : v))));
  });

  it('changes the root when any ballot changes, and is zero without ballots', () => {
    const ballots = Array.from({ length: 5 }, (_, i) => ballot(i));
    const root = ballotsRoot(ballots);
    for (const change of [{ option: 2 }, { weight: 1n }, { issuedAt: 1 }, { signature: hexlify(randomBytes(65)) }]) {
      expect(ballotsRoot([{ ...ballots[0], ...change }, ...ballots.slice(1)])).not.toBe(root);
    }
    expect(ballotsRoot([])).toBe('0x' + '00'.repeat(32));
  });

  it('tallies weights and counts per option, and the tally hash depends on both and on the snapshot', () => {
    const ballots = [ballot(0, { option: 0, weight: 5n }), ballot(1, { option: 1, weight: 7n }), ballot(2, { option: 0, weight: 1n })];
    const t = tally(3, ballots);
    expect(t).toEqual({ totals: [6n, 7n, 0n], ballots: [2, 1, 0] });
    const id = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    expect(pollKey(id)).toBe('0x7c9e6679742540de944be07fc1f90ae700000000000000000000000000000000');
    const h = tallyHash(id, 12, t);
    expect(tallyHash(id, 13, t)).not.toBe(h);
    expect(tallyHash(id, 12, { ...t, ballots: [1, 2, 0] })).not.toBe(h);
    expect(tallyHash(id, 12, { ...t, totals: [6n, 8n, 0n] })).not.toBe(h);
  });
});
