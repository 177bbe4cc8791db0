import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { RealtimeService } from '@fanmesh/realtime';
import type { WitnessVerdict } from './coverage.error';

export interface CoverageUpdate {
  type: 'coverage.witnesses';
  eventId: string;
  at: string;
  valid: number;
  /** Refused witnesses by reason. */
  refused: Partial<Record<WitnessVerdict, number>>;
  /** Valid witnesses per hotspot. */
  byHotspot: Record<string, number>;
}

/**
 * Witness counts for the staff dashboard: counted per second on this instance and published as one
 * message per event and second on `staff:<venueId>`, never one per witness.
 */
@Injectable()
export class CoveragePublisher implements OnModuleDestroy {
  private pending = new Map<string, { venueId: string; update: CoverageUpdate }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly realtime: RealtimeService) {
    this.timer = setInterval(() => void this.flush(), 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  count(venueId: string, eventId: string, verdict: WitnessVerdict, hotspot: string | null): void {
    let p = this.pending.get(eventId);
    if (!p) {
      p = { venueId, update: { type: 'coverage.witnesses', eventId, at: '', valid: 0, refused: {}, byHotspot: {} } };
      this.pending.set(eventId, p);
    }
    if (verdict === 'valid') {
      p.update.valid++;
      if (hotspot) p.update.byHotspot[hotspot] = (p.update.byHotspot[hotspot] ?? 0) + 1;
    } else {
      p.update.refused[verdict] = (p.update.refused[verdict] ?? 0) + 1;
    }
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const at = new Date().toISOString();
    await Promise.all([...batch.values()].map((p) => this.realtime.publish(`staff:${p.venueId}`, { ...p.update, at }).catch(() => undefined)));
  }
}
