import { keccak_256 } from '@noble/hashes/sha3.js';
import { hexlify } from 'ethers';

/**
 * A byte-level builder of OpenZeppelin's StandardMerkleTree(['address', 'uint256']): the same leaves
 * (keccak256(keccak256(abi.encode(account, amount)))), the same sorting of leaves, the same array
 * layout and the same sorted-pair hashing, so its root and every proof equal
 * `StandardMerkleTree.of(entries, ['address', 'uint256'])`'s, many times faster (no hex strings,
 * no per-node objects). RewardDistributor verifies exactly these proofs.
 */
export interface FastTree {
  /** 0x-hex root */
  readonly root: string;
  readonly size: number;
  /** proof of the entry at `index` (the caller's order, as StandardMerkleTree.getProof(index)), 0x-hex */
  proof(index: number): string[];
  /** the same proof as raw bytes: 32 bytes per sibling, concatenated (what the database stores) */
  proofBytes(index: number): Uint8Array;
}

export function compareBytes32(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function hexByte(s: string, at: number): number {
  const c = (x: number) => (x >= 97 ? x - 87 : x >= 65 ? x - 55 : x - 48);
  return (c(s.charCodeAt(at)) << 4) | c(s.charCodeAt(at + 1));
}

/** StandardMerkleTree leaf for ['address','uint256']: keccak256(keccak256(abi.encode(account, amount))). */
export function standardLeaf(account: string, amount: bigint, word: Uint8Array = new Uint8Array(64)): Uint8Array {
  if (amount < 0n || amount >= 1n << 256n) throw new RangeError(`amount out of uint256 range: ${amount}`);
  word.fill(0);
  for (let b = 0; b < 20; b++) word[12 + b] = hexByte(account, 2 + 2 * b);
  let v = amount;
  for (let b = 63; b >= 32 && v > 0n; b--, v >>= 8n) word[b] = Number(v & 0xffn);
  return keccak_256(keccak_256(word));
}

/** Builds the tree from leaf hashes in the caller's order (indices of `proof` refer to that order). */
export function buildFastTree(leafHashes: readonly Uint8Array[]): FastTree {
  const n = leafHashes.length;
  if (n === 0) throw new Error('a Merkle tree needs at least one leaf');
  const size = 2 * n - 1;
  const nodes = new Uint8Array(32 * size);
  const node = (i: number) => nodes.subarray(32 * i, 32 * i + 32);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareBytes32(leafHashes[a], leafHashes[b]));
  const treeIndexOf = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    nodes.set(leafHashes[order[k]], 32 * (size - 1 - k));
    treeIndexOf[order[k]] = size - 1 - k;
  }
  const pair = new Uint8Array(64);
  for (let i = size - 1 - n; i >= 0; i--) {
    const l = node(2 * i + 1);
    const r = node(2 * i + 2);
    const [lo, hi] = compareBytes32(l, r) <= 0 ? [l, r] : [r, l];
    pair.set(lo, 0);
    pair.set(hi, 32);
    nodes.set(keccak_256(pair), 32 * i);
  }
  const siblings = (index: number): number[] => {
    const out: number[] = [];
    for (let i = treeIndexOf[index]; i > 0; i = Math.floor((i - 1) / 2)) out.push(i % 2 === 1 ? i + 1 : i - 1);
    return out;
  };
  return {
    root: hexlify(node(0)),
    size: n,
    proof: (index) => siblings(index).map((s) => hexlify(node(s))),
    proofBytes(index) {
      const s = siblings(index);
      const out = new Uint8Array(32 * s.length);
      s.forEach((j, k) => out.set(node(j), 32 * k));
      return out;
    },
  };
}

/** The tree of (account, cumulative amount) entries, in the entries' order. */
export function rewardTree(entries: readonly (readonly [string, bigint])[]): FastTree {
  const word = new Uint8Array(64);
  return buildFastTree(entries.map(([a, v]) => standardLeaf(a, v, word)));
}

/** Splits stored proof bytes back into 0x-hex siblings. */
export function proofFromBytes(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 32) out.push(hexlify(bytes.subarray(i, i + 32)));
  return out;
}
