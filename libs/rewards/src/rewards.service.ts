import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Batcher, Principal } from '@fanmesh/common';
import { AdmissionDirectory, AdmissionEvent, GateScanService } from '@fanmesh/access';
import { Bus, BUS, RealtimeService } from '@fanmesh/realtime';
import { EVENT_STATUS_TOPIC, EventStatusChanged, VenuesService } from '@fanmesh/venues';
import { MomentsService } from '@fanmesh/moments';
import { CoverageService } from '@fanmesh/coverage';
import { DropsService } from '@fanmesh/drops';
import type { ValidWitness } from '@fanmesh/coverage';
import type { ConfirmedMoment } from '@fanmesh/moments';
import { DEFAULT_POOLS, DropFact, PoolConfig, REASONS, REWARD_KINDS, RewardFact, RewardKind, rule, AdmissionFact, Candidate } from './reward-rules';
import { RewardsError } from './rewards.error';
import { PoolRow, RewardsRepository } from './rewards.repository';

const SWEEP_MS = 30_000;
/** Sponsor bonuses are paid within this long of the fan redeeming them. */
const GRANTS_MS = 2_000;
const TOTALS_MS = 1_000;
const PAGE = 5_000;

export interface PoolView {
  kind: RewardKind;
  perUnit: string;
  accountCap: string;
  pool: string;
  remaining: string;
  paid: string;
}

/** Someone who listens for epochs to close when events end (the settlement service). */
export type EventEndedListener = (eventId: string) => void;

/**
 * The ledger side of rewards: turns rewardable domain facts (admissions, stewards' verifications,
 * moment presence, witnesses, coverage) into entries through the pure rules, with pools and caps
 * applied in one transaction per batch; pushes each fan's new balance live and per-kind totals to
 * the venue's staff once a second; sweeps the durable sources so a crash never loses a reward.
 */
@Injectable()
export class RewardsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RewardsService.name);
  private readonly admissionsIn: Batcher<AdmissionFact, undefined>;
  private readonly dirty = new Map<string, string>(); // eventId -> venueId, for the per-second staff totals
  private readonly venueOf = new Map<string, string>();
  private readonly endedListeners: EventEndedListener[] = [];
  private totalsTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private unsubscribe?: () => Promise<void>;
  private moments?: MomentsService;
  private coverage?: CoverageService;
  private drops?: DropsService;
  private grantsTimer?: NodeJS.Timeout;

  constructor(
    private readonly repo: RewardsRepository,
    private readonly venues: VenuesService,
    private readonly admissions: AdmissionDirectory,
    private readonly gates: GateScanService,
    private readonly realtime: RealtimeService,
    private readonly moduleRef: ModuleRef,
    @Inject(BUS) private readonly bus: Bus,
  ) {
    // Gate rush: thousands of admissions a second become one ledger transaction per batch.
    this.admissionsIn = new Batcher(
      async (facts) => {
        await this.record(facts);
        return facts.map(() => undefined);
      },
      { maxSize: 1000, maxWaitMs: 50, concurrency: 1 },
    );
  }

  async onModuleInit(): Promise<void> {
    this.gates.onAdmission((e: AdmissionEvent) => {
      this.venueOf.set(e.eventId, e.venueId);
      void this.admissionsIn
        .push({ type: 'admission', eventId: e.eventId, admissionId: e.admissionId, holder: e.holder, steward: e.steward })
        .catch((err) => this.logger.warn({ err: (err as Error).message, admissionId: e.admissionId }, 'admission reward deferred to the sweep'));
    });
    try {
      this.moments = this.moduleRef.get(MomentsService, { strict: false });
      this.moments.onConfirmed((m: ConfirmedMoment) => void this.momentConfirmed(m).catch((err) => this.logger.warn({ err: (err as Error).message, momentId: m.momentId }, 'moment reward deferred to the sweep')));
    } catch {
      this.logger.warn('MomentsService not available: moment presence rewards are off');
    }
    try {
      this.coverage = this.moduleRef.get(CoverageService, { strict: false });
      this.coverage.onValidWitness((w: ValidWitness) => {
        this.venueOf.set(w.eventId, w.venueId);
        void this.record([{ type: 'witness', eventId: w.eventId, witnessId: w.witnessId, fan: w.fan }]).catch((err) =>
          this.logger.warn({ err: (err as Error).message, witnessId: w.witnessId }, 'witness reward deferred to the sweep'),
        );
      });
    } catch {
      this.logger.warn('CoverageService not available: witness and coverage rewards are off');
    }
    try {
      this.drops = this.moduleRef.get(DropsService, { strict: false });
      // Bonuses fans redeemed from token drops: the drops context keeps the intents, the ledger pays them.
      this.grantsTimer = setInterval(() => void this.payDropGrants().catch((err) => this.logger.warn({ err: (err as Error).message }, 'drop bonuses deferred')), GRANTS_MS);
      this.grantsTimer.unref();
    } catch {
      this.logger.warn('DropsService not available: sponsor token bonuses are off');
    }
    this.unsubscribe = await this.bus.subscribe(EVENT_STATUS_TOPIC, (msg) => {
      const change = msg as EventStatusChanged;
      if (change?.to === 'ended') for (const l of this.endedListeners) l(change.eventId);
    });
    this.totalsTimer = setInterval(() => void this.publishTotals().catch(() => undefined), TOTALS_MS);
    this.sweepTimer = setInterval(() => void this.sweepAll().catch((err) => this.logger.warn({ err: (err as Error).message }, 'sweep failed')), SWEEP_MS);
    this.totalsTimer.unref();
    this.sweepTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.totalsTimer);
    clearInterval(this.sweepTimer);
    clearInterval(this.grantsTimer);
    await this.unsubscribe?.().catch(() => undefined);
  }

  onEventEnded(listener: EventEndedListener): void {
    this.endedListeners.push(listener);
  }

  // ------------------------------------------------------------------ pools (configuration)

  /** The event's pools; created from the defaults the first time anyone asks or anything is earned. */
  async pools(eventId: string): Promise<{ eventId: string; venueId: string; frozen: boolean; pools: PoolView[] }> {
    const event = await this.event(eventId);
    let rows = await this.repo.pools(eventId);
    if (!rows.length) {
      await this.repo.ensurePools(eventId, event.venueId, DEFAULT_POOLS);
      rows = await this.repo.pools(eventId);
    }
    return { eventId, venueId: event.venueId, frozen: event.status !== 'scheduled', pools: rows.map(poolView) };
  }

  /** Replaces an event's pools; only before its gates open, so rewards already promised never change. */
  async setPools(eventId: string, pools: PoolConfig[], by: Principal) {
    const event = await this.event(eventId);
    if (event.status !== 'scheduled') throw new RewardsError('pools_frozen', `The event is ${event.status}; pools can only change before the gates open.`, { status: event.status });
    const kinds = pools.map((p) => p.kind);
    const missing = REWARD_KINDS.filter((k) => !kinds.includes(k));
    if (missing.length || new Set(kinds).size !== kinds.length) {
      throw new RewardsError('bad_pool', `Give each kind exactly once (${REWARD_KINDS.join(', ')}); missing: ${missing.join(', ') || 'none'}.`, { missing });
    }
    for (const p of pools) {
      if (p.kind !== 'coverage' && p.perUnit > p.accountCap) throw new RewardsError('bad_pool', `${p.kind}: perUnit above accountCap would pay nobody a full unit.`, { kind: p.kind });
      if (p.accountCap > p.pool) throw new RewardsError('bad_pool', `${p.kind}: accountCap above the pool.`, { kind: p.kind });
    }
    if (!(await this.repo.replacePools(eventId, event.venueId, pools, by.subject))) {
      throw new RewardsError('pools_frozen', 'Rewards were already paid from these pools; they cannot change.');
    }
    this.logger.log({ eventId, by: by.subject, kinds: pools.length }, 'reward pools set');
    return this.pools(eventId);
  }

  // ------------------------------------------------------------------ facts to entries

  /** Applies facts: rules, caps and pools in one transaction, then the live pushes. Replays add nothing. */
  async record(facts: RewardFact[]): Promise<{ entries: number; paid: bigint }> {
    const candidates: Candidate[] = [];
    for (const eventId of new Set(facts.map((f) => f.eventId))) {
      const pools = new Map((await this.ensured(eventId)).map((p) => [p.kind, toConfig(p)] as const));
      for (const f of facts) if (f.eventId === eventId) candidates.push(...rule(f, pools));
    }
    let entries = 0;
    let paid = 0n;
    for (let i = 0; i < candidates.length; i += 5000) {
      const result = await this.repo.apply(candidates.slice(i, i + 5000));
      entries += result.entries.length;
      for (const e of result.entries) {
        paid += e.amount;
        this.dirty.set(e.eventId, this.venueOf.get(e.eventId) ?? '');
        if (e.amount === 0n) continue;
        void this.realtime
          .publish(`fan:${e.account}`, {
            type: 'rewards.credited',
            eventId: e.eventId,
            kind: e.kind,
            amount: e.amount.toString(),
            balance: result.balances.get(e.account),
            reason: REASONS[e.kind],
            cause: e.cause,
            ...(e.clipped ? { clipped: e.clipped } : {}),
          })
          .catch(() => undefined);
      }
    }
    if (entries) this.logger.debug({ facts: facts.length, entries, paid: paid.toString() }, 'rewards recorded');
    return { entries, paid };
  }

  /**
   * Pays the fan-token bonuses fans redeemed from sponsor drops. The ledger insert is idempotent by the
   * grant's key, so a crash between paying and marking the grants taken pays nothing twice.
   */
  async payDropGrants(): Promise<number> {
    if (!this.drops) return 0;
    let paid = 0;
    for (;;) {
      const grants = await this.drops.openTokenGrants(1000);
      if (!grants.length) return paid;
      const byEvent = new Map<string, DropFact['grants']>();
      for (const g of grants) byEvent.set(g.eventId, [...(byEvent.get(g.eventId) ?? []), { key: g.idempotencyKey, dropId: g.dropId, fan: g.fan, amount: BigInt(g.amount) }]);
      await this.record([...byEvent].map(([eventId, list]) => ({ type: 'drop' as const, eventId, grants: list })));
      await this.drops.markTokenGrantsTaken(grants.map((g) => g.idempotencyKey));
      paid += grants.length;
      if (grants.length < 1000) return paid;
    }
  }

  /** Fans admitted when the moment happened earn presence. */
  async momentConfirmed(m: Pick<ConfirmedMoment, 'momentId' | 'eventId' | 'venueId' | 'at'>): Promise<void> {
    this.venueOf.set(m.eventId, m.venueId);
    const fans = await this.admissions.fans(m.eventId, { before: new Date(m.at) });
    await this.record([{ type: 'moment', eventId: m.eventId, momentId: m.momentId, fans: fans.map((f) => f.holder) }]);
  }

  /**
   * Catch-up from the durable sources: admissions after the stored cursor, every confirmed moment
   * and every valid witness. Safe to run any time, on any instance, as often as wanted: the
   * idempotency keys make it so. `final` (at epoch close) also scores coverage and splits its pool.
   */
  async sweep(eventId: string, opts: { final?: boolean } = {}): Promise<void> {
    let cursor = (await this.repo.cursor(eventId, 'admissions')) as { recordedAt: string; admissionId: string } | undefined;
    for (;;) {
      const page = await this.admissions.page(eventId, cursor ? { recordedAt: new Date(cursor.recordedAt), admissionId: cursor.admissionId } : undefined, PAGE);
      if (!page.length) break;
      await this.record(page.map((a) => ({ type: 'admission' as const, eventId, admissionId: a.admissionId, holder: a.holder, steward: a.steward })));
      const last = page[page.length - 1];
      cursor = { recordedAt: new Date(last.recordedAt).toISOString(), admissionId: last.admissionId };
      await this.repo.setCursor(eventId, 'admissions', cursor);
      if (page.length < PAGE) break;
    }
    if (this.moments) {
      for (const m of await this.moments.confirmed(eventId)) await this.momentConfirmed(m);
    }
    if (this.coverage) {
      const witnesses = await this.coverage.validWitnesses(eventId);
      for (let i = 0; i < witnesses.length; i += PAGE) {
        await this.record(witnesses.slice(i, i + PAGE).map((w) => ({ type: 'witness' as const, eventId, witnessId: w.witnessId, fan: w.fan })));
      }
      if (opts.final) {
        // The coverage pool is split once, by the final scores (capped by what fans witnessed).
        const scores = await this.coverage.scoreEpoch(eventId);
        await this.record([{ type: 'coverage', eventId, scores: scores.map((x) => ({ owner: x.owner, hotspot: x.hotspot, score: x.score })) }]);
      }
    }
  }

  private async sweepAll(): Promise<void> {
    for (const eventId of await this.repo.openEvents()) {
      const event = await this.venues.getEvent(eventId).catch(() => undefined);
      if (event && (event.status === 'gates_open' || event.status === 'live' || event.status === 'ended')) await this.sweep(eventId);
    }
  }

  // ------------------------------------------------------------------ reads

  async mine(account: string) {
    const [balance, entries] = await Promise.all([this.repo.balance(account), this.repo.entries({ account }, 100)]);
    return {
      account,
      balance,
      entries: entries.map((e) => ({
        id: e.id,
        eventId: e.eventId,
        kind: e.kind,
        amount: e.amount,
        requested: e.requested,
        clipped: e.clipped,
        reason: REASONS[e.kind],
        cause: e.cause,
        epochId: e.epochId,
        at: new Date(e.createdAt).toISOString(),
      })),
    };
  }

  async totals(eventId: string) {
    return this.repo.totals(eventId);
  }

  /** Per-kind totals of every event that earned something in the last second, to its venue's staff. */
  private async publishTotals(): Promise<void> {
    if (!this.dirty.size) return;
    const events = [...this.dirty];
    this.dirty.clear();
    for (const [eventId, known] of events) {
      const venueId = known || (await this.event(eventId).catch(() => undefined))?.venueId;
      if (!venueId) continue;
      const byKind = Object.fromEntries((await this.repo.totals(eventId)).map((t) => [t.kind, { paid: t.paid, entries: t.entries, pool: t.pool, remaining: t.remaining }]));
      await this.realtime.publish(`staff:${venueId}`, { type: 'rewards.totals', eventId, byKind, at: new Date().toISOString() });
    }
  }

  async event(eventId: string) {
    try {
      return await this.venues.getEvent(eventId);
    } catch {
      throw new RewardsError('event_not_found', `No event ${eventId}.`);
    }
  }

  private readonly ensuredPools = new Map<string, PoolRow[]>();
  private async ensured(eventId: string): Promise<PoolRow[]> {
    const cached = this.ensuredPools.get(eventId);
    if (cached) return cached;
    let rows = await this.repo.pools(eventId);
    if (!rows.length) {
      const event = await this.event(eventId);
      await this.repo.ensurePools(eventId, event.venueId, DEFAULT_POOLS);
      rows = await this.repo.pools(eventId);
    }
    this.venueOf.set(eventId, rows[0].venueId);
    const event = await this.event(eventId);
    // Pools are frozen once the gates open: caching them from then on is safe.
    if (event.status !== 'scheduled') this.ensuredPools.set(eventId, rows);
    return rows;
  }
}

function toConfig(p: PoolRow): PoolConfig {
  return { kind: p.kind, perUnit: BigInt(p.perUnit), accountCap: BigInt(p.accountCap), pool: BigInt(p.pool) };
}

function poolView(p: PoolRow): PoolView {
  return { kind: p.kind, perUnit: p.perUnit, accountCap: p.accountCap, pool: p.pool, remaining: p.remaining, paid: (BigInt(p.pool) - BigInt(p.remaining)).toString() };
}
