/** A fan's witness of a hotspot that was judged valid (also the `coverage.witness_valid` domain event). */
export interface ValidWitness {
  witnessId: string;
  eventId: string;
  venueId: string;
  hotspot: string;
  /** The hotspot's owner at the time (who earns for its coverage). */
  owner: string;
  /** The witnessing fan. */
  fan: string;
  at: string;
}

/** A hotspot's coverage score for one epoch (an event); rewards split the coverage pool by `score`. */
export interface HotspotScore {
  eventId: string;
  hotspot: string;
  owner: string;
  uniqueWitnesses: number;
  /** Share of the epoch the hotspot was heard from (heartbeats), 0..1. */
  uptime: number;
  /** Reported service quality, 0..1, never trusted beyond what was witnessed. */
  quality: number;
  /** The score rewards use: integer units, 0 for a hotspot nobody witnessed. */
  score: number;
  /** Median clients the hotspot reported in its heartbeats (shown to the owner; never counted beyond `uniqueWitnesses`). */
  claimedClients: number | null;
  /** True once the event has ended: the window is closed and recomputing gives the same row. */
  final: boolean;
  /**
   * Purchase groups whose keys counted as fewer people in `uniqueWitnesses` (one per group, none for
   * the owner's own groups); only when there are any. Not stored: computed with the score.
   */
  purchaseRings?: PurchaseRing[];
}

/** Keys of one purchase group (tickets bought together) that witnessed one hotspot and counted as fewer people. */
export interface PurchaseRing {
  hotspot: string;
  group: string;
  /** Distinct keys of the group with a valid witness of the hotspot. */
  keys: number;
  /** How many people they counted as: 1, or 0 for the owner's own group. */
  counted: number;
  /** The owner bought, claimed or holds a ticket of this group: its keys count as the owner. */
  ownerGroup: boolean;
}

/** One hotspot's stored score at one event, with its owner's total there (the coverage pool is split per owner by that total). */
export interface HotspotEpochScore extends HotspotScore {
  /** Sum of the scores of every hotspot `owner` had at this event, this one included. */
  ownerScore: number;
}

/** Read access to proof of coverage; implemented by coverage. */
export abstract class CoverageDirectory {
  abstract validWitnesses(eventId: string): Promise<ValidWitness[]>;
  /** Scores every hotspot of the event's venue for the epoch (stored, so recomputing gives the same rows once final). */
  abstract scoreEpoch(eventId: string): Promise<HotspotScore[]>;
  /** One hotspot's stored scores, one per event it was scored at (latest events first, at most `limit`). */
  abstract hotspotScores(hotspot: string, limit?: number): Promise<HotspotEpochScore[]>;
}
