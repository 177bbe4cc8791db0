import type { DeviceKind, DeviceStatus, EventStatus, PollStatus, RewardKind, WitnessVerdict } from './domain';
import type { ConfirmedMomentView, DropAnalytics, MomentView, PollView, WitnessAnswer } from './views';

/**
 * Every live message the API publishes, by `type`, with its payload (the message is `{ type, ...payload }`).
 * `RealtimeService.publish` takes only these, so a wrong payload is a type error where it is sent;
 * clients narrow on `type`. The comment says the channel each goes to.
 */
export interface RealtimeMessageMap {
  // ---- access
  /** fan:<holder>: the fan's ticket was admitted at a gate. */
  'access.admitted': {
    admissionId: string;
    ticketId: string;
    eventId: string;
    venueId: string;
    gateId: string;
    section: string;
    holder: string;
    steward: string | null;
    mode: 'online' | 'offline';
    at: string;
  };
  /** staff:<venueId>: admissions in the last second (one message per event and second). */
  'access.throughput': {
    eventId: string;
    at: string;
    admitted: number;
    bySection: Record<string, number>;
    byGate: Record<string, number>;
  };
  /** staff:<venueId>: a ticket admitted twice (an offline upload after another admission). */
  'access.conflict': {
    ticketId: string;
    eventId: string;
    section: string;
    seat: string;
    first: { gate: string; at: string; mode: 'online' | 'offline' };
    second: { gate: string; at: string; scanner: string };
  };
  /** staff:<venueId>: a merch serial flagged as a likely clone. */
  'merch.clone_suspected': { serial: string; why: string };

  // ---- venues
  /** event:<eventId> and staff:<venueId>: the event moved along its lifecycle. */
  'event.status_changed': {
    eventId: string;
    venueId: string;
    from: EventStatus;
    to: EventStatus;
    version: number;
    at: string;
  };

  // ---- sensing
  /** staff:<venueId>: turnstiles and admissions disagree in a section. */
  'sensing.attendance_alert': {
    eventId: string;
    section: string;
    counted: number | null;
    admitted: number;
    gap: number | null;
    reason: 'counted_above_admitted' | 'counted_below_admitted';
    hint: string;
    at: string;
  };
  /** staff:<venueId>: a section's alert is over. */
  'sensing.attendance_ok': { eventId: string; section: string; counted: number | null; admitted: number; at: string };

  // ---- coverage
  /** staff:<venueId>: witness verdicts in the last second (one message per event and second). */
  'coverage.witnesses': {
    eventId: string;
    at: string;
    valid: number;
    /** Refused witnesses by reason. */
    refused: Partial<Record<WitnessVerdict, number>>;
    /** Valid witnesses per hotspot. */
    byHotspot: Record<string, number>;
  };
  /** fan:<address>: the fan's own valid witness. */
  'coverage.witness': WitnessAnswer;

  // ---- devices
  /** staff:<venueId> (and fan:<owner> once decided, with the note): an appeal filed or decided. */
  'device.appeal': { appealId: string; device: string; status: 'open' | 'accepted' | 'rejected'; reason?: string; note?: string };
  /** staff:<venueId>: a device's status changed. */
  'device.status': { device: string; kind: DeviceKind; sectionCode: string; status: DeviceStatus };

  // ---- moments
  /** staff:<venueId>: the sensors raised a candidate for staff to decide. */
  'moments.candidate': { moment: MomentView };
  /** staff:<venueId>: a moment was confirmed or rejected. */
  'moments.decided': { moment: MomentView };
  /** event:<eventId>: a confirmed match moment. */
  'moments.confirmed': { moment: ConfirmedMomentView };

  // ---- polls
  /** event:<eventId>: a poll opened. */
  'poll.opened': { poll: PollView };
  /** event:<eventId>: live totals while open (throttled). */
  'poll.tally': PollTally;
  /** event:<eventId>: the final totals, once (the hashes come with GET /polls/:id). */
  'poll.closed': PollTally;

  // ---- drops
  /** fan:<address>: a sponsor drop for this fan (no code: a code is revealed only by redeeming). */
  'drop.delivered': {
    dropId: string;
    eventId: string;
    title: string;
    body: string;
    imageUrl: string | null;
    cta: { label: string; url: string } | null;
    reward: { kind: string; name: string | null; amount: string | null };
    perFanLimit: number;
    expiresAt: string;
  };
  /** staff:<venueId>: a drop fired. */
  'drop.fired': { dropId: string; eventId: string; sponsorId: string; targeted: number };
  /** sponsor:<sponsorId>: fresh aggregates of a drop (at most once a second; the last 60 minutes of timeline). */
  'drop.analytics': DropAnalytics;

  // ---- rewards
  /** fan:<account>: an entry in the fan's ledger. */
  'rewards.credited': {
    eventId: string;
    kind: RewardKind;
    amount: string;
    /** The fan's ledger balance after it. */
    balance: string | undefined;
    reason: string;
    cause: string;
    /** What a cap or an empty pool cut off, when something was. */
    clipped?: string;
  };
  /** staff:<venueId>: paid, entries, pool and remaining per kind (at most once a second). */
  'rewards.totals': { eventId: string; byKind: Record<string, { paid: string; entries: number; pool: string; remaining: string }>; at: string };
  /** staff:<venueId>: an epoch was closed; its manifest waits for approval. */
  'rewards.manifest_ready': { epochId: string; eventId: string };
  /** staff:<venueId>: an epoch's root is on chain. */
  'rewards.epoch_published': { epochId: string; root: string | null; total: string | null };
}

export interface PollTally {
  pollId: string;
  status: PollStatus;
  totals: string[];
  ballots: number[];
  voters: number;
  at: string;
}

export type RealtimeMessageType = keyof RealtimeMessageMap;

/** One message as it travels: its `type` and that type's payload. */
export type RealtimeMessage<K extends RealtimeMessageType = RealtimeMessageType> = { [T in K]: { type: T } & RealtimeMessageMap[T] }[K];

/** Narrows a received message to one type. */
export const isMessage = <K extends RealtimeMessageType>(m: { type: string }, type: K): m is RealtimeMessage<K> => m.type === type;

// ---------------------------------------------------------------- websocket frames (/ws)

/** How a published message reaches a subscriber: numbered in its channel's sequence. */
export interface MessageFrame {
  type: 'message';
  channel: string;
  seq: number;
  at: string;
  data: RealtimeMessage;
}
