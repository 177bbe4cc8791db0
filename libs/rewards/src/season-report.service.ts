import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { ChainService, emissionAllowanceAt } from '@fanmesh/chain';
import { VenueDirectory } from '@fanmesh/directory';
import type { EconomicsView } from '@fanmesh/protocol';
import { readSchedule } from './emission-wait';
import { REWARD_KINDS } from './reward-rules';
import { RewardsError } from './rewards.error';
import { contribution, gini, perUnit, spread, topShare, WORK_KINDS } from './season-report';
import { SeasonReportRepository } from './season-report.repository';
import { Season, seasonById, seasonCapsFrom, seasonOf } from './season';

/** The season's fairness report (GET /rewards/economics): emission against the schedule, pay per unit, inequality. */
@Injectable()
export class SeasonReportService {
  private readonly logger = new Logger(SeasonReportService.name);

  constructor(
    private readonly repo: SeasonReportRepository,
    private readonly venues: VenueDirectory,
    private readonly chain: ChainService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.caps = seasonCapsFrom(config.seasonCaps);
  }

  private readonly caps: Readonly<Record<string, bigint>>;

  /** The report for season `id` ("2026-27"), or the one in progress. */
  async report(id?: string): Promise<EconomicsView> {
    const season = id === undefined ? seasonOf(new Date()) : seasonById(id);
    if (!season) throw new RewardsError('bad_season', `A season is named by its two years, such as "${seasonOf(new Date()).id}".`, { season: id });
    const [events, byEventKind, byAccountKind, clipped, epochs, released] = await Promise.all([
      this.repo.events(season.id),
      this.repo.byEventKind(season.id),
      this.repo.byAccountKind(season.id),
      this.repo.clipped(season.id),
      this.repo.epochs(season.id),
      this.schedule(),
    ]);
    // when the chain counted each epoch: its publishRoot's block time; an epoch not yet published, the chain's now
    const countedAt = await Promise.all(epochs.map((e) => (released && e.txHash ? this.blockTime(e.txHash) : undefined)));

    const named = await Promise.all(
      events.map(async (e) => {
        const ev = await this.venues.getEvent(e.eventId).catch(() => undefined);
        return { ...e, name: ev?.name ?? e.eventId, startsAt: ev?.startsAt ?? season.from.toISOString() };
      }),
    );
    named.sort((a, b) => (a.startsAt < b.startsAt ? -1 : a.startsAt > b.startsAt ? 1 : 0));

    const perEvent = named.map((e) => ({
      eventId: e.eventId,
      name: e.name,
      startsAt: e.startsAt,
      accounts: e.accounts,
      byKind: byEventKind
        .filter((r) => r.eventId === e.eventId)
        .sort((a, b) => REWARD_KINDS.indexOf(a.kind as never) - REWARD_KINDS.indexOf(b.kind as never))
        .map((r) => ({ kind: r.kind, units: r.units, paid: r.paid, perUnit: perUnit(BigInt(r.paid), BigInt(r.units)).toString() })),
    }));

    const perUnitByKind = WORK_KINDS.map((kind) => {
      const values = byEventKind.filter((r) => r.kind === kind && BigInt(r.units) > 0n).map((r) => perUnit(BigInt(r.paid), BigInt(r.units)));
      const s = spread(values);
      return { kind, events: values.length, mean: s.mean.toString(), cov: s.cov };
    });

    // per account: what it was paid for work, and what the work was worth at the default rates
    const paid = new Map<string, bigint>();
    const units = new Map<string, Map<string, bigint>>();
    let emitted = 0n;
    for (const r of byAccountKind) {
      emitted += BigInt(r.paid);
      if (!WORK_KINDS.includes(r.kind as never)) continue;
      paid.set(r.account, (paid.get(r.account) ?? 0n) + BigInt(r.paid));
      let u = units.get(r.account);
      if (!u) units.set(r.account, (u = new Map()));
      u.set(r.kind, BigInt(r.units));
    }
    const accounts = [...paid.keys()];

    return {
      season: { id: season.id, label: season.label, from: season.from.toISOString(), to: season.to.toISOString() },
      seasonCaps: REWARD_KINDS.map((kind) => ({ kind, cap: this.caps[kind].toString() })),
      epochs: epochs.map((e, i) => ({
        epochId: e.epochId,
        status: e.status,
        closedAt: e.closedAt.toISOString(),
        emitted: e.emitted ?? '0',
        cumulative: e.cumulative,
        released: released?.at(countedAt[i] ?? released.now).toString() ?? null,
      })),
      events: perEvent,
      perUnit: perUnitByKind,
      gini: {
        accounts: accounts.length,
        rewards: gini(accounts.map((a) => paid.get(a)!)),
        contribution: gini(accounts.map((a) => contribution(units.get(a)!))),
      },
      top1Share: topShare(accounts.map((a) => paid.get(a)!)),
      clipped: WORK_KINDS.concat('drop').map((kind) => {
        const n = (c: string) => clipped.find((r) => r.kind === kind && r.clipped === c)?.n ?? 0;
        return { kind, accountCap: n('account_cap'), seasonCap: n('season_cap'), poolExhausted: n('pool_exhausted') };
      }),
      emitted: emitted.toString(),
      released: released ? this.seasonRelease(released, season).toString() : null,
    };
  }

  /**
   * What the schedule released over the season so far, by the chain's clock (the one the contract's
   * bound reads, which a test chain may run ahead of the wall's): its release at the season's end, or
   * now, less its release before the season began.
   */
  private seasonRelease(released: Released, season: Season): bigint {
    const now = released.now;
    if (season.from.getTime() > now.getTime()) return 0n; // not begun: nothing released within it yet
    const end = season.to.getTime() < now.getTime() ? season.to : now;
    return released.at(end) - released.at(new Date(season.from.getTime() - 1000));
  }

  /** The distributor's cumulative release as a function of time and the chain's clock, or undefined without a schedule to read. */
  private async schedule(): Promise<Released | undefined> {
    if (!this.chain.enabled || !this.chain.deployment) return undefined;
    const read = await readSchedule(this.chain.contract('RewardDistributor')).catch((err: Error) => {
      this.logger.warn({ err: err.message }, 'emission schedule not read for the season report');
      return undefined;
    });
    if (!read) return undefined;
    return {
      now: new Date(Number(read.now) * 1000),
      // before the schedule starts it has released nothing of its own (what earlier schedules released is kept apart)
      at: (at: Date) => {
        const t = BigInt(Math.floor(at.getTime() / 1000));
        return t < read.schedule.start ? read.releasedBefore : emissionAllowanceAt(read.schedule, t, read.releasedBefore);
      },
    };
  }

  /** A publishRoot's block time (kept: a mined block's time never changes), or undefined when the chain does not have it. */
  private async blockTime(txHash: string): Promise<Date | undefined> {
    const known = this.blockTimes.get(txHash);
    if (known) return known;
    const provider = this.chain.contract('RewardDistributor').runner?.provider;
    const receipt = await provider?.getTransactionReceipt(txHash).catch(() => null);
    const block = receipt ? await provider!.getBlock(receipt.blockNumber).catch(() => null) : null;
    if (!block) return undefined;
    const at = new Date(block.timestamp * 1000);
    if (this.blockTimes.size > 10_000) this.blockTimes.clear();
    this.blockTimes.set(txHash, at);
    return at;
  }

  private readonly blockTimes = new Map<string, Date>();
}

/** The schedule's cumulative release at a time, and the chain's clock. */
interface Released {
  now: Date;
  at: (at: Date) => bigint;
}
