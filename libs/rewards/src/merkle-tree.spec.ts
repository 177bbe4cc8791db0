import fc from 'fast-check';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { getAddress, hexlify, randomBytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { keccakP } from '@noble/hashes/sha3.js';
import { keccakF1600, processProof, proofFromBytes, rewardLeaf, rewardTree } from '@fanmesh/chain';

describe('the fast reward tree (libs/chain/src/merkle.ts)', () => {
  it('permutes like @noble/hashes keccakP (the unrolled keccak-f it hashes with)', () => {
    fc.assert(
      fc.property(fc.uint32Array({ minLength: 50, maxLength: 50 }), (words) => {
        const ours = Uint32Array.from(words);
        const noble = Uint32Array.from(words);
        keccakF1600(ours);
        keccakP(noble, 24);
        expect([...ours]).toEqual([...noble]);
      }),
      { numRuns: 500 },
    );
  });

  it('has the root and every proof of @openzeppelin/merkle-tree on the same input', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.bigInt({ min: 0n, max: 2n ** 256n - 1n })), { minLength: 1, maxLength: 70 }), (raw) => {
        const entries = raw.map(([a, v]) => [hexlify(a), v] as const);
        const fast = rewardTree(entries);
        const oz = StandardMerkleTree.of(
          entries.map(([a, v]) => [a, v.toString()]),
          ['address', 'uint256'],
        );
        expect(fast.root).toBe(oz.root);
        const all = fast.allProofs();
        entries.forEach((_, i) => {
          expect(fast.proof(i)).toEqual(oz.getProof(i));
          expect(proofFromBytes(fast.proofBytes(i))).toEqual(oz.getProof(i));
          expect(proofFromBytes(all.bytes.subarray(all.offsets[i], all.offsets[i + 1]))).toEqual(oz.getProof(i));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('matches on 5,000 accounts with 18-decimal amounts, and each proof leads to the root as RewardDistributor checks it', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => [getAddress(hexlify(randomBytes(20))), BigInt(i + 1) * 10n ** 16n] as const);
    const fast = rewardTree(entries);
    const oz = StandardMerkleTree.of(
      entries.map(([a, v]) => [a, v.toString()]),
      ['address', 'uint256'],
    );
    expect(fast.root).toBe(oz.root);
    for (let i = 0; i < entries.length; i += 97) {
      expect(fast.proof(i)).toEqual(oz.getProof(i));
      expect(processProof(rewardLeaf(entries[i][0], entries[i][1]), fast.proof(i))).toBe(fast.root);
    }
  });
});
