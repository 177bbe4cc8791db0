import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { ZeroHash } from 'ethers';
import { MomentRecord } from '@fanmesh/chain';
import { envelopeDigest, MomentEvidenceContext, momentContextDigest, uuidToBytes32 } from '@fanmesh/protocol';
import { AMBIENT_PERCENTILE, Burst, DETECTOR, MOMENT_RULE, SensorInfo } from './moment-detector';
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
 * keccak256(keccak256(abi.encode(digest)))) and, for a sensor candidate, its context's digest
 * (momentContextDigest of the exact JSON text); zero when a moment has no sensor evidence.
 */
export function evidenceTree(envelopes: EnvelopeLike[], context?: string | null): { root: string; proofs: string[][]; contextProof: string[] | null } {
  if (!envelopes.length) return { root: ZeroHash, proofs: [], contextProof: null };
  const values = envelopes.map((e) => [envelopeLeafValue(e)]);
  if (context) values.push([momentContextDigest(context)]);
  const tree = StandardMerkleTree.of(values, EVIDENCE_LEAF_ENCODING);
  return { root: tree.root, proofs: envelopes.map((_, i) => tree.getProof(i)), contextProof: context ? tree.getProof(envelopes.length) : null };
}

/**
 * The context of a sensor candidate (what the rule used besides the signed readings), as the exact
 * JSON text its leaf commits to: the rule and its parameters, the samples' span, the burst, and
 * each spiking sensor's section, owner, weight and baseline, in the order of their first spike.
 */
export function momentContext(eventId: string, samples: { fromMs: number; toMs: number }, b: Burst, sensors: Map<string, SensorInfo>): string {
  const first = new Map<string, { at: number; section: string }>();
  for (const s of b.spikes) if (!first.has(s.device)) first.set(s.device, { at: s.at, section: s.section });
  const context: MomentEvidenceContext = {
    v: 1,
    eventId,
    rule: {
      name: MOMENT_RULE.name,
      version: MOMENT_RULE.version,
      windowMs: DETECTOR.windowMs,
      spikeDb: DETECTOR.spikeDb,
      floorDb: DETECTOR.floorDb,
      ambientPercentile: AMBIENT_PERCENTILE,
      minDevices: DETECTOR.minDevices,
      minOwners: DETECTOR.minOwners,
      minSections: DETECTOR.minSections,
      minWeight: DETECTOR.minWeight,
      minEstablishedOwners: DETECTOR.minEstablishedOwners,
    },
    samples: { kind: 'sound', fromMs: samples.fromMs, toMs: samples.toMs },
    burst: { fromMs: b.from, toMs: b.to, atMs: b.at, peakDb: b.peakDb },
    devices: [...first].map(([device, f]) => {
      const base = b.baselines.get(device)!;
      const info = sensors.get(device)!;
      return {
        device: device.toLowerCase(),
        section: f.section,
        owner: info.owner.toLowerCase(),
        weight: info.weight,
        established: info.established,
        ambientDb: base.ambientDb,
        thresholdDb: base.thresholdDb,
        readings: base.readings,
        firstSpikeMs: f.at,
      };
    }),
  };
  return JSON.stringify(context);
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
