import type { ApiClient } from '../client';
import type { Fan } from '../actors/fan';
import type { StaffFrame } from '../actors/staff-feed';
import type { Stadium } from '../stadium';

/** An honest account and the reward kind it should have earned in this case. */
export interface HonestClaim {
  account: () => Promise<ApiClient>;
  kind: string;
}

/** What one fraud case did and what the API answered; the verdict row is computed from it and the ledger. */
export interface CaseOutcome {
  /** Adversarial actions tried. */
  attempts: number;
  /** Adversarial actions the API accepted (an admit, a valid witness, an authentic tag, a stored replay, a leak...). */
  accepted: number;
  /** Why the API refused, by reason, as it answered. */
  refusals: Record<string, number>;
  /** Honest actions of the crowd mixed in, and how many the API accepted. */
  honestTried: number;
  honestAccepted: number;
  /** Accounts of the adversaries: everything they earned at this event is fraudulent. */
  fraudAccounts: (() => Promise<ApiClient>)[];
  /** Accounts whose honest earnings are capped at one entry of `kind` (e.g. a ticket admitted once): the rest is fraudulent. */
  oncePerAccount?: { account: () => Promise<ApiClient>; kind: string }[];
  /** Accounts whose earnings of these kinds are fraudulent (an accomplice's witness rewards), the rest honest. */
  fraudKinds?: { account: () => Promise<ApiClient>; kinds: string[] }[];
  /** Honest earnings to check in the ledger; empty when the case pays nothing by design. */
  honestClaims: HonestClaim[];
  /** Which staff frames belong to this case. */
  alertFilter?: (f: StaffFrame) => boolean;
  notes: string[];
}

export interface FraudCase {
  id: string;
  title: string;
  /** The API this case needs; probed before it runs (method, path with :event for the event id). */
  needs?: { method: 'GET' | 'POST'; path: string; api: string };
  run(st: Stadium, honest: Fan[]): Promise<CaseOutcome>;
}

export const refusalCounter = () => {
  const refusals: Record<string, number> = {};
  return { refusals, add: (reason: string | undefined) => (refusals[reason ?? 'refused'] = (refusals[reason ?? 'refused'] ?? 0) + 1) };
};

export const outcome = (o: Partial<CaseOutcome>): CaseOutcome => ({
  attempts: 0,
  accepted: 0,
  refusals: {},
  honestTried: 0,
  honestAccepted: 0,
  fraudAccounts: [],
  honestClaims: [],
  notes: [],
  ...o,
});
