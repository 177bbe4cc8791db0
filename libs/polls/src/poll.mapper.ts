import type { PollStatus, PollTally, PollView, TypedDataDomain } from '@fanmesh/protocol';
import { BALLOT_TYPES, pollKey } from '@fanmesh/protocol';
import type { CountedBallot } from './ballots';
import type { BallotRow, PollRow, TallyRow } from './poll.repository';

/** Per option: the sum of the weights and the number of ballots, as decimal strings and counts. */
export interface TallyCounts {
  totals: string[];
  ballots: number[];
}

/** What a view needs from the chain: the ballot domain, the token and the attestor (null when the chain is off). */
export interface ChainContext {
  domain: TypedDataDomain;
  token: string | null;
  attestor: string | null;
}

export function pollStatus(p: PollRow, now = Date.now()): PollStatus {
  if (p.closedAt || now >= new Date(p.closesAt).getTime()) return 'closed';
  return now >= new Date(p.opensAt).getTime() ? 'open' : 'scheduled';
}

/** The frozen tally of a closed poll, or the live one from its per-option rows. */
export function toTally(p: PollRow, live: TallyRow[]): TallyCounts {
  if (p.closedAt && p.totals && p.ballotCounts) return { totals: p.totals, ballots: p.ballotCounts };
  const totals = p.options.map(() => '0');
  const ballots = p.options.map(() => 0);
  for (const r of live) {
    totals[r.option] = r.total;
    ballots[r.option] = r.ballots;
  }
  return { totals, ballots };
}

export const toSnapshotView = (p: PollRow, token: string | null): PollView['snapshot'] =>
  p.snapshotBlock === null ? null : { token, block: Number(p.snapshotBlock), blockHash: p.snapshotBlockHash, holders: p.snapshotHolders };

export function toPollView(p: PollRow, t: TallyCounts, chain: ChainContext): PollView {
  return {
    id: p.id,
    key: pollKey(p.id),
    venueId: p.venueId,
    eventId: p.eventId,
    question: p.question,
    options: p.options.map((label, index) => ({ index, label, total: t.totals[index], ballots: t.ballots[index] })),
    opensAt: new Date(p.opensAt).toISOString(),
    closesAt: new Date(p.closesAt).toISOString(),
    eligibility: p.eligibility,
    weighting: p.weighting,
    status: pollStatus(p),
    voters: t.ballots.reduce((a, b) => a + b, 0),
    snapshot: toSnapshotView(p, chain.token),
    ballot: { domain: chain.domain, types: BALLOT_TYPES, primaryType: 'Ballot' },
    result: p.closedAt
      ? {
          closedAt: new Date(p.closedAt).toISOString(),
          closedBy: p.closedBy,
          tallyHash: p.tallyHash,
          ballotsRoot: p.ballotsRoot,
          attestor: chain.attestor,
          attestedAt: p.attestedAt ? new Date(p.attestedAt).toISOString() : null,
        }
      : null,
  };
}

/** The live frame on `event:<id>` (poll.tally, poll.closed). */
export const toTallyFrame = (p: PollRow, t: TallyCounts): PollTally => ({
  pollId: p.id,
  status: pollStatus(p),
  totals: t.totals,
  ballots: t.ballots,
  voters: t.ballots.reduce((a, b) => a + b, 0),
  at: new Date().toISOString(),
});

export const toCountedBallot = (b: BallotRow): CountedBallot => ({
  voter: b.voter,
  option: b.option,
  issuedAt: Number(b.issuedAt),
  weight: BigInt(b.weight),
  signature: b.signature,
});
