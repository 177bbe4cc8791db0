import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { ZeroHash } from 'ethers';
import { MomentRecord } from '@fanmesh/chain';
import { envelopeDigest, uuidToBytes32 } from '@fanmesh/devices';
import { MOMENT_KINDS, MomentKind } from './moment.types';

/** Leaf encoding of the evidence tree: one leaf per signed envelope, its envelope digest (what the device signed). */
export const EVIDENCE_LEAF_ENCODING = ['bytes32'];

export interface EnvelopeLike {
  deviceId: string;
  seq: number;
  sentAt: string;
  body: string;
}

export const envelopeLeafValue = (e: EnvelopeLike): string => envelopeDigest(e.deviceId, e.seq, e.sentAt, e.body);

/**
 * The evidence root: an OpenZeppelin StandardMerkleTree over the envelopes' digests (leaf =
 * keccak256(keccak256(abi.encode(digest)))); zero when a moment has no sensor evidence.
 */
export function evidenceTree(envelopes: EnvelopeLike[]): { root: string; proofs: string[][] } {
  if (!envelopes.length) return { root: ZeroHash, proofs: [] };
  const tree = StandardMerkleTree.of(envelopes.map((e) => [envelopeLeafValue(e)]), EVIDENCE_LEAF_ENCODING);
  return { root: tree.root, proofs: envelopes.map((_, i) => tree.getProof(i)) };
}

export function verifyEvidenceProof(root: string, e: EnvelopeLike, proof: string[]): boolean {
  return StandardMerkleTree.verify(root, EVIDENCE_LEAF_ENCODING, [envelopeLeafValue(e)], proof);
}

/** The on-chain record of a confirmed moment (ids are UUIDs as bytes32, kind is its index in MOMENT_KINDS). */
export function momentRecord(m: { id: string; eventId: string; kind: MomentKind; at: Date | string; attendance: number | null; evidenceRoot: string | null }): MomentRecord {
  return {
    momentId: uuidToBytes32(m.id),
    eventId: uuidToBytes32(m.eventId),
    kind: MOMENT_KINDS.indexOf(m.kind),
    timestamp: BigInt(Math.floor(new Date(m.at).getTime() / 1000)),
    attendance: m.attendance ?? 0,
    evidenceRoot: m.evidenceRoot ?? ZeroHash,
  };
}
