import { Injectable, Logger } from '@nestjs/common';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { AdmissionDirectory, DeviceDirectory, ReadingsDirectory } from '@fanmesh/directory';
import { DomainEvents } from '@fanmesh/events';
import type { MomentView, SensorTrustView } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import type { EntityManager } from 'typeorm';
import { BASELINE_MS, detectBursts, DETECTOR, isEstablished, SensorInfo, trustWeight } from './moment-detector';
import { toConfirmed, view } from './moment.mapper';
import { MomentRepository, MomentRow } from './moment.repository';
import type { MomentKind } from './moment.types';
import { MomentsError } from './moments.error';

/** A feed moment's sensors are read this far either side of it: the crowd cheers before the feed posts. */
const FEED_AGREE_MS = 30_000;

/**
 * Staff decisions on candidates (confirm, reject) and what follows every decision, the official
 * feed's too: the sensors' trust votes and the live staff and event channels. A confirmation
 * writes the `moments.confirmed` domain event in the transaction that confirms.
 */
@Injectable()
export class MomentDecisionsService {
  private readonly logger = new Logger(MomentDecisionsService.name);

  constructor(
    private readonly repo: MomentRepository,
    private readonly readings: ReadingsDirectory,
    private readonly devices: DeviceDirectory,
    private readonly admissions: AdmissionDirectory,
    private readonly realtime: RealtimeService,
    private readonly events: DomainEvents,
  ) {}

  async confirm(id: string, d: { kind?: MomentKind; team?: 'home' | 'away' }, who: Principal): Promise<MomentView> {
    const m = await this.repo.get(id);
    if (!m) throw new MomentsError('moment_not_found', `No moment ${id}.`);
    requireVenueRole(who, ['staff'], m.venueId);
    const kind = d.kind ?? m.kind;
    this.assertCandidate(m);
    // read before the transaction: code holding a connection never waits on a second one
    const attendance = await this.attendanceAt(m.eventId, new Date(m.at));
    const confirmed = await this.repo.transaction(async (tx) => {
      await this.repo.lockEvent(tx, m.eventId);
      this.assertCandidate((await this.repo.get(id, tx))!);
      await this.repo.confirm(tx, id, { kind, team: kind === 'goal' ? (d.team ?? null) : null, by: 'staff', decidedBy: who.subject, attendance, feedRef: null });
      return this.confirmedIn(tx, id);
    });
    await this.decided(confirmed);
    return view(confirmed, true);
  }

  async reject(id: string, reason: string, who: Principal): Promise<MomentView> {
    const m = await this.repo.get(id);
    if (!m) throw new MomentsError('moment_not_found', `No moment ${id}.`);
    requireVenueRole(who, ['staff'], m.venueId);
    this.assertCandidate(m);
    const rejected = await this.repo.transaction(async (tx) => {
      await this.repo.lockEvent(tx, m.eventId);
      this.assertCandidate((await this.repo.get(id, tx))!);
      await this.repo.reject(tx, id, who.subject, reason);
      return (await this.repo.get(id, tx))!;
    });
    await this.decided(rejected);
    return view(rejected, true);
  }

  /** Trust records of the sensors paired to a venue. */
  async trust(venueId: string): Promise<SensorTrustView[]> {
    const sensors = (await this.devices.list({ venueIds: [venueId] })).filter((d) => d.kind === 'sensor' && d.status !== 'revoked');
    const addresses = sensors.map((s) => s.address);
    const [records, approvals] = await Promise.all([this.repo.records(addresses), this.repo.approvalRecords(addresses)]);
    return sensors.map((s) => {
      const r = records.get(s.address) ?? { agree: 0, disagree: 0 };
      const a = approvals.get(s.address);
      const approved = a?.owner === s.owner;
      const weight = trustWeight(r.agree, r.disagree, approved);
      return {
        device: s.address,
        owner: s.owner,
        sectionCode: s.sectionCode,
        agree: r.agree,
        disagree: r.disagree,
        weight,
        established: isEstablished(weight),
        approved,
        approvedBy: approved ? a!.by : null,
      };
    });
  }

  /**
   * Staff vouch for a sound sensor of their venue (they installed it, or checked it): it starts at
   * full trust under its current owner. Revoked or denylisted sensors cannot be approved.
   */
  async approve(venueId: string, address: string, who: Principal): Promise<SensorTrustView> {
    requireVenueRole(who, ['staff'], venueId);
    const d = await this.sensorOf(venueId, address);
    if (d.revokedAt || d.denylisted) throw new MomentsError('sensor_not_eligible', `Sensor ${d.address} is ${d.revokedAt ? 'revoked' : 'denylisted'}; it cannot be approved.`);
    await this.repo.approve({ device: d.address, venueId, owner: d.owner, by: who.subject });
    this.logger.log({ device: d.address, venueId, by: who.subject }, 'sensor approved');
    return (await this.trust(venueId)).find((t) => t.device === d.address)!;
  }

  /** Withdraws an approval: the sensor keeps only the trust it earned. */
  async withdrawApproval(venueId: string, address: string, who: Principal): Promise<SensorTrustView> {
    requireVenueRole(who, ['staff'], venueId);
    const d = await this.sensorOf(venueId, address);
    await this.repo.withdrawApproval(d.address);
    this.logger.log({ device: d.address, venueId, by: who.subject }, 'sensor approval withdrawn');
    return (await this.trust(venueId)).find((t) => t.device === d.address) ?? this.untrusted(d);
  }

  private async sensorOf(venueId: string, address: string) {
    const d = await this.devices.device(address.toLowerCase());
    if (!d || d.venueId !== venueId) throw new MomentsError('sensor_not_found', `No sensor ${address} is paired to venue ${venueId}.`);
    if (d.kind !== 'sensor') throw new MomentsError('not_a_sensor', `Device ${d.address} is a ${d.kind}, not a sensor; only sensors carry trust.`);
    return d;
  }

  private untrusted(d: { address: string; owner: string; sectionCode: string }): SensorTrustView {
    const weight = trustWeight(0, 0);
    return { device: d.address, owner: d.owner, sectionCode: d.sectionCode, agree: 0, disagree: 0, weight, established: false, approved: false, approvedBy: null };
  }

  /** Inside the confirming transaction: the confirmed row, and its `moments.confirmed` event written with it. */
  async confirmedIn(tx: EntityManager, id: string): Promise<MomentRow> {
    const m = (await this.repo.get(id, tx))!;
    await this.events.emit(tx, 'moments.confirmed', { ...toConfirmed(m), sensors: sensorsOf(m) });
    return m;
  }

  /** Admitted fans at a moment in time. */
  async attendanceAt(eventId: string, at: Date): Promise<number> {
    const bySection = await this.admissions.countBySection(eventId, at);
    return Object.values(bySection).reduce((s, n) => s + n, 0);
  }

  /** After commit: sensors' trust votes, the staff and event channels. */
  async decided(m: MomentRow): Promise<void> {
    const signal = (m.signal ?? {}) as { devices?: string[]; from?: number; to?: number };
    const cause = `moment:${m.id}`;
    if (m.source === 'sensors' && signal.devices && signal.from !== undefined && signal.to !== undefined) {
      const spiking = new Set(signal.devices);
      if (m.status === 'confirmed') {
        // sensors that reported during the burst without spiking disagreed (read now: late envelopes count too)
        const around = await this.readings.window(m.eventId, 'sound', signal.from - DETECTOR.windowMs, signal.to + DETECTOR.windowMs);
        const quiet = [...new Set(around.map((r) => r.device))].filter((d) => !spiking.has(d));
        await this.repo.vote([...[...spiking].map((device) => ({ device, cause, agree: true })), ...quiet.map((device) => ({ device, cause, agree: false }))]);
      } else {
        await this.repo.vote([...spiking].map((device) => ({ device, cause, agree: false })));
      }
    } else if (m.source === 'feed' && m.status === 'confirmed') {
      await this.feedAgreement(m, cause);
    }
    this.logger.log({ momentId: m.id, eventId: m.eventId, status: m.status, kind: m.kind, by: m.confirmedBy ?? 'staff' }, 'moment decided');
    await this.realtime.publish(`staff:${m.venueId}`, { type: 'moments.decided', moment: view(m, true) });
    if (m.status !== 'confirmed') return;
    await this.realtime.publish(`event:${m.eventId}`, { type: 'moments.confirmed', moment: toConfirmed(m) });
  }

  /**
   * The official feed confirmed a moment: every sensor whose burst was around it heard it and
   * agrees (how a new sensor earns trust without a quorum). Readings that arrive later are voted
   * by detection, under the same cause, so nothing is counted twice.
   */
  private async feedAgreement(m: MomentRow, cause: string): Promise<void> {
    const at = new Date(m.at).getTime();
    const around = await this.readings.window(m.eventId, 'sound', at - FEED_AGREE_MS - BASELINE_MS, at + FEED_AGREE_MS + DETECTOR.windowMs);
    if (!around.length) return;
    // who spiked is a matter of each sensor's own readings: every sensor is heard here, trusted or not
    const everyone = new Map<string, SensorInfo>([...new Set(around.map((r) => r.device))].map((d) => [d, { owner: d, weight: 1, established: true }]));
    const heard = detectBursts(around, everyone).filter((b) => b.to >= at - FEED_AGREE_MS && b.from <= at + FEED_AGREE_MS);
    await this.repo.vote([...new Set(heard.flatMap((b) => b.devices))].map((device) => ({ device, cause, agree: true })));
  }

  private assertCandidate(m: MomentRow): void {
    if (m.status === 'rejected')
      throw new MomentsError('moment_rejected', `Moment ${m.id} was rejected (${m.rejectReason}); it cannot be decided again.`, { momentStatus: m.status });
    if (m.status === 'confirmed') throw new MomentsError('moment_confirmed', `Moment ${m.id} is already confirmed (by ${m.confirmedBy}).`, { momentStatus: m.status });
  }
}

/** The sensors whose spikes raised a sensor candidate, with the trust weight the detector gave each (signal.weights). */
function sensorsOf(m: MomentRow): { device: string; weight: number }[] {
  if (m.source !== 'sensors') return [];
  const signal = (m.signal ?? {}) as { devices?: string[]; weights?: Record<string, number> };
  return (signal.devices ?? []).map((device) => ({ device, weight: signal.weights?.[device] ?? 0 }));
}
