import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AdmissionDirectory, type ConfirmedMoment } from '@fanmesh/directory';
import { DomainEvents } from '@fanmesh/events';
import type { BalanceView } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { Candidate, REASONS, RewardFact, rule } from './reward-rules';
import { toEntryView, toPoolConfig } from './rewards.mapper';
import { RewardsRepository, TotalsRow } from './rewards.repository';
import { PoolsService } from './pools.service';
import { RewardTaskRepository } from './reward-task.repository';

/** Staff see per-kind totals at most this often per event (a push, debounced: losing one loses nothing). */
const TOTALS_MS = 1_000;

/** Where facts are written: a transaction, and how to run something once it has committed. */
export interface LedgerWrite {
  tx: EntityManager;
  afterCommit(fn: () => void): void;
}

/**
 * The ledger: turns rewardable facts (admissions, stewards' verifications, moment presence,
 * witnesses, coverage, sponsor bonuses) into entries through the pure rules, with pools and caps
 * applied in one transaction; once it commits, pushes each fan's new balance live and, at most once
 * a second, per-kind totals to the venue's staff.
 */
@Injectable()
export class RewardsService implements OnApplicationShutdown {
  private readonly logger = new Logger(RewardsService.name);
  private readonly dirty = new Map<string, string>(); // eventId -> venueId, for the staff totals
  private totalsTimer?: NodeJS.Timeout;

  constructor(
    private readonly repo: RewardsRepository,
    private readonly pools: PoolsService,
    private readonly tasks: RewardTaskRepository,
    private readonly admissions: AdmissionDirectory,
    private readonly realtime: RealtimeService,
    private readonly events: DomainEvents,
  ) {}

  onApplicationShutdown(): void {
    clearTimeout(this.totalsTimer);
    this.totalsTimer = undefined;
  }

  /**
   * Applies facts: rules, caps and pools, in `into.tx` when given (a consumer's delivery, so the
   * entries commit with its cursor), else in a transaction of its own; the live pushes follow the
   * commit. Replays add nothing: every entry has an idempotency key.
   */
  async record(facts: RewardFact[], into?: LedgerWrite): Promise<{ entries: number; paid: bigint }> {
    if (into) return this.write(await this.candidates(facts, into.tx), into);
    // The rules run before the transaction opens: it then holds one connection only while it writes.
    const prepared = await this.candidates(facts);
    return this.repo.transaction((tx) => this.write(prepared, { tx, afterCommit: (fn) => this.events.afterCommit(tx, fn) }));
  }

  /** Facts to candidate entries, by the rules and each event's pools. */
  private async candidates(facts: RewardFact[], tx?: EntityManager): Promise<{ facts: number; candidates: Candidate[]; venueOf: Map<string, string> }> {
    const candidates: Candidate[] = [];
    const venueOf = new Map<string, string>();
    for (const eventId of new Set(facts.map((f) => f.eventId))) {
      const rows = await this.pools.ensured(eventId, tx);
      venueOf.set(eventId, rows[0]?.venueId ?? '');
      const pools = new Map(rows.map((p) => [p.kind, toPoolConfig(p)] as const));
      for (const f of facts) if (f.eventId === eventId) candidates.push(...rule(f, pools));
    }
    return { facts: facts.length, candidates, venueOf };
  }

  private async write(p: { facts: number; candidates: Candidate[]; venueOf: Map<string, string> }, into: LedgerWrite): Promise<{ entries: number; paid: bigint }> {
    const { entries, balances } = await this.repo.apply(into.tx, p.candidates);
    // Entries of an event whose epoch is already closed go into a follow-up epoch (coverage is scored inside the close itself).
    const late = await this.tasks.carryLate(into.tx, [...new Set(entries.filter((e) => e.kind !== 'coverage').map((e) => e.eventId))]);
    if (late.length) into.afterCommit(() => this.logger.warn({ events: late }, 'entries after the epoch closed: a follow-up epoch will hold them for review'));
    let paid = 0n;
    for (const e of entries) paid += e.amount;
    if (entries.length) {
      into.afterCommit(() => {
        for (const e of entries) {
          this.dirty.set(e.eventId, p.venueOf.get(e.eventId) ?? '');
          if (e.amount === 0n) continue;
          void this.realtime
            .publish(`fan:${e.account}`, {
              type: 'rewards.credited',
              eventId: e.eventId,
              kind: e.kind,
              amount: e.amount.toString(),
              balance: balances.get(e.account),
              reason: REASONS[e.kind],
              cause: e.cause,
              ...(e.clipped ? { clipped: e.clipped } : {}),
            })
            .catch(() => undefined);
        }
        this.scheduleTotals();
      });
      this.logger.debug({ facts: p.facts, entries: entries.length, paid: paid.toString() }, 'rewards recorded');
    }
    return { entries: entries.length, paid };
  }

  /** Fans admitted when the moment happened earn presence. */
  async momentConfirmed(m: Pick<ConfirmedMoment, 'momentId' | 'eventId' | 'at'>): Promise<void> {
    await this.record([{ type: 'moment', eventId: m.eventId, momentId: m.momentId, fans: await this.presentAt(m.eventId, m.at) }]);
  }

  /** Holders admitted to the event before `at` (from the access context's directory). */
  async presentAt(eventId: string, at: string): Promise<string[]> {
    return (await this.admissions.fans(eventId, { before: new Date(at) })).map((f) => f.holder);
  }

  // ------------------------------------------------------------------ reads

  async mine(account: string): Promise<BalanceView> {
    const [balance, entries] = await Promise.all([this.repo.balance(account), this.repo.entries({ account }, 100)]);
    return { account, balance, entries: entries.map(toEntryView) };
  }

  async totals(eventId: string): Promise<TotalsRow[]> {
    return this.repo.totals(eventId);
  }

  // ------------------------------------------------------------------ staff totals

  private scheduleTotals(): void {
    if (this.totalsTimer) return;
    this.totalsTimer = setTimeout(() => {
      this.totalsTimer = undefined;
      void this.publishTotals().catch((err) => this.logger.warn({ err: (err as Error).message }, 'reward totals not pushed'));
    }, TOTALS_MS);
    this.totalsTimer.unref();
  }

  /** Per-kind totals of every event that earned something since the last push, to its venue's staff. */
  private async publishTotals(): Promise<void> {
    const events = [...this.dirty];
    this.dirty.clear();
    for (const [eventId, known] of events) {
      const venueId = known || (await this.pools.event(eventId).catch(() => undefined))?.venueId;
      if (!venueId) continue;
      const byKind = Object.fromEntries((await this.repo.totals(eventId)).map((t) => [t.kind, { paid: t.paid, entries: t.entries, pool: t.pool, remaining: t.remaining }]));
      await this.realtime.publish(`staff:${venueId}`, { type: 'rewards.totals', eventId, byKind, at: new Date().toISOString() });
    }
  }
}
