import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Principal } from '@fanmesh/common';
import { VenueDirectory } from '@fanmesh/directory';
import type { EventView, RewardRatesView } from '@fanmesh/protocol';
import { poolsAt, RATE_CEILING_BPS, RATE_FLOOR_BPS, RATE_KINDS, RATE_STEP_BPS } from './reward-rates';
import { RewardRatesRepository } from './reward-rates.repository';
import { seasonOf } from './season';
import { DEFAULT_POOLS, PoolConfig, REWARD_KINDS } from './reward-rules';
import { RewardsError } from './rewards.error';
import { PoolView, toPoolView } from './rewards.mapper';
import { PoolRow, RewardsRepository } from './rewards.repository';

/**
 * Each event's reward pools: created from the defaults, at the rate controller's current factors,
 * the first time anyone asks or anything is earned; changed by an admin only before the gates open
 * (so rewards already promised never change).
 */
@Injectable()
export class PoolsService {
  private readonly logger = new Logger(PoolsService.name);
  /** Pools of events whose gates opened: frozen, so safe to keep. */
  private readonly frozen = new Map<string, PoolRow[]>();

  constructor(
    private readonly repo: RewardsRepository,
    private readonly venues: VenueDirectory,
    private readonly rateRepo: RewardRatesRepository,
  ) {}

  /** A new event's pools: the defaults at the rate controller's current factors (reward-rates.ts). */
  private async defaults(tx?: EntityManager): Promise<PoolConfig[]> {
    return poolsAt(await this.rateRepo.factors(tx));
  }

  /** The event's pools; created from the defaults the first time. */
  async pools(eventId: string): Promise<{ eventId: string; venueId: string; frozen: boolean; pools: PoolView[] }> {
    const event = await this.event(eventId);
    let found = await this.repo.pools(eventId);
    if (!found.length) {
      await this.repo.ensurePools(eventId, event.venueId, await this.defaults());
      found = await this.repo.pools(eventId);
    }
    return { eventId, venueId: event.venueId, frozen: event.status !== 'scheduled', pools: found.map(toPoolView) };
  }

  /** The rate controller's current factors and its latest steps (public: anyone can follow the season's rates). */
  async rates(): Promise<RewardRatesView> {
    const [factors, steps] = await Promise.all([this.rateRepo.factors(), this.rateRepo.steps(50)]);
    const now = poolsAt(factors);
    return {
      stepBps: RATE_STEP_BPS,
      floorBps: RATE_FLOOR_BPS,
      ceilingBps: RATE_CEILING_BPS,
      rates: RATE_KINDS.map((kind) => ({
        kind,
        factorBps: factors.get(kind)!,
        perUnit: now.find((p) => p.kind === kind)!.perUnit.toString(),
        defaultPerUnit: DEFAULT_POOLS.find((p) => p.kind === kind)!.perUnit.toString(),
      })),
      steps: steps.map((x) => ({ ...x, at: new Date(x.at).toISOString() })),
    };
  }

  /** Replaces an event's pools; only before its gates open. */
  async setPools(eventId: string, pools: PoolConfig[], by: Principal) {
    const event = await this.event(eventId);
    if (event.status !== 'scheduled')
      throw new RewardsError('pools_frozen', `The event is ${event.status}; pools can only change before the gates open.`, { status: event.status });
    const kinds = pools.map((p) => p.kind);
    const missing = REWARD_KINDS.filter((k) => !kinds.includes(k));
    if (missing.length || new Set(kinds).size !== kinds.length) {
      throw new RewardsError('bad_pool', `Give each kind exactly once (${REWARD_KINDS.join(', ')}); missing: ${missing.join(', ') || 'none'}.`, { missing });
    }
    for (const p of pools) {
      if (p.kind !== 'coverage' && p.perUnit > p.accountCap)
        throw new RewardsError('bad_pool', `${p.kind}: perUnit above accountCap would pay nobody a full unit.`, { kind: p.kind });
      if (p.accountCap > p.pool) throw new RewardsError('bad_pool', `${p.kind}: accountCap above the pool.`, { kind: p.kind });
    }
    if (!(await this.repo.replacePools(eventId, event.venueId, pools, by.subject))) {
      throw new RewardsError('pools_frozen', 'Rewards were already paid from these pools; they cannot change.');
    }
    this.logger.log({ eventId, by: by.subject, kinds: pools.length }, 'reward pools set');
    return this.pools(eventId);
  }

  /** The pools facts are applied against (created from the defaults if need be), read through `tx` when given. */
  async ensured(eventId: string, tx?: EntityManager): Promise<PoolRow[]> {
    const cached = this.frozen.get(eventId);
    if (cached) return cached;
    const event = await this.event(eventId, tx);
    let found = await this.repo.pools(eventId, tx);
    if (!found.length) {
      await this.repo.ensurePools(eventId, event.venueId, await this.defaults(tx), tx);
      found = await this.repo.pools(eventId, tx);
    }
    const season = seasonOf(new Date(event.startsAt)).id;
    if (found.some((p) => p.season !== season)) {
      await this.repo.placeInSeason(eventId, season, tx);
      found = found.map((p) => ({ ...p, season }));
    }
    // Pools are frozen once the gates open: caching them from then on is safe.
    if (event.status !== 'scheduled') this.frozen.set(eventId, found);
    return found;
  }

  /** The event, from the venues context's directory; a 404 of ours for an unknown id. */
  async event(eventId: string, tx?: EntityManager): Promise<EventView> {
    try {
      return await this.venues.getEvent(eventId, tx);
    } catch {
      throw new RewardsError('event_not_found', `No event ${eventId}.`);
    }
  }
}
