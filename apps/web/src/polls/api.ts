import { getJson, postJson } from '../api/client';

export interface PollOption {
  index: number;
  label: string;
  /** smallest token units (token weighting) or ballots (one fan one vote), as a decimal string */
  total: string;
  ballots: number;
}

export interface PollView {
  id: string;
  key: string;
  venueId: string;
  eventId: string | null;
  question: string;
  options: PollOption[];
  opensAt: string;
  closesAt: string;
  eligibility: 'holders' | 'checked_in' | 'both';
  weighting: 'one_per_fan' | 'token_balance';
  status: 'scheduled' | 'open' | 'closed';
  voters: number;
  snapshot: { token: string | null; block: number; blockHash: string; holders: number } | null;
  ballot: { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; primaryType: string };
  result: { closedAt: string; tallyHash: string; ballotsRoot: string; attestor: string | null; attestedAt: string | null } | null;
}

/** A live frame on `event:<id>`: `poll.tally` while open, `poll.closed` once. */
export interface PollFrame {
  type: 'poll.tally' | 'poll.closed' | 'poll.opened';
  pollId: string;
  status: PollView['status'];
  totals: string[];
  ballots: number[];
  voters: number;
}

export interface Counted {
  option: number;
  weight: string;
}

export const pollsApi = {
  get: (id: string) => getJson<PollView>(`/api/v1/polls/${id}`),
  forEvent: (eventId: string) => getJson<PollView[]>(`/api/v1/events/${eventId}/polls`),
  vote: (id: string, ballot: { pollId: string; option: number; issuedAt: number; signature: string }) => postJson<Counted>(`/api/v1/polls/${id}/ballots`, ballot),
};
