import { concat, keccak256 } from 'ethers';
import { utf8 } from './bytes';
import type { MomentKind } from './domain';

/**
 * The rule a sensor moment candidate was raised by, with its parameters (docs/sensing-moments.md,
 * "Moment detection"): a new version whenever a parameter or a step changes.
 */
export interface MomentRuleParams {
  name: 'sound-quorum';
  /** 1: every sensor started at full trust; 2: new sensors start low, established owners and copied series (docs/sensing-moments.md) */
  version: 1 | 2;
  /** spikes at most this far apart chain into one burst (ms) */
  windowMs: number;
  /** a spike is at least this far above the sensor's ambient level (dB)… */
  spikeDb: number;
  /** …and at least this loud (dB SPL) */
  floorDb: number;
  /** the ambient level is this percentile of the sensor's readings in the samples' span */
  ambientPercentile: number;
  minDevices: number;
  minOwners: number;
  minSections: number;
  /** the spiking sensors' trust weights add up to at least this */
  minWeight: number;
  /** version 2: distinct owners of spiking sensors with established trust (weight 1) */
  minEstablishedOwners?: number;
}

/** One spiking sensor as the rule saw it when the candidate was raised. */
export interface MomentContextDevice {
  /** lower-case address: the device key that signed its envelopes */
  device: string;
  /** the section its readings were stored under (the section it was paired to) */
  section: string;
  /** its owner at the time (distinct owners count toward the quorum) */
  owner: string;
  /** its trust weight at the time, in (0, 1] */
  weight: number;
  /** version 2: established trust at the time (approved by the venue's staff or earned; weight 1) */
  established?: boolean;
  /** its ambient level over the samples' span (dB): the baseline the spikes were compared with */
  ambientDb: number;
  /** max(floorDb, ambientDb + spikeDb) */
  thresholdDb: number;
  /** how many of its sound readings the rule saw (the baseline and the spikes) */
  readings: number;
  /** its first spike in the burst (unix ms) */
  firstSpikeMs: number;
}

/**
 * Everything besides the signed readings that a sensor moment's rule used: committed by a leaf of
 * the evidence tree (momentContextDigest of this exact JSON text), so it cannot change after the
 * attestation any more than a reading can.
 */
export interface MomentEvidenceContext {
  v: 1;
  eventId: string;
  rule: MomentRuleParams;
  /** the readings the rule saw: every `sound` reading of these devices, in the evidence envelopes, with fromMs <= at <= toMs */
  samples: { kind: 'sound'; fromMs: number; toMs: number };
  /** the burst: its first and last spike, when the quorum was first met (the moment's time), its loudest reading */
  burst: { fromMs: number; toMs: number; atMs: number; peakDb: number };
  /** the sensors that spiked in the burst, in the order of their first spike */
  devices: MomentContextDevice[];
}

const CONTEXT_TAG = utf8('FanMesh moment context v1');

/** The evidence-tree leaf value that commits a context: keccak256("FanMesh moment context v1" ‖ keccak256(JSON text as UTF-8)). */
export function momentContextDigest(contextJson: string): string {
  return keccak256(concat([CONTEXT_TAG, keccak256(utf8(contextJson))]));
}

/** A signed envelope as GET /moments/:id/evidence serves it: exactly as the device signed it, with its leaf value and proof. */
export interface EvidenceEnvelopeView {
  deviceId: string;
  seq: number;
  sentAt: string;
  body: string;
  signature: string;
  digest: string;
  proof: string[];
}

/** GET /api/v1/moments/:id/evidence (public): everything needed to check a confirmed moment without trusting the operator. */
export interface MomentEvidenceView {
  momentId: string;
  eventId: string;
  kind: MomentKind;
  /** the MomentAttestor kind number (MOMENT_KINDS index) */
  kindNumber: number;
  at: string;
  source: 'sensors' | 'feed';
  confirmedBy: 'staff' | 'feed' | null;
  /** the on-chain record (timestamp as a decimal string) */
  record: { momentId: string; eventId: string; kind: number; timestamp: string; attendance: number; evidenceRoot: string };
  commitment: string;
  chain: { chainId: number | undefined; contract: string; batch: string | null } | null;
  evidenceRoot: string;
  leafEncoding: string[];
  how: string;
  /** the rule's context as the exact JSON text committed by the tree (null for a moment the official feed created, or one raised before contexts were kept) */
  context: string | null;
  contextDigest: string | null;
  contextProof: string[] | null;
  envelopes: EvidenceEnvelopeView[];
}
