import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Interface } from 'ethers';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { ARTIFACTS, ChainService } from '@fanmesh/chain';
import { recoverTypedDataSigner } from '@fanmesh/crypto';
import { AdmissionDirectory } from '@fanmesh/access';
import { RealtimeService } from '@fanmesh/realtime';
import { VenuesService } from '@fanmesh/venues';
import { BALLOT_TYPES, ballotDomain, ballotsRoot, CountedBallot, Eligibility, pollKey, tally, tallyHash, Weighting } from './ballots';
import { PollError } from './polls.error';
import { BallotRow, PollRepository, PollRow } from './poll.repository';
import { TokenSnapshot } from './token-snapshot';

/** How far in the future a ballot's issuedAt may be (phones' clocks drift). */
export const BALLOT_CLOCK_SKEW_S = 60;
const SWEEP_MS = 1000;
const LIVE_THROTTLE_MS = 200;

export interface CreatePoll {
  venueId: string;
  eventId?: string;
  question: string;
  options: string[];
  opensAt?: string;
  closesAt: string;
  eligibility: Eligibility;
  weighting: Weighting;
}

export interface SignedBallot {
  pollId: string;
  option: number;
  issuedAt: number;
  signature: string;
}

export type PollStatus = 'scheduled' | 'open' | 'closed';

/**
 * Fan polls: created by staff for an event or a club, opened at their time with a FanToken snapshot
 * (balances from Transfer logs up to the head block at opening), gasless EIP-712 ballots (one per fan,
 * a later one replaces an earlier one), live tallies on `event:<id>`, and at close a tally hash and
 * the Merkle root of every counted ballot attested on chain through the outbox.
 */
@Injectable()
export class PollsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PollsService.name);
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;
  private sweeps = 0;
  private readonly livePending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly repo: PollRepository,
    private readonly snapshot: TokenSnapshot,
    private readonly chain: ChainService,
    private readonly admissions: AdmissionDirectory,
    private readonly venues: VenuesService,
    private readonly realtime: RealtimeService,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.livePending.values()) clearTimeout(t);
    this.livePending.clear();
  }

  // ------------------------------------------------------------------ create, read

  async create(dto: CreatePoll, by: Principal) {
    requireVenueRole(by, ['staff'], dto.venueId);
    if (dto.eventId) {
      const event = await this.venues.getEvent(dto.eventId);
      if (event.venueId !== dto.venueId) throw new PollError('event_not_at_venue', `Event ${dto.eventId} is at another venue; create the poll for that venue.`);
    } else if (dto.eligibility !== 'holders') {
      throw new PollError('needs_event', 'Only fans checked in to an event can be required: give the eventId, or make the poll open to token holders.');
    }
    const labels = dto.options.map((o) => o.trim().toLowerCase());
    if (new Set(labels).size !== labels.length) throw new PollError('duplicate_options', 'Two options have the same text; each option must be different.');
    const opensAt = dto.opensAt ? new Date(dto.opensAt) : new Date();
    const closesAt = new Date(dto.closesAt);
    if (closesAt <= opensAt) throw new PollError('bad_schedule', 'closesAt must be after opensAt.');
    if (closesAt.getTime() <= Date.now()) throw new PollError('bad_schedule', 'closesAt is in the past.');
    if (this.needsChain(dto) && !this.snapshot.available) {
      throw new PollError('chain_unavailable', 'Token-holder eligibility and token weighting need the chain, which is not enabled on this server.');
    }
    const id = await this.repo.create({ venueId: dto.venueId, eventId: dto.eventId ?? null, question: dto.question.trim(), options: dto.options.map((o) => o.trim()), opensAt, closesAt, eligibility: dto.eligibility, weighting: dto.weighting, createdBy: by.subject });
    this.logger.log({ pollId: id, venueId: dto.venueId, eventId: dto.eventId, eligibility: dto.eligibility, weighting: dto.weighting }, 'poll created');
    // Should the chain not answer now, the poll is still created; the sweeper (or the first ballot) opens it.
    if (opensAt.getTime() <= Date.now()) await this.open(id).catch(() => undefined);
    return this.get(id);
  }

  async get(id: string) {
    const poll = await this.repo.find(id);
    if (!poll) throw new PollError('poll_not_found', `No poll ${id}.`);
    return this.view(poll, await this.currentTally(poll));
  }

  async list(filter: { eventId?: string; venueId?: string }) {
    const polls = await this.repo.list(filter);
    return Promise.all(polls.map(async (p) => this.view(p, await this.currentTally(p))));
  }

  /** Every counted ballot with its signature and weight, and what is needed to recount them. */
  async ballots(id: string) {
    const poll = await this.repo.find(id);
    if (!poll) throw new PollError('poll_not_found', `No poll ${id}.`);
    const rows = await this.repo.ballots(id);
    return {
      pollId: poll.id,
      key: pollKey(poll.id),
      domain: this.domain(),
      types: BALLOT_TYPES,
      weighting: poll.weighting,
      snapshot: this.snapshotView(poll),
      tallyHash: poll.tallyHash,
      ballotsRoot: poll.ballotsRoot,
      ballots: rows.map((b) => ({ voter: b.voter, option: b.option, issuedAt: Number(b.issuedAt), weight: b.weight, signature: b.signature, receivedAt: new Date(b.receivedAt).toISOString() })),
    };
  }

  // ------------------------------------------------------------------ voting

  async vote(id: string, ballot: SignedBallot, by: Principal) {
    let poll = await this.repo.find(id);
    if (!poll) throw new PollError('poll_not_found', `No poll ${id}.`);
    if (ballot.pollId.toLowerCase() !== pollKey(id)) {
      throw new PollError('wrong_poll', `This ballot was signed for poll ${ballot.pollId}, not for this one (${pollKey(id)}).`, { expected: pollKey(id) });
    }
    let signer: string;
    try {
      signer = recoverTypedDataSigner(this.domain(), BALLOT_TYPES, { pollId: ballot.pollId, option: ballot.option, issuedAt: ballot.issuedAt }, ballot.signature).toLowerCase();
    } catch {
      throw new PollError('bad_signature', 'The signature is not a valid secp256k1 signature over this ballot.');
    }
    if (signer !== by.subject.toLowerCase()) {
      throw new PollError('signer_mismatch', 'This ballot was not signed by your account (or was signed for another poll, option, time or domain).', { signer });
    }
    if (ballot.option >= poll.options.length) throw new PollError('bad_option', `option must be between 0 and ${poll.options.length - 1}.`);
    const now = Date.now();
    if (poll.closedAt || now >= new Date(poll.closesAt).getTime()) throw new PollError('poll_closed', `This poll closed at ${new Date(poll.closedAt ?? poll.closesAt).toISOString()}.`);
    if (ballot.issuedAt * 1000 >= new Date(poll.closesAt).getTime()) throw new PollError('poll_closed', 'This ballot was issued after the poll closes.');
    if (now < new Date(poll.opensAt).getTime()) throw new PollError('poll_not_open', `This poll opens at ${new Date(poll.opensAt).toISOString()}.`);
    if (ballot.issuedAt > now / 1000 + BALLOT_CLOCK_SKEW_S) throw new PollError('issued_in_future', `issuedAt is more than ${BALLOT_CLOCK_SKEW_S} s ahead of the server's clock; check the phone's clock.`);
    if (!poll.openedAt) {
      await this.open(id);
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
      throw new PollError('not_token_holder', `This poll is for FanToken holders at block ${poll.snapshotBlock}; your address held none then.`, { snapshotBlock: Number(poll.snapshotBlock) });
    }
    if ((poll.eligibility === 'checked_in' || poll.eligibility === 'both') && !(await this.admissions.admitted(poll.eventId!, voter))) {
      throw new PollError('not_checked_in', 'This poll is for fans checked in to the match; scan your ticket at a gate first.');
    }
    if (poll.weighting === 'one_per_fan') return 1n;
    if (balance === 0n) throw new PollError('no_voting_power', `Votes are weighted by FanToken balance at block ${poll.snapshotBlock}; your address held none then.`, { snapshotBlock: Number(poll.snapshotBlock) });
    return balance;
  }

  // ------------------------------------------------------------------ opening and closing

  /** Opens a poll: takes the token snapshot at the chain head when it needs one. Idempotent across instances. */
  async open(id: string): Promise<void> {
    const poll = await this.repo.find(id);
    if (!poll || poll.openedAt) return;
    // Read the chain outside the row lock; should two instances race, the first to lock wins and the other's work is dropped.
    let snap: { block: number; hash: string; balances: Map<string, bigint> } | null = null;
    if (this.needsChain(poll)) {
      if (!this.snapshot.available) throw new PollError('chain_unavailable', 'This poll needs the chain for its token snapshot, and the chain is not enabled.');
      try {
        const head = await this.snapshot.head();
        snap = { ...head, balances: await this.snapshot.balancesAt(head.block) };
      } catch (err) {
        this.logger.warn({ pollId: id, err: (err as Error).message }, 'token snapshot failed; the poll opens once the chain answers');
        throw new PollError('chain_unavailable', 'The token snapshot for this poll cannot be taken right now (the chain does not answer). Try again in a moment.');
      }
    }
    const opened = await this.repo.transaction(async (tx) => {
      const locked = await this.repo.find(id, tx, 'update');
      if (!locked || locked.openedAt) return false;
      await this.repo.open(tx, id, snap);
      return true;
    });
    if (opened) {
      this.logger.log({ pollId: id, snapshotBlock: snap?.block, holders: snap?.balances.size }, 'poll opened');
      const fresh = (await this.repo.find(id))!;
      if (fresh.eventId) await this.realtime.publish(`event:${fresh.eventId}`, { type: 'poll.opened', poll: this.view(fresh, await this.currentTally(fresh)) });
    }
  }

  /** Closes a poll by hand (staff of its venue, or an admin); it also closes by itself at closesAt. */
  async closeBy(id: string, by: Principal) {
    const poll = await this.repo.find(id);
    if (!poll) throw new PollError('poll_not_found', `No poll ${id}.`);
    requireVenueRole(by, ['staff'], poll.venueId);
    if (!(await this.close(id, by.subject))) throw new PollError('already_closed', `This poll closed at ${new Date((await this.repo.find(id))!.closedAt!).toISOString()}.`);
    return this.get(id);
  }

  /**
   * Freezes the tally under the row lock (no ballot can slip in), computes the tally hash and the
   * ballots' Merkle root, and queues the attestation. False when the poll was already closed.
   */
  async close(id: string, by: string): Promise<boolean> {
    const closed = await this.repo.transaction(async (tx) => {
      const poll = await this.repo.find(id, tx, 'update');
      if (!poll || poll.closedAt) return undefined;
      const counted = (await this.repo.ballots(id, tx)).map(toCounted);
      const t = tally(poll.options.length, counted);
      const result = { by, tallyHash: tallyHash(id, poll.snapshotBlock === null ? null : Number(poll.snapshotBlock), t), ballotsRoot: ballotsRoot(counted), totals: t.totals, counts: t.ballots };
      await this.repo.close(tx, id, result);
      return { poll, result };
    });
    if (!closed) return false;
    this.logger.log({ pollId: id, by, ballots: closed.result.counts.reduce((a, b) => a + b, 0), tallyHash: closed.result.tallyHash }, 'poll closed');
    await this.queueAttestation(id, closed.result.tallyHash, closed.result.ballotsRoot);
    const fresh = (await this.repo.find(id))!;
    if (fresh.eventId) await this.realtime.publish(`event:${fresh.eventId}`, { type: 'poll.closed', ...this.liveFrame(fresh, await this.currentTally(fresh)) });
    return true;
  }

  private async queueAttestation(id: string, tallyHashValue: string, root: string): Promise<void> {
    const attestor = this.chain.deployment?.PollAttestor;
    if (!attestor) return;
    await this.chain.enqueue({
      kind: 'poll.attest',
      idempotencyKey: `poll-attest:${id}`,
      to: attestor,
      data: new Interface(ARTIFACTS.PollAttestor.abi as never).encodeFunctionData('attest', [pollKey(id), tallyHashValue, root]),
    });
  }

  /**
   * Opens and closes polls whose time has come, and follows closed polls' attestations until the
   * chain has them (the queueing is idempotent, so a crash between closing and queueing is repaired here).
   */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const id of await this.repo.dueToOpen()) await this.open(id).catch((err) => this.logger.warn({ pollId: id, err: (err as Error).message }, 'could not open poll'));
      for (const id of await this.repo.dueToClose()) await this.close(id, 'schedule');
      if (++this.sweeps % 3 === 0) await this.followAttestations();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'poll sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  private async followAttestations(): Promise<void> {
    const attestor = this.chain.deployment?.PollAttestor;
    if (!attestor) return;
    for (const p of await this.repo.unattested()) {
      await this.queueAttestation(p.id, p.tallyHash, p.ballotsRoot);
      if (await this.chain.contract('PollAttestor').verify(pollKey(p.id), p.tallyHash, p.ballotsRoot)) {
        await this.repo.markAttested(p.id);
        this.logger.log({ pollId: p.id }, 'poll result attested on chain');
      }
    }
  }

  // ------------------------------------------------------------------ live tally

  private scheduleLive(poll: PollRow): void {
    if (!poll.eventId || this.livePending.has(poll.id)) return;
    // At most one frame per poll per LIVE_THROTTLE_MS: a burst of ballots becomes one update.
    this.livePending.set(
      poll.id,
      setTimeout(() => {
        this.livePending.delete(poll.id);
        void this.currentTally(poll)
          .then((t) => this.realtime.publish(`event:${poll.eventId}`, { type: 'poll.tally', ...this.liveFrame(poll, t) }))
          .catch((err) => this.logger.warn({ pollId: poll.id, err: (err as Error).message }, 'live tally not published'));
      }, LIVE_THROTTLE_MS),
    );
  }

  private liveFrame(poll: PollRow, t: { totals: string[]; ballots: number[] }) {
    return { pollId: poll.id, status: this.status(poll), totals: t.totals, ballots: t.ballots, voters: t.ballots.reduce((a, b) => a + b, 0), at: new Date().toISOString() };
  }

  private async currentTally(poll: PollRow): Promise<{ totals: string[]; ballots: number[] }> {
    if (poll.closedAt && poll.totals && poll.ballotCounts) return { totals: poll.totals, ballots: poll.ballotCounts };
    const totals = poll.options.map(() => '0');
    const ballots = poll.options.map(() => 0);
    for (const r of await this.repo.liveTally(poll.id)) {
      totals[r.option] = r.total;
      ballots[r.option] = r.ballots;
    }
    return { totals, ballots };
  }

  // ------------------------------------------------------------------ views

  private needsChain(p: { eligibility: Eligibility; weighting: Weighting }): boolean {
    return p.eligibility !== 'checked_in' || p.weighting === 'token_balance';
  }

  private domain() {
    return ballotDomain(this.chain.chainId, this.chain.deployment?.PollAttestor);
  }

  private status(p: PollRow): PollStatus {
    if (p.closedAt || Date.now() >= new Date(p.closesAt).getTime()) return 'closed';
    return Date.now() >= new Date(p.opensAt).getTime() ? 'open' : 'scheduled';
  }

  private snapshotView(p: PollRow) {
    return p.snapshotBlock === null ? null : { token: this.snapshot.token ?? null, block: Number(p.snapshotBlock), blockHash: p.snapshotBlockHash, holders: p.snapshotHolders };
  }

  view(p: PollRow, t: { totals: string[]; ballots: number[] }) {
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
      status: this.status(p),
      voters: t.ballots.reduce((a, b) => a + b, 0),
      snapshot: this.snapshotView(p),
      ballot: { domain: this.domain(), types: BALLOT_TYPES, primaryType: 'Ballot' },
      result: p.closedAt
        ? { closedAt: new Date(p.closedAt).toISOString(), closedBy: p.closedBy, tallyHash: p.tallyHash, ballotsRoot: p.ballotsRoot, attestor: this.chain.deployment?.PollAttestor ?? null, attestedAt: p.attestedAt ? new Date(p.attestedAt).toISOString() : null }
        : null,
    };
  }
}

const toCounted = (b: BallotRow): CountedBallot => ({ voter: b.voter, option: b.option, issuedAt: Number(b.issuedAt), weight: BigInt(b.weight), signature: b.signature });
