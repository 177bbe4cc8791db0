import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AdmissionDirectory } from '@fanmesh/access';
import { hasRole, isAdmin, localSecret, Principal, requireVenueRole } from '@fanmesh/common';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { DevicesService } from '@fanmesh/devices';
import { RealtimeService } from '@fanmesh/realtime';
import { ReadingsService, ReadingsStored } from '@fanmesh/sensing';
import { VenuesService } from '@fanmesh/venues';
import { evidenceTree } from './evidence';
import { FEED_MAX_SKEW_S, FeedMessage, FeedSecretBox, feedSignatureValid } from './feed-auth';
import { BASELINE_MS, Burst, detectBursts, DETECTOR, SensorInfo, trustWeight } from './moment-detector';
import { MomentRepository, MomentRow } from './moment.repository';
import type { ConfirmedMoment, MomentKind } from './moment.types';
import { MomentsError } from './moments.error';

export type ConfirmedListener = (m: ConfirmedMoment) => void;

/** A feed moment confirms a sensor candidate within this distance, else it creates its own. */
export const FEED_MATCH_MS = 60_000;
/** A sensor burst this close to a moment the feed created is that moment, not a new candidate. */
export const FEED_FIRST_MS = 30_000;
const DETECT_DEBOUNCE_MS = 150;
const DETECT_RECHECK_MS = 1_500;
const OWNER_CACHE_MS = 60_000;

/**
 * Match moments: candidates from a quorum of independent sound sensors, staff or official-feed
 * decisions, and the domain event other contexts (drops, rewards) consume: `onConfirmed` live,
 * `confirmed` to catch up. Attestation on chain is AttestationService's.
 */
@Injectable()
export class MomentsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MomentsService.name);
  private readonly listeners = new Set<ConfirmedListener>();
  private readonly pending = new Map<string, { venueId: string; from: number; to: number; timer?: NodeJS.Timeout; recheck?: NodeJS.Timeout }>();
  private readonly owners = new Map<string, { owner: string; at: number }>();
  private readonly box: FeedSecretBox;

  constructor(
    private readonly repo: MomentRepository,
    private readonly readings: ReadingsService,
    private readonly devices: DevicesService,
    private readonly admissions: AdmissionDirectory,
    private readonly venues: VenuesService,
    private readonly realtime: RealtimeService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.box = new FeedSecretBox(config.auth.secret ?? localSecret(config.dataDir, 'auth-secret'));
  }

  onModuleInit(): void {
    this.readings.onReadings((e) => this.onReadings(e));
  }

  onModuleDestroy(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      clearTimeout(p.recheck);
    }
  }

  /** Called once per moment confirmed on this instance, after it committed. Returns an unsubscribe. */
  onConfirmed(listener: ConfirmedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every confirmed moment of an event, in match order (for listeners catching up after a crash). */
  async confirmed(eventId: string): Promise<ConfirmedMoment[]> {
    return (await this.repo.list(eventId, ['confirmed'])).map(toConfirmed);
  }

  /** One moment in any state, or undefined. */
  async get(momentId: string): Promise<MomentRow | undefined> {
    return this.repo.get(momentId);
  }

  /** Confirmed moments for anyone; staff of the venue (and admins) see candidates and rejections too. */
  async list(eventId: string, who: Principal | undefined) {
    const venueId = await this.venueOf(eventId);
    const staff = isAdmin(who) || hasRole(who, 'staff', venueId);
    return (await this.repo.list(eventId, staff ? ['candidate', 'confirmed', 'rejected'] : ['confirmed'])).map((m) => view(m, staff));
  }

  // ------------------------------------------------------------------ detection

  private onReadings(e: ReadingsStored): void {
    const span = e.spans.sound;
    if (!span) return;
    const p = this.pending.get(e.eventId) ?? { venueId: e.venueId, from: span.from, to: span.to };
    p.from = Math.min(p.from, span.from);
    p.to = Math.max(p.to, span.to);
    this.pending.set(e.eventId, p);
    if (!p.timer) {
      p.timer = setTimeout(() => void this.runDetection(e.eventId), DETECT_DEBOUNCE_MS);
      p.timer.unref();
    }
  }

  private async runDetection(eventId: string): Promise<void> {
    const p = this.pending.get(eventId);
    if (!p) return;
    this.pending.delete(eventId);
    clearTimeout(p.recheck);
    try {
      await this.detect(eventId, p.venueId, p.from, p.to);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, eventId }, 'moment detection failed');
    }
    // Once more a little later: readings of the same burst from slower sensors, or a commit that was still in flight.
    if (!this.pending.has(eventId)) {
      const again = { ...p, timer: undefined, recheck: undefined as NodeJS.Timeout | undefined };
      again.recheck = setTimeout(() => {
        if (this.pending.get(eventId) === again) {
          this.pending.delete(eventId);
          this.detect(eventId, p.venueId, p.from, p.to).catch((err) => this.logger.warn({ err: (err as Error).message, eventId }, 'moment detection failed'));
        }
      }, DETECT_RECHECK_MS);
      again.recheck.unref();
      this.pending.set(eventId, again);
    }
  }

  /** Runs the detector over an event's sound readings around [from, to] and records what it finds. */
  async detect(eventId: string, venueId: string, from: number, to: number): Promise<Burst[]> {
    const samples = await this.readings.window(eventId, 'sound', from - BASELINE_MS, to + DETECTOR.windowMs);
    if (!samples.length) return [];
    const sensors = await this.sensorInfo([...new Set(samples.map((s) => s.device))]);
    const bursts = detectBursts(samples, sensors);
    const latest = samples[samples.length - 1].at;
    const lone: { device: string; cause: string; agree: boolean }[] = [];
    for (const b of bursts) {
      if (b.to < from - DETECTOR.windowMs) continue; // context only
      if (b.quorate) await this.candidate(eventId, venueId, b, sensors);
      else if (b.to < latest - 2 * DETECTOR.windowMs) {
        // a closed burst that never met the quorum: its sensors spiked on their own
        for (const device of b.devices) lone.push({ device, cause: `lone:${eventId}:${b.from}`, agree: false });
      }
    }
    await this.repo.vote(lone);
    return bursts;
  }

  private async candidate(eventId: string, venueId: string, b: Burst, sensors: Map<string, SensorInfo>): Promise<void> {
    const keys = [...new Map(b.spikes.map((s) => [`${s.device}:${s.seq}`, { device: s.device, seq: s.seq }])).values()];
    const envelopes = await this.readings.envelopes(keys);
    const { root } = evidenceTree(envelopes);
    const w = DETECTOR.windowMs;
    const created = await this.repo.transaction(async (tx) => {
      await this.repo.lockEvent(tx, eventId);
      if ((await this.repo.overlapping(tx, eventId, new Date(b.from - w), new Date(b.to + w))).length) return undefined;
      // the official feed was first: the crowd is cheering what is already a confirmed moment
      if ((await this.repo.near(tx, eventId, new Date(b.at), FEED_FIRST_MS)).some((m) => m.source === 'feed')) return undefined;
      const earlier = await this.repo.near(tx, eventId, new Date(b.at), 6 * 3600_000);
      const kind: MomentKind = earlier.some((m) => m.kind === 'kickoff' && m.status !== 'rejected' && new Date(m.at).getTime() < b.at) ? 'big_moment' : 'kickoff';
      const signal = {
        from: b.from,
        to: b.to,
        devices: b.devices,
        owners: b.owners,
        sections: b.sections,
        weight: b.weight,
        peakDb: b.peakDb,
        suggestedKind: kind,
        weights: Object.fromEntries(b.devices.map((d) => [d, sensors.get(d)?.weight ?? 1])),
      };
      const id = await this.repo.insert(tx, {
        eventId,
        venueId,
        kind,
        team: null,
        at: new Date(b.at),
        status: 'candidate',
        source: 'sensors',
        signal,
        confirmedBy: null,
        decidedBy: null,
        feedRef: null,
        attendance: null,
        evidenceRoot: root,
        evidence: envelopes.map((e) => ({ device: e.deviceId, seq: e.seq })),
      });
      return this.repo.get(id, tx);
    });
    if (!created) return;
    this.logger.log({ momentId: created.id, eventId, devices: b.devices.length, sections: b.sections.length, envelopes: envelopes.length }, 'moment candidate');
    await this.realtime.publish(`staff:${venueId}`, { type: 'moments.candidate', moment: view(created, true) });
  }

  private async sensorInfo(devices: string[]): Promise<Map<string, SensorInfo>> {
    const records = await this.repo.records(devices);
    const out = new Map<string, SensorInfo>();
    for (const d of devices) {
      let o = this.owners.get(d);
      if (!o || Date.now() - o.at > OWNER_CACHE_MS) {
        const row = await this.devices.device(d);
        if (!row || row.revokedAt || row.denylisted) continue; // its readings were accepted, but it no longer counts
        o = { owner: row.owner, at: Date.now() };
        this.owners.set(d, o);
      }
      const r = records.get(d) ?? { agree: 0, disagree: 0 };
      out.set(d, { owner: o.owner, weight: trustWeight(r.agree, r.disagree) });
    }
    return out;
  }

  /** Trust records of the sensors paired to a venue. */
  async trust(venueId: string) {
    const sensors = (await this.devices.list({ venueIds: [venueId] })).filter((d) => d.kind === 'sensor');
    const records = await this.repo.records(sensors.map((s) => s.address));
    return sensors.map((s) => {
      const r = records.get(s.address) ?? { agree: 0, disagree: 0 };
      return { device: s.address, owner: s.owner, sectionCode: s.sectionCode, agree: r.agree, disagree: r.disagree, weight: trustWeight(r.agree, r.disagree) };
    });
  }

  // ------------------------------------------------------------------ decisions

  async confirm(id: string, d: { kind?: MomentKind; team?: 'home' | 'away' }, who: Principal): Promise<ReturnType<typeof view>> {
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
      return (await this.repo.get(id, tx))!;
    });
    await this.afterDecision(confirmed);
    return view(confirmed, true);
  }

  async reject(id: string, reason: string, who: Principal): Promise<ReturnType<typeof view>> {
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
    await this.afterDecision(rejected);
    return view(rejected, true);
  }

  private assertCandidate(m: MomentRow): void {
    if (m.status === 'rejected') throw new MomentsError('moment_rejected', `Moment ${m.id} was rejected (${m.rejectReason}); it cannot be decided again.`, { momentStatus: m.status });
    if (m.status === 'confirmed') throw new MomentsError('moment_confirmed', `Moment ${m.id} is already confirmed (by ${m.confirmedBy}).`, { momentStatus: m.status });
  }

  private async attendanceAt(eventId: string, at: Date): Promise<number> {
    const bySection = await this.admissions.countBySection(eventId, at);
    return Object.values(bySection).reduce((s, n) => s + n, 0);
  }

  /** After commit: sensors' trust votes, the staff and event channels, the in-process listeners. */
  private async afterDecision(m: MomentRow): Promise<void> {
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
    }
    this.logger.log({ momentId: m.id, eventId: m.eventId, status: m.status, kind: m.kind, by: m.confirmedBy ?? 'staff' }, 'moment decided');
    await this.realtime.publish(`staff:${m.venueId}`, { type: 'moments.decided', moment: view(m, true) });
    if (m.status !== 'confirmed') return;
    const event = toConfirmed(m);
    await this.realtime.publish(`event:${m.eventId}`, { type: 'moments.confirmed', moment: event });
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err, momentId: m.id }, 'a confirmed-moment listener threw');
      }
    }
  }

  // ------------------------------------------------------------------ official feed

  /** A new feed secret for a venue, returned once; stored encrypted. Replaces the previous one. */
  async rotateFeedSecret(venueId: string, who: Principal): Promise<{ venueId: string; secret: string; createdAt: string }> {
    await this.venues.getVenue(venueId); // 404 for an unknown venue
    const secret = FeedSecretBox.generate();
    await this.repo.setFeedSecret(venueId, this.box.seal(secret, venueId), who.subject);
    this.logger.log({ venueId, by: who.subject }, 'feed secret issued');
    return { venueId, secret, createdAt: new Date().toISOString() };
  }

  /**
   * An official feed message (HMAC-checked, fresh, never replayed): confirms the sensor candidate
   * nearest in time, or creates the moment confirmed. The same `ref` again changes nothing.
   */
  async feed(venueId: string, timestamp: string | undefined, signature: string | undefined, msg: FeedMessage & { kind: MomentKind; team?: 'home' | 'away' }) {
    const sealed = await this.repo.feedSecret(venueId);
    if (!sealed) throw new MomentsError('feed_not_configured', `Venue ${venueId} has no feed secret; an admin issues one.`);
    if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature) {
      throw new MomentsError('bad_feed_signature', 'Send x-fanmesh-timestamp (unix seconds) and x-fanmesh-signature (v1=<hex HMAC-SHA256>).');
    }
    if (!feedSignatureValid(this.box.open(sealed, venueId), timestamp, venueId, msg, signature)) {
      throw new MomentsError('bad_feed_signature', 'The HMAC does not match this message and the venue’s feed secret.');
    }
    if (Math.abs(Number(timestamp) - Date.now() / 1000) > FEED_MAX_SKEW_S) throw new MomentsError('stale_feed_message', `The timestamp is more than ${FEED_MAX_SKEW_S} s from the server clock.`);
    const event = await this.venues.getEvent(msg.eventId).catch(() => undefined);
    if (!event) throw new MomentsError('event_not_found', `No event ${msg.eventId}.`);
    if (event.venueId !== venueId) throw new MomentsError('event_not_at_venue', `Event ${msg.eventId} is not at venue ${venueId}.`);
    const feedRef = `${venueId}:${msg.ref}`;
    const at = new Date(msg.at);
    const team = msg.kind === 'goal' ? (msg.team ?? null) : null;
    // Reads other contexts answer come first (a transaction never waits on a second connection):
    // the attendance at the moment the feed most likely confirms, and the evidence if it creates one.
    const likely = (await this.repo.near(undefined, msg.eventId, at, FEED_MATCH_MS)).find((m) => m.status === 'candidate');
    const likelyAttendance = await this.attendanceAt(msg.eventId, likely ? new Date(likely.at) : at);
    const ownAttendance = likely ? await this.attendanceAt(msg.eventId, at) : likelyAttendance;
    const evidence = await this.evidenceAround(msg.eventId, at);
    const outcome = await this.repo.transaction(async (tx) => {
      await this.repo.lockEvent(tx, msg.eventId);
      if (!(await this.repo.receipt(tx, venueId, signature))) throw new MomentsError('feed_replayed', 'This exact feed message was received before.');
      const known = await this.repo.byFeedRef(tx, feedRef);
      if (known) return { moment: known, changed: false };
      const near = (await this.repo.near(tx, msg.eventId, at, FEED_MATCH_MS)).filter((m) => m.status !== 'rejected' && (m.status === 'candidate' || m.kind === msg.kind));
      const match = near.find((m) => m.status === 'candidate') ?? near[0];
      if (match?.status === 'confirmed') {
        await this.repo.setFeedRef(tx, match.id, feedRef);
        return { moment: match, changed: false };
      }
      if (match) {
        const attendance = match.id === likely?.id ? likelyAttendance : ownAttendance;
        await this.repo.confirm(tx, match.id, { kind: msg.kind, team, by: 'feed', decidedBy: `feed:${venueId}`, attendance, feedRef });
        return { moment: (await this.repo.get(match.id, tx))!, changed: true };
      }
      const attendance = ownAttendance;
      const id = await this.repo.insert(tx, {
        eventId: msg.eventId,
        venueId,
        kind: msg.kind,
        team,
        at,
        status: 'confirmed',
        source: 'feed',
        signal: null,
        confirmedBy: 'feed',
        decidedBy: `feed:${venueId}`,
        feedRef,
        attendance,
        evidenceRoot: evidence.root,
        evidence: evidence.keys,
      });
      return { moment: (await this.repo.get(id, tx))!, changed: true };
    });
    if (outcome.changed) await this.afterDecision(outcome.moment);
    return { moment: view(outcome.moment, true), changed: outcome.changed };
  }

  /** For a feed-created moment: the envelopes carrying the sound readings within the window around it. */
  private async evidenceAround(eventId: string, at: Date): Promise<{ root: string; keys: { device: string; seq: number }[] }> {
    const samples = await this.readings.window(eventId, 'sound', at.getTime() - DETECTOR.windowMs, at.getTime() + DETECTOR.windowMs);
    const keys = [...new Map(samples.map((s) => [`${s.device}:${s.seq}`, { device: s.device, seq: s.seq }])).values()].slice(0, 256);
    const envelopes = await this.readings.envelopes(keys);
    return { root: evidenceTree(envelopes).root, keys: envelopes.map((e) => ({ device: e.deviceId, seq: e.seq })) };
  }

  async venueOf(eventId: string): Promise<string> {
    const e = await this.venues.getEvent(eventId).catch(() => undefined);
    if (!e) throw new MomentsError('event_not_found', `No event ${eventId}.`);
    return e.venueId;
  }

  /** For tests and tools: run detection for an event now over a time range (unix ms). */
  detectNow(eventId: string, venueId: string, from: number, to: number): Promise<Burst[]> {
    return this.detect(eventId, venueId, from, to);
  }

  /** @internal */
  evidenceKeys(momentId: string) {
    return this.repo.evidenceKeys(momentId);
  }
}

export function toConfirmed(r: MomentRow): ConfirmedMoment {
  return {
    momentId: r.id,
    eventId: r.eventId,
    venueId: r.venueId,
    kind: r.kind,
    team: r.team,
    at: new Date(r.at).toISOString(),
    attendance: r.attendance ?? 0,
    confirmedBy: r.confirmedBy ?? 'staff',
  };
}

export function view(m: MomentRow, staff: boolean) {
  return {
    id: m.id,
    eventId: m.eventId,
    venueId: m.venueId,
    kind: m.kind,
    team: m.team,
    at: new Date(m.at).toISOString(),
    status: m.status,
    source: m.source,
    confirmedBy: m.confirmedBy,
    attendance: m.attendance,
    evidenceRoot: m.evidenceRoot,
    decidedAt: m.decidedAt ? new Date(m.decidedAt).toISOString() : null,
    ...(staff ? { signal: m.signal, decidedBy: m.decidedBy, rejectReason: m.rejectReason } : {}),
  };
}
