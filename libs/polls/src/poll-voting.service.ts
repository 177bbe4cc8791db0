import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Principal } from '@fanmesh/common';
import { recoverTypedDataSigner } from '@fanmesh/crypto';
import { AdmissionDirectory } from '@fanmesh/directory';
import { BALLOT_TYPES, pollKey } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { PollRepository, PollRow } from './poll.repository';
import { PollScheduleService } from './poll-schedule.service';
import { PollViews } from './poll-views.service';
import { PollError } from './polls.error';

/** How far in the future a ballot's issuedAt may be (phones' clocks drift). */
export const BALLOT_CLOCK_SKEW_S = 60;
/** At most one live tally frame per poll this often: a burst of ballots becomes one push (losing one loses nothing). */
const LIVE_THROTTLE_MS = 200;

export interface SignedBallot {
  pollId: string;
  option: number;
  issuedAt: number;
  signature: string;
}

/**
 * Gasless EIP-712 ballots: one per fan (a later one replaces an earlier one), weighted after the
 * poll's eligibility rules, counted under the poll's row lock, and pushed live on `event:<id>`.
 */
@Injectable()
export class PollVotingService implements OnApplicationShutdown {
  private readonly logger = new Logger(PollVotingService.name);
  private readonly livePending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly repo: PollRepository,
    private readonly schedule: PollScheduleService,
    private readonly views: PollViews,
    private readonly admissions: AdmissionDirectory,
    private readonly realtime: RealtimeService,
  ) {}

  onApplicationShutdown(): void {
    for (const t of this.livePending.values()) clearTimeout(t);
    this.livePending.clear();
  }

  async vote(id: string, ballot: SignedBallot, by: Principal) {
    let poll = await this.repo.find(id);
    if (!poll) throw new PollError('poll_not_found', `No poll ${id}.`);
    if (ballot.pollId.toLowerCase() !== pollKey(id)) {
      throw new PollError('wrong_poll', `This ballot was signed for poll ${ballot.pollId}, not for this one (${pollKey(id)}).`, { expected: pollKey(id) });
    }
    let signer: string;
    try {
      signer = recoverTypedDataSigner(
        this.views.domain(),
        BALLOT_TYPES,
        { pollId: ballot.pollId, option: ballot.option, issuedAt: ballot.issuedAt },
        ballot.signature,
      ).toLowerCase();
    } catch {
      throw new PollError('bad_signature', 'The signature is not a valid secp256k1 signature over this ballot.');
    }
    if (signer !== by.subject.toLowerCase()) {
      throw new PollError('signer_mismatch', 'This ballot was not signed by your account (or was signed for another poll, option, time or domain).', { signer });
    }
    if (ballot.option >= poll.options.length) throw new PollError('bad_option', `option must be between 0 and ${poll.options.length - 1}.`);
    const now = Date.now();
    if (poll.closedAt || now >= new Date(poll.closesAt).getTime())
      throw new PollError('poll_closed', `This poll closed at ${new Date(poll.closedAt ?? poll.closesAt).toISOString()}.`);
    if (ballot.issuedAt * 1000 >= new Date(poll.closesAt).getTime()) throw new PollError('poll_closed', 'This ballot was issued after the poll closes.');
    if (now < new Date(poll.opensAt).getTime()) throw new PollError('poll_not_open', `This poll opens at ${new Date(poll.opensAt).toISOString()}.`);
    if (ballot.issuedAt > now / 1000 + BALLOT_CLOCK_SKEW_S)
      throw new PollError('issued_in_future', `issuedAt is more than ${BALLOT_CLOCK_SKEW_S} s ahead of the server's clock; check the phone's clock.`);
    if (!poll.openedAt) {
      await this.schedule.open(id);
      poll = (await this.repo.find(id))!;
    }
    const weight = await this.weightOf(poll, signer);
    const outcome = await this.repo.transaction(async (tx) => {
      const locked = (await this.repo.find(id, tx, 'share'))!;
      // Closing takes the row FOR UPDATE: a ballot is either in the tally or refused, never lost in between.
      if (locked.closedAt || Date.now() >= new Date(locked.closesAt).getTime()) throw new PollError('poll_closed', 'This poll closed while your ballot was on its way.');
      return this.repo.upsertBallot(tx, id, { voter: signer, option: ballot.option, issuedAt: ballot.issuedAt, weight, signature: ballot.signature });
    });
    if (outcome === 'stale') throw new PollError('stale_ballot', 'You already have a ballot issued at or after this one; sign a new one to change your vote.');
    if (outcome === 'counted') this.scheduleLive(poll);
    return { pollId: id, voter: signer, option: ballot.option, issuedAt: ballot.issuedAt, weight: weight.toString(), counted: true };
  }

  /** The fan's weight, after the eligibility rules: throws the reason when they may not vote. */
  private async weightOf(poll: PollRow, voter: string): Promise<bigint> {
    const balance = poll.snapshotBlock !== null ? await this.repo.snapshotBalance(poll.id, voter) : 0n;
    if ((poll.eligibility === 'holders' || poll.eligibility === 'both') && balance === 0n) {
      throw new PollError('not_token_holder', `This poll is for FanToken holders at block ${poll.snapshotBlock}; your address held none then.`, {
        snapshotBlock: Number(poll.snapshotBlock),
      });
    }
    if ((poll.eligibility === 'checked_in' || poll.eligibility === 'both') && !(await this.admissions.admitted(poll.eventId!, voter))) {
      throw new PollError('not_checked_in', 'This poll is for fans checked in to the match; scan your ticket at a gate first.');
    }
    if (poll.weighting === 'one_per_fan') return 1n;
    if (balance === 0n)
      throw new PollError('no_voting_power', `Votes are weighted by FanToken balance at block ${poll.snapshotBlock}; your address held none then.`, {
        snapshotBlock: Number(poll.snapshotBlock),
      });
    return balance;
  }

  private scheduleLive(poll: PollRow): void {
    if (!poll.eventId || this.livePending.has(poll.id)) return;
    const timer = setTimeout(() => {
      this.livePending.delete(poll.id);
      void this.views
        .frame(poll)
        .then((frame) => this.realtime.publish(`event:${poll.eventId}`, { type: 'poll.tally', ...frame }))
        .catch((err) => this.logger.warn({ pollId: poll.id, err: (err as Error).message }, 'live tally not published'));
    }, LIVE_THROTTLE_MS);
    timer.unref();
    this.livePending.set(poll.id, timer);
  }
}
