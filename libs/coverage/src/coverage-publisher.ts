import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { RealtimeMessageMap } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import type { WitnessVerdict } from './coverage.error';

export type CoverageUpdate = { type: 'coverage.witnesses' } & RealtimeMessageMap['coverage.witnesses'];

/** How long verdicts are gathered into one staff message. */
const BATCH_MS = 1000;

/**
 * Witness counts for the staff dashboard: counted on this instance and published as one message
 * per event and second on `staff:<venueId>`, never one per witness. The first verdict of a batch
 * starts a one-second timer; a batch lost with its instance loses only a live count (the verdicts
 * themselves are stored, and the dashboard reads them).
 */
@Injectable()
export class CoveragePublisher implements OnModuleDestroy {
  private pending = new Map<string, { venueId: string; update: CoverageUpdate }>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly realtime: RealtimeService) {}

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
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
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, BATCH_MS);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const at = new Date().toISOString();
    await Promise.all([...batch.values()].map((p) => this.realtime.publish(`staff:${p.venueId}`, { ...p.update, at }).catch(() => undefined)));
  }
}
