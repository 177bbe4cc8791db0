import type { CountedBallotView, PollView, RealtimeMessage } from '@fanmesh/protocol';
import { getJson, postJson } from '../api/client';

export type { PollView };
export type Counted = CountedBallotView;

/** A live message on `event:<id>`: `poll.opened`, `poll.tally` while open, `poll.closed` once. */
export type PollFrame = RealtimeMessage<'poll.opened' | 'poll.tally' | 'poll.closed'>;

export const pollsApi = {
  get: (id: string) => getJson<PollView>(`/api/v1/polls/${id}`),
  forEvent: (eventId: string) => getJson<PollView[]>(`/api/v1/events/${eventId}/polls`),
  vote: (id: string, ballot: { pollId: string; option: number; issuedAt: number; signature: string }) => postJson<Counted>(`/api/v1/polls/${id}/ballots`, ballot),
};
