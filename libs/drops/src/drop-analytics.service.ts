import { Injectable, Logger } from '@nestjs/common';
import { Principal } from '@fanmesh/common';
import { Job } from '@fanmesh/events';
import type { DropAnalytics } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { analyticsCsv } from './analytics-csv';
import { DropAccess } from './drop-access';
import { analyticsView } from './drop.mapper';
import { DropRepository, DropRow } from './drop.repository';

const ANALYTICS_EVERY_MS = 1000;

/** Aggregate analytics of a drop (never a fan's address): on request, as CSV, and live to the sponsor. */
@Injectable()
export class DropAnalyticsService {
  private readonly logger = new Logger(DropAnalyticsService.name);

  constructor(
    private readonly repo: DropRepository,
    private readonly access: DropAccess,
    private readonly realtime: RealtimeService,
  ) {}

  async analytics(id: string, who: Principal): Promise<DropAnalytics> {
    return this.aggregate(await this.access.viewable(id, who));
  }

  /** The same aggregates as CSV: one row for the total, one per section, one per minute. */
  async analyticsCsv(id: string, who: Principal): Promise<string> {
    return analyticsCsv(await this.analytics(id, who));
  }

  /**
   * Pushes fresh aggregates of the drops whose counters moved (on any instance: the statements that
   * move them mark them) to their sponsor's channel, at most once a second.
   */
  @Job('drops.analytics', { everyMs: ANALYTICS_EVERY_MS })
  async pushAnalytics(): Promise<void> {
    for (const id of await this.repo.takeMoved()) {
      try {
        const drop = await this.repo.find(id);
        if (!drop) continue;
        const a = await this.aggregate(drop);
        await this.realtime.publish(`sponsor:${drop.sponsorId}`, { type: 'drop.analytics', ...a, timeline: a.timeline.slice(-60) });
      } catch (err) {
        this.logger.warn({ dropId: id, err: (err as Error).message }, 'analytics push failed');
      }
    }
  }

  private async aggregate(drop: DropRow): Promise<DropAnalytics> {
    const [funnel, timeline] = await Promise.all([this.repo.funnel(drop.id), this.repo.timeline(drop.id)]);
    return analyticsView(drop, funnel, timeline);
  }
}
