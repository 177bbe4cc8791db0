import { signEnvelope, type DeviceEnvelope } from '@fanmesh/protocol';
import { Answer, ApiClient, NetworkError } from './api';
import type { EventTracker } from './events';
import { QueueMoved, type Journal, type PendingEnvelope, type Reading } from './journal';
import type { DeviceKey } from './key';
import { ENVELOPE_BODY_MAX, MAX_READINGS_PER_ENVELOPE, READING_MAX_AGE_MS, READING_MAX_AHEAD_MS } from './limits';
import type { Logger } from './log';
import type { StateFile } from './state';

/** What became of one envelope. */
export type Outcome =
  | { kind: 'accepted'; body: Record<string, unknown> }
  | { kind: 'replayed'; lastSeq?: number }
  | { kind: 'refused'; status: number; code: string; detail: string; body: Record<string, unknown> }
  | { kind: 'network'; error: string };

/**
 * Refusals the API gives only after it has checked (and would have advanced) the seq, inside the
 * envelope's transaction: such an answer proves the envelope is not stored, now or before.
 * Every other refusal (clock_skew, device_not_found, ...) is checked before the seq, so it says
 * nothing about an earlier attempt of the same envelope.
 */
const AFTER_SEQ_CHECK = new Set([
  // libs/sensing
  'bad_readings',
  'value_out_of_range',
  'reading_out_of_window',
  'kind_not_allowed',
  'device_kind_not_allowed',
  'sensor_not_at_venue',
  'event_not_found',
  'event_not_open',
  // libs/coverage
  'not_a_hotspot',
  'wrong_venue',
  'bad_challenge_request',
  'too_many_challenges',
]);
/** Refusals that hold for this very envelope whatever the time (it can never be accepted: give it up). */
const NEVER = new Set(['validation_failed', 'bad_request', 'malformed_json', 'payload_too_large', 'unsupported_body']);
const READING_FAULTS = new Set(['bad_readings', 'value_out_of_range', 'reading_out_of_window', 'kind_not_allowed']);

/** Re-sign a pending envelope (same seq and body, fresh sentAt) once it is this old: the API allows 30 s. */
const RESIGN_AFTER_MS = 15_000;
/** Readings older than this when their envelope is signed are left out (the API refuses beyond 10 min). */
const KEEP_FOR_MS = READING_MAX_AGE_MS - 30_000;

export interface WireOptions {
  batchMax: number;
  batchMs: number;
  /** Most readings of the queue allowed before the builder sends even a young batch. */
  heartbeatS: number;
}

interface EphemeralRequest {
  body: Record<string, unknown>;
  deadline: number;
  resolve: (o: Outcome) => void;
}

/**
 * The one path every envelope takes, one at a time, in seq order. A readings envelope is written
 * to the journal before it leaves and stays pending until the API took it (`accepted`, or
 * `replayed_seq` for one accepted before); while it is pending nothing with a higher seq is sent.
 * Heartbeats and challenge requests are not kept: their seq is written to the state file before
 * they leave, and a lost one is simply not sent again.
 */
export class Wire {
  private ephemeral: EphemeralRequest[] = [];
  private wake: (() => void) | undefined;
  private running = false;
  private stopped: Promise<void> | undefined;
  private backoffMs = 0;
  private blockedUntil = 0;
  private firstQueuedAt: number | undefined;
  /** Set by the owner of the wire: what the API said of the device (device_not_found → unpaired). */
  onDeviceRefusal: (code: string, detail: string) => void = () => undefined;
  onAccepted: (seq: number, type: string) => void = () => undefined;
  stats = { envelopes: 0, readings: 0, replayed: 0, resigned: 0, dropped: 0 };

  constructor(
    private readonly key: DeviceKey,
    private readonly api: ApiClient,
    private readonly journal: Journal,
    private readonly state: StateFile,
    private readonly events: EventTracker,
    private readonly log: Logger,
    private readonly opts: WireOptions,
  ) {}

  /** Tells the loop something changed (new readings, a request). */
  poke(): void {
    if (this.firstQueuedAt === undefined && this.journal.queued.length) this.firstQueuedAt = Date.now();
    this.poked = true;
    this.wake?.();
  }

  /** Set by poke(): something changed while a step was running, so do not sleep after it. */
  private poked = false;
  /** Set by a step that found nothing to do (as opposed to one backing off): a poke ends its wait. */
  private idle = false;

  /** Sends a message that is not kept (heartbeat, challenge.request) as soon as the wire is free. */
  send(body: Record<string, unknown>, timeoutMs = 10_000): Promise<Outcome> {
    return new Promise((resolve) => {
      this.ephemeral.push({ body, deadline: Date.now() + timeoutMs, resolve });
      this.poke();
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.journal.queued.length) this.firstQueuedAt = 0; // recovered from disk: send at once
    this.stopped = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.stopped;
    for (const r of this.ephemeral.splice(0)) r.resolve({ kind: 'network', error: 'the agent is stopping' });
  }

  /**
   * The next seq: above everything this device ever signed (state file and journal). Never 1:
   * the registration probe (see probe.ts) signs seq 1 with an impossible sentAt.
   */
  private nextSeq(): number {
    return Math.max(this.state.state.seq, this.journal.highestSeq, 1) + 1;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let waitMs: number;
      this.poked = false;
      this.idle = false;
      try {
        waitMs = await this.step();
      } catch (err) {
        this.log.error(`the send loop failed: ${(err as Error).message}; retrying in 5 s`, { stack: (err as Error).stack });
        waitMs = 5000;
      }
      if (!this.running) break;
      // A poke during the step (new readings, a heartbeat) means look again now, unless backing off.
      if (this.poked && this.idle) waitMs = Math.min(waitMs, 10);
      if (waitMs > 0) await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /** One move of the loop; returns how long to wait before the next (0: go on). */
  private async step(): Promise<number> {
    this.expireEphemeral();
    if (Date.now() < this.blockedUntil) return this.blockedUntil - Date.now();
    const refusal = this.api.clock.refusal();
    if (refusal) {
      this.log.every('clock', 60_000, 'error', refusal);
      // Nothing is signed; keep measuring (every answer carries the API's Date).
      await this.api.request('GET', '/api/v1/devices/pairing-domains').catch(() => undefined);
      this.failEphemeral(refusal);
      return 10_000;
    }
    const pending = this.journal.pending;
    if (pending) return this.deliverPending(pending);
    const next = this.ephemeral.shift();
    if (next) {
      next.resolve(await this.sendEphemeral(next.body));
      return this.backoffMs;
    }
    if (this.readyToBuild()) return (await this.build()) ? 0 : 5_000;
    this.idle = true;
    if (this.firstQueuedAt !== undefined && this.journal.queued.length) return Math.max(10, this.firstQueuedAt + this.opts.batchMs - Date.now());
    return 60_000;
  }

  private readyToBuild(): boolean {
    const q = this.journal.queued;
    if (!q.length) {
      this.firstQueuedAt = undefined;
      return false;
    }
    this.firstQueuedAt ??= Date.now();
    return q.length >= this.opts.batchMax || Date.now() - this.firstQueuedAt >= this.opts.batchMs;
  }

  /** Signs the next readings envelope from the queue and records it; false when it cannot yet (no event known). */
  private async build(): Promise<boolean> {
    try {
      return await this.buildOnce();
    } catch (err) {
      if (err instanceof QueueMoved) return true; // nothing was written or sent: its seq is free again
      throw err;
    }
  }

  private async buildOnce(): Promise<boolean> {
    const q = this.journal.queued;
    const fromN = q[0].n;
    const now = Date.now();
    const current = this.events.current()?.id;
    const eventOf = (i: number) => q[i].e ?? current;
    let taken = 0;
    let tooOld = 0;
    // readings that belong to no known event stay queued until one is found (or they age out)
    while (taken < q.length && !eventOf(taken) && q[taken].r[1] < now - KEEP_FOR_MS) {
      taken++;
      tooOld++;
    }
    if (taken === q.length || !eventOf(taken)) {
      if (tooOld) {
        await this.journal.discardQueued(fromN, taken);
        this.log.warn(`dropped ${tooOld} readings older than ${KEEP_FOR_MS / 60_000} min that no open event could take (the API refuses readings over 10 min old)`);
        return true;
      }
      await this.events.refresh();
      if (!this.events.current()) this.log.every('no-event', 60_000, 'warn', `no event is open at the venue: ${q.length} readings wait in the queue (they are kept up to 10 min)`);
      return !!this.events.current();
    }
    const eventId = eventOf(taken)!;
    const readings: Reading[] = [];
    let length = 60 + eventId.length;
    while (taken < q.length && readings.length < Math.min(this.opts.batchMax, MAX_READINGS_PER_ENVELOPE)) {
      if (eventOf(taken) !== eventId) break;
      const r = q[taken].r;
      const size = JSON.stringify(r).length + 1;
      if (length + size > ENVELOPE_BODY_MAX - 2000) break;
      taken++;
      if (r[1] < now - KEEP_FOR_MS || r[1] > now + READING_MAX_AHEAD_MS) {
        tooOld++;
        continue;
      }
      readings.push(r);
      length += size;
    }
    if (tooOld) this.log.warn(`left out ${tooOld} readings outside the API's window (older than ${KEEP_FOR_MS / 60_000} min, or in the future)`);
    if (!readings.length) {
      await this.journal.discardQueued(fromN, taken);
      return true;
    }
    if (tooOld) this.journal.noteDropped(tooOld);
    const env = await this.sign(this.nextSeq(), JSON.stringify({ type: 'readings', eventId, readings }));
    await this.journal.claim(env, fromN, taken, readings.length);
    this.firstQueuedAt = this.journal.queued.length ? Date.now() : undefined;
    return true;
  }

  private sign(seq: number, body: string): Promise<DeviceEnvelope> {
    return signEnvelope((d) => this.key.signDigest(d), this.key.address, seq, body, new Date().toISOString());
  }

  private async deliverPending(p: PendingEnvelope): Promise<number> {
    const stale = Date.now() - Date.parse(p.env.sentAt) > RESIGN_AFTER_MS;
    if (p.void || stale) {
      // void: its seq was refused after the seq check, so it is spent: the same readings under a new seq.
      // stale: too old for the API's clock window: the same seq and body with a fresh sentAt. The API
      // keeps at most one envelope per seq, so whichever of the two it has (if any) is the only one stored.
      const body = this.withoutExpired(p.env.body);
      if (!body) {
        const n = await this.journal.dropPending('older than the API accepts');
        this.stats.dropped += n;
        this.log.warn(`dropped ${n} readings of seq ${p.env.seq}: they are over 10 min old, the API no longer takes them`);
        return 0;
      }
      const wasVoid = p.void;
      p = await this.journal.resign(await this.sign(wasVoid ? this.nextSeq() : p.env.seq, body.text), body.count);
      if (!wasVoid) this.stats.resigned++;
    }
    const outcome = await this.post(p.env);
    const type = 'readings';
    switch (outcome.kind) {
      case 'accepted':
        await this.journal.done(p.env.seq, 'accepted');
        this.delivered(p, 'accepted');
        return 0;
      case 'replayed':
        await this.journal.done(p.env.seq, 'replayed');
        this.stats.replayed++;
        this.log.info(`seq ${p.env.seq} was already accepted (its answer was lost): counted as delivered`, { readings: p.count });
        this.delivered(p, 'replayed');
        return 0;
      case 'network':
        return this.retryLater(outcome.error);
      case 'refused':
        return this.refusedPending(p, outcome, type);
    }
  }

  private delivered(p: PendingEnvelope, how: string): void {
    this.backoffMs = 0;
    this.stats.envelopes++;
    this.stats.readings += p.count;
    this.log.debug(`seq ${p.env.seq}: ${p.count} readings ${how}`);
    this.onAccepted(p.env.seq, 'readings');
  }

  private async refusedPending(p: PendingEnvelope, o: Extract<Outcome, { kind: 'refused' }>, type: string): Promise<number> {
    this.recordRefusal(p.env.seq, type, o);
    if (AFTER_SEQ_CHECK.has(o.code)) {
      await this.journal.markVoid(p.env.seq, o.code);
      if (READING_FAULTS.has(o.code) && typeof o.body.index === 'number') {
        const body = this.withoutIndex(p.env.body, o.body.index);
        this.log.error(`the API refused reading ${o.body.index} of seq ${p.env.seq} (${o.code}: ${o.detail}); it is left out and the rest sent again`, { reading: body?.removed });
        if (!body) return this.dropWith(p, o);
        await this.journal.resign(await this.sign(this.nextSeq(), body.text), body.count);
        return 0;
      }
      if (o.code === 'event_not_open' || o.code === 'event_not_found' || o.code === 'sensor_not_at_venue') {
        const eventId = (JSON.parse(p.env.body) as { eventId: string }).eventId;
        const status = o.code === 'event_not_open' ? await this.events.status(eventId) : undefined;
        await this.events.refresh(true);
        if (o.code !== 'event_not_open' || this.events.isFinished(status)) return this.dropWith(p, o);
        this.log.every(`closed-${eventId}`, 60_000, 'warn', `event ${eventId} does not take readings now (${o.detail}); ${p.count} readings wait for it to reopen (up to 10 min)`);
        return 30_000;
      }
      return this.dropWith(p, o);
    }
    if (NEVER.has(o.code) || o.status === 413) return this.dropWith(p, o);
    return this.deviceLevel(o);
  }

  private async dropWith(p: PendingEnvelope, o: Extract<Outcome, { kind: 'refused' }>): Promise<number> {
    const n = await this.journal.dropPending(o.code);
    this.stats.dropped += n;
    this.log.error(`the API will not take seq ${p.env.seq} (${o.status} ${o.code}: ${o.detail}); its ${n} readings are dropped`);
    return 0;
  }

  /** A refusal about the device or the message as a whole: nothing moves until it changes. */
  private deviceLevel(o: Extract<Outcome, { kind: 'refused' }>): number {
    switch (o.code) {
      case 'clock_skew':
        // The answer's Date header just updated the clock estimate; the loop refuses to sign if it is off.
        this.log.every('skew', 30_000, 'warn', `the API says the clock is off: ${o.detail}`);
        return 2_000;
      case 'device_not_found':
      case 'device_revoked':
      case 'denylisted':
      case 'bad_envelope_signature':
        this.onDeviceRefusal(o.code, o.detail);
        return 10_000;
      case 'rate_limited':
        return this.retryLater(`rate limited (${o.detail})`);
      default:
        return this.retryLater(`${o.status} ${o.code}: ${o.detail}`);
    }
  }

  private retryLater(why: string): number {
    this.backoffMs = Math.min(5_000, Math.max(500, this.backoffMs * 2));
    const s = this.journal.stats();
    this.log.every('api-down', 30_000, 'warn', `cannot deliver to the API (${why}); retrying, ${s.queued + s.pending} readings kept on disk`);
    return this.backoffMs;
  }

  private async sendEphemeral(body: Record<string, unknown>): Promise<Outcome> {
    const seq = this.nextSeq();
    this.state.update({ seq }); // on disk before it leaves: never signed twice with one seq
    const env = await this.sign(seq, JSON.stringify(body));
    const outcome = await this.post(env);
    const type = String(body.type);
    if (outcome.kind === 'accepted') {
      this.backoffMs = 0;
      this.onAccepted(seq, type);
    } else if (outcome.kind === 'replayed') {
      // Never sent before, so the API's counter is ahead of ours (a data folder restored from a backup?).
      const lastSeq = outcome.lastSeq ?? seq;
      this.state.update({ seq: Math.max(this.state.state.seq, lastSeq) });
      this.log.warn(
        `the API had already accepted seq ${lastSeq} from this device, ahead of this agent's counter; jumping ahead (was the data folder restored from a copy? keep one agent per key)`,
      );
    } else if (outcome.kind === 'network') {
      this.backoffMs = Math.min(5_000, Math.max(500, this.backoffMs * 2));
    } else {
      this.recordRefusal(seq, type, outcome);
      if (!AFTER_SEQ_CHECK.has(outcome.code)) {
        const wait = this.deviceLevel(outcome);
        this.blockedUntil = Date.now() + Math.min(wait, 10_000);
      }
    }
    return outcome;
  }

  private async post(env: DeviceEnvelope): Promise<Outcome> {
    let a: Answer;
    try {
      a = await this.api.request('POST', '/api/v1/devices/messages', env);
    } catch (err) {
      if (err instanceof NetworkError) return { kind: 'network', error: err.message };
      throw err;
    }
    if (a.status >= 200 && a.status < 300) return { kind: 'accepted', body: a.body };
    if (a.body.code === 'replayed_seq') return { kind: 'replayed', lastSeq: typeof a.body.lastSeq === 'number' ? a.body.lastSeq : undefined };
    if (a.status >= 500) return { kind: 'network', error: `${a.status} ${a.body.code ?? ''} ${a.body.detail ?? ''}`.trim() };
    return { kind: 'refused', status: a.status, code: a.body.code ?? String(a.status), detail: a.body.detail ?? a.body.title ?? '', body: a.body };
  }

  private recordRefusal(seq: number, type: string, o: Extract<Outcome, { kind: 'refused' }>): void {
    const last = this.state.state.lastRefusal;
    if (last?.code === o.code && Date.now() - Date.parse(last.at) < 60_000) return;
    this.state.update({ lastRefusal: { seq, type, code: o.code, detail: o.detail, at: new Date().toISOString() } });
  }

  private expireEphemeral(): void {
    const now = Date.now();
    this.ephemeral = this.ephemeral.filter((r) => {
      if (r.deadline > now) return true;
      r.resolve({ kind: 'network', error: 'not sent in time (the wire was busy or the API unreachable)' });
      return false;
    });
  }

  private failEphemeral(why: string): void {
    for (const r of this.ephemeral.splice(0)) r.resolve({ kind: 'network', error: why });
  }

  private withoutExpired(bodyText: string): { text: string; count: number } | undefined {
    const body = JSON.parse(bodyText) as { type: string; eventId: string; readings: Reading[] };
    const min = Date.now() - KEEP_FOR_MS;
    const readings = body.readings.filter((r) => r[1] >= min);
    if (!readings.length) return undefined;
    if (readings.length !== body.readings.length) this.journal.noteDropped(body.readings.length - readings.length);
    return { text: readings.length === body.readings.length ? bodyText : JSON.stringify({ ...body, readings }), count: readings.length };
  }

  private withoutIndex(bodyText: string, index: number): { text: string; count: number; removed: Reading } | undefined {
    const body = JSON.parse(bodyText) as { type: string; eventId: string; readings: Reading[] };
    const removed = body.readings[index];
    const readings = body.readings.filter((_, i) => i !== index);
    this.journal.noteDropped(1);
    if (!readings.length) return undefined;
    return { text: JSON.stringify({ ...body, readings }), count: readings.length, removed };
  }
}
