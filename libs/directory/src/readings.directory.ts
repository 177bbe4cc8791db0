import type { ReadingKind } from '@fanmesh/protocol';

export interface StoredReading {
  device: string;
  seq: number;
  idx: number;
  section: string;
  /** unix milliseconds */
  at: number;
  value: number;
}

/** A device envelope exactly as it was signed. */
export interface SignedEnvelope {
  deviceId: string;
  seq: number;
  sentAt: string;
  body: string;
  signature: string;
}

/** Read access to stored sensor readings; implemented by sensing. */
export abstract class ReadingsDirectory {
  abstract window(eventId: string, kind: ReadingKind, fromMs: number, toMs: number): Promise<StoredReading[]>;
  /** The signed envelopes, exactly as the devices sent them (their signatures verify as they are). */
  abstract envelopes(keys: { device: string; seq: number }[]): Promise<SignedEnvelope[]>;
}
