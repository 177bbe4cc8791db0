import { Injectable, Logger } from '@nestjs/common';
import { Interface } from 'ethers';
import { ARTIFACTS, ChainService } from '@fanmesh/chain';
import { Job } from '@fanmesh/events';
import { pollKey } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { ballotsRoot, needsChain, tally, tallyHash } from './ballots';
import { toCountedBallot } from './poll.mapper';
import { PollRepository } from './poll.repository';
import { PollViews } from './poll-views.service';
import { PollError } from './polls.error';
import { TokenSnapshot } from './token-snapshot';

/**
 * A poll's life on its schedule: opened at its time with a FanToken snapshot, closed at its time (or
 * by hand) with the tally frozen under the row lock, its tally hash and ballots root attested on
 * chain through the outbox, and followed until the chain has them.
 */
@Injectable()
export class PollScheduleService {
  private readonly logger = new Logger(PollScheduleService.name);

  constructor(
    private readonly repo: PollRepository,
    private readonly snapshot: TokenSnapshot,
    private readonly chain: ChainService,
    private readonly views: PollViews,
    private readonly realtime: RealtimeService,
  ) {}

  /** Opens a poll: takes the token snapshot at the chain head when it needs one. Idempotent across instances. */
  async open(id: string): Promise<void> {
    const poll = await this.repo.find(id);
    if (!poll || poll.openedAt) return;
    // Read the chain outside the row lock; should two instances race, the first to lock wins and the other's work is dropped.
    let snap: { block: number; hash: string; balances: Map<string, bigint> } | null = null;
    if (needsChain(poll)) {
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
      if (fresh.eventId) await this.realtime.publish(`event:${fresh.eventId}`, { type: 'poll.opened', poll: await this.views.view(fresh) });
    }
  }

  /**
   * Freezes the tally under the row lock (no ballot can slip in), computes the tally hash and the
   * ballots' Merkle root, and queues the attestation. False when the poll was already closed.
   */
  async close(id: string, by: string): Promise<boolean> {
    const closed = await this.repo.transaction(async (tx) => {
      const poll = await this.repo.find(id, tx, 'update');
      if (!poll || poll.closedAt) return undefined;
      const counted = (await this.repo.ballots(id, tx)).map(toCountedBallot);
      const t = tally(poll.options.length, counted);
      const result = {
        by,
        tallyHash: tallyHash(id, poll.snapshotBlock === null ? null : Number(poll.snapshotBlock), t),
        ballotsRoot: ballotsRoot(counted),
        totals: t.totals,
        counts: t.ballots,
      };
      await this.repo.close(tx, id, result);
      return { poll, result };
    });
    if (!closed) return false;
    this.logger.log({ pollId: id, by, ballots: closed.result.counts.reduce((a, b) => a + b, 0), tallyHash: closed.result.tallyHash }, 'poll closed');
    await this.queueAttestation(id, closed.result.tallyHash, closed.result.ballotsRoot);
    const fresh = (await this.repo.find(id))!;
    if (fresh.eventId) await this.realtime.publish(`event:${fresh.eventId}`, { type: 'poll.closed', ...(await this.views.frame(fresh)) });
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

  /** Opens and closes the polls whose time has come (on one instance each second). */
  @Job('polls.schedule', { everyMs: 1000, leaseMs: 30_000 })
  async openAndClose(): Promise<void> {
    for (const id of await this.repo.dueToOpen()) await this.open(id).catch((err) => this.logger.warn({ pollId: id, err: (err as Error).message }, 'could not open poll'));
    for (const id of await this.repo.dueToClose()) await this.close(id, 'schedule');
  }

  /**
   * Follows closed polls' attestations until the chain has them; queueing is idempotent, so a crash
   * between closing and queueing is repaired here.
   */
  @Job('polls.follow-attestations', { everyMs: 3000, leaseMs: 30_000 })
  async followAttestations(): Promise<void> {
    if (!this.chain.deployment?.PollAttestor) return;
    for (const p of await this.repo.unattested()) {
      await this.queueAttestation(p.id, p.tallyHash, p.ballotsRoot);
      if (await this.chain.contract('PollAttestor').verify(pollKey(p.id), p.tallyHash, p.ballotsRoot)) {
        await this.repo.markAttested(p.id);
        this.logger.log({ pollId: p.id }, 'poll result attested on chain');
      }
    }
  }
}
