import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AdmissionDirectory, VenueDirectory } from '@fanmesh/directory';
import { DeliveryContext, DomainEvent, OnDomainEvent } from '@fanmesh/events';
import type { AttendanceView, SectionAttendance } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { ReadingsRepository } from './readings.repository';

/** A section's turnstile count is suspicious when it is off the admissions by more than both of these. */
export const GAP_MIN = 20;
export const GAP_RATIO = 0.1;
const CHECK_DEBOUNCE_MS = 300;

export type { SectionAttendance };
/** GET /events/:eventId/attendance */
export type Attendance = AttendanceView;

/** The gap rule: counted vs admitted, beyond max(GAP_MIN, GAP_RATIO * admitted). */
export function gapVerdict(counted: number | null, admitted: number): SectionAttendance['alert'] {
  if (counted === null) return null;
  const gap = counted - admitted;
  if (Math.abs(gap) <= Math.max(GAP_MIN, Math.ceil(GAP_RATIO * admitted))) return null;
  return gap > 0 ? 'counted_above_admitted' : 'counted_below_admitted';
}

/**
 * Live attendance: admissions (the access context's truth) beside what turnstiles and occupancy
 * sensors count. A section whose turnstiles disagree with its admissions beyond the threshold
 * (tailgating, a broken counter, a fake sensor) raises an alert on the venue's staff channel,
 * once when it starts and once when it clears.
 */
@Injectable()
export class AttendanceService implements OnModuleDestroy {
  private readonly logger = new Logger(AttendanceService.name);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly alerting = new Map<string, Set<string>>();

  constructor(
    private readonly repo: ReadingsRepository,
    private readonly admissions: AdmissionDirectory,
    private readonly venues: VenueDirectory,
    private readonly realtime: RealtimeService,
  ) {}

  /** Admissions changed: recheck the event's sections once the batch is committed (a short debounce per event). */
  @OnDomainEvent('access.admitted', { batchSize: 2000 })
  async admitted(events: DomainEvent<'access.admitted'>[], ctx: DeliveryContext): Promise<void> {
    const touched = new Map<string, string>();
    for (const e of events) touched.set(e.payload.eventId, e.payload.venueId);
    ctx.afterCommit(() => touched.forEach((venueId, eventId) => this.schedule(eventId, venueId)));
  }

  /** Turnstile counts changed: recheck the event's sections once the batch is committed (a short debounce per event). */
  @OnDomainEvent('sensing.readings_stored', { batchSize: 1000 })
  async readingsStored(events: DomainEvent<'sensing.readings_stored'>[], ctx: DeliveryContext): Promise<void> {
    const touched = new Map<string, string>();
    for (const e of events) if (e.payload.spans.turnstile) touched.set(e.payload.eventId, e.payload.venueId);
    if (touched.size) ctx.afterCommit(() => touched.forEach((venueId, eventId) => this.schedule(eventId, venueId)));
  }

  onModuleDestroy(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }

  async attendance(eventId: string): Promise<Attendance> {
    const [admitted, counted, occupancy] = await Promise.all([
      this.admissions.countBySection(eventId),
      this.repo.turnstilesBySection(eventId),
      this.repo.occupancyBySection(eventId),
    ]);
    const codes = [...new Set([...Object.keys(admitted), ...Object.keys(counted), ...Object.keys(occupancy)])].sort();
    const sections = codes.map((section): SectionAttendance => {
      const a = admitted[section] ?? 0;
      const c = counted[section] ?? null;
      return { section, admitted: a, counted: c, occupancy: occupancy[section] ?? null, gap: c === null ? null : c - a, alert: gapVerdict(c, a) };
    });
    return {
      eventId,
      at: new Date().toISOString(),
      admitted: sections.reduce((s, x) => s + x.admitted, 0),
      counted: sections.reduce((s, x) => s + (x.counted ?? 0), 0),
      sections,
    };
  }

  /** For staff: the event must exist; the caller's venue role is checked by the controller. */
  async venueOf(eventId: string): Promise<string> {
    return (await this.venues.getEvent(eventId)).venueId;
  }

  private schedule(eventId: string, venueId: string): void {
    if (this.timers.has(eventId)) return;
    const t = setTimeout(() => {
      this.timers.delete(eventId);
      this.check(eventId, venueId).catch((err) => this.logger.warn({ err: (err as Error).message, eventId }, 'attendance check failed'));
    }, CHECK_DEBOUNCE_MS);
    t.unref();
    this.timers.set(eventId, t);
  }

  /** Compares and publishes changes of alert state (per instance; every instance sees the same data). */
  async check(eventId: string, venueId: string): Promise<SectionAttendance[]> {
    const now = await this.attendance(eventId);
    const was = this.alerting.get(eventId) ?? new Set<string>();
    const is = new Set(now.sections.filter((s) => s.alert).map((s) => s.section));
    for (const s of now.sections) {
      if (s.alert && !was.has(s.section)) {
        this.logger.warn({ eventId, section: s.section, counted: s.counted, admitted: s.admitted }, 'attendance gap');
        await this.realtime.publish(`staff:${venueId}`, {
          type: 'sensing.attendance_alert',
          eventId,
          section: s.section,
          counted: s.counted,
          admitted: s.admitted,
          gap: s.gap,
          reason: s.alert,
          hint:
            s.alert === 'counted_above_admitted'
              ? 'more entries counted than tickets admitted: tailgating or a faulty/fake counter'
              : 'fewer entries counted than admitted: a broken or offline counter',
          at: now.at,
        });
      }
    }
    for (const section of was) {
      if (!is.has(section)) {
        const s = now.sections.find((x) => x.section === section);
        await this.realtime.publish(`staff:${venueId}`, { type: 'sensing.attendance_ok', eventId, section, counted: s?.counted ?? null, admitted: s?.admitted ?? 0, at: now.at });
      }
    }
    this.alerting.set(eventId, is);
    return now.sections.filter((s) => s.alert);
  }
}
