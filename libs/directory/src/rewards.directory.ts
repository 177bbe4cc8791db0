import type { RewardKind } from '@fanmesh/protocol';

/** Where an epoch stands on its way to the chain (the rewards context's own statuses). */
export type RewardEpochStatus = 'pending_approval' | 'approved' | 'rejected' | 'tree_built' | 'publishing' | 'published' | 'failed';

/** What one account was credited for one kind at one event, and the epoch that entry is in (none while the event's epoch is open). */
export interface AccountEarning {
  eventId: string;
  account: string;
  kind: RewardKind;
  /** Paid, after caps (smallest token unit, decimal string). */
  amount: string;
  /** What the rule asked for, before caps. */
  requested: string;
  clipped: 'account_cap' | 'season_cap' | 'pool_exhausted' | null;
  epochId: string | null;
  epochStatus: RewardEpochStatus | null;
  publishedAt: Date | null;
  /** The account's cumulative amount in that epoch's Merkle tree (null when it has no tree yet, or the account is not in it). */
  cumulative: string | null;
}

/** An epoch of an event, as far as others need to know it. */
export interface EventEpoch {
  eventId: string;
  epochId: string;
  status: RewardEpochStatus;
  publishedAt: Date | null;
}

/** What an account can claim on chain right now (the distributor's latest root against what it has already claimed). */
export interface ClaimStanding {
  account: string;
  status: 'claimable' | 'claimed' | 'not_published' | 'no_chain' | 'unavailable';
  /** The published epoch the claim's proof is for. */
  epochId: string | null;
  cumulativeAmount: string;
  claimed: string;
  claimable: string;
}

/** Read access to the rewards ledger for other contexts (the device owner app); implemented by rewards. */
export abstract class RewardsDirectory {
  /** Sums of one kind for these accounts at these events, one per (event, account, epoch), oldest epoch first; entries not yet in an epoch have no epoch. */
  abstract earnings(accounts: string[], kind: RewardKind, eventIds: string[]): Promise<AccountEarning[]>;
  /** The epochs of these events (an event normally has one), oldest first. */
  abstract eventEpochs(eventIds: string[]): Promise<EventEpoch[]>;
  abstract claimStanding(account: string): Promise<ClaimStanding>;
}
