import type { EventStatus } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';

/** What a match's status reads as, everywhere the console shows it. */
export const STATUS_LABEL: Record<EventStatus, string> = {
  scheduled: 'Scheduled',
  gates_open: 'Gates open',
  live: 'Live',
  ended: 'Full time',
  settled: 'Rewards settled',
  cancelled: 'Cancelled',
};

/** The status a match is *in*, for sentences: "the match is …". */
const STATUS_PHRASE: Record<EventStatus, string> = {
  scheduled: 'scheduled and its gates are closed',
  gates_open: 'open at the gates but has not kicked off',
  live: 'live',
  ended: 'over (full time)',
  settled: 'over and its rewards are settled',
  cancelled: 'cancelled',
};

/** What moving to a status is called on its button. */
export const ACTION_LABEL: Record<EventStatus, string> = {
  scheduled: 'Close the gates again',
  gates_open: 'Open gates',
  live: 'Kick off',
  ended: 'End the match',
  settled: 'Settle rewards',
  cancelled: 'Cancel the match',
};

/** What each move does, asked before it is made. */
export const ACTION_CONFIRM: Record<EventStatus, string> = {
  scheduled: 'Stewards stop admitting fans until the gates open again.',
  gates_open: 'Stewards and gate scanners start admitting ticket holders, and check-in rewards start counting.',
  live: 'The match is live: moments, drops and polls for it can fire.',
  ended: 'The match is over: admissions stop, and its rewards epoch can be closed for review.',
  settled: "This closes the match's rewards epoch: you review what every fan earned, then approve it to publish it on chain. The match shows settled once the chain has it.",
  cancelled: 'The match is cancelled for good: nobody is admitted and nothing is paid.',
};

const list = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);

/**
 * A refused move in words: the server's 409 carries where the match is and what it allows next
 * (`bad_transition`), or why rewards cannot be settled yet (`event_not_ended`).
 */
export function refusalInWords(e: unknown, tried: EventStatus): string {
  if (!(e instanceof ApiProblem)) return (e as Error).message;
  const x = e.extra;
  if (e.code === 'bad_transition' && typeof x.from === 'string') {
    const from = x.from as EventStatus;
    if (from === tried) return `Nothing to do: the match is already ${STATUS_PHRASE[from]}.`;
    if (x.to === tried && Array.isArray(x.allowed) && !/changed since|moved the event/i.test(e.detail)) {
      const next = (x.allowed as EventStatus[]).map((s) => ACTION_LABEL[s].toLowerCase());
      return `“${ACTION_LABEL[tried]}” is not possible now: the match is ${STATUS_PHRASE[from]}. ${next.length ? `What it can do next: ${list(next)}.` : 'It has nothing left to do.'}`;
    }
    return `Someone else moved the match first: it is ${STATUS_PHRASE[from]} now. Check it and try again.`;
  }
  if (e.code === 'event_overlaps') return overlapInWords(e);
  if (e.code === 'event_not_ended' && typeof x.status === 'string') {
    return `Rewards are settled once the match has ended; the match is ${STATUS_PHRASE[x.status as EventStatus]}.`;
  }
  return e.detail;
}

/**
 * A venue holds one match at a time (issue 23, property 5): the 409 names the other match, with its
 * window when two would overlap, or its status when its gates are already open or it is live.
 */
export function overlapInWords(e: ApiProblem): string {
  const x = e.extra;
  const name = typeof x.name === 'string' ? `“${x.name}”` : 'another match';
  if (typeof x.status === 'string' && (x.status === 'gates_open' || x.status === 'live'))
    return `${name} is ${STATUS_PHRASE[x.status as EventStatus]} at this venue: a venue runs one match at a time. End it (or cancel it) first.`;
  if (typeof x.startsAt === 'string' && typeof x.endsAt === 'string') {
    const at = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    return `${name} already runs from ${at(x.startsAt)} to ${at(x.endsAt)} at this venue: pick a time after it ends or before it starts.`;
  }
  return e.detail;
}
