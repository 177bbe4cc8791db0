import type { TypedDataDomain, TypedDataTypes } from './eip712';
import type { SeatMap } from './seat-map';
import type {
  DenyReason,
  DeviceKind,
  DeviceStatus,
  EventStatus,
  MerchVerdict,
  MomentKind,
  MomentStatus,
  PollEligibility,
  PollStatus,
  PollWeighting,
  RewardKind,
  WitnessVerdict,
} from './domain';

/**
 * What the API answers (JSON): the views its clients read. Times are ISO-8601 strings; token
 * amounts are decimal strings of the smallest unit (18 decimals). The API's DTO classes implement
 * these where it has them, so a change on either side is a type error on the server.
 */

// ---------------------------------------------------------------- venues and events

export interface SectionView {
  id: string;
  code: string;
  name: string;
  stand: 'north' | 'east' | 'south' | 'west';
  tier: number;
  capacity: number;
  neighbours: string[];
  /** The seat plan, when the venue drew one (its seats are the capacity); null otherwise. */
  seatMap: SeatMap | null;
}

export interface GateView {
  id: string;
  code: string;
  name: string;
  sectionCodes: string[];
}

/** GET /venues/:venueId */
export interface VenueView {
  id: string;
  name: string;
  city: string;
  timezone: string;
  capacity: number;
  sections: SectionView[];
  gates: GateView[];
}

export interface VenueSummaryView {
  id: string;
  name: string;
  city: string;
  capacity: number;
}

/** GET /events, GET /events/:eventId */
export interface EventView {
  id: string;
  venueId: string;
  venueName: string;
  name: string;
  homeTeam: string | null;
  awayTeam: string | null;
  startsAt: string;
  /** The end of its time window: a venue never has two events whose windows overlap. */
  endsAt: string;
  status: EventStatus;
  statusChangedAt: string;
  version: number;
  nextStatuses: EventStatus[];
}

// ---------------------------------------------------------------- access

/** A ticket as issued (POST /events/:eventId/tickets, transfers). */
export interface TicketView {
  id: string;
  eventId: string;
  holder: string;
  section: string;
  seat: string;
  tier: string;
  version: number;
  status: 'valid' | 'revoked';
  issuerSignature: string;
  issuer: string;
}

/** GET /tickets/mine: the holder's tickets with their match. */
export interface MyTicketView extends TicketView {
  event: { id: string; name: string; startsAt: string; venueName: string; status: EventStatus };
  admittedAt: string | null;
}

/** A ticket in the offline snapshot: what a scanner needs to judge its code. */
export interface SnapshotTicket {
  id: string;
  holder: string;
  section: string;
  seat: string;
  tier: string;
  version: number;
  issuerSignature: string;
}

/** GET /events/:eventId/offline-snapshot */
export interface OfflineSnapshot {
  eventId: string;
  venueId: string;
  status: EventStatus;
  issuer: string;
  generatedAt: string;
  gates: { id: string; code: string; sections: string[] }[];
  tickets: SnapshotTicket[];
  /** Ticket ids admitted so far. */
  admitted: string[];
}

/** POST /gates/:gateId/scans */
export type ScanResult =
  | { decision: 'admit'; ticketId: string; admissionId: string; section: string; seat: string; tier: string; gate: string; admittedAt: string }
  | { decision: 'deny'; reason: DenyReason; detail: string; ticketId?: string; admittedAt?: string; gate?: string };

/** One result of POST /gates/:gateId/offline-scans (`{ results: OfflineScanOutcome[] }`). */
export type OfflineScanOutcome =
  | { index: number; result: 'accepted'; ticketId: string; admissionId: string }
  | { index: number; result: 'conflict'; ticketId: string; firstGate: string; firstAdmittedAt: string }
  | { index: number; result: 'rejected'; reason: string; ticketId?: string };

/** GET /events/:eventId/admissions */
export interface AdmissionStats {
  admitted: number;
  bySection: Record<string, number>;
  byGate: Record<string, number>;
}

/** GET /events/:eventId/admissions as staff read it: also the offline decisions uploaded after the event ended. */
export interface AdmissionsReviewView extends AdmissionStats {
  heldForReview: HeldScanView[];
}

/** An offline decision uploaded after its event ended: held until staff decide (POST /events/:eventId/offline-reviews/:reviewId/decision). */
export interface HeldScanView {
  id: string;
  ticketId: string;
  eventId: string;
  gateId: string;
  /** the steward (or scanner) account that uploaded it */
  scanner: string;
  scannedAt: string;
  receivedAt: string;
  reason: string;
  decision: 'approved' | 'rejected' | null;
  decidedBy: string | null;
  admissionId: string | null;
}

/** GET /events/:eventId/admissions/throughput: admissions per gate in each second (or minute) of a recent window. */
export interface ThroughputHistory {
  eventId: string;
  bucket: 'second' | 'minute';
  /** The window: from (inclusive) to (exclusive), ISO-8601 UTC. */
  from: string;
  to: string;
  /** Only the buckets with an admission, oldest first; `byGate` is keyed by gate id. */
  points: { at: string; admitted: number; byGate: Record<string, number> }[];
}

/** POST /merch/verifications */
export interface MerchVerification {
  verdict: MerchVerdict;
  reason?: string;
  sku?: string;
  /** Whether a fan has claimed the item (absent for a tag that is not a registered item's). */
  claimed?: boolean;
  /** Whether the caller is the one who claimed it. */
  yours?: boolean;
  /** The owner's address: only for staff of the item's venue and admins (clone investigations); never for fans or stewards. */
  owner?: string | null;
}

// ---------------------------------------------------------------- sensing, coverage, devices

/** A section's admissions beside its turnstile counts and occupancy sensors. */
export interface SectionAttendance {
  section: string;
  admitted: number;
  /** Turnstile entries counted in the section; null where no turnstile reports. */
  counted: number | null;
  /** Latest occupancy sensors' head count; null where none reports. */
  occupancy: number | null;
  gap: number | null;
  alert: 'counted_above_admitted' | 'counted_below_admitted' | null;
}

/** GET /events/:eventId/attendance */
export interface AttendanceView {
  eventId: string;
  at: string;
  admitted: number;
  counted: number;
  sections: SectionAttendance[];
}

/** One entry of GET /coverage/events/:eventId/hotspots */
export interface HotspotView {
  address: string;
  owner: string;
  sectionCode: string;
  status: DeviceStatus;
  denylistedReason: string | null;
  lastSeenAt: string | null;
  validWitnesses: number;
  refusedWitnesses: number;
  uniqueWitnesses: number;
  lastValidWitnessAt: string | null;
  score: number | null;
}

/** The answer to POST /coverage/witnesses (and the fan's `coverage.witness` message). */
export interface WitnessAnswer {
  witnessId: string;
  verdict: WitnessVerdict;
  detail: string;
  challengeId: string;
  eventId: string | null;
  hotspot: string | null;
  at: string;
}

export interface DeviceView {
  address: string;
  kind: DeviceKind;
  owner: string;
  venueId: string;
  sectionCode: string;
  status: DeviceStatus;
  lastSeq: number;
  lastSeenAt: string | null;
  pairedAt: string;
  revokedReason: string | null;
  denylistedReason: string | null;
}

/** GET /venues/:venueId/sensor-trust: a sound sensor's record against the quorum and the weight it has now. */
export interface SensorTrustView {
  device: string;
  owner: string;
  sectionCode: string;
  agree: number;
  disagree: number;
  weight: number;
  /** full trust (weight 1): approved by staff or earned; a moment needs two owners of these */
  established: boolean;
  /** approved by the venue's staff under its current owner */
  approved: boolean;
  approvedBy: string | null;
}

/** GET /devices/appeals */
export interface AppealView {
  id: string;
  device: string;
  venueId: string;
  owner: string;
  /** Why the device is (or was) on the denylist. */
  denylistReason: string;
  message: string;
  status: 'open' | 'accepted' | 'rejected';
  filedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

/** GET /devices/:address/transfer: what the owner signs (DEVICE_TRANSFER_TYPES in this domain, with this nonce) to hand a device over. */
export interface DeviceTransferTermsView {
  domain: { name?: string; version?: string; chainId?: number; verifyingContract?: string };
  /** DeviceRegistry.transferNonce(device) when on chain; transfers so far otherwise. */
  nonce: number;
  onChain: boolean;
}

/** POST /devices/:address/transfer, GET /devices/transfers/mine: a device changing hands, by its owner's signature or on chain directly. */
export interface DeviceTransferView {
  id: string;
  device: string;
  from: string;
  to: string;
  /** 'owner': signed by the owner and relayed by FanMesh; 'chain': done on DeviceRegistry directly and read off its events. */
  source: 'owner' | 'chain';
  /** queued: moved here, on its way to the registry; confirmed: the registry agrees; failed: the registry refused (undone here); off_chain: no chain. */
  status: 'queued' | 'confirmed' | 'failed' | 'off_chain';
  nonce: number | null;
  blockNumber: number | null;
  lastError: string | null;
  at: string;
}

// ---------------------------------------------------------------- moments

/** GET /events/:eventId/moments (staff also see the signal and who decided). */
export interface MomentView {
  id: string;
  eventId: string;
  venueId: string;
  kind: MomentKind;
  team: 'home' | 'away' | null;
  at: string;
  status: MomentStatus;
  source: 'sensors' | 'feed';
  confirmedBy: 'staff' | 'feed' | null;
  attendance: number | null;
  evidenceRoot: string | null;
  decidedAt: string | null;
  signal?: ({ devices?: string[]; sections?: string[]; peakDb?: number } & Record<string, unknown>) | null;
  decidedBy?: string | null;
  rejectReason?: string | null;
}

/** A confirmed moment, as the event's channel announces it. */
export interface ConfirmedMomentView {
  momentId: string;
  eventId: string;
  venueId: string;
  kind: MomentKind;
  /** For goals: which side scored, when known. */
  team: 'home' | 'away' | null;
  at: string;
  /** Admitted fans at that time. */
  attendance: number;
  confirmedBy: 'staff' | 'feed';
}

// ---------------------------------------------------------------- rewards

export interface LedgerEntryView {
  id: string;
  eventId: string;
  kind: RewardKind;
  amount: string;
  requested: string;
  clipped: string | null;
  reason: string;
  cause: string;
  epochId: string | null;
  at: string;
}

/** GET /rewards/me */
export interface BalanceView {
  account: string;
  balance: string;
  entries: LedgerEntryView[];
}

/** GET /rewards/:address/claim: what the contract will pay, and the two ways to take it. */
export interface ClaimInfo {
  account: string;
  epochId: string;
  root: string;
  cumulativeAmount: string;
  claimed: string;
  claimable: string;
  ledgerBalance: string;
  unsettled: string;
  proof: string[];
  direct: { chainId: number; contract: string; method: string; args: [string, string, string[]]; data: string };
  gasless: {
    domain: TypedDataDomain;
    types: TypedDataTypes;
    /** `deadline` is for the fan to choose (unix seconds); the server names it here. */
    message: { account: string; cumulativeAmount: string; recipient: string; deadline: string };
    relay: string;
  };
}

/** POST /rewards/claims/relay */
export interface RelayedClaim {
  queued: boolean;
  idempotencyKey: string;
  account: string;
  recipient: string;
  amount: string;
  cumulativeAmount: string;
}

/** GET /epochs/:epochId/manifest */
export interface EpochView {
  id: string;
  eventId: string;
  venueId: string;
  status: string;
  root: string | null;
  total: string | null;
  epochTotal: string | null;
  accounts: number | null;
  closedBy: string;
  closedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  publishedAt: string | null;
  lastError: string | null;
  manifest: EpochManifest | null;
}

export interface EpochManifest {
  byKind?: { kind: string; total: string; entries: number; accounts: number }[];
  anomalies?: unknown[];
  total?: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------- drops

export interface DropContent {
  title: string;
  body: string;
  imageUrl?: string | null;
  cta?: { label: string; url: string } | null;
}

/** A sponsor's drop (GET /drops, POST /drops). */
export interface DropView {
  id: string;
  sponsorId: string;
  venueId: string;
  eventId: string;
  content: DropContent;
  reward: { kind: string; name?: string | null; amount?: string | null };
  trigger: { kind: string; moment?: string; team?: string; at?: string };
  audience: { sections?: string[] | null; tiers?: string[] | null; witnessed?: boolean | null; firstN?: number | null };
  inventory: number;
  perFanLimit: number;
  /** Units loaded (coupon codes uploaded so far). */
  loaded: number;
  claimed: number;
  window: { startsAt?: string; endsAt?: string };
  status: string;
  reviewNote: string | null;
  firedAt: string | null;
  version: number;
  createdAt: string;
}

/** GET /drops/mine: the drops sent to this fan. */
export interface FanDropView {
  dropId: string;
  eventId: string;
  content: DropContent;
  rewardKind: string;
  expiresAt: string;
  perFanLimit: number;
  /** Your codes (coupon), serials (collectible) or bonus units (token). */
  codes: string[];
  openedAt: string | null;
  redeemedAt: string | null;
}

/** POST /drops/:dropId/redeem */
export interface RedemptionView {
  dropId: string;
  rewardKind: string;
  code: string;
  amount?: string;
  slot: number;
  redeemedAt: string;
}

/** GET /drops/:dropId/analytics (and, live, the sponsor's `drop.analytics` message). */
export interface DropAnalytics {
  dropId: string;
  status: string;
  inventory: number;
  claimed: number;
  targeted: number;
  delivered: number;
  opened: number;
  redeemed: number;
  bySection: { section: string; targeted: number; delivered: number; opened: number; redeemed: number }[];
  timeline: { minute: string; delivered: number; opened: number; redeemed: number }[];
}

/** GET /drops/:dropId/audience: how many fans the drop would reach if it fired now (a count, never addresses). */
export interface DropReachView {
  dropId: string;
  /** Fans in its audience now: admitted, in its sections and tiers, witnessed if it says so, at most its first N. */
  reach: number;
  at: string;
}

// ---------------------------------------------------------------- polls

export interface PollOptionView {
  index: number;
  label: string;
  /** smallest token units (token weighting) or ballots (one fan one vote), as a decimal string */
  total: string;
  ballots: number;
}

/** GET /polls/:pollId, GET /events/:eventId/polls */
export interface PollView {
  id: string;
  /** The poll's id as ballots carry it (pollKey). */
  key: string;
  venueId: string;
  eventId: string | null;
  question: string;
  options: PollOptionView[];
  opensAt: string;
  closesAt: string;
  eligibility: PollEligibility;
  weighting: PollWeighting;
  status: PollStatus;
  voters: number;
  snapshot: { token: string | null; block: number; blockHash: string | null; holders: number | null } | null;
  /** What a fan signs to vote: EIP-712 `Ballot` (BALLOT_TYPES) in this domain. */
  ballot: { domain: TypedDataDomain; types: TypedDataTypes; primaryType: string };
  result: { closedAt: string; closedBy: string | null; tallyHash: string | null; ballotsRoot: string | null; attestor: string | null; attestedAt: string | null } | null;
}

/** POST /polls/:pollId/ballots */
export interface CountedBallotView {
  option: number;
  weight: string;
}

// ---------------------------------------------------------------- sessions

export interface PrincipalView {
  subject: string;
  kind: string;
  roles: string[];
}

/** POST /auth/siwe, POST /auth/refresh */
export interface SessionView {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  principal: PrincipalView;
}

/** GET /rewards/rates (public): what a unit of each kind of work pays at events whose pools are made now, and how the controller moved it. */
export interface RewardRatesView {
  /** the most one epoch step moves a rate, and the lowest and highest it goes, in basis points of the default */
  stepBps: number;
  floorBps: number;
  ceilingBps: number;
  rates: { kind: string; factorBps: number; perUnit: string; defaultPerUnit: string }[];
  /** the latest steps, newest first: what each epoch emitted of a kind against its budget (null: no schedule to read) */
  steps: { epochId: string; kind: string; factorBefore: number; factorAfter: number; emitted: string; budget: string | null; at: string }[];
}

/**
 * The season's fairness report (`GET /rewards/economics`): is emission on schedule, does the same
 * work pay the same across events, and are rewards no more unequal than the work behind them.
 * Amounts are decimal strings in the token's smallest unit; shares and Gini are fractions 0..1.
 */
export interface EconomicsView {
  /** the season reported: every event whose pools belong to it */
  season: { id: string; label: string; from: string; to: string | null };
  /** the most one account earns of each kind in a season (beside the per-event caps) */
  seasonCaps: { kind: string; cap: string }[];
  /**
   * every epoch closed for the season's events, oldest first: what it emitted; the distributor's
   * cumulative total it brings (null until its tree is built); and what the schedule had released by
   * its publishRoot's block time, or by the chain's latest block for one not yet published, counted
   * from the schedule's start (null: no schedule to read)
   */
  epochs: { epochId: string; status: string; closedAt: string | null; emitted: string; cumulative: string | null; released: string | null }[];
  /** the season's events, oldest first: per kind, units of verified work, what they were paid and the pay per unit */
  events: { eventId: string; name: string; startsAt: string; accounts: number; byKind: { kind: string; units: string; paid: string; perUnit: string }[] }[];
  /** per kind across the season's events: mean pay per unit and its coefficient of variation (stddev ÷ mean; null below 2 events) */
  perUnit: { kind: string; events: number; mean: string; cov: number | null }[];
  /**
   * Gini of what accounts were paid, beside the Gini of their verified contribution (each unit of
   * work valued at the kind's default rate): rewards should be no more unequal than the work.
   */
  gini: { accounts: number; rewards: number; contribution: number };
  /** the share of the season's emission paid to the top 1% of accounts (at least one account) */
  top1Share: number;
  /** per kind: entries clipped by the per-event cap, the season cap, and an exhausted pool */
  clipped: { kind: string; accountCap: number; seasonCap: number; poolExhausted: number }[];
  /**
   * what the season's entries pay (settled or not yet; withheld epochs' too), and what the schedule
   * released within the season so far (0 for a season not begun; null: no schedule)
   */
  emitted: string;
  released: string | null;
}
