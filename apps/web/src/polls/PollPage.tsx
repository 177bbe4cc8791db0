import { useEffect, useMemo, useState } from 'react';
import { formatUnits } from 'ethers';
import { channels } from '@fanmesh/protocol';
import { ApiProblem, getAccessToken } from '../api/client';
import { Live } from '../lib/live';
import type { Session } from '../lib/session';
import { Counted, PollFrame, pollsApi, PollView } from './api';
import { ResultChart } from './ResultChart';
import './polls.css';

const eligibilityText: Record<PollView['eligibility'], string> = {
  holders: 'FanToken holders at the snapshot',
  checked_in: 'fans checked in to the match',
  both: 'checked-in fans who held FanToken at the snapshot',
};

/** What one option's total reads as: FAN with up to two decimals, or a number of votes. */
const asNumber = (poll: PollView, total: string) => (poll.weighting === 'token_balance' ? Number(formatUnits(total, 18)) : Number(total));

/**
 * /polls/<id>: the question, the options, a vote signed with the fan's own key (an EIP-712 ballot:
 * no gas, no wallet pop-up) and the live result, fed by the event's channel.
 */
export function PollPage({ session, pollId }: { session: Session; pollId: string }) {
  const [poll, setPoll] = useState<PollView>();
  const [choice, setChoice] = useState<number>();
  const [counted, setCounted] = useState<Counted>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    pollsApi.get(pollId).then(setPoll, (e: ApiProblem) => setProblem(e.detail));
  }, [pollId]);

  const eventId = poll?.eventId;
  useEffect(() => {
    if (!eventId) return;
    const live = new Live(getAccessToken);
    live.subscribe(channels.event(eventId), (data) => {
      const f = data as PollFrame;
      if ((f.type !== 'poll.tally' && f.type !== 'poll.closed') || f.pollId !== pollId) return;
      setPoll((p) => p && { ...p, status: f.status, voters: f.voters, options: p.options.map((o) => ({ ...o, total: f.totals[o.index], ballots: f.ballots[o.index] })) });
      // The closing frame carries no hashes: fetch them once.
      if (f.type === 'poll.closed') pollsApi.get(pollId).then(setPoll, () => undefined);
    });
    return () => live.close();
  }, [eventId, pollId]);

  // Once closed, follow the attestation until the chain has it (a few blocks).
  const waitingForChain = poll?.status === 'closed' && poll.result?.attestor && !poll.result.attestedAt;
  useEffect(() => {
    if (!waitingForChain) return;
    const timer = setInterval(() => pollsApi.get(pollId).then(setPoll, () => undefined), 2000);
    return () => clearInterval(timer);
  }, [waitingForChain, pollId]);

  const labels = useMemo(() => poll?.options.map((o) => o.label) ?? [], [poll?.options.map((o) => o.label).join('\u0000')]);
  if (!poll)
    return (
      <section>
        <h1>Poll</h1>
        {problem ? (
          <p role="alert" className="problem">
            {problem}
          </p>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>
    );

  const unit = poll.weighting === 'token_balance' ? 'FAN' : 'votes';
  const values = poll.options.map((o) => asNumber(poll, o.total));

  const vote = async () => {
    if (choice === undefined) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const ballot = { pollId: poll.key, option: choice, issuedAt: Math.floor(Date.now() / 1000) };
      const signature = await session.wallet.signTypedData(poll.ballot.domain, poll.ballot.types, ballot);
      setCounted(await pollsApi.vote(poll.id, { ...ballot, signature }));
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e.detail : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="poll" data-address={session.address} data-status={poll.status}>
      <h1>{poll.question}</h1>
      <p className="muted">
        {poll.status === 'closed'
          ? 'Closed'
          : poll.status === 'open'
            ? `Open until ${new Date(poll.closesAt).toLocaleString()}`
            : `Opens ${new Date(poll.opensAt).toLocaleString()}`}{' '}
        · for {eligibilityText[poll.eligibility]} · {poll.weighting === 'token_balance' ? `weighted by FAN held at block ${poll.snapshot?.block ?? '—'}` : 'one fan, one vote'}
      </p>
      {poll.status === 'open' && (
        <fieldset className="poll-options">
          <legend>Your vote</legend>
          {poll.options.map((o) => (
            <label key={o.index} className={choice === o.index ? 'chosen' : ''}>
              <input type="radio" name="option" value={o.index} checked={choice === o.index} onChange={() => setChoice(o.index)} />
              {o.label}
            </label>
          ))}
          <button className="primary" onClick={() => void vote()} disabled={busy || choice === undefined}>
            {busy ? 'Signing…' : counted ? 'Change my vote' : 'Vote'}
          </button>
        </fieldset>
      )}
      {counted && (
        <p role="status" className="counted">
          Your vote for <strong>{poll.options[counted.option].label}</strong> is counted
          {poll.weighting === 'token_balance' ? ` with ${formatUnits(counted.weight, 18)} FAN` : ''}.{poll.status === 'open' ? ' You can change it until the poll closes.' : ''}
        </p>
      )}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <ResultChart labels={labels} values={values} unit={unit} title={poll.status === 'closed' ? 'Final result' : 'Live result'} />
      <table className="poll-totals">
        <caption>
          {poll.voters} {poll.voters === 1 ? 'fan has' : 'fans have'} voted
        </caption>
        <thead>
          <tr>
            <th scope="col">Option</th>
            <th scope="col">{unit}</th>
            <th scope="col">Ballots</th>
          </tr>
        </thead>
        <tbody>
          {poll.options.map((o, i) => (
            <tr key={o.index}>
              <th scope="row">{o.label}</th>
              <td data-testid={`total-${o.index}`}>{values[i].toLocaleString()}</td>
              <td>{o.ballots}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {poll.result && (
        <p className="muted poll-proof" data-attested={poll.result.attestedAt ? 'true' : 'false'}>
          Tally <code>{poll.result.tallyHash?.slice(0, 10)}…</code>, ballots root <code>{poll.result.ballotsRoot?.slice(0, 10)}…</code>{' '}
          {poll.result.attestedAt ? 'attested on chain.' : 'being attested on chain.'} Every ballot is published for recounts.
        </p>
      )}
    </section>
  );
}

/** /polls?event=<id>: that match's polls. */
export function PollList({ session, eventId }: { session: Session; eventId: string | null }) {
  const [polls, setPolls] = useState<PollView[]>();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    if (eventId) pollsApi.forEvent(eventId).then(setPolls, (e: ApiProblem) => setProblem(e.detail));
  }, [eventId]);
  return (
    <section data-address={session.address}>
      <h1>Polls</h1>
      {!eventId && <p className="muted">Open a poll from its link, or from a match page.</p>}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <ul className="poll-list">
        {polls?.map((p) => (
          <li key={p.id}>
            <a href={`/polls/${p.id}`}>{p.question}</a>{' '}
            <span className="muted">
              ({p.status}, {p.voters} voted)
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The polls area of the app: /polls/<id> or /polls?event=<id>. */
export function PollsArea({ session }: { session: Session }) {
  const id = location.pathname.split('/')[2];
  return id ? <PollPage session={session} pollId={id} /> : <PollList session={session} eventId={new URLSearchParams(location.search).get('event')} />;
}
