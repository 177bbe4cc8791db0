import { Injectable, Logger } from '@nestjs/common';
import { AdmissionDirectory, CoverageDirectory, DeviceDirectory, HotspotEpochScore, HotspotScore, PurchaseRing, ValidWitness, VenueDirectory } from '@fanmesh/directory';
import { BUCKET_S, coverageScore, windowBuckets, witnessingPeople } from './coverage-score';
import { publicScore, storedScore, validWitness } from './coverage.mapper';
import { CoveragePolicyService } from './coverage-policy.service';
import { CoverageRepository, ScoreRow } from './coverage.repository';

export type { ScoreRow };

/**
 * Scoring the epoch (an event): unique valid witnesses counted in people (one per purchase group, none
 * for the owner's own groups), uptime from heartbeats and reported quality per hotspot (formula in
 * coverage-score.ts). What rewards read, as the CoverageDirectory.
 */
@Injectable()
export class ScoringService implements CoverageDirectory {
  private readonly logger = new Logger(ScoringService.name);

  constructor(
    private readonly repo: CoverageRepository,
    private readonly policies: CoveragePolicyService,
    private readonly devices: DeviceDirectory,
    private readonly venues: VenueDirectory,
    private readonly admissions: AdmissionDirectory,
  ) {}

  /** Every valid witness of an event, in the order they were judged. */
  async validWitnesses(eventId: string): Promise<ValidWitness[]> {
    return (await this.repo.validWitnesses(eventId)).map(validWitness);
  }

  /**
   * Computes the epoch's score of every hotspot of the event's venue (formula in coverage-score.ts)
   * and stores it. Idempotent: once the event has ended, recomputing writes the same rows.
   */
  async scoreEpoch(eventId: string): Promise<HotspotScore[]> {
    const rows = await this.compute(eventId);
    await this.repo.upsertScores(rows);
    this.logger.log({ eventId, hotspots: rows.length, witnessed: rows.filter((r) => r.uniqueWitnesses > 0).length, final: rows[0]?.final ?? false }, 'coverage epoch scored');
    return rows.map(publicScore);
  }

  /** The stored scores of an epoch (empty until `scoreEpoch` ran), highest first. */
  async scores(eventId: string): Promise<HotspotScore[]> {
    return (await this.repo.scores(eventId)).map(storedScore);
  }

  /** One hotspot's stored scores, an event each (latest first), with its owner's total at each: what the owner app's earnings split by. */
  async hotspotScores(hotspot: string, limit = 50): Promise<HotspotEpochScore[]> {
    return (await this.repo.hotspotScores(hotspot.toLowerCase(), limit)).map((r) => ({ ...storedScore(r), ownerScore: Number(r.ownerScore) }));
  }

  /** The scores as they stand now, of every hotspot of the event's venue (or only one), not stored. */
  async compute(eventId: string, only?: string): Promise<ScoreRow[]> {
    const event = await this.policies.event(eventId);
    const window = await this.venues.eventWindow(eventId);
    const to = window.endedAt ? new Date(window.endedAt) : new Date();
    const from = window.openedAt ? new Date(window.openedAt) : to;
    const witnessed = await this.repo.witnessingFans(eventId);
    const hotspots = new Map<string, string>();
    for (const d of await this.devices.list({ venueIds: [event.venueId] })) if (d.kind === 'hotspot') hotspots.set(d.address, d.owner);
    for (const [h, u] of witnessed) if (!hotspots.has(h)) hotspots.set(h, u.owner);
    const addresses = [...hotspots.keys()].filter((h) => !only || h === only).sort();
    const unique = await this.people(eventId, addresses, hotspots, witnessed);
    const heard = new Map((await this.devices.heartbeatSummary(addresses, from, to, BUCKET_S)).map((h) => [h.device, h]));
    const buckets = windowBuckets(from, to);
    return addresses.map((hotspot) => {
      const counted = unique.get(hotspot);
      const w = counted?.people ?? 0;
      const hb = heard.get(hotspot);
      const parts = coverageScore({ uniqueWitnesses: w, heardBuckets: hb?.buckets ?? 0, windowBuckets: buckets, reportedClients: hb?.clients ?? null, reportedThroughputKbps: hb?.throughputKbps ?? null });
      return {
        eventId,
        hotspot,
        owner: hotspots.get(hotspot)!,
        uniqueWitnesses: w,
        uptime: parts.uptimePm / 1000,
        quality: parts.qualityPm / 1000,
        score: parts.score,
        claimedClients: hb?.clients == null ? null : Math.round(hb.clients),
        final: !!window.endedAt,
        uptimePm: parts.uptimePm,
        qualityPm: parts.qualityPm,
        windowFrom: from,
        windowTo: to,
        ...(counted?.rings.length ? { purchaseRings: counted.rings } : {}),
      };
    });
  }

  /**
   * Each hotspot's witnessing keys counted in people: a key stands for the purchase group of the ticket
   * it is in with (else of any ticket it bought or holds here, else for itself), one per group, and the
   * owner's own groups not at all (docs/coverage.md "Purchase groups").
   */
  private async people(eventId: string, hotspots: string[], owners: Map<string, string>, witnessed: Map<string, { fans: string[] }>): Promise<Map<string, { people: number; rings: PurchaseRing[] }>> {
    const out = new Map<string, { people: number; rings: PurchaseRing[] }>();
    const fans = [...new Set(hotspots.flatMap((h) => witnessed.get(h)?.fans ?? []))];
    if (!fans.length) return out;
    const admittedIn = new Map((await this.admissions.fans(eventId)).map((f) => [f.holder, f.purchaseGroup]));
    const ownersOf = [...new Set(hotspots.map((h) => owners.get(h)!))];
    const known = await this.admissions.purchaseGroups(eventId, [...ownersOf, ...fans.filter((f) => !admittedIn.has(f))]);
    const groupOf = (fan: string) => admittedIn.get(fan) ?? known[fan]?.[0];
    for (const h of hotspots) {
      const w = witnessed.get(h);
      if (w) out.set(h, witnessingPeople(h, w.fans, groupOf, new Set(known[owners.get(h)!] ?? [])));
    }
    return out;
  }
}
