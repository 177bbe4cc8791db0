import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DeliveryContext, DomainEvent, OnDomainEvent } from '@fanmesh/events';
import type { RealtimeMessageMap } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';

export type ThroughputUpdate = { type: 'access.throughput' } & RealtimeMessageMap['access.throughput'];

/** Admissions are summed this long before one frame goes out per event (a live frame: losing one loses nothing). */
const FLUSH_MS = 1000;

/**
 * Gate throughput for the staff dashboard: a consumer of `access.admitted` (each admission reaches
 * one instance, once), summed per event and published as one message per event and second, not
 * one per fan (60,000 fans would flood a channel). The totals themselves are always read back from
 * GET /events/:eventId/admissions; the frame only moves the chart between reloads.
 */
@Injectable()
export class AttendancePublisher implements OnModuleDestroy {
  private readonly logger = new Logger(AttendancePublisher.name);
  private pending = new Map<string, { venueId: string; update: ThroughputUpdate }>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly realtime: RealtimeService) {}

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  @OnDomainEvent('access.admitted', { consumer: 'access.attendance-publisher', batchSize: 2000 })
  async admitted(events: DomainEvent<'access.admitted'>[], ctx: DeliveryContext): Promise<void> {
    ctx.afterCommit(() => {
      for (const e of events) this.count(e.payload);
      if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
        this.timer.unref?.();
      }
    });
  }

  private count(e: DomainEvent<'access.admitted'>['payload']): void {
    let p = this.pending.get(e.eventId);
    if (!p) {
      p = { venueId: e.venueId, update: { type: 'access.throughput', eventId: e.eventId, at: '', admitted: 0, bySection: {}, byGate: {} } };
      this.pending.set(e.eventId, p);
    }
    p.update.admitted++;
    p.update.bySection[e.section] = (p.update.bySection[e.section] ?? 0) + 1;
    p.update.byGate[e.gateId] = (p.update.byGate[e.gateId] ?? 0) + 1;
  }

  /** Publishes what was summed since the last frame (exported for tests and shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const at = new Date().toISOString();
    await Promise.all(
      [...batch.values()].map((p) =>
        this.realtime.publish(`staff:${p.venueId}`, { ...p.update, at }).catch((err) => this.logger.warn({ err: (err as Error).message }, 'throughput push failed')),
      ),
    );
  }
}
