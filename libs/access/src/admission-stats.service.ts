import { Injectable } from '@nestjs/common';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { VenueDirectory } from '@fanmesh/directory';
import type { AdmissionStats, ThroughputHistory } from '@fanmesh/protocol';
import { AccessError } from './access.error';
import { AdmissionRepository, ConflictRow, HeldScanRow } from './admission.repository';
import { requireEvent } from './venue-events';

/** The longest window each bucket size may ask for (per-second points over hours would be megabytes). */
export const THROUGHPUT_MAX_MINUTES: Record<ThroughputHistory['bucket'], number> = { second: 60, minute: 24 * 60 };
const BUCKET_MS: Record<ThroughputHistory['bucket'], number> = { second: 1000, minute: 60_000 };

/** Staff's view of an event's gates: admissions by section and gate, offline conflicts, and late offline uploads held for review. */
@Injectable()
export class AdmissionStatsService {
  constructor(
    private readonly admissions: AdmissionRepository,
    private readonly venues: VenueDirectory,
  ) {}

  async attendance(eventId: string, who: Principal): Promise<AdmissionStats & { conflicts: ConflictRow[]; heldForReview: HeldScanRow[] }> {
    const event = await requireEvent(this.venues, eventId);
    requireVenueRole(who, ['staff'], event.venueId);
    const [stats, conflicts, heldForReview] = await Promise.all([this.admissions.stats(eventId), this.admissions.conflicts(eventId), this.admissions.heldForReview(eventId)]);
    return { ...stats, conflicts, heldForReview };
  }

  /**
   * Gate throughput over the last `minutes`: admissions per gate in each second (or minute), read
   * from the admissions themselves, so the dashboard's chart has its history after a reload.
   */
  async throughput(eventId: string, who: Principal, minutes: number, bucket: ThroughputHistory['bucket']): Promise<ThroughputHistory> {
    const event = await requireEvent(this.venues, eventId);
    requireVenueRole(who, ['staff'], event.venueId);
    if (minutes > THROUGHPUT_MAX_MINUTES[bucket]) {
      throw new AccessError('window_too_long', `Per-${bucket} throughput goes back at most ${THROUGHPUT_MAX_MINUTES[bucket]} minutes; ask for fewer minutes or bucket=minute.`);
    }
    const to = new Date();
    const step = BUCKET_MS[bucket];
    const from = new Date(Math.floor((to.getTime() - minutes * 60_000) / step) * step);
    const points: ThroughputHistory['points'] = [];
    for (const r of await this.admissions.throughput(eventId, from, bucket)) {
      const at = r.at.toISOString();
      let p = points[points.length - 1];
      if (p?.at !== at) points.push((p = { at, admitted: 0, byGate: {} }));
      p.admitted += r.n;
      p.byGate[r.gateId] = r.n;
    }
    return { eventId, bucket, from: from.toISOString(), to: to.toISOString(), points };
  }
}
