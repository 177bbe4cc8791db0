import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Principal } from '@fanmesh/common';
import { AdmissionDirectory, AdmittedFan, DeviceDirectory, DeviceRecord, VenueDirectory } from '@fanmesh/directory';
import { DomainEvents } from '@fanmesh/events';
import { IdentityRateLimit, RateLimiter } from '@fanmesh/identity';
import { challengeDigest, EventView, WitnessAnswer, WitnessSubmission, witnessDigest } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { OPEN_FOR_COVERAGE } from './challenge.service';
import { VERDICT_MEANING, WitnessVerdict } from './coverage.error';
import { fanVerdictView, toChallenge, witnessAnswer } from './coverage.mapper';
import { CoveragePolicyService } from './coverage-policy.service';
import { CoveragePublisher } from './coverage-publisher';
import { ChallengeRow, CoverageRepository, RecordedVerdict, VerdictDraft } from './coverage.repository';
import { hotspotSigned, witnessSigner } from './coverage-signatures';
import { networkOf } from './network';

export type { WitnessAnswer, WitnessSubmission };

/** How far a phone's signing time may sit outside the challenge's life (clock drift). */
export const SIGNED_AT_SKEW_MS = 5_000;
/**
 * Witness submissions per fan, shared by every instance: a phone honestly sends one every few minutes
 * (the simulator's fans one each); 20 at once and 5 a second after keep a flood out of the audit table.
 */
export const WITNESS_LIMIT: IdentityRateLimit = { name: 'coverage.witnesses', limit: 20, windowMs: 4000, per: 'fan' };
const SECTIONS_CACHE_MS = 60_000;
/**
 * How long a phone needs to get from a hotspot's neighbourhood to a section beyond it: within this
 * time one phone's valid witnesses stay in one section and its neighbours (walking two sections
 * along a concourse, and joining another WiFi, takes longer).
 */
export const MOBILITY_S = 120;

/**
 * Judging witnesses: a fan's phone connected through a hotspot co-signs the hotspot-signed
 * challenge; every witness gets one explicit verdict, kept for audit. A valid one writes the
 * `coverage.witness_valid` domain event in the transaction of its verdict row.
 */
@Injectable()
export class WitnessService {
  private readonly logger = new Logger(WitnessService.name);
  private readonly sections = new Map<string, { map: Map<string, string[]>; at: number }>();

  constructor(
    private readonly repo: CoverageRepository,
    private readonly policies: CoveragePolicyService,
    private readonly devices: DeviceDirectory,
    private readonly venues: VenueDirectory,
    private readonly admissions: AdmissionDirectory,
    private readonly events: DomainEvents,
    private readonly realtime: RealtimeService,
    private readonly publisher: CoveragePublisher,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * Judges one witness: a verdict always (recorded), never an HTTP error for a refused witness.
   * `from`: the address it came from (req.ip), held against the network the hotspot asked from.
   */
  async submitWitness(who: Principal, w: WitnessSubmission, from?: string): Promise<WitnessAnswer> {
    const fan = who.subject.toLowerCase();
    await this.limiter.enforce(WITNESS_LIMIT, fan);
    const signedAt = new Date(w.signedAt);
    const challenge = await this.repo.challenge(w.challengeId.toLowerCase());
    const draft: VerdictDraft = {
      challengeId: w.challengeId.toLowerCase(),
      eventId: challenge?.eventId ?? null,
      venueId: challenge?.venueId ?? null,
      hotspot: challenge?.hotspot ?? null,
      owner: null,
      fan,
      verdict: 'valid',
      detail: VERDICT_MEANING.valid,
      hotspotSection: null,
      fanSection: null,
      signedAt: Number.isNaN(signedAt.getTime()) ? null : signedAt,
    };
    const refuse = (verdict: WitnessVerdict, detail = VERDICT_MEANING[verdict]) => this.finish({ ...draft, verdict, detail }, () => this.repo.record({ ...draft, verdict, detail }));
    if (!challenge) return refuse('unknown_challenge');
    if (w.eventId.toLowerCase() !== challenge.eventId) return refuse('wrong_event');
    // Everything the later checks read, at once: they depend only on the challenge.
    const [device, event, admitted, policy] = await Promise.all([
      this.devices.device(challenge.hotspot),
      this.policies.event(challenge.eventId),
      this.admissions.admitted(challenge.eventId, fan),
      this.policies.policy(challenge.eventId),
    ]);
    draft.owner = device?.owner ?? null;
    draft.hotspotSection = device?.sectionCode ?? null;
    const digest = challengeDigest(toChallenge(challenge));
    if (!device || !hotspotSigned(device.publicKey, digest, w.hotspotSignature)) return refuse('bad_hotspot_signature');
    if (witnessSigner(witnessDigest(digest, fan, challenge.eventId, w.signedAt), w.fanSignature) !== fan) return refuse('bad_fan_signature');

    // Both signatures hold: from here the response is used up, whatever the verdict.
    const verdict = await this.precheck(draft, challenge, device, event, admitted, signedAt, networkOf(from));
    const judged = { ...draft, verdict, detail: VERDICT_MEANING[verdict] };
    const reach = { sections: verdict === 'valid' ? await this.reachable(device.venueId, device.sectionCode) : [], seconds: MOBILITY_S };
    return this.finish(judged, () =>
      this.repo.judge(
        judged,
        policy,
        {
          replayed: VERDICT_MEANING.replayed,
          fan: `The fan already gave ${policy.fanWitnessesPerInterval} valid witnesses in the last ${policy.intervalS} s.`,
          hotspot: `The hotspot already had ${policy.hotspotWitnessesPerInterval} valid witnesses in the last ${policy.intervalS} s.`,
          movement: (section, ago) =>
            `The same phone gave a valid witness to a hotspot in section ${section} ${ago} s ago, and section ${draft.hotspotSection} is not next to it: nobody gets there within ${MOBILITY_S} s, so one of the two was relayed.`,
        },
        reach,
        (tx, valid) => this.validWitnessed(tx, judged, valid),
      ),
    );
  }

  /** A fan's own verdicts at an event, newest first. */
  async myWitnesses(eventId: string, fan: string) {
    return (await this.repo.fanVerdicts(eventId, fan.toLowerCase())).map(fanVerdictView);
  }

  /** In the verdict's transaction: the valid witness's domain event commits with its row. */
  private async validWitnessed(tx: EntityManager, draft: VerdictDraft, valid: RecordedVerdict): Promise<void> {
    await this.events.emit(tx, 'coverage.witness_valid', {
      witnessId: valid.id,
      eventId: draft.eventId!,
      venueId: draft.venueId!,
      hotspot: draft.hotspot!,
      owner: draft.owner!,
      fan: draft.fan,
      at: new Date(valid.at).toISOString(),
    });
  }

  /** The checks between the signatures and the limits, cheapest first; fills in the fan's section. */
  private async precheck(
    draft: VerdictDraft,
    challenge: ChallengeRow,
    device: DeviceRecord,
    event: EventView,
    admitted: AdmittedFan | undefined,
    signedAt: Date,
    network: string | undefined,
  ): Promise<WitnessVerdict> {
    const now = Date.now();
    const signed = signedAt.getTime();
    if (now > new Date(challenge.expiresAt).getTime() || signed > new Date(challenge.expiresAt).getTime() + SIGNED_AT_SKEW_MS || signed < new Date(challenge.issuedAt).getTime() - SIGNED_AT_SKEW_MS) {
      return 'expired_challenge';
    }
    if (!OPEN_FOR_COVERAGE.has(event.status)) return 'event_closed';
    if (device.revokedAt || device.denylisted) return 'hotspot_inactive';
    if (device.owner === draft.fan) return 'own_hotspot';
    if (!admitted) return 'fan_not_admitted';
    draft.fanSection = admitted.section;
    if (!(await this.plausible(device.venueId, device.sectionCode, admitted.section))) return 'implausible_section';
    // Proximity, not only a seat: a challenge relayed to a phone elsewhere arrives from another network.
    if (challenge.network && network !== challenge.network) return 'not_on_hotspot_network';
    return 'valid';
  }

  /** The fan's seat is in the hotspot's section or one next to it (either side's neighbour list). */
  private async plausible(venueId: string, hotspotSection: string, fanSection: string): Promise<boolean> {
    return (await this.reachable(venueId, hotspotSection)).includes(fanSection);
  }

  /** A section and its neighbours (either side's neighbour list names the other). */
  private async reachable(venueId: string, section: string): Promise<string[]> {
    let cached = this.sections.get(venueId);
    if (!cached || Date.now() - cached.at > SECTIONS_CACHE_MS) {
      const venue = await this.venues.getVenue(venueId);
      cached = { map: new Map(venue.sections.map((s) => [s.code, s.neighbours ?? []])), at: Date.now() };
      this.sections.set(venueId, cached);
    }
    const out = new Set([section, ...(cached.map.get(section) ?? [])]);
    for (const [code, neighbours] of cached.map) if (neighbours.includes(section)) out.add(code);
    return [...out];
  }

  private async finish(draft: VerdictDraft, write: () => Promise<RecordedVerdict>): Promise<WitnessAnswer> {
    const row = await write();
    const answer = witnessAnswer(row, draft);
    if (draft.venueId && draft.eventId) this.publisher.count(draft.venueId, draft.eventId, row.verdict, draft.hotspot);
    if (row.verdict === 'valid') {
      // The fan's live copy does not hold up the answer (the answer already says it all).
      void this.realtime.publish(`fan:${draft.fan}`, { type: 'coverage.witness', ...answer }).catch((err) => this.logger.warn({ err: (err as Error).message, witnessId: row.id }, 'fan publish failed'));
    }
    return answer;
  }
}
