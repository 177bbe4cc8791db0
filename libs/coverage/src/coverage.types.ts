/** A witness the coverage context judged valid: a fan's phone co-signed a hotspot's challenge. */
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
}
