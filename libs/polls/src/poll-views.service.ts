import { Injectable } from '@nestjs/common';
import { ChainService } from '@fanmesh/chain';
import { ballotDomain, PollTally, PollView, TypedDataDomain } from '@fanmesh/protocol';
import { ChainContext, TallyCounts, toPollView, toTally, toTallyFrame } from './poll.mapper';
import { PollRepository, PollRow } from './poll.repository';
import { TokenSnapshot } from './token-snapshot';

/** A poll as clients see it: its current tally, and the chain's ballot domain, token and attestor. */
@Injectable()
export class PollViews {
  constructor(
    private readonly repo: PollRepository,
    private readonly chain: ChainService,
    private readonly snapshot: TokenSnapshot,
  ) {}

  /** The domain fans sign ballots in: 'FanMesh Polls' v1 at the PollAttestor (bare when the chain is off). */
  domain(): TypedDataDomain {
    return ballotDomain(this.chain.chainId, this.chain.deployment?.PollAttestor);
  }

  context(): ChainContext {
    return { domain: this.domain(), token: this.snapshot.token ?? null, attestor: this.chain.deployment?.PollAttestor ?? null };
  }

  async tally(p: PollRow): Promise<TallyCounts> {
    return toTally(p, p.closedAt && p.totals && p.ballotCounts ? [] : await this.repo.liveTally(p.id));
  }

  async view(p: PollRow): Promise<PollView> {
    return toPollView(p, await this.tally(p), this.context());
  }

  async frame(p: PollRow): Promise<PollTally> {
    return toTallyFrame(p, await this.tally(p));
  }
}
