import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Principal } from '@fanmesh/common';
import { AdmissionDirectory, ConfirmedMoment, CoverageDirectory } from '@fanmesh/directory';
import { DeliveryContext, DomainEvent, Job, OnDomainEvent } from '@fanmesh/events';
import { RealtimeService } from '@fanmesh/realtime';
import { DropAccess } from './drop-access';
import { deliveredMessage } from './drop.mapper';
import { AudienceFan, DropRepository, DropRow } from './drop.repository';
import { DropError } from './drops.error';
import { MomentQueueRepository, QueuedMoment } from './moment-queue.repository';

/** What firing a drop did, with the time each stage took (the bench prints these). */
export interface FireResult {
  dropId: string;
  targeted: number;
  /** publishMs overlaps allocateMs: each chunk is published while the next one is written. */
  stages: { audienceMs: number; allocateMs: number; publishMs: number; totalMs: number };
}

const TICK_MS = 1000;
/** The durable path for queued moments (the live path fires right after the consumer's commit): what an instance that died left. */
const QUEUED_EVERY_MS = 5000;
const REPUBLISH_AFTER_MS = 30_000;
/** Deliveries written and published per step while firing (one INSERT .. unnest and one batched publish each). */
const FIRE_CHUNK = 2500;
/** Queued moments: taken this many at a time, held this long by one runner, retried with back-off, given up after this many failures. */
const MOMENT_BATCH = 20;
const MOMENT_LEASE_MS = 60_000;
const MOMENT_RETRY_MS = [1_000, 5_000, 15_000, 30_000, 60_000];

/**
 * Firing: on a confirmed moment (the `moments.confirmed` domain event), at a drop's time, or by hand;
 * once per drop, in the database. Then its audience, deliveries in chunks and the fans' channels.
 */
@Injectable()
export class DropFiringService implements OnModuleDestroy {
  private readonly logger = new Logger(DropFiringService.name);
  private closed = false;

  constructor(
    private readonly repo: DropRepository,
    private readonly queue: MomentQueueRepository,
    private readonly access: DropAccess,
    private readonly admissions: AdmissionDirectory,
    private readonly coverage: CoverageDirectory,
    private readonly realtime: RealtimeService,
  ) {}

  onModuleDestroy(): void {
    this.closed = true;
  }

  /**
   * A confirmed moment: queued in the delivery transaction (so exactly when the cursor passes it),
   * held by this instance and fired right after that commit. Firing reads other contexts (the
   * audience), which a delivery transaction must not wait on. If this instance dies first, the
   * `drops.fire-moments` job fires it once its hold has run out.
   */
  @OnDomainEvent('moments.confirmed', { batchSize: 100 })
  async momentsConfirmed(events: DomainEvent<'moments.confirmed'>[], ctx: DeliveryContext): Promise<void> {
    const moments = events.map((e) => e.payload);
    await this.queue.add(ctx.tx, moments, MOMENT_LEASE_MS);
    ctx.afterCommit(() => {
      void (async () => {
        for (const moment of moments) await this.fireQueuedMoment({ moment, attempts: 0 });
      })();
    });
  }

  /** The durable path: fires queued moments whose holder let go (retries) or died. Returns the moments handled. */
  @Job('drops.fire-moments', { everyMs: QUEUED_EVERY_MS })
  async fireQueued(): Promise<number> {
    let n = 0;
    for (;;) {
      const due = this.closed ? [] : await this.queue.claim(MOMENT_BATCH, MOMENT_LEASE_MS);
      for (const q of due) await this.fireQueuedMoment(q);
      n += due.length;
      if (due.length < MOMENT_BATCH) return n;
    }
  }

  private async fireQueuedMoment(q: QueuedMoment): Promise<void> {
    try {
      await this.fireForMoment(q.moment);
      await this.queue.done(q.moment.momentId);
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      try {
        if (q.attempts + 1 >= MOMENT_RETRY_MS.length) {
          this.logger.error({ momentId: q.moment.momentId, attempts: q.attempts + 1, err: message }, 'firing drops for a moment failed again; given up');
          await this.queue.done(q.moment.momentId);
        } else {
          this.logger.warn({ momentId: q.moment.momentId, attempts: q.attempts + 1, err: message }, 'firing drops for a moment failed; retrying');
          await this.queue.retry(q.moment.momentId, message, MOMENT_RETRY_MS[q.attempts]);
        }
      } catch (again) {
        // the hold runs out and the job takes the moment again
        this.logger.warn({ momentId: q.moment.momentId, err: (again as Error).message }, 'a queued moment could not be updated');
      }
    }
  }

  /** Time triggers, and firings whose publish an instance never finished (it died between commit and publish). */
  @Job('drops.tick', { everyMs: TICK_MS })
  async tick(): Promise<void> {
    for (const id of await this.repo.dueTimeDrops(new Date())) {
      const drop = await this.repo.find(id);
      if (drop?.status === 'approved' && drop.triggerAt) await this.fire(drop, 'time', null, new Date(drop.triggerAt));
    }
    for (const id of await this.repo.unpublished(new Date(Date.now() - REPUBLISH_AFTER_MS))) await this.completeFiring(id);
  }

  /** Fires every approved drop armed for this moment (kind, team, window). Idempotent: a replayed moment fires nothing twice. */
  async fireForMoment(moment: ConfirmedMoment): Promise<FireResult[]> {
    const at = new Date(moment.at);
    const armed = (await this.repo.armedForMoment(moment.eventId, moment.kind)).filter(
      (d) => (!d.triggerTeam || d.triggerTeam === moment.team) && new Date(d.startsAt) <= at && at <= new Date(d.endsAt),
    );
    const results: FireResult[] = [];
    for (const d of armed) {
      const r = await this.fire(d, `moment:${moment.momentId}`, moment.momentId, at);
      if (r) results.push(r);
    }
    return results;
  }

  /** A manual trigger, by the drop's sponsor or the venue's staff, inside the active window. */
  async fireManually(id: string, who: Principal): Promise<FireResult> {
    const drop = await this.access.viewable(id, who);
    if (drop.triggerKind !== 'manual')
      throw new DropError('bad_trigger', `This drop fires on ${drop.triggerKind === 'moment' ? `a ${drop.triggerMoment} moment` : 'its time'}, not by hand.`);
    if (drop.status === 'fired') throw new DropError('already_fired', 'This drop has already fired.');
    if (drop.status !== 'approved') throw new DropError('not_approved', `The drop is ${drop.status}; venue staff must approve it before it can fire.`, { status: drop.status });
    const now = new Date();
    if (now < new Date(drop.startsAt) || now > new Date(drop.endsAt)) {
      throw new DropError('outside_window', `The drop is active from ${new Date(drop.startsAt).toISOString()} to ${new Date(drop.endsAt).toISOString()}.`);
    }
    const r = await this.fire(drop, `manual:${who.subject}`, null, now);
    if (!r) throw new DropError('already_fired', 'This drop has already fired.');
    return r;
  }

  /** How many fans the drop would reach if it fired now (its sponsor, the venue's staff, an admin): a sponsor is warned before firing to nobody. */
  async reach(id: string, who: Principal): Promise<{ dropId: string; reach: number; at: string }> {
    const drop = await this.access.viewable(id, who);
    const at = new Date();
    return { dropId: drop.id, reach: (await this.audience(drop, at)).length, at: at.toISOString() };
  }

  /**
   * Selects the audience, claims the firing (once per drop, in the database), then writes deliveries
   * in chunks of one INSERT .. unnest each and publishes every chunk to its fans' channels as soon as
   * it is written, so the database and Redis work side by side. A fan is told only after their
   * delivery row committed. Undefined when the drop had already fired. If this instance dies midway,
   * the firing stays unpublished and another instance's tick completes it with the same audience.
   */
  async fire(drop: DropRow, cause: string, momentId: string | null, at: Date): Promise<FireResult | undefined> {
    const t0 = performance.now();
    const fans = await this.audience(drop, at);
    const t1 = performance.now();
    if (!(await this.repo.startFiring(drop.id, cause, momentId, at, fans.length))) return undefined;
    let allocateMs = performance.now() - t1;
    let publishMs = 0;
    const message = deliveredMessage(drop);
    let publishing: Promise<void> = Promise.resolve();
    for (let i = 0; i < fans.length; i += FIRE_CHUNK) {
      const chunk = fans.slice(i, i + FIRE_CHUNK);
      const a = performance.now();
      await this.repo.insertDeliveries(drop.id, chunk);
      allocateMs += performance.now() - a;
      publishing = publishing.then(async () => {
        const b = performance.now();
        await this.realtime.publishToMany(
          chunk.map((f) => `fan:${f.fan}`),
          message,
        );
        publishMs += performance.now() - b;
      });
    }
    await publishing;
    await this.repo.markPublished(drop.id);
    const stages = { audienceMs: t1 - t0, allocateMs, publishMs, totalMs: performance.now() - t0 };
    this.logger.log({ dropId: drop.id, cause, targeted: fans.length, ...stages }, 'drop fired');
    void this.realtime
      .publish(`staff:${drop.venueId}`, { type: 'drop.fired', dropId: drop.id, eventId: drop.eventId, sponsorId: drop.sponsorId, targeted: fans.length })
      .catch(() => undefined);
    return { dropId: drop.id, targeted: fans.length, stages };
  }

  /** Completes a firing an instance did not finish: the same audience (taken at the same instant), missing rows added, everyone told again (clients dedupe by dropId). */
  private async completeFiring(id: string): Promise<void> {
    const [drop, firing] = await Promise.all([this.repo.find(id), this.repo.firing(id)]);
    if (!drop || !firing || firing.publishedAt) return;
    const fans = await this.audience(drop, new Date(firing.audienceAt));
    for (let i = 0; i < fans.length; i += FIRE_CHUNK) await this.repo.insertDeliveries(id, fans.slice(i, i + FIRE_CHUNK));
    const all = await this.repo.deliveredFans(id);
    await this.realtime.publishToMany(
      all.map((f) => `fan:${f}`),
      deliveredMessage(drop),
    );
    await this.repo.markPublished(id);
    this.logger.warn({ dropId: id, targeted: all.length }, 'completed a firing another instance left unpublished');
  }

  /** Who a drop goes to: admitted by `at`, in its sections and tiers, with a valid hotspot witness by `at` if it says so, the first N of them if it says so. */
  private async audience(drop: DropRow, at: Date): Promise<AudienceFan[]> {
    let fans = await this.admissions.fans(drop.eventId, { sections: drop.audienceSections ?? undefined, tiers: drop.audienceTiers ?? undefined, before: at });
    if (drop.audienceWitnessed) {
      const witnesses = new Set((await this.coverage.validWitnesses(drop.eventId)).filter((w) => new Date(w.at) <= at).map((w) => w.fan.toLowerCase()));
      fans = fans.filter((f) => witnesses.has(f.holder));
    }
    if (drop.audienceFirstN) {
      fans = fans.sort((a, b) => new Date(a.admittedAt).getTime() - new Date(b.admittedAt).getTime() || a.holder.localeCompare(b.holder)).slice(0, drop.audienceFirstN);
    }
    return fans.map((f) => ({ fan: f.holder, section: f.section, tier: f.tier }));
  }
}
