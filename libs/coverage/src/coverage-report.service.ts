import { Injectable } from '@nestjs/common';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { DeviceDirectory } from '@fanmesh/directory';
import type { HotspotView } from '@fanmesh/protocol';
import { CoverageError, WitnessVerdict } from './coverage.error';
import { hotspotView, verdictsByReason, verdictView } from './coverage.mapper';
import { CoveragePolicyService } from './coverage-policy.service';
import { CoverageRepository } from './coverage.repository';
import { ScoringService } from './scoring.service';

/** What staff and hotspot owners read: the hotspot dashboard, the verdict audit trail, owners' reports (with denylisting and appeal). */
@Injectable()
export class CoverageReportService {
  constructor(
    private readonly repo: CoverageRepository,
    private readonly policies: CoveragePolicyService,
    private readonly devices: DeviceDirectory,
    private readonly scoring: ScoringService,
  ) {}

  /** The staff dashboard's hotspot list for an event: status, section, witness counts, stored score. */
  async hotspots(eventId: string, by?: Principal): Promise<HotspotView[]> {
    const event = await this.policies.event(eventId);
    if (by) requireVenueRole(by, ['staff'], event.venueId);
    const [devices, counts, scores] = await Promise.all([this.devices.list({ venueIds: [event.venueId] }), this.repo.verdictCounts(eventId), this.repo.scores(eventId)]);
    // Unique witnesses as the score counts them: in people (one per purchase group).
    const unique = new Map((await this.scoring.compute(eventId)).map((s) => [s.hotspot, s.uniqueWitnesses]));
    const score = new Map(scores.map((s) => [s.hotspot, Number(s.score)]));
    return devices.filter((d) => d.kind === 'hotspot').map((d) => hotspotView(d, counts, unique.get(d.address) ?? 0, score.get(d.address) ?? null));
  }

  /** The verdict audit trail of an event for venue staff, newest first. */
  async audit(eventId: string, filter: { hotspot?: string; verdict?: WitnessVerdict; limit?: number }, by: Principal) {
    await this.policies.requireStaff(eventId, by);
    return (await this.repo.verdicts(eventId, { hotspot: filter.hotspot?.toLowerCase(), verdict: filter.verdict, limit: filter.limit ?? 200 })).map(verdictView);
  }

  /** The caller's hotspots with their report for one event: what the PWA's "my hotspots" page shows. */
  async myHotspots(eventId: string, by: Principal) {
    await this.policies.event(eventId);
    const mine = (await this.devices.list({ owner: by.subject.toLowerCase() })).filter((d) => d.kind === 'hotspot');
    const reports = [];
    for (const d of mine) reports.push(await this.report(d.address, eventId, by));
    return reports;
  }

  /**
   * What the owner (or venue staff) sees for one hotspot at one event: every verdict reason with its
   * count and meaning (never a silent zero), uptime, quality and the score as it stands, and the
   * denylisting with the state of its appeal.
   */
  async report(address: string, eventId: string, by: Principal) {
    const device = await this.devices.device(address.toLowerCase());
    if (!device || device.kind !== 'hotspot') throw new CoverageError('hotspot_not_found', `No hotspot ${address}.`);
    if (device.owner !== by.subject.toLowerCase()) requireVenueRole(by, ['staff'], device.venueId);
    await this.policies.event(eventId);
    const [counts, [score], stored, appeal] = await Promise.all([
      this.repo.verdictCounts(eventId, device.address),
      this.scoring.compute(eventId, device.address),
      this.repo.scores(eventId),
      this.devices.latestAppeal(device.address),
    ]);
    const { verdicts, refusals } = verdictsByReason(counts);
    const saved = stored.find((s) => s.hotspot === device.address);
    const view = this.devices.view(device);
    return {
      hotspot: device.address,
      owner: device.owner,
      venueId: device.venueId,
      sectionCode: device.sectionCode,
      status: view.status,
      eventId,
      verdicts,
      refusals,
      uniqueWitnesses: score?.uniqueWitnesses ?? 0,
      uptime: score?.uptime ?? 0,
      quality: score?.quality ?? 0,
      claimedClients: score?.claimedClients ?? null,
      score: score?.score ?? 0,
      storedScore: saved ? Number(saved.score) : null,
      /** Keys of one purchase group counted once (or, the owner's own group, not at all) in `uniqueWitnesses`. */
      purchaseRings: score?.purchaseRings ?? [],
      denylist: device.denylisted ? { reason: device.denylisted, appeal: appeal ?? null } : null,
      revokedReason: device.revokedReason,
    };
  }
}
