import { keccak_256 } from '@noble/hashes/sha3.js';
import { hexlify } from 'ethers';
import { keccakF1600 } from './keccak-f';

export { keccakF1600 };

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
  /** every proof, packed: proof i is bytes[offsets[i] .. offsets[i + 1]) */
  allProofs(): { bytes: Uint8Array; offsets: Int32Array };
}

export function compareBytes32(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const STATE = new Uint32Array(50);
const STATE8 = new Uint8Array(STATE.buffer);

/**
 * keccak256 of `len` (at most 135) bytes of `src` from `from`, written to `dst` at `to`: one
 * permutation on a reused state, no allocation (an unrolled keccak-f, 2.3x noble's keccakP; lanes are
 * little-endian words, as noble keeps them on little-endian machines). Big-endian machines take
 * noble's keccak_256.
 */
function keccakInto(src: Uint8Array, from: number, len: number, dst: Uint8Array, to: number): void {
  if (!LITTLE_ENDIAN) {
    dst.set(keccak_256(src.subarray(from, from + len)), to);
    return;
  }
  STATE.fill(0);
  for (let i = 0; i < len; i++) STATE8[i] = src[from + i];
  STATE8[len] ^= 0x01;
  STATE8[135] ^= 0x80;
  keccakF1600(STATE);
  for (let i = 0; i < 32; i++) dst[to + i] = STATE8[i];
}

function hexByte(s: string, at: number): number {
  const c = (x: number) => (x >= 97 ? x - 87 : x >= 65 ? x - 55 : x - 48);
  return (c(s.charCodeAt(at)) << 4) | c(s.charCodeAt(at + 1));
}

/** Writes abi.encode(address, uint256) into `word` (64 bytes). */
function encodeEntry(account: string, amount: bigint, word: Uint8Array): void {
  if (amount < 0n || amount >= 1n << 256n) throw new RangeError(`amount out of uint256 range: ${amount}`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(account)) throw new TypeError(`not an address: ${account}`);
  word.fill(0);
  for (let b = 0; b < 20; b++) word[12 + b] = hexByte(account, 2 + 2 * b);
  let v = amount;
  for (let b = 63; b >= 32 && v > 0n; b--, v >>= 8n) word[b] = Number(v & 0xffn);
}

/** StandardMerkleTree leaf for ['address','uint256']: keccak256(keccak256(abi.encode(account, amount))). */
export function standardLeaf(account: string, amount: bigint, word: Uint8Array = new Uint8Array(64)): Uint8Array {
  encodeEntry(account, amount, word);
  return keccak_256(keccak_256(word));
}

/** Builds the tree from leaf hashes in the caller's order (indices of `proof` refer to that order). */
export function buildFastTree(leafHashes: readonly Uint8Array[]): FastTree {
  const n = leafHashes.length;
  if (n === 0) throw new Error('a Merkle tree needs at least one leaf');
  const leaves = new Uint8Array(32 * n);
  leafHashes.forEach((h, i) => leaves.set(h, 32 * i));
  return treeOfLeaves(leaves, n);
}

/** The tree over `n` leaf hashes packed 32 bytes each in `leaves`, in the caller's order. */
function treeOfLeaves(leaves: Uint8Array, n: number): FastTree {
  const t = layout(leaves, n, (bytes) => new Uint8Array(bytes));
  hashInner(t.nodes, 0, n - 2);
  return finish(t.nodes, t.treeIndexOf, n);
}

/** Sorts the leaves by hash (as StandardMerkleTree does) into the bottom of the node array. */
function layout(leaves: Uint8Array, n: number, alloc: (bytes: number) => Uint8Array): { nodes: Uint8Array; treeIndexOf: Int32Array } {
  if (n === 0) throw new Error('a Merkle tree needs at least one leaf');
  const size = 2 * n - 1;
  const nodes = alloc(32 * size);
  // sort on a 48-bit prefix, bytes break ties
  const prefix = new Float64Array(n);
  for (let i = 0, o = 0; i < n; i++, o += 32)
    prefix[i] = ((leaves[o] * 256 + leaves[o + 1]) * 256 + leaves[o + 2]) * 16777216 + ((leaves[o + 3] << 16) | (leaves[o + 4] << 8) | leaves[o + 5]);
  const cmpLeaves = (a: number, b: number) => {
    for (let i = 0; i < 32; i++) if (leaves[32 * a + i] !== leaves[32 * b + i]) return leaves[32 * a + i] - leaves[32 * b + i];
    return 0;
  };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => prefix[a] - prefix[b] || cmpLeaves(a, b));
  const treeIndexOf = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const at = size - 1 - k;
    nodes.set(leaves.subarray(32 * order[k], 32 * order[k] + 32), 32 * at);
    treeIndexOf[order[k]] = at;
  }
  return { nodes, treeIndexOf };
}

const PAIR = new Uint8Array(64);

/** Inner nodes hi down to lo: each the hash of its sorted children. */
function hashInner(nodes: Uint8Array, lo: number, hi: number): void {
  for (let i = hi; i >= lo; i--) {
    let l = 32 * (2 * i + 1);
    let r = 32 * (2 * i + 2);
    let c = 0;
    for (let j = 0; j < 32 && c === 0; j++) c = nodes[l + j] - nodes[r + j];
    if (c > 0) [l, r] = [r, l];
    for (let j = 0; j < 32; j++) {
      PAIR[j] = nodes[l + j];
      PAIR[32 + j] = nodes[r + j];
    }
    keccakInto(PAIR, 0, 64, nodes, 32 * i);
  }
}

function finish(nodes: Uint8Array, treeIndexOf: Int32Array, n: number): FastTree {
  const siblings = (index: number): number[] => {
    const out: number[] = [];
    for (let i = treeIndexOf[index]; i > 0; i = Math.floor((i - 1) / 2)) out.push(i % 2 === 1 ? i + 1 : i - 1);
    return out;
  };
  const depth = (index: number): number => {
    let d = 0;
    for (let i = treeIndexOf[index]; i > 0; i = Math.floor((i - 1) / 2)) d++;
    return d;
  };
  return {
    root: hexlify(nodes.subarray(0, 32)),
    size: n,
    proof: (index) => siblings(index).map((s) => hexlify(nodes.subarray(32 * s, 32 * s + 32))),
    proofBytes(index) {
      const s = siblings(index);
      const out = new Uint8Array(32 * s.length);
      s.forEach((j, k) => out.set(nodes.subarray(32 * j, 32 * j + 32), 32 * k));
      return out;
    },
    allProofs() {
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + 32 * depth(i);
      const bytes = new Uint8Array(offsets[n]);
      for (let i = 0; i < n; i++) {
        let o = offsets[i];
        for (let t = treeIndexOf[i]; t > 0; t = Math.floor((t - 1) / 2), o += 32) {
          const s = 32 * (t % 2 === 1 ? t + 1 : t - 1);
          for (let j = 0; j < 32; j++) bytes[o + j] = nodes[s + j];
        }
      }
      return { bytes, offsets };
    },
  };
}

/** The tree of (account, cumulative amount) entries, in the entries' order. */
export function rewardTree(entries: readonly (readonly [string, bigint])[]): FastTree {
  const word = new Uint8Array(64);
  const inner = new Uint8Array(32);
  const leaves = new Uint8Array(32 * entries.length);
  entries.forEach(([a, v], i) => {
    encodeEntry(a, v, word);
    keccakInto(word, 0, 64, inner, 0);
    keccakInto(inner, 0, 32, leaves, 32 * i);
  });
  return treeOfLeaves(leaves, entries.length);
}

/** Splits stored proof bytes back into 0x-hex siblings. */
export function proofFromBytes(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 32) out.push(hexlify(bytes.subarray(i, i + 32)));
  return out;
}
