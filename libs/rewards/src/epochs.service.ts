import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { CoverageDirectory, PurchaseRing } from '@fanmesh/directory';
import { DomainEvents } from '@fanmesh/events';
import type { EpochView } from '@fanmesh/protocol';
import { ChainService, DEFAULT_CAP } from '@fanmesh/chain';
import { RealtimeService } from '@fanmesh/realtime';
import { EpochRepository, EpochRow, EpochStatus } from './epoch.repository';
import type { CoverageFact } from './reward-rules';
import { scheduleRelease, ScheduleRelease } from './emission-wait';
import { buildManifest } from './manifest';
import { demandAtDefault, epochBudget, kindBudgets, nextFactor, RATE_KINDS, targetFactor } from './reward-rates';
import { RewardRatesRepository } from './reward-rates.repository';
import { PoolsService } from './pools.service';
import { RewardsError } from './rewards.error';
import { toEpochView } from './rewards.mapper';
import { LedgerWrite, RewardsService } from './rewards.service';
import { SettlementService } from './settlement.service';

/** Statuses of an epoch on its way through settlement (or through it): a retry leaves them as they are. */
const SETTLING: EpochStatus[] = ['approved', 'tree_built', 'publishing', 'published'];

/** The final scores the coverage pool is split by, each with the purchase rings it counted once (for the manifest). */
type CoverageScores = (CoverageFact['scores'][number] & { purchaseRings?: PurchaseRing[] })[];

export const SYSTEM: Principal = { subject: 'system:rewards', kind: 'account', roles: ['admin'] };

/**
 * Epochs before settlement: an ended event's entries are closed into an epoch with a manifest
 * (totals per kind, largest movers, anomalies), which staff approve or reject. The final whistle
 * closes it by itself (a task the ledger's consumer queues, run at once, and again while another
 * epoch is in flight: epochs settle one at a time); staff can also close by hand.
 */
@Injectable()
export class EpochsService {
  private readonly logger = new Logger(EpochsService.name);

  constructor(
    private readonly repo: EpochRepository,
    private readonly pools: PoolsService,
    private readonly ledger: RewardsService,
    private readonly coverage: CoverageDirectory,
    private readonly settlement: SettlementService,
    private readonly realtime: RealtimeService,
    private readonly events: DomainEvents,
    private readonly rates: RewardRatesRepository,
    private readonly chain: ChainService,
  ) {}

  /** The controller's budget source: what the emission schedule releases this week and has released in all (undefined without a chain). Read before a closing transaction. */
  async scheduleRelease(): Promise<ScheduleRelease | undefined> {
    if (!this.chain.enabled || !this.chain.deployment) return undefined;
    return scheduleRelease(this.chain.contract('RewardDistributor'), DEFAULT_CAP);
  }

  /** Staff close an ended event's epoch by hand (answers the same epoch when it is already closed and pending). */
  async close(eventId: string, by: Principal): Promise<EpochView> {
    const event = await this.pools.event(eventId);
    requireVenueRole(by, ['staff'], event.venueId);
    if (event.status !== 'ended') throw new RewardsError('event_not_ended', `The event is ${event.status}; an epoch closes when it has ended.`, { status: event.status });
    const scores = await this.coverageScores(eventId);
    const release = await this.scheduleRelease();
    const epoch = await this.repo.transaction((tx) =>
      this.closeWithin({ tx, afterCommit: (fn) => this.events.afterCommit(tx, fn) }, eventId, event.venueId, by.subject, scores, release),
    );
    return toEpochView(epoch);
  }

  /** The event's final coverage scores, as the coverage pool is split by them (read before any transaction opens). */
  async coverageScores(eventId: string): Promise<CoverageScores> {
    return (await this.coverage.scoreEpoch(eventId)).map((x) => ({ owner: x.owner, hotspot: x.hotspot, score: x.score, purchaseRings: x.purchaseRings }));
  }

  /**
   * In `into.tx`: splits the coverage pool by the final scores (once, capped by what fans
   * witnessed), then stamps every open entry of the event into a new epoch with its manifest.
   * Throws `epoch_in_progress` while another epoch is in flight, `nothing_to_settle` when every
   * entry of the event is already in one.
   */
  async closeWithin(into: LedgerWrite, eventId: string, venueId: string, by: string, scores: CoverageScores, release?: ScheduleRelease): Promise<EpochRow> {
    await this.ledger.record([{ type: 'coverage', eventId, scores }], into);
    const rings = scores.flatMap((s) => s.purchaseRings ?? []);
    const result = await this.repo.closeEpoch(into.tx, eventId, venueId, by, (m, id) => this.manifest(m, id, eventId, rings));
    if (result.open) {
      if (result.open.eventId === eventId && result.open.status === 'pending_approval') return result.open;
      throw new RewardsError(
        'epoch_in_progress',
        `Epoch ${result.open.id} (event ${result.open.eventId}) is ${result.open.status}; roots are cumulative and settle one at a time.`,
        {
          epochId: result.open.id,
        },
      );
    }
    if (result.empty) throw new RewardsError('nothing_to_settle', 'Every entry of this event is already in an epoch.');
    const epoch = result.epoch!;
    await this.stepRates(into.tx, epoch.id, release);
    into.afterCommit(() => {
      this.logger.log({ epochId: epoch.id, eventId, by }, 'epoch closed; manifest awaits approval');
      void this.realtime.publish(`staff:${venueId}`, { type: 'rewards.manifest_ready', epochId: epoch.id, eventId }).catch(() => undefined);
    });
    return epoch;
  }

  /**
   * The rate controller's step for a closed epoch: every kind's factor moves toward the one target the
   * budget asks for, by at most the step. The carry is what the schedule has released less the
   * cumulative total with this epoch.
   */
  private async stepRates(tx: EntityManager, epochId: string, release: ScheduleRelease | undefined): Promise<void> {
    // One after another: they share the transaction's one connection, which runs one query at a time
    // anyway (pg only queued them, with a deprecation warning, and pg@9 will refuse).
    const factors = await this.rates.factors(tx);
    const emitted = await this.rates.emittedByKind(tx, epochId);
    const cumulative = await this.rates.cumulativeEmitted(tx);
    const budget = epochBudget(release && { weekly: release.weekly, carry: release.released - cumulative });
    const demand = demandAtDefault(emitted, factors);
    const target = targetFactor(demand, budget);
    const budgets = kindBudgets(demand, budget);
    const steps = RATE_KINDS.map((kind) => {
      const before = factors.get(kind)!;
      return { kind, before, after: nextFactor(before, target), emitted: emitted.get(kind) ?? 0n, budget: budgets.get(kind) };
    });
    await this.rates.step(tx, epochId, steps);
    const moved = steps.filter((s) => s.after !== s.before);
    if (moved.length) this.logger.log({ epochId, rates: Object.fromEntries(moved.map((s) => [s.kind, `${s.before} -> ${s.after} bps`])) }, 'reward rates stepped');
  }

  private async manifest(m: EntityManager, epochId: string, eventId: string, rings: PurchaseRing[]): Promise<Record<string, unknown>> {
    return buildManifest(epochId, eventId, await this.repo.manifestFacts(m, epochId, eventId), rings);
  }

  // ------------------------------------------------------------------ manifest and decision

  async manifestOf(id: string, by: Principal): Promise<EpochView> {
    const epoch = await this.requireEpoch(id);
    requireVenueRole(by, ['staff'], epoch.venueId);
    return toEpochView(epoch);
  }

  async decide(id: string, decision: 'approve' | 'reject', by: Principal, note?: string): Promise<EpochView> {
    const epoch = await this.requireEpoch(id);
    requireVenueRole(by, ['staff'], epoch.venueId);
    const moved = await this.repo.move(id, ['pending_approval'], decision === 'approve' ? 'approved' : 'rejected', { decidedBy: by.subject, note });
    if (!moved) {
      const now = (await this.repo.epoch(id))!;
      throw new RewardsError('epoch_not_pending', `Epoch ${id} is ${now.status}; only a manifest pending approval can be ${decision}d.`, { status: now.status });
    }
    this.logger.log({ epochId: id, decision, by: by.subject }, 'manifest decided');
    if (decision === 'approve') void this.settlement.resume().catch((err) => this.logger.warn({ err: (err as Error).message }, 'settlement step failed; retrying'));
    return toEpochView((await this.repo.epoch(id))!);
  }

  /**
   * Staff send a failed epoch through settlement again: back to `tree_built` with its tree kept, its
   * failed publishRoot released so the next pass queues a fresh one. Idempotent: an epoch already on
   * its way (or published) is answered as it is. Never pays twice: only an intent that failed (no
   * effect on chain) is released, and the distributor refuses an epoch id it already has.
   */
  async retry(id: string, by: Principal): Promise<EpochView> {
    const epoch = await this.requireEpoch(id);
    requireVenueRole(by, ['staff'], epoch.venueId);
    if (epoch.status !== 'failed') {
      if (SETTLING.includes(epoch.status)) return toEpochView(epoch);
      throw new RewardsError('epoch_not_failed', `Epoch ${id} is ${epoch.status}; only a failed epoch can be retried.`, { status: epoch.status });
    }
    const outcome = await this.repo.transaction(async (tx) => {
      const result = await this.repo.reopenFailed(tx, id);
      if (result.reopened) await this.settlement.reopen(tx, id);
      return result;
    });
    if (outcome.open) {
      throw new RewardsError('epoch_in_progress', `Epoch ${outcome.open.id} is ${outcome.open.status}; epochs settle one at a time, so retry ${id} when it is done.`, {
        epochId: outcome.open.id,
      });
    }
    if (outcome.supersededBy) {
      throw new RewardsError(
        'epoch_superseded',
        `Epoch ${outcome.supersededBy} came after epoch ${id} and was built without its entries; roots are cumulative, so ${id} can no longer be published.`,
        { epochId: outcome.supersededBy },
      );
    }
    if (outcome.reopened) {
      this.logger.log({ epochId: id, by: by.subject, lastError: epoch.lastError }, 'failed epoch reopened for settlement');
      void this.settlement.resume().catch((err) => this.logger.warn({ err: (err as Error).message }, 'settlement step failed; retrying'));
    }
    return toEpochView((await this.repo.epoch(id))!);
  }

  // ------------------------------------------------------------------ reads

  async epochs(eventId: string): Promise<EpochView[]> {
    return (await this.repo.epochs(eventId)).map(toEpochView);
  }

  /** The event's per-kind totals and its epochs, for its venue's staff. */
  async eventTotals(eventId: string, by: Principal) {
    const event = await this.pools.event(eventId);
    requireVenueRole(by, ['staff'], event.venueId);
    return { eventId, byKind: await this.ledger.totals(eventId), epochs: await this.epochs(eventId) };
  }

  private async requireEpoch(id: string): Promise<EpochRow> {
    const epoch = await this.repo.epoch(id);
    if (!epoch) throw new RewardsError('epoch_not_found', `No epoch ${id}.`);
    return epoch;
  }
}
