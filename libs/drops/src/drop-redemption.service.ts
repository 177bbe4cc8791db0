import { Injectable } from '@nestjs/common';
import { DomainEvents } from '@fanmesh/events';
import { fanDropView, redemptionView } from './drop.mapper';
import { Claim, DropRepository, DropRow } from './drop.repository';
import { DropError } from './drops.error';
import { FanDropView, RedemptionView } from './dto/drop.dto';

const CLAIM_ATTEMPTS = 4;

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

/**
 * Fans: their drops, acknowledging and opening them, and redeeming one unit atomically. A
 * redemption that earns a fan-token bonus writes its `drops.token_granted` event in the same
 * transaction; the rewards ledger pays it.
 */
@Injectable()
export class DropRedemptionService {
  constructor(
    private readonly repo: DropRepository,
    private readonly events: DomainEvents,
  ) {}

  async mine(fan: string, eventId: string | undefined): Promise<FanDropView[]> {
    return (await this.repo.forFan(fan, eventId ?? null)).map(fanDropView);
  }

  /** The fan's client acknowledges the socket message (delivered) or shows it (opened). Idempotent. */
  async acknowledge(id: string, fan: string, opened: boolean): Promise<void> {
    const r = await this.repo.touch(id, fan, opened);
    if (!r.targeted) throw new DropError('not_targeted', 'This drop was not sent to you.');
  }

  /** Claims one unit for the fan, atomically; the code comes back only in this answer (and in the fan's own list). */
  async redeem(id: string, fan: string): Promise<RedemptionView> {
    const drop = await this.repo.find(id);
    if (!drop) throw new DropError('drop_not_found', `No drop ${id}.`);
    if (drop.status !== 'fired') throw new DropError('not_targeted', 'This drop was not sent to you.');
    if (Date.now() > new Date(drop.endsAt).getTime()) throw new DropError('drop_closed', `This drop closed at ${new Date(drop.endsAt).toISOString()}.`);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      let claim: Claim | undefined;
      try {
        claim = await this.claim(drop, fan);
      } catch (err) {
        if (isUniqueViolation(err)) continue; // the same fan claimed concurrently: look again with the new count
        throw err;
      }
      if (claim) return redemptionView(drop, claim);
      break;
    }
    const state = await this.repo.claimState(id, fan);
    if (!state.targeted) throw new DropError('not_targeted', 'This drop was not sent to you.');
    if (state.held >= drop.perFanLimit)
      throw new DropError('limit_reached', `You already redeemed this drop${drop.perFanLimit > 1 ? ` ${state.held} times (the limit)` : ''}; see your codes under /drops/mine.`, {
        held: state.held,
      });
    if (state.free === 0) throw new DropError('sold_out', 'All of this drop has been claimed.');
    throw new DropError('limit_reached', 'Another redemption of yours is in progress; try again.', { held: state.held });
  }

  /** One statement; a token bonus also carries its grant's domain event, in the same transaction. */
  private async claim(drop: DropRow, fan: string): Promise<Claim | undefined> {
    if (drop.rewardKind !== 'token' || !drop.tokenAmount) return this.repo.claim(undefined, drop.id, drop.eventId, fan, drop.perFanLimit, null);
    return this.repo.transaction(async (tx) => {
      const claim = await this.repo.claim(tx, drop.id, drop.eventId, fan, drop.perFanLimit, drop.tokenAmount);
      if (claim?.grant) {
        await this.events.emit(tx, 'drops.token_granted', { idempotencyKey: claim.grant.idempotencyKey, dropId: drop.id, eventId: drop.eventId, fan, amount: claim.grant.amount });
      }
      return claim;
    });
  }
}
