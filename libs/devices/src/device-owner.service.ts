import { Injectable } from '@nestjs/common';
import { isAdmin, Principal } from '@fanmesh/common';
import { AccountEarning, ClaimStanding, CoverageDirectory, RewardsDirectory, VenueDirectory } from '@fanmesh/directory';
import { DeliveryContext, DomainEvent, OnDomainEvent } from '@fanmesh/events';
import type { DeviceEarningsView, DeviceEpochEarningView, DeviceEventReadingsView, DeviceReadingsView, EventView } from '@fanmesh/protocol';
import { DeviceError } from './device.error';
import { DeviceRepository, DeviceRow } from './device.repository';
import { AcceptedCount, DeviceOwnerRepository } from './device-owner.repository';
import { earningStatus, refusalViews } from './device-owner.mapper';

/** Where the PWA's owner app sends an owner to claim (the fan home's rewards card). */
export const CLAIM_LINK = '/tickets';

const NOT_PAID = 'Sensors and turnstiles are not paid for their readings: they count the crowd and evidence match moments. Hotspots earn for the coverage fans witness.';

/**
 * The owner app's reports on one device: readings accepted and refused per event (a read model kept
 * here from `sensing.readings_stored` and from the refusals DevicesService.ingest records), and a
 * hotspot's score and earnings per epoch, composed from the coverage and rewards directories.
 * Only the device's owner now, staff of its venue and admins may read them.
 */
@Injectable()
export class DeviceOwnerService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly repo: DeviceOwnerRepository,
    private readonly venues: VenueDirectory,
    private readonly coverage: CoverageDirectory,
    private readonly rewards: RewardsDirectory,
  ) {}

  /** Counts what sensing stored, per device and event, in the delivery's transaction. */
  @OnDomainEvent('sensing.readings_stored', { consumer: 'devices.owner-readings', batchSize: 1000 })
  async readingsStored(events: DomainEvent<'sensing.readings_stored'>[], ctx: DeliveryContext): Promise<void> {
    const counts = new Map<string, AcceptedCount>();
    for (const { payload: p } of events) {
      const spans = Object.values(p.spans);
      const from = Math.min(...spans.map((s) => s!.from));
      const to = Math.max(...spans.map((s) => s!.to));
      const key = `${p.device}|${p.eventId}`;
      const c = counts.get(key);
      if (!c) counts.set(key, { device: p.device, eventId: p.eventId, envelopes: 1, readings: p.count, from: new Date(from), to: new Date(to) });
      else {
        c.envelopes += 1;
        c.readings += p.count;
        if (from < c.from.getTime()) c.from = new Date(from);
        if (to > c.to.getTime()) c.to = new Date(to);
      }
    }
    await this.repo.addAccepted(ctx.tx, [...counts.values()]);
  }

  async readings(address: string, eventId: string | undefined, by: Principal): Promise<DeviceReadingsView> {
    const d = await this.readable(address, by);
    if (eventId) await this.venues.getEvent(eventId); // an unknown event is a 404, not an empty report
    const [accepted, refusals] = await Promise.all([this.repo.accepted(d.address, eventId), this.repo.refusals(d.address, eventId)]);
    const ids = [
      ...new Set([...(eventId ? [eventId] : []), ...accepted.map((a) => a.eventId), ...refusals.flatMap((r) => (r.eventId && r.bodyType === 'readings' ? [r.eventId] : []))]),
    ];
    const events = await this.events(ids);
    const views: DeviceEventReadingsView[] = ids.map((id) => {
      const a = accepted.find((x) => x.eventId === id);
      const reasons = refusalViews(refusals.filter((r) => r.eventId === id && r.bodyType === 'readings'));
      const e = events.get(id);
      return {
        eventId: id,
        eventName: e?.name ?? null,
        startsAt: e?.startsAt ?? null,
        eventStatus: e?.status ?? null,
        accepted: {
          readings: a?.readings ?? 0,
          envelopes: a?.envelopes ?? 0,
          firstReadingAt: a?.firstReadingAt.toISOString() ?? null,
          lastReadingAt: a?.lastReadingAt.toISOString() ?? null,
        },
        refused: { readings: reasons.reduce((n, r) => n + r.readings, 0), envelopes: reasons.reduce((n, r) => n + r.envelopes, 0), reasons },
      };
    });
    const latest = (v: DeviceEventReadingsView) => [v.accepted.lastReadingAt ?? '', ...v.refused.reasons.map((r) => r.lastAt)].sort().at(-1)!;
    views.sort((x, y) => latest(y).localeCompare(latest(x)));
    return { device: d.address, kind: d.kind, events: views, otherRefusals: refusalViews(refusals.filter((r) => !r.eventId || r.bodyType !== 'readings')) };
  }

  async earnings(address: string, by: Principal): Promise<DeviceEarningsView> {
    const d = await this.readable(address, by);
    const claim = await this.rewards.claimStanding(d.owner);
    const claimView = { status: claim.status, claimable: claim.claimable, epochId: claim.epochId, link: CLAIM_LINK };
    if (d.kind !== 'hotspot') return { device: d.address, kind: d.kind, earns: false, note: NOT_PAID, total: '0', epochs: [], claim: claimView };
    const scores = await this.coverage.hotspotScores(d.address);
    const eventIds = [...new Set(scores.map((s) => s.eventId))];
    const [entries, epochs, events] = await Promise.all([
      this.rewards.earnings(
        scores.map((s) => s.owner),
        'coverage',
        eventIds,
      ),
      this.rewards.eventEpochs(eventIds),
      this.events(eventIds),
    ]);
    const rows: DeviceEpochEarningView[] = scores.map((s) => {
      const paid = entries.filter((e) => e.eventId === s.eventId && e.account === s.owner);
      const entry: AccountEarning | undefined = paid.at(-1);
      const epoch = epochs.filter((e) => e.eventId === s.eventId).at(-1);
      // The coverage pool pays an owner for all their hotspots at the event together: this one's part is its share of their score.
      const amount = entry ? paid.reduce((sum, e) => sum + BigInt(e.amount), 0n) : null;
      const share = amount === null ? null : s.ownerScore > 0 ? (amount * BigInt(Math.floor(s.score))) / BigInt(Math.floor(s.ownerScore)) : 0n;
      const e = events.get(s.eventId);
      const toOwner = s.owner === d.owner;
      const standing: ClaimStanding | undefined = toOwner ? claim : undefined;
      return {
        eventId: s.eventId,
        eventName: e?.name ?? null,
        startsAt: e?.startsAt ?? null,
        epochId: entry?.epochId ?? epoch?.epochId ?? null,
        status: entry ? earningStatus(entry, standing) : s.final ? earningStatus(epoch, undefined) : 'open',
        score: s.score,
        final: s.final,
        uniqueWitnesses: s.uniqueWitnesses,
        uptime: s.uptime,
        amount: share === null ? (epoch && s.final ? '0' : null) : share.toString(),
        paidTo: s.owner,
        paidToOwner: toOwner,
        inRoot: entry?.cumulative != null,
      };
    });
    rows.sort((x, y) => (y.startsAt ?? '').localeCompare(x.startsAt ?? '') || (y.epochId ?? '').localeCompare(x.epochId ?? ''));
    const total = rows.reduce((sum, r) => sum + BigInt(r.amount ?? '0'), 0n);
    return { device: d.address, kind: d.kind, earns: true, note: null, total: total.toString(), epochs: rows, claim: claimView };
  }

  /** The device, when the caller may read its reports: its owner now, staff of its venue, an admin. Otherwise 403. */
  private async readable(address: string, by: Principal): Promise<DeviceRow> {
    const d = await this.devices.find(address.toLowerCase());
    if (!d) throw new DeviceError('device_not_found', `No device ${address}.`);
    if (d.owner === by.subject.toLowerCase() || isAdmin(by) || by.roles.includes(`staff@${d.venueId}`)) return d;
    throw new DeviceError('not_device_owner', 'Only the device’s owner (or staff of its venue) may read its readings and earnings.');
  }

  private async events(ids: string[]): Promise<Map<string, EventView>> {
    const found = await Promise.all(ids.map((id) => this.venues.getEvent(id).catch(() => undefined)));
    return new Map(found.flatMap((e) => (e ? [[e.id, e] as const] : [])));
  }
}
