import { Injectable, Logger } from '@nestjs/common';
import { ChainService } from '@fanmesh/chain';
import { DomainError } from '@fanmesh/common';
import { AccountEarning, ClaimStanding, EventEpoch, RewardsDirectory } from '@fanmesh/directory';
import { ClaimsService } from './claims.service';
import { EarningsRepository } from './earnings.repository';
import type { RewardKind } from './reward-rules';

/** The ledger as other contexts read it (the device owner app): earnings per event and epoch, and where an account's claim stands. */
@Injectable()
export class RewardsDirectoryService implements RewardsDirectory {
  private readonly logger = new Logger(RewardsDirectoryService.name);

  constructor(
    private readonly repo: EarningsRepository,
    private readonly claims: ClaimsService,
    private readonly chain: ChainService,
  ) {}

  async earnings(accounts: string[], kind: RewardKind, eventIds: string[]): Promise<AccountEarning[]> {
    const found = await this.repo.earnings(
      [...new Set(accounts.map((a) => a.toLowerCase()))],
      kind,
      eventIds.map((e) => e.toLowerCase()),
    );
    return found.map((r) => ({ ...r, clipped: r.clipped === 'account_cap' || r.clipped === 'season_cap' || r.clipped === 'pool_exhausted' ? r.clipped : null }));
  }

  eventEpochs(eventIds: string[]): Promise<EventEpoch[]> {
    return this.repo.eventEpochs(eventIds.map((e) => e.toLowerCase()));
  }

  /** The distributor's latest root for the account against what it already claimed; never throws for an account with nothing settled. */
  async claimStanding(account: string): Promise<ClaimStanding> {
    const none = { account: account.toLowerCase(), epochId: null, cumulativeAmount: '0', claimed: '0', claimable: '0' };
    if (!this.chain.enabled || !this.chain.deployment) return { ...none, status: 'no_chain' };
    try {
      const c = await this.claims.claim(account);
      return {
        account: c.account,
        status: c.claimable === '0' ? 'claimed' : 'claimable',
        epochId: c.epochId,
        cumulativeAmount: c.cumulativeAmount,
        claimed: c.claimed,
        claimable: c.claimable,
      };
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'not_settled' || err.code === 'no_rewards')) return { ...none, status: 'not_published' };
      this.logger.warn({ account: none.account, err: (err as Error).message }, 'claim standing unavailable (chain unreachable?)');
      return { ...none, status: 'unavailable' };
    }
  }
}
