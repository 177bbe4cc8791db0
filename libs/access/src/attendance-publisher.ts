import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { RealtimeService } from '@fanmesh/realtime';
import { AdmissionEvent, GateScanService } from './gate-scan.service';

export interface ThroughputUpdate {
  type: 'access.throughput';
  eventId: string;
  at: string;
  admitted: number;
  bySection: Record<string, number>;
  byGate: Record<string, number>;
}

/**
 * Gate throughput for the staff dashboard: admissions counted per second on this instance and
 * published as one message per event and second, not one per fan (60,000 fans would flood a channel).
 */
@Injectable()
export class AttendancePublisher implements OnModuleDestroy {
  private pending = new Map<string, { venueId: string; update: ThroughputUpdate }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    scans: GateScanService,
    private readonly realtime: RealtimeService,
  ) {
    scans.onAdmission((e) => this.count(e));
    this.timer = setInterval(() => void this.flush(), 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private count(e: AdmissionEvent): void {
    let p = this.pending.get(e.eventId);
    if (!p) {
      p = { venueId: e.venueId, update: { type: 'access.throughput', eventId: e.eventId, at: '', admitted: 0, bySection: {}, byGate: {} } };
      this.pending.set(e.eventId, p);
    }
    p.update.admitted++;
    p.update.bySection[e.section] = (p.update.bySection[e.section] ?? 0) + 1;
    p.update.byGate[e.gateId] = (p.update.byGate[e.gateId] ?? 0) + 1;
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const at = new Date().toISOString();
    await Promise.all([...batch.values()].map((p) => this.realtime.publish(`staff:${p.venueId}`, { ...p.update, at }).catch(() => undefined)));
  }
}
