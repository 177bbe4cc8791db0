import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DeviceDirectory, ReadingsDirectory, StoredReading } from '@fanmesh/directory';
import { DeliveryContext, DomainEvent, Job, OnDomainEvent } from '@fanmesh/events';
import { RealtimeService } from '@fanmesh/realtime';
import { DetectionQueueRepository } from './detection-queue.repository';
import { evidenceTree, momentContext } from './evidence';
import { BASELINE_MS, Burst, copiedSeries, detectBursts, DETECTOR, isEstablished, SensorInfo, trustWeight } from './moment-detector';
import { view } from './moment.mapper';
import { MomentRepository, TrustVote } from './moment.repository';
import type { MomentKind } from './moment.types';

/** A sensor burst this close to a moment the feed created is that moment, not a new candidate. */
export const FEED_FIRST_MS = 30_000;
/** New readings wait this long for the rest of their burst (other sensors' envelopes) before detection runs. */
export const DETECT_DEBOUNCE_MS = 150;
/** Detection looks once more this long after a run: readings of the same burst from slower sensors. */
export const DETECT_RECHECK_MS = 1_500;
/** The durable path: how often one instance runs whatever the live path left due (an instance died, a timer was lost). */
const DETECT_EVERY_MS = 2_000;
/** A runner holds an event this long at most; a dead runner's event is taken over after it. */
const DETECT_LEASE_MS = 30_000;
const DETECT_BATCH = 20;
const OWNER_CACHE_MS = 60_000;

/**
 * Candidates from a quorum of independent sound sensors. The `sensing.readings_stored` consumer
 * records, in its delivery transaction, that an event has new sound readings (moment_detection_queue);
 * detection then runs for it once, on one instance: right after that commit (debounced) on the
 * instance that delivered it, or by the `moments.detect` job on any instance if that one died.
 */
@Injectable()
export class MomentDetectionService implements OnModuleDestroy {
  private readonly logger = new Logger(MomentDetectionService.name);
  private readonly owners = new Map<string, { owner: string; at: number }>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private busy = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly repo: MomentRepository,
    private readonly queue: DetectionQueueRepository,
    private readonly readings: ReadingsDirectory,
    private readonly devices: DeviceDirectory,
    private readonly realtime: RealtimeService,
  ) {}

  onModuleDestroy(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Sound readings were stored: the event's span of new readings joins the queue, with the cursor. */
  @OnDomainEvent('sensing.readings_stored', { batchSize: 500 })
  async readingsStored(events: DomainEvent<'sensing.readings_stored'>[], ctx: DeliveryContext): Promise<void> {
    const spans = new Map<string, { eventId: string; venueId: string; from: number; to: number }>();
    for (const { payload: e } of events) {
      const sound = e.spans.sound;
      if (!sound) continue;
      const p = spans.get(e.eventId);
      if (p) {
        p.from = Math.min(p.from, sound.from);
        p.to = Math.max(p.to, sound.to);
      } else spans.set(e.eventId, { eventId: e.eventId, venueId: e.venueId, from: sound.from, to: sound.to });
    }
    for (const p of spans.values()) await this.queue.mark(ctx.tx, p, DETECT_DEBOUNCE_MS);
    if (spans.size) ctx.afterCommit(() => this.soon(DETECT_DEBOUNCE_MS));
  }

  /** The durable path: runs what is due (a second look, or what an instance that died left). */
  @Job('moments.detect', { everyMs: DETECT_EVERY_MS })
  async detectDue(): Promise<number> {
    if (this.busy) {
      this.again = true;
      return 0;
    }
    this.busy = true;
    let n = 0;
    try {
      for (;;) {
        this.again = false;
        const due = await this.queue.claimDue(DETECT_BATCH, DETECT_LEASE_MS);
        for (const p of due) {
          n++;
          try {
            await this.detect(p.eventId, p.venueId, p.from, p.to);
          } catch (err) {
            this.logger.warn({ err: (err as Error).message, eventId: p.eventId }, 'moment detection failed');
          }
          const next = await this.queue.finish(p, DETECT_RECHECK_MS);
          if (next === 'recheck') this.soon(DETECT_RECHECK_MS);
          else if (next === 'again') this.soon(DETECT_DEBOUNCE_MS); // readings came in while it ran
        }
        if (due.length < DETECT_BATCH && !this.again) break;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'moment detection pass failed; the job retries');
    } finally {
      this.busy = false;
    }
    return n;
  }

  /** The live path: a pass on this instance in `ms` (a lost timer loses nothing: the job runs what is due). */
  private soon(ms: number): void {
    if (this.closed) return;
    const at = Date.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.detectDue();
    }, ms);
    this.timer.unref();
  }

  /** Runs the detector over an event's sound readings around [from, to] and records what it finds (also for tests and tools). */
  async detect(eventId: string, venueId: string, from: number, to: number): Promise<Burst[]> {
    const span = { fromMs: from - BASELINE_MS, toMs: to + DETECTOR.windowMs };
    const samples = await this.readings.window(eventId, 'sound', span.fromMs, span.toMs);
    if (!samples.length) return [];
    const sensors = await this.sensorInfo([...new Set(samples.map((s) => s.device))]);
    const copies = copiedSeries(samples, sensors);
    const bursts = detectBursts(samples, sensors, DETECTOR, copies);
    const latest = samples[samples.length - 1].at;
    // a copied series is counted once by the rule, and the copy loses trust (once per event and original)
    const votes: TrustVote[] = [...copies].map(([copy, original]) => ({ device: copy, cause: `copy:${eventId}:${original}`, agree: false }));
    for (const b of bursts) {
      if (b.to < from - DETECTOR.windowMs) continue; // context only
      const feed = (await this.repo.near(undefined, eventId, new Date(b.at), FEED_FIRST_MS)).find((m) => m.source === 'feed' && m.status === 'confirmed');
      if (feed) {
        // the crowd cheered what the official feed confirmed: the sensors that heard it agreed (how a new sensor earns trust)
        for (const device of b.devices) votes.push({ device, cause: `moment:${feed.id}`, agree: true });
      } else if (b.quorate) await this.candidate(eventId, venueId, b, sensors, samples, span);
      else if (b.to < latest - 2 * DETECTOR.windowMs) {
        // a closed burst that never met the quorum: its sensors spiked on their own
        for (const device of b.devices) votes.push({ device, cause: `lone:${eventId}:${b.from}`, agree: false });
      }
    }
    await this.repo.vote(votes);
    return bursts;
  }

  /**
   * A candidate with its evidence: every envelope holding a sound reading the rule saw of the
   * sensors that spiked (their baseline and their spikes), and the rule's context, both under the root.
   */
  private async candidate(
    eventId: string,
    venueId: string,
    b: Burst,
    sensors: Map<string, SensorInfo>,
    samples: StoredReading[],
    span: { fromMs: number; toMs: number },
  ): Promise<void> {
    const spiking = new Set(b.devices);
    const keys = [...new Map(samples.filter((s) => spiking.has(s.device)).map((s) => [`${s.device}:${s.seq}`, { device: s.device, seq: s.seq }])).values()];
    const envelopes = await this.readings.envelopes(keys);
    const context = momentContext(eventId, span, b, sensors);
    const { root } = evidenceTree(envelopes, context);
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
        evidenceContext: context,
        evidence: envelopes.map((e) => ({ device: e.deviceId, seq: e.seq })),
      });
      return this.repo.get(id, tx);
    });
    if (!created) return;
    this.logger.log({ momentId: created.id, eventId, devices: b.devices.length, sections: b.sections.length, envelopes: envelopes.length }, 'moment candidate');
    await this.realtime.publish(`staff:${venueId}`, { type: 'moments.candidate', moment: view(created, true) });
  }

  private async sensorInfo(devices: string[]): Promise<Map<string, SensorInfo>> {
    const [records, approvals] = await Promise.all([this.repo.records(devices), this.repo.approvalRecords(devices)]);
    const out = new Map<string, SensorInfo>();
    for (const d of devices) {
      let o = this.owners.get(d);
      if (!o || Date.now() - o.at > OWNER_CACHE_MS) {
        const found = await this.devices.device(d);
        if (!found || found.revokedAt || found.denylisted) continue; // its readings were accepted, but it no longer counts
        o = { owner: found.owner, at: Date.now() };
        this.owners.set(d, o);
      }
      const r = records.get(d) ?? { agree: 0, disagree: 0 };
      // an approval lapses when the device has passed to another owner
      const weight = trustWeight(r.agree, r.disagree, approvals.get(d)?.owner === o.owner);
      out.set(d, { owner: o.owner, weight, established: isEstablished(weight) });
    }
    return out;
  }
}
