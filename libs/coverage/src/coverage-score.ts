import type { PurchaseRing } from '@fanmesh/directory';

/**
 * The coverage score of one hotspot for one epoch (an event), in integer units:
 *
 *   W        = unique valid witnesses, in people: distinct admitted fans whose witness of this hotspot was `valid`,
 *              each purchase group counted once and the owner's own groups not at all (witnessingPeople)
 *   uptime   = buckets with ≥ 1 heartbeat / buckets in the epoch window (60 s buckets from gates_open to ended), 0..1
 *   clients  = min(median reported clients, W)            (what the hotspot claims never exceeds what was witnessed)
 *   quality  = min(1, min(median reported throughputKbps, clients × PER_CLIENT_KBPS) / TARGET_KBPS), 0..1
 *   score    = floor(1000 × W × (0.5 + 0.5·uptime) × (0.75 + 0.25·quality))
 *
 * computed exactly with uptime and quality in permille: floor(W × (1000 + uptime‰) × (3000 + quality‰) / 8000).
 * So a hotspot scores at most 1000 per unique witness, at least 375 per witness when it is witnessed
 * but silent, and 0 when nobody witnessed it, whatever its heartbeats claim.
 */
export const BUCKET_S = 60;
export const PER_CLIENT_KBPS = 2_000;
export const TARGET_KBPS = 10_000;

export interface ScoreInputs {
  uniqueWitnesses: number;
  /** Buckets with a heartbeat, and buckets in the window. */
  heardBuckets: number;
  windowBuckets: number;
  reportedClients: number | null;
  reportedThroughputKbps: number | null;
}

export interface ScoreParts {
  uptimePm: number;
  qualityPm: number;
  countedClients: number;
  score: number;
}

export function coverageScore(i: ScoreInputs): ScoreParts {
  const w = Math.max(0, Math.floor(i.uniqueWitnesses));
  const uptimePm = i.windowBuckets > 0 ? Math.min(1000, Math.floor((1000 * Math.max(0, i.heardBuckets)) / i.windowBuckets)) : 0;
  const countedClients = Math.min(Math.max(0, Math.floor(i.reportedClients ?? w)), w);
  const kbps = Math.min(Math.max(0, i.reportedThroughputKbps ?? 0), countedClients * PER_CLIENT_KBPS);
  const qualityPm = Math.min(1000, Math.floor((1000 * kbps) / TARGET_KBPS));
  const score = Number((BigInt(w) * BigInt(1000 + uptimePm) * BigInt(3000 + qualityPm)) / 8000n);
  return { uptimePm, qualityPm, countedClients, score };
}

/** How many BUCKET_S buckets an epoch window spans (at least one). */
export function windowBuckets(from: Date, to: Date): number {
  return Math.max(1, Math.ceil((to.getTime() - from.getTime()) / (BUCKET_S * 1000)));
}

/**
 * W, the unique witnesses of one hotspot, counted in people: each witnessing key stands for its
 * purchase group (`groupOf`; a key with none stands for itself), each group counts once, and a group
 * the owner bought, claimed or holds a ticket of counts as the owner (never as a witness).
 */
export function witnessingPeople(hotspot: string, fans: string[], groupOf: (fan: string) => string | undefined, ownerGroups: ReadonlySet<string>): { people: number; rings: PurchaseRing[] } {
  const keys = new Map<string, Set<string>>();
  for (const fan of new Set(fans)) {
    const group = groupOf(fan) ?? `key:${fan}`;
    (keys.get(group) ?? keys.set(group, new Set()).get(group)!).add(fan);
  }
  let people = 0;
  const rings: PurchaseRing[] = [];
  for (const [group, members] of [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ownerGroup = ownerGroups.has(group);
    const counted = ownerGroup ? 0 : 1;
    people += counted;
    if (members.size > counted) rings.push({ hotspot, group, keys: members.size, counted, ownerGroup });
  }
  return { people, rings };
}
