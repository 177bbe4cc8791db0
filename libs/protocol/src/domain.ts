/** The shared vocabulary of the domain: every client (API, PWA, agent) names these the same way. */

export const EVENT_STATUSES = ['scheduled', 'gates_open', 'live', 'ended', 'settled', 'cancelled'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const MOMENT_KINDS = ['kickoff', 'goal', 'halftime', 'fulltime', 'big_moment'] as const;
export type MomentKind = (typeof MOMENT_KINDS)[number];

/** What sensors measure. `generic` carries its metric name in the label. */
export const READING_KINDS = ['turnstile', 'occupancy', 'sound', 'generic'] as const;
export type ReadingKind = (typeof READING_KINDS)[number];

export const DEVICE_KINDS = ['hotspot', 'sensor', 'gate'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const DEVICE_STATUSES = ['online', 'degraded', 'offline', 'revoked', 'denylisted'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

export const MOMENT_STATUSES = ['candidate', 'confirmed', 'rejected'] as const;
export type MomentStatus = (typeof MOMENT_STATUSES)[number];

/** Why a gate refuses a code. */
export const DENY_REASONS = [
  'malformed_code',
  'unknown_ticket',
  'bad_signature',
  'expired_code',
  'future_code',
  'wrong_event',
  'revoked',
  'gates_closed',
  'wrong_gate',
  'already_admitted',
  'admitted_elsewhere',
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

/**
 * Every witness gets exactly one of these, kept for audit; only `valid` counts. In the order they are
 * checked: the first that applies is the verdict.
 */
export const WITNESS_VERDICTS = [
  'valid',
  'unknown_challenge',
  'wrong_event',
  'bad_hotspot_signature',
  'bad_fan_signature',
  'replayed',
  'expired_challenge',
  'event_closed',
  'hotspot_inactive',
  'own_hotspot',
  'fan_not_admitted',
  'implausible_section',
  'not_on_hotspot_network',
  'impossible_movement',
  'fan_limit',
  'hotspot_limit',
] as const;
export type WitnessVerdict = (typeof WITNESS_VERDICTS)[number];

/** What the rewards ledger pays for. */
export const REWARD_KINDS = ['admission', 'verification', 'moment', 'witness', 'coverage', 'sensing', 'drop'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

export const POLL_STATUSES = ['scheduled', 'open', 'closed'] as const;
export type PollStatus = (typeof POLL_STATUSES)[number];
export type PollWeighting = 'one_per_fan' | 'token_balance';
export type PollEligibility = 'holders' | 'checked_in' | 'both';

export const MERCH_VERDICTS = ['authentic', 'counterfeit', 'likely_clone'] as const;
export type MerchVerdict = (typeof MERCH_VERDICTS)[number];
