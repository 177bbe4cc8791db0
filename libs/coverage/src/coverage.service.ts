import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { hexlify } from 'ethers';
import { EntityManager } from 'typeorm';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { AdmissionDirectory, AdmittedFan } from '@fanmesh/access';
import { DeviceRow, DevicesService, EnvelopeContext } from '@fanmesh/devices';
import { RealtimeService } from '@fanmesh/realtime';
import { EventView, VenueError, VenuesService } from '@fanmesh/venues';
import { CoverageError, VERDICT_MEANING, WITNESS_VERDICTS, WitnessVerdict } from './coverage.error';
import { CoveragePublisher } from './coverage-publisher';
import { ChallengeRow, CoveragePolicy, CoverageRepository, VerdictDraft } from './coverage.repository';
import { BUCKET_S, coverageScore, windowBuckets } from './coverage-score';
import { Challenge, challengeDigest, hotspotSigned, witnessDigest, witnessSigner } from './coverage-signatures';
import type { HotspotScore, ValidWitness } from './coverage.types';

/** Limits when staff set none for an event. */
export const DEFAULT_POLICY: CoveragePolicy = { intervalS: 300, fanWitnessesPerInterval: 4, hotspotWitnessesPerInterval: 60, challengeTtlS: 30 };
/** Challenges per request, and unanswered live ones per hotspot. */
export const MAX_CHALLENGES_PER_REQUEST = 32;
export const MAX_OUTSTANDING_CHALLENGES = 128;
/** How far a phone's signing time may sit outside the challenge's life (clock drift). */
export const SIGNED_AT_SKEW_MS = 5_000;
const OPEN = new Set(['gates_open', 'live']);
/** Witness submissions per fan and instance: a phone honestly sends one every few minutes; this keeps a flood out of the audit table. */
export const WITNESSES_PER_SECOND = 5;
const WITNESS_BURST = 20;

export interface WitnessSubmission {
  challengeId: string;
  eventId: string;
  hotspotSignature: string;
  fanSignature: string;
  signedAt: string;
}

export interface WitnessAnswer {
  witnessId: string;
  verdict: WitnessVerdict;
  detail: string;
  challengeId: string;
  eventId: string | null;
  hotspot: string | null;
  at: string;
}

export type ScoreRow = HotspotScore & { uptimePm: number; qualityPm: number; windowFrom: Date; windowTo: Date };

/**
 * Proof of coverage. Hotspots get unpredictable challenges through their signed envelopes; a fan's
 * phone connected through the hotspot co-signs the hotspot-signed challenge; every witness gets one
 * explicit verdict, kept for audit; only valid ones count towards the epoch's scores.
 */
@Injectable()
export class CoverageService implements OnModuleInit {
  private readonly logger = new Logger(CoverageService.name);
  private readonly listeners: ((w: ValidWitness) => void)[] = [];
  private readonly policies = new Map<string, { policy: CoveragePolicy; at: number }>();
  private readonly sections = new Map<string, { map: Map<string, string[]>; at: number }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly repo: CoverageRepository,
    private readonly devices: DevicesService,
    private readonly venues: VenuesService,
    private readonly admissions: AdmissionDirectory,
    private readonly realtime: RealtimeService,
    private readonly publisher: CoveragePublisher,
  ) {}

  onModuleInit(): void {
    this.devices.registerBody('challenge.request', (ctx) => this.issueChallenges(ctx));
  }

  /** In-process listeners for valid witnesses (rewards pay fans per witness, keyed by `witnessId`). */
  onValidWitness(listener: (w: ValidWitness) => void): void {
    this.listeners.push(listener);
  }

  /** A hotspot's `{type: 'challenge.request', eventId, count?}`: fresh challenges, written with the envelope's seq. */
  async issueChallenges(ctx: EnvelopeContext): Promise<{ challenges: Challenge[] }> {
    const { device, body, tx } = ctx;
    const eventId = body.eventId;
    const count = body.count ?? 1;
    if (typeof eventId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(eventId)) {
      throw new CoverageError('bad_challenge_request', 'challenge.request needs eventId, the uuid of the event.');
    }
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > MAX_CHALLENGES_PER_REQUEST) {
      throw new CoverageError('bad_challenge_request', `count must be an integer from 1 to ${MAX_CHALLENGES_PER_REQUEST}.`);
    }
    if (device.kind !== 'hotspot') throw new CoverageError('not_a_hotspot', `Only hotspots are challenged; this device is a ${device.kind}.`);
    // Inside the envelope's transaction: every read goes through `tx` (never a second connection).
    const event = await this.event(eventId.toLowerCase(), tx);
    if (event.venueId !== device.venueId) throw new CoverageError('wrong_venue', 'This hotspot is paired to another venue than the event is at.');
    if (!OPEN.has(event.status)) throw new CoverageError('event_not_open', `The event is ${event.status}; challenges are issued while gates are open or the match is live.`);
    const n = count as number;
    if ((await this.repo.outstanding(tx, device.address)) + n > MAX_OUTSTANDING_CHALLENGES) {
      throw new CoverageError('too_many_challenges', `At most ${MAX_OUTSTANDING_CHALLENGES} unanswered challenges per hotspot; let some be answered or expire.`);
    }
    const policy = await this.policy(event.id, tx);
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expiresAt = new Date(issuedAt.getTime() + policy.challengeTtlS * 1000);
    const rows: ChallengeRow[] = Array.from({ length: n }, () => ({
      id: randomUUID(),
      eventId: event.id,
      venueId: event.venueId,
      hotspot: device.address,
      nonce: hexlify(randomBytes(32)),
      issuedAt,
      expiresAt,
      claimedBy: null,
    }));
    await this.repo.insertChallenges(tx, rows);
    return { challenges: rows.map(toChallenge) };
  }

  /** Judges one witness: a verdict always (recorded), never an HTTP error for a refused witness. */
  async submitWitness(who: Principal, w: WitnessSubmission): Promise<WitnessAnswer> {
    const fan = who.subject.toLowerCase();
    this.rateLimit(fan);
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
      this.event(challenge.eventId),
      this.admissions.admitted(challenge.eventId, fan),
      this.policy(challenge.eventId),
    ]);
    draft.owner = device?.owner ?? null;
    draft.hotspotSection = device?.sectionCode ?? null;
    const digest = challengeDigest(toChallenge(challenge));
    if (!device || !hotspotSigned(device.publicKey, digest, w.hotspotSignature)) return refuse('bad_hotspot_signature');
    if (witnessSigner(witnessDigest(digest, fan, challenge.eventId, w.signedAt), w.fanSignature) !== fan) return refuse('bad_fan_signature');

    // Both signatures hold: from here the response is used up, whatever the verdict.
    const verdict = await this.precheck(draft, challenge, device, event, admitted, signedAt);
    const judged = { ...draft, verdict, detail: VERDICT_MEANING[verdict] };
    return this.finish(judged, () =>
      this.repo.judge(judged, policy, {
        replayed: VERDICT_MEANING.replayed,
        fan: `The fan already gave ${policy.fanWitnessesPerInterval} valid witnesses in the last ${policy.intervalS} s.`,
        hotspot: `The hotspot already had ${policy.hotspotWitnessesPerInterval} valid witnesses in the last ${policy.intervalS} s.`,
      }),
    );
  }

  /** The checks between the signatures and the limits, cheapest first; fills in the fan's section. */
  private async precheck(draft: VerdictDraft, challenge: ChallengeRow, device: DeviceRow, event: EventView, admitted: AdmittedFan | undefined, signedAt: Date): Promise<WitnessVerdict> {
    const now = Date.now();
    const signed = signedAt.getTime();
    if (now > new Date(challenge.expiresAt).getTime() || signed > new Date(challenge.expiresAt).getTime() + SIGNED_AT_SKEW_MS || signed < new Date(challenge.issuedAt).getTime() - SIGNED_AT_SKEW_MS) {
      return 'expired_challenge';
    }
    if (!OPEN.has(event.status)) return 'event_closed';
    if (device.revokedAt || device.denylisted) return 'hotspot_inactive';
    if (device.owner === draft.fan) return 'own_hotspot';
    if (!admitted) return 'fan_not_admitted';
    draft.fanSection = admitted.section;
    if (!(await this.plausible(device.venueId, device.sectionCode, admitted.section))) return 'implausible_section';
    return 'valid';
  }

  /** The fan's seat is in the hotspot's section or one next to it (either side's neighbour list). */
  private async plausible(venueId: string, hotspotSection: string, fanSection: string): Promise<boolean> {
    if (hotspotSection === fanSection) return true;
    let cached = this.sections.get(venueId);
    if (!cached || Date.now() - cached.at > 60_000) {
      const venue = await this.venues.getVenue(venueId);
      cached = { map: new Map(venue.sections.map((s) => [s.code, s.neighbours ?? []])), at: Date.now() };
      this.sections.set(venueId, cached);
    }
    return !!cached.map.get(hotspotSection)?.includes(fanSection) || !!cached.map.get(fanSection)?.includes(hotspotSection);
  }

  private async finish(draft: VerdictDraft, write: () => Promise<{ id: string; verdict: WitnessVerdict; detail: string; at: Date }>): Promise<WitnessAnswer> {
    const row = await write();
    const at = new Date(row.at).toISOString();
    const answer: WitnessAnswer = { witnessId: row.id, verdict: row.verdict, detail: row.detail, challengeId: draft.challengeId, eventId: draft.eventId, hotspot: draft.hotspot, at };
    if (draft.venueId && draft.eventId) this.publisher.count(draft.venueId, draft.eventId, row.verdict, draft.hotspot);
    if (row.verdict === 'valid') {
      const witness: ValidWitness = { witnessId: row.id, eventId: draft.eventId!, venueId: draft.venueId!, hotspot: draft.hotspot!, owner: draft.owner!, fan: draft.fan, at };
      for (const l of this.listeners) {
        try {
          l(witness);
        } catch (err) {
          this.logger.warn({ err: (err as Error).message, witnessId: row.id }, 'valid witness listener failed');
        }
      }
      // The fan's live copy does not hold up the answer (the answer already says it all).
      void this.realtime.publish(`fan:${draft.fan}`, { type: 'coverage.witness', ...answer }).catch((err) => this.logger.warn({ err: (err as Error).message, witnessId: row.id }, 'fan publish failed'));
    }
    return answer;
  }

  private rateLimit(fan: string): void {
    const now = Date.now();
    if (this.buckets.size > 100_000) this.buckets.clear(); // forget idle fans rather than grow without bound
    const b = this.buckets.get(fan) ?? { tokens: WITNESS_BURST, at: now };
    b.tokens = Math.min(WITNESS_BURST, b.tokens + ((now - b.at) / 1000) * WITNESSES_PER_SECOND);
    b.at = now;
    if (b.tokens < 1) throw new CoverageError('rate_limited', `A fan may submit at most ${WITNESSES_PER_SECOND} witnesses a second; slow down.`);
    b.tokens -= 1;
    this.buckets.set(fan, b);
  }

  /** Every valid witness of an event, in the order they were judged. */
  async validWitnesses(eventId: string): Promise<ValidWitness[]> {
    return this.repo.validWitnesses(eventId);
  }

  /** A fan's own verdicts at an event, newest first. */
  async myWitnesses(eventId: string, fan: string) {
    return (await this.repo.fanVerdicts(eventId, fan.toLowerCase())).map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
  }

  async policy(eventId: string, tx?: EntityManager): Promise<CoveragePolicy> {
    const cached = this.policies.get(eventId);
    if (cached && Date.now() - cached.at < 5_000) return cached.policy;
    const policy = (await this.repo.policy(eventId, tx)) ?? DEFAULT_POLICY;
    this.policies.set(eventId, { policy, at: Date.now() });
    return policy;
  }

  /** Staff of the event's venue set the limits and challenge life for one event. */
  async setPolicy(eventId: string, policy: CoveragePolicy, by: Principal): Promise<CoveragePolicy> {
    const event = await this.event(eventId);
    requireVenueRole(by, ['staff'], event.venueId);
    await this.repo.setPolicy(eventId, policy, by.subject);
    this.policies.delete(eventId);
    this.logger.log({ eventId, ...policy, by: by.subject }, 'coverage policy set');
    return this.policy(eventId);
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
    return (await this.repo.scores(eventId)).map((r) => ({
      eventId: r.eventId,
      hotspot: r.hotspot,
      owner: r.owner,
      uniqueWitnesses: r.uniqueWitnesses,
      uptime: r.uptimePm / 1000,
      quality: r.qualityPm / 1000,
      score: Number(r.score),
      claimedClients: r.claimedClients,
      final: r.final,
    }));
  }

  private async compute(eventId: string, only?: string): Promise<ScoreRow[]> {
    const event = await this.event(eventId);
    const window = await this.venues.eventWindow(eventId);
    const to = window.endedAt ? new Date(window.endedAt) : new Date();
    const from = window.openedAt ? new Date(window.openedAt) : to;
    const unique = await this.repo.uniqueWitnesses(eventId);
    const hotspots = new Map<string, string>();
    for (const d of await this.devices.list({ venueIds: [event.venueId] })) if (d.kind === 'hotspot') hotspots.set(d.address, d.owner);
    for (const [h, u] of unique) if (!hotspots.has(h)) hotspots.set(h, u.owner);
    const addresses = [...hotspots.keys()].filter((h) => !only || h === only).sort();
    const heard = new Map((await this.devices.heartbeatSummary(addresses, from, to, BUCKET_S)).map((h) => [h.device, h]));
    const buckets = windowBuckets(from, to);
    return addresses.map((hotspot) => {
      const w = unique.get(hotspot)?.unique ?? 0;
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
      };
    });
  }

  /** The staff dashboard's hotspot list for an event: status, section, witness counts, stored score. */
  async hotspots(eventId: string, by?: Principal) {
    const event = await this.event(eventId);
    if (by) requireVenueRole(by, ['staff'], event.venueId);
    const [devices, counts, scores] = await Promise.all([this.devices.list({ venueIds: [event.venueId] }), this.repo.verdictCounts(eventId), this.repo.scores(eventId)]);
    const unique = await this.repo.uniqueWitnesses(eventId);
    const score = new Map(scores.map((s) => [s.hotspot, Number(s.score)]));
    return devices
      .filter((d) => d.kind === 'hotspot')
      .map((d) => {
        const mine = counts.filter((c) => c.hotspot === d.address);
        const last = mine.filter((c) => c.verdict === 'valid').map((c) => new Date(c.last).getTime());
        return {
          address: d.address,
          owner: d.owner,
          sectionCode: d.sectionCode,
          status: d.status,
          denylistedReason: d.denylistedReason,
          lastSeenAt: d.lastSeenAt,
          validWitnesses: mine.filter((c) => c.verdict === 'valid').reduce((n, c) => n + c.n, 0),
          refusedWitnesses: mine.filter((c) => c.verdict !== 'valid').reduce((n, c) => n + c.n, 0),
          uniqueWitnesses: unique.get(d.address)?.unique ?? 0,
          lastValidWitnessAt: last.length ? new Date(Math.max(...last)).toISOString() : null,
          score: score.get(d.address) ?? null,
        };
      });
  }

  /** The verdict audit trail of an event for venue staff, newest first. */
  async audit(eventId: string, filter: { hotspot?: string; verdict?: WitnessVerdict; limit?: number }, by: Principal) {
    await this.requireStaff(eventId, by);
    return this.repo.verdicts(eventId, { hotspot: filter.hotspot?.toLowerCase(), verdict: filter.verdict, limit: filter.limit ?? 200 });
  }

  /** The caller's hotspots with their report for one event: what the PWA's "my hotspots" page shows. */
  async myHotspots(eventId: string, by: Principal) {
    await this.event(eventId);
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
    const device = await this.devices.device(address);
    if (!device || device.kind !== 'hotspot') throw new CoverageError('hotspot_not_found', `No hotspot ${address}.`);
    if (device.owner !== by.subject.toLowerCase()) requireVenueRole(by, ['staff'], device.venueId);
    await this.event(eventId);
    const [counts, [score], stored, appeal] = await Promise.all([
      this.repo.verdictCounts(eventId, device.address),
      this.compute(eventId, device.address),
      this.repo.scores(eventId),
      this.devices.latestAppeal(device.address),
    ]);
    const byReason = Object.fromEntries(WITNESS_VERDICTS.map((v) => [v, 0])) as Record<WitnessVerdict, number>;
    for (const c of counts) byReason[c.verdict] += c.n;
    const saved = stored.find((s) => s.hotspot === device.address);
    const view = this.devices.view(device);
    return {
      hotspot: device.address,
      owner: device.owner,
      venueId: device.venueId,
      sectionCode: device.sectionCode,
      status: view.status,
      eventId,
      verdicts: byReason,
      refusals: WITNESS_VERDICTS.filter((v) => v !== 'valid' && byReason[v] > 0).map((v) => ({ reason: v, count: byReason[v], meaning: VERDICT_MEANING[v] })),
      uniqueWitnesses: score?.uniqueWitnesses ?? 0,
      uptime: score?.uptime ?? 0,
      quality: score?.quality ?? 0,
      claimedClients: score?.claimedClients ?? null,
      score: score?.score ?? 0,
      storedScore: saved ? Number(saved.score) : null,
      denylist: device.denylisted ? { reason: device.denylisted, appeal: appeal ?? null } : null,
      revokedReason: device.revokedReason,
    };
  }

  /** Passes when the caller is staff at the event's venue (or an admin). */
  async requireStaff(eventId: string, by: Principal): Promise<void> {
    requireVenueRole(by, ['staff'], (await this.event(eventId)).venueId);
  }

  private async event(eventId: string, tx?: EntityManager): Promise<EventView> {
    try {
      return await this.venues.getEvent(eventId, tx);
    } catch (err) {
      if (err instanceof VenueError && err.code === 'event_not_found') throw new CoverageError('event_not_found', `No event ${eventId}.`);
      throw err;
    }
  }
}

function toChallenge(r: ChallengeRow): Challenge {
  return { id: r.id, eventId: r.eventId, hotspot: r.hotspot, nonce: r.nonce, issuedAt: new Date(r.issuedAt).toISOString(), expiresAt: new Date(r.expiresAt).toISOString() };
}

function publicScore(r: ScoreRow): HotspotScore {
  const { uptimePm: _u, qualityPm: _q, windowFrom: _f, windowTo: _t, ...score } = r;
  return score;
}
