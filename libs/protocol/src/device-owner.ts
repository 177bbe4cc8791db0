import type { DeviceKind, EventStatus } from './domain';

/** One reason readings were refused, with how often and what to do about it (GET /devices/:address/readings). */
export interface DeviceRefusalView {
  /** The machine-readable code the API answered the device with, e.g. `value_out_of_range`. */
  reason: string;
  /** What it means for the owner, in plain words, and what to fix. */
  meaning: string;
  /** Signed messages refused for this reason. */
  envelopes: number;
  /** Readings in those messages (a refused message counts none of its readings). */
  readings: number;
  lastAt: string;
  /** The API's own words the last time (e.g. which reading and why). */
  lastDetail: string | null;
}

/** A device's readings at one event: accepted, and refused by reason. */
export interface DeviceEventReadingsView {
  eventId: string;
  /** null when the event is unknown (readings that named an event that does not exist). */
  eventName: string | null;
  startsAt: string | null;
  eventStatus: EventStatus | null;
  accepted: { readings: number; envelopes: number; firstReadingAt: string | null; lastReadingAt: string | null };
  refused: { readings: number; envelopes: number; reasons: DeviceRefusalView[] };
}

/** GET /devices/:address/readings[?eventId=]: per event, latest first. */
export interface DeviceReadingsView {
  device: string;
  kind: DeviceKind;
  events: DeviceEventReadingsView[];
  /** Refused messages that named no event (unreadable bodies, heartbeats sent with a bad clock, …). */
  otherRefusals: DeviceRefusalView[];
}

/**
 * Where a device's earnings for one epoch stand, for its owner: `open` (the event's epoch is not
 * closed yet), `pending` (venue staff review the epoch), `settling` (on its way to the chain),
 * `delayed` (publishing failed; staff retry it), `rejected`, then `claimable` or `claimed` once
 * the root is on chain (`published` when it was paid to an earlier owner, or the claim cannot be read now).
 */
export type DeviceEarningStatus = 'open' | 'pending' | 'settling' | 'delayed' | 'rejected' | 'published' | 'claimable' | 'claimed';

/** One epoch (an event) of a hotspot: its score and what it earned. */
export interface DeviceEpochEarningView {
  eventId: string;
  eventName: string | null;
  startsAt: string | null;
  epochId: string | null;
  status: DeviceEarningStatus;
  /** The hotspot's coverage score (integer units the pool is split by), final once the event ended. */
  score: number;
  final: boolean;
  uniqueWitnesses: number;
  uptime: number;
  /** This device's part of what its owner was paid for coverage at the event (smallest unit), null while the epoch is open. */
  amount: string | null;
  /** The account paid: the owner when the event was scored (after a transfer, maybe not the owner now). */
  paidTo: string;
  /** True when `paidTo` is the device's owner now. */
  paidToOwner: boolean;
  /** True when the epoch's Merkle tree holds a proof for `paidTo`. */
  inRoot: boolean;
}

/** GET /devices/:address/earnings: per epoch, latest first. */
export interface DeviceEarningsView {
  device: string;
  kind: DeviceKind;
  /** False for sensors and turnstiles: readings are not paid (they evidence match moments). */
  earns: boolean;
  note: string | null;
  /** Sum of `amount` over the epochs shown (smallest unit). */
  total: string;
  epochs: DeviceEpochEarningView[];
  /** The current owner's claim on chain (covers every published epoch paid to them), and where the PWA claims it. */
  claim: { status: 'claimable' | 'claimed' | 'not_published' | 'no_chain' | 'unavailable'; claimable: string; epochId: string | null; link: string };
}
