import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { hasRole, isAdmin, Principal, requireVenueRole } from '@fanmesh/common';
import { AdmissionDirectory } from '@fanmesh/access';
import { CoverageService } from '@fanmesh/coverage';
import { MOMENT_KINDS, MomentsService, type ConfirmedMoment } from '@fanmesh/moments';
import { RealtimeService } from '@fanmesh/realtime';
import { VenueError, VenuesService } from '@fanmesh/venues';
import { analyticsCsv } from './analytics-csv';
import { DropError } from './drops.error';
import { DropRepository, DropRow, DropSpec } from './drop.repository';
import { CreateDropDto, DropView, FanDropView, RedemptionView, UpdateDropDto } from './dto/drop.dto';

/** What firing a drop did, with the time each stage took (the bench prints these). */
export interface FireResult {
  dropId: string;
  targeted: number;
  /** publishMs overlaps allocateMs: each chunk is published while the next one is written. */
  stages: { audienceMs: number; allocateMs: number; publishMs: number; totalMs: number };
}

export interface DropAnalytics {
  dropId: string;
  status: string;
  inventory: number;
  claimed: number;
  targeted: number;
  delivered: number;
  opened: number;
  redeemed: number;
  bySection: { section: string; targeted: number; delivered: number; opened: number; redeemed: number }[];
  timeline: { minute: string; delivered: number; opened: number; redeemed: number }[];
}

/** The message a targeted fan gets on `fan:<address>` (no code: a code is revealed only by redeeming). */
export interface DropDeliveredMessage {
  type: 'drop.delivered';
  dropId: string;
  eventId: string;
  title: string;
  body: string;
  imageUrl: string | null;
  cta: { label: string; url: string } | null;
  reward: { kind: string; name: string | null; amount: string | null };
  perFanLimit: number;
  expiresAt: string;
}

const TICK_MS = 1000;
const ANALYTICS_EVERY_MS = 1000;
const REPUBLISH_AFTER_MS = 30_000;
const CLAIM_ATTEMPTS = 4;
/** Deliveries written and published per step while firing (one INSERT .. unnest and one batched publish each). */
const FIRE_CHUNK = 2500;
/** Every few ticks each instance re-reads recent confirmed moments for armed drops, in case the confirming instance died before firing. */
const CATCH_UP_EVERY_TICKS = 5;
/** A moment older than this is not news any more: catch-up does not fire a goal drop for a goal long past. */
const CATCH_UP_MS = 5 * 60_000;

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

/**
 * Sponsor drops: definition and review, firing on a confirmed moment, a time or by hand (once per
 * drop, in the database), delivery over fan channels, atomic redemption, and aggregate analytics
 * that never show a fan's address to a sponsor.
 */
@Injectable()
export class DropsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DropsService.name);
  private timer: NodeJS.Timeout | undefined;
  private analyticsTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private ticks = 0;
  private unsubscribe: (() => void) | undefined;
  /** Drops whose counters moved on this instance since the last analytics push. */
  private readonly dirty = new Set<string>();

  constructor(
    private readonly repo: DropRepository,
    private readonly venues: VenuesService,
    private readonly admissions: AdmissionDirectory,
    private readonly realtime: RealtimeService,
    private readonly moments: MomentsService,
    private readonly coverage: CoverageService,
  ) {}

  onModuleInit(): void {
    // Live: the instance that confirms a moment fires its drops at once. The database makes it once per drop.
    this.unsubscribe = this.moments.onConfirmed((m) => {
      void this.fireForMoment(m).catch((err) => this.logger.error({ err: (err as Error).message, momentId: m.momentId }, 'firing drops for a moment failed; catch-up will retry'));
    });
    this.timer = setInterval(() => void this.tick(), TICK_MS).unref();
    this.analyticsTimer = setInterval(() => void this.pushAnalytics(), ANALYTICS_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    clearInterval(this.timer);
    clearInterval(this.analyticsTimer);
  }

  // ---- definition and review ----

  async create(dto: CreateDropDto, sponsor: Principal): Promise<DropView> {
    if (sponsor.kind !== 'sponsor') throw new DropError('wrong_venue', 'Only a sponsor (with its API key) creates drops.');
    const event = await this.event(dto.eventId);
    if (!hasRole(sponsor, 'sponsor', event.venueId)) throw new DropError('wrong_venue', `Your sponsorship is not at the venue of event ${dto.eventId}.`);
    const spec = await this.spec(dto, event.venueId);
    const id = await this.repo.insert(sponsor.subject, event.venueId, dto.eventId, spec);
    if (id === 'overlap') throw this.overlap();
    this.logger.log({ dropId: id, sponsorId: sponsor.subject, eventId: dto.eventId }, 'drop created');
    return this.view((await this.repo.find(id))!);
  }

  async update(id: string, dto: UpdateDropDto, sponsor: Principal): Promise<DropView> {
    const drop = await this.own(id, sponsor);
    const merged: CreateDropDto = {
      eventId: drop.eventId,
      content: dto.content ?? { title: drop.title, body: drop.body, imageUrl: drop.imageUrl ?? undefined, cta: drop.ctaLabel && drop.ctaUrl ? { label: drop.ctaLabel, url: drop.ctaUrl } : undefined },
      reward: dto.reward ?? { kind: drop.rewardKind, name: drop.rewardName ?? undefined, amount: drop.tokenAmount ?? undefined },
      trigger: dto.trigger ?? { kind: drop.triggerKind, moment: drop.triggerMoment ?? undefined, team: drop.triggerTeam ?? undefined, at: drop.triggerAt ? new Date(drop.triggerAt).toISOString() : undefined },
      audience: dto.audience ?? { sections: drop.audienceSections ?? undefined, tiers: drop.audienceTiers ?? undefined, firstN: drop.audienceFirstN ?? undefined, witnessed: drop.audienceWitnessed || undefined },
      inventory: dto.inventory ?? drop.inventory,
      perFanLimit: dto.perFanLimit ?? drop.perFanLimit,
      window: dto.window ?? { startsAt: new Date(drop.startsAt).toISOString(), endsAt: new Date(drop.endsAt).toISOString() },
    };
    if (!['draft', 'rejected'].includes(drop.status)) throw this.notEditable(drop);
    const spec = await this.spec(merged, drop.venueId);
    if (spec.rewardKind === 'coupon' && drop.rewardKind === 'coupon' && spec.inventory < drop.loaded) {
      throw new DropError('too_many_codes', `${drop.loaded} codes are already loaded; the inventory cannot go below that.`, { loaded: drop.loaded });
    }
    const done = await this.repo.update(id, spec);
    if (done === 'overlap') throw this.overlap();
    if (done === 'not_editable') throw this.notEditable((await this.repo.find(id))!);
    return this.view((await this.repo.find(id))!);
  }

  async uploadCodes(id: string, codes: string[], sponsor: Principal): Promise<{ loaded: number; inventory: number }> {
    const drop = await this.own(id, sponsor);
    if (drop.rewardKind !== 'coupon') throw new DropError('bad_reward', `This drop's reward is a ${drop.rewardKind}; only coupon drops take codes.`);
    const loaded = await this.repo.addCodes(id, codes);
    if (loaded === 'not_editable') throw this.notEditable(drop);
    if (loaded === 'too_many') throw new DropError('too_many_codes', `The inventory is ${drop.inventory}; these codes would take it past that. Nothing was added.`, { inventory: drop.inventory, loaded: drop.loaded });
    this.logger.log({ dropId: id, count: codes.length, loaded }, 'coupon codes uploaded'); // counts only, never codes
    return { loaded, inventory: drop.inventory };
  }

  async approve(id: string, staff: Principal, note: string | null): Promise<DropView> {
    const drop = await this.forStaff(id, staff);
    const done = await this.repo.approve(id, staff.subject, note);
    if (done === 'codes_missing') {
      throw new DropError('codes_missing', `Only ${drop.loaded} of ${drop.inventory} coupon codes are uploaded; the sponsor must upload the rest first.`, { loaded: drop.loaded, inventory: drop.inventory });
    }
    if (done === 'not_draft') throw new DropError('not_editable', `The drop is ${(await this.repo.find(id))!.status}; only a draft can be approved.`, { status: drop.status });
    this.logger.log({ dropId: id, by: staff.subject }, 'drop approved');
    return this.view((await this.repo.find(id))!);
  }

  async reject(id: string, staff: Principal, note: string | null): Promise<DropView> {
    const drop = await this.forStaff(id, staff);
    if (!(await this.repo.setStatus(id, ['draft', 'approved'], 'rejected', staff.subject, note))) {
      throw new DropError('not_editable', `The drop is ${drop.status}; only a draft or an approved drop that has not fired can be rejected.`, { status: drop.status });
    }
    return this.view((await this.repo.find(id))!);
  }

  async cancel(id: string, who: Principal): Promise<DropView> {
    const drop = await this.viewable(id, who);
    if (!(await this.repo.setStatus(id, ['draft', 'approved', 'rejected'], 'cancelled', null, null))) {
      throw new DropError('already_fired', `The drop is ${drop.status}; it can no longer be cancelled.`, { status: drop.status });
    }
    return this.view((await this.repo.find(id))!);
  }

  async get(id: string, who: Principal): Promise<DropView> {
    return this.view(await this.viewable(id, who));
  }

  /** A sponsor sees its own drops; staff the drops of their venues; an admin any. */
  async list(who: Principal, filter: { venueId?: string; eventId?: string }): Promise<DropView[]> {
    if (who.kind === 'sponsor') return (await this.repo.list({ sponsorId: who.subject, eventId: filter.eventId })).map((d) => this.view(d));
    if (filter.venueId) requireVenueRole(who, ['staff'], filter.venueId);
    const venueIds = filter.venueId ? [filter.venueId] : isAdmin(who) ? undefined : who.roles.filter((r) => r.startsWith('staff@')).map((r) => r.slice(6));
    return (await this.repo.list({ venueIds, eventId: filter.eventId })).map((d) => this.view(d));
  }

  // ---- firing ----

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
    const drop = await this.viewable(id, who);
    if (drop.triggerKind !== 'manual') throw new DropError('bad_trigger', `This drop fires on ${drop.triggerKind === 'moment' ? `a ${drop.triggerMoment} moment` : 'its time'}, not by hand.`);
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
    const message = this.message(drop);
    let publishing: Promise<void> = Promise.resolve();
    for (let i = 0; i < fans.length; i += FIRE_CHUNK) {
      const chunk = fans.slice(i, i + FIRE_CHUNK);
      const a = performance.now();
      await this.repo.insertDeliveries(drop.id, chunk);
      allocateMs += performance.now() - a;
      publishing = publishing.then(async () => {
        const b = performance.now();
        await this.realtime.publishToMany(chunk.map((f) => `fan:${f.fan}`), message);
        publishMs += performance.now() - b;
      });
    }
    await publishing;
    await this.repo.markPublished(drop.id);
    const stages = { audienceMs: t1 - t0, allocateMs, publishMs, totalMs: performance.now() - t0 };
    this.logger.log({ dropId: drop.id, cause, targeted: fans.length, ...stages }, 'drop fired');
    void this.realtime.publish(`staff:${drop.venueId}`, { type: 'drop.fired', dropId: drop.id, eventId: drop.eventId, sponsorId: drop.sponsorId, targeted: fans.length }).catch(() => undefined);
    this.dirty.add(drop.id);
    return { dropId: drop.id, targeted: fans.length, stages };
  }

  /** Completes a firing an instance did not finish: the same audience (taken at the same instant), missing rows added, everyone told again (clients dedupe by dropId). */
  private async completeFiring(id: string): Promise<void> {
    const [drop, firing] = await Promise.all([this.repo.find(id), this.repo.firing(id)]);
    if (!drop || !firing || firing.publishedAt) return;
    const fans = await this.audience(drop, new Date(firing.audienceAt));
    for (let i = 0; i < fans.length; i += FIRE_CHUNK) await this.repo.insertDeliveries(id, fans.slice(i, i + FIRE_CHUNK));
    const all = await this.repo.deliveredFans(id);
    await this.realtime.publishToMany(all.map((f) => `fan:${f}`), this.message(drop));
    await this.repo.markPublished(id);
    this.logger.warn({ dropId: id, targeted: all.length }, 'completed a firing another instance left unpublished');
  }

  /** Who a drop goes to: admitted by `at`, in its sections and tiers, with a valid hotspot witness by `at` if it says so, the first N of them if it says so. */
  private async audience(drop: DropRow, at: Date): Promise<{ fan: string; section: string; tier: string }[]> {
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

  private message(drop: DropRow): DropDeliveredMessage {
    return {
      type: 'drop.delivered',
      dropId: drop.id,
      eventId: drop.eventId,
      title: drop.title,
      body: drop.body,
      imageUrl: drop.imageUrl,
      cta: drop.ctaLabel && drop.ctaUrl ? { label: drop.ctaLabel, url: drop.ctaUrl } : null,
      reward: { kind: drop.rewardKind, name: drop.rewardName, amount: drop.tokenAmount },
      perFanLimit: drop.perFanLimit,
      expiresAt: new Date(drop.endsAt).toISOString(),
    };
  }

  /** Time triggers, and firings whose publish an instance never finished (it died between commit and publish). */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const id of await this.repo.dueTimeDrops(new Date())) {
        const drop = await this.repo.find(id);
        if (drop?.status === 'approved' && drop.triggerAt) await this.fire(drop, 'time', null, new Date(drop.triggerAt));
      }
      if (++this.ticks % CATCH_UP_EVERY_TICKS === 0) await this.catchUp();
      for (const id of await this.repo.unpublished(new Date(Date.now() - REPUBLISH_AFTER_MS))) await this.completeFiring(id);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'drop tick failed; retrying next second');
    } finally {
      this.ticking = false;
    }
  }

  /** Recent confirmed moments of events with armed moment drops, fired again (a no-op for drops that already fired). */
  private async catchUp(): Promise<void> {
    const since = Date.now() - CATCH_UP_MS;
    for (const eventId of await this.repo.eventsWithArmedMomentDrops()) {
      for (const m of await this.moments.confirmed(eventId)) {
        if (new Date(m.at).getTime() >= since) await this.fireForMoment(m);
      }
    }
  }

  // ---- fans ----

  async mine(fan: string, eventId: string | undefined): Promise<FanDropView[]> {
    const rows = await this.repo.forFan(fan, eventId ?? null);
    return rows.map((r: Record<string, never>) => ({
      dropId: r.dropId,
      eventId: r.eventId,
      content: { title: r.title, body: r.body, imageUrl: r.imageUrl ?? undefined, cta: r.ctaLabel && r.ctaUrl ? { label: r.ctaLabel, url: r.ctaUrl } : undefined },
      rewardKind: r.rewardKind,
      expiresAt: new Date(r.endsAt).toISOString(),
      perFanLimit: r.perFanLimit,
      codes: r.codes,
      openedAt: r.openedAt ? new Date(r.openedAt).toISOString() : null,
      redeemedAt: r.redeemedAt ? new Date(r.redeemedAt).toISOString() : null,
    }));
  }

  /** The fan's client acknowledges the socket message (delivered) or shows it (opened). Idempotent. */
  async acknowledge(id: string, fan: string, opened: boolean): Promise<void> {
    const r = await this.repo.touch(id, fan, opened);
    if (!r.targeted) throw new DropError('not_targeted', 'This drop was not sent to you.');
    if (r.changed) this.dirty.add(id);
  }

  /** Claims one unit for the fan, atomically; the code comes back only in this answer (and in the fan's own list). */
  async redeem(id: string, fan: string): Promise<RedemptionView> {
    const drop = await this.repo.find(id);
    if (!drop) throw new DropError('drop_not_found', `No drop ${id}.`);
    if (drop.status !== 'fired') throw new DropError('not_targeted', 'This drop was not sent to you.');
    if (Date.now() > new Date(drop.endsAt).getTime()) throw new DropError('drop_closed', `This drop closed at ${new Date(drop.endsAt).toISOString()}.`);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      let claim;
      try {
        claim = await this.repo.claim(id, drop.eventId, fan, drop.perFanLimit, drop.rewardKind === 'token' ? drop.tokenAmount : null);
      } catch (err) {
        if (isUniqueViolation(err)) continue; // the same fan claimed concurrently: look again with the new count
        throw err;
      }
      if (claim) {
        this.dirty.add(id);
        return {
          dropId: id,
          rewardKind: drop.rewardKind,
          code: claim.code,
          ...(drop.rewardKind === 'token' && drop.tokenAmount ? { amount: drop.tokenAmount } : {}),
          slot: claim.slot,
          redeemedAt: new Date(claim.claimedAt).toISOString(),
        };
      }
      break;
    }
    const state = await this.repo.claimState(id, fan);
    if (!state.targeted) throw new DropError('not_targeted', 'This drop was not sent to you.');
    if (state.held >= drop.perFanLimit) throw new DropError('limit_reached', `You already redeemed this drop${drop.perFanLimit > 1 ? ` ${state.held} times (the limit)` : ''}; see your codes under /drops/mine.`, { held: state.held });
    if (state.free === 0) throw new DropError('sold_out', 'All of this drop has been claimed.');
    throw new DropError('limit_reached', 'Another redemption of yours is in progress; try again.', { held: state.held });
  }

  // ---- analytics ----

  async analytics(id: string, who: Principal): Promise<DropAnalytics> {
    const drop = await this.viewable(id, who);
    return this.aggregate(drop);
  }

  /** The same aggregates as CSV: one row for the total, one per section, one per minute. */
  async analyticsCsv(id: string, who: Principal): Promise<string> {
    return analyticsCsv(await this.analytics(id, who));
  }

  private async aggregate(drop: DropRow): Promise<DropAnalytics> {
    const [funnel, timeline] = await Promise.all([this.repo.funnel(drop.id), this.repo.timeline(drop.id)]);
    return {
      dropId: drop.id,
      status: drop.status,
      inventory: drop.inventory,
      claimed: drop.claimed,
      targeted: funnel.targeted,
      delivered: funnel.delivered,
      opened: funnel.opened,
      redeemed: funnel.redeemed,
      bySection: funnel.bySection,
      timeline: timeline.map((t) => ({ minute: new Date(t.minute).toISOString(), delivered: t.delivered, opened: t.opened, redeemed: t.redeemed })),
    };
  }

  /** Pushes fresh aggregates of the drops that moved on this instance to their sponsor's channel, at most once a second. */
  private async pushAnalytics(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      try {
        const drop = await this.repo.find(id);
        if (!drop) continue;
        const a = await this.aggregate(drop);
        await this.realtime.publish(`sponsor:${drop.sponsorId}`, { type: 'drop.analytics', ...a, timeline: a.timeline.slice(-60) });
      } catch (err) {
        this.logger.warn({ dropId: id, err: (err as Error).message }, 'analytics push failed');
      }
    }
  }

  // ---- token bonuses, for the rewards ledger ----

  /** Token bonuses claimed through drops and not yet taken by the ledger; each has an idempotency key per (drop, fan, unit). */
  openTokenGrants(limit = 1000): Promise<{ idempotencyKey: string; dropId: string; eventId: string; fan: string; amount: string; createdAt: Date }[]> {
    return this.repo.openTokenGrants(limit);
  }

  /** The ledger marks grants it has written (after its own idempotent insert), so they are not offered again. */
  markTokenGrantsTaken(keys: string[]): Promise<number> {
    return this.repo.markTokenGrantsTaken(keys);
  }

  // ---- helpers ----

  private async event(eventId: string): Promise<{ venueId: string }> {
    try {
      return await this.venues.getEvent(eventId);
    } catch (err) {
      if (err instanceof VenueError) throw new DropError('event_not_found', `No event ${eventId}.`);
      throw err;
    }
  }

  /** Validates a definition against the venue and the moment kinds; every refusal has its own code. */
  private async spec(dto: CreateDropDto, venueId: string): Promise<DropSpec> {
    if (dto.inventory < 1) throw new DropError('no_inventory', 'A drop needs an inventory of at least 1.');
    const startsAt = new Date(dto.window.startsAt);
    const endsAt = new Date(dto.window.endsAt);
    if (!(endsAt > startsAt)) throw new DropError('bad_window', 'window.endsAt must be after window.startsAt.');
    if (endsAt.getTime() <= Date.now()) throw new DropError('bad_window', 'The window has already ended.');
    const t = dto.trigger;
    if (t.kind === 'moment') {
      if (!t.moment || !(MOMENT_KINDS as readonly string[]).includes(t.moment)) {
        throw new DropError('unknown_moment_kind', `trigger.moment must be one of ${MOMENT_KINDS.join(', ')}.`, { known: MOMENT_KINDS });
      }
      if (t.at) throw new DropError('bad_trigger', 'A moment trigger takes no "at".');
      if (t.team && t.moment !== 'goal') throw new DropError('bad_trigger', 'trigger.team applies to goals only.');
    } else {
      if (t.moment || t.team) throw new DropError('bad_trigger', `A ${t.kind} trigger takes no moment or team.`);
      if (t.kind === 'time') {
        if (!t.at) throw new DropError('bad_trigger', 'A time trigger needs "at".');
        const at = new Date(t.at);
        if (at < startsAt || at > endsAt) throw new DropError('bad_trigger', 'trigger.at must lie inside the window.');
      } else if (t.at) throw new DropError('bad_trigger', 'A manual trigger takes no "at".');
    }
    const r = dto.reward;
    if (r.kind === 'token' && !r.amount) throw new DropError('bad_reward', 'A token bonus needs reward.amount (a decimal string of the smallest unit).');
    if (r.kind !== 'token' && r.amount) throw new DropError('bad_reward', 'reward.amount is for token bonuses only.');
    const audience = dto.audience ?? {};
    if (audience.sections) {
      const known = new Set((await this.venues.getVenue(venueId)).sections.map((s) => s.code));
      const unknown = [...new Set(audience.sections.filter((s) => !known.has(s)))];
      if (unknown.length) throw new DropError('unknown_section', `This venue has no section ${unknown.slice(0, 5).join(', ')}.`, { unknown });
    }
    return {
      title: dto.content.title,
      body: dto.content.body,
      imageUrl: dto.content.imageUrl ?? null,
      ctaLabel: dto.content.cta?.label ?? null,
      ctaUrl: dto.content.cta?.url ?? null,
      rewardKind: r.kind,
      rewardName: r.name ?? null,
      tokenAmount: r.kind === 'token' ? BigInt(r.amount!).toString() : null,
      triggerKind: t.kind,
      triggerMoment: t.kind === 'moment' ? t.moment! : null,
      triggerTeam: t.kind === 'moment' ? (t.team ?? null) : null,
      triggerAt: t.kind === 'time' ? new Date(t.at!) : null,
      audienceSections: audience.sections ? [...new Set(audience.sections)] : null,
      audienceTiers: audience.tiers ? [...new Set(audience.tiers)] : null,
      audienceFirstN: audience.firstN ?? null,
      audienceWitnessed: audience.witnessed ?? false,
      inventory: dto.inventory,
      perFanLimit: dto.perFanLimit ?? 1,
      startsAt,
      endsAt,
    };
  }

  /** The drop, if it is this sponsor's; another sponsor's drop does not exist as far as they can tell. */
  private async own(id: string, sponsor: Principal): Promise<DropRow> {
    const drop = await this.repo.find(id);
    if (!drop || sponsor.kind !== 'sponsor' || drop.sponsorId !== sponsor.subject) throw new DropError('drop_not_found', `No drop ${id} of yours.`);
    return drop;
  }

  private async forStaff(id: string, staff: Principal): Promise<DropRow> {
    const drop = await this.repo.find(id);
    if (!drop) throw new DropError('drop_not_found', `No drop ${id}.`);
    requireVenueRole(staff, ['staff'], drop.venueId);
    return drop;
  }

  /** Its sponsor, the venue's staff, or an admin. */
  private async viewable(id: string, who: Principal): Promise<DropRow> {
    if (who.kind === 'sponsor') return this.own(id, who);
    return this.forStaff(id, who);
  }

  private overlap(): DropError {
    return new DropError('overlapping_window', 'You already have a drop for this event with the same trigger whose window overlaps this one; change the window or the trigger.');
  }

  private notEditable(drop: DropRow): DropError {
    return new DropError('not_editable', `The drop is ${drop.status}; only a draft or a rejected drop can be changed.`, { status: drop.status });
  }

  view(d: DropRow): DropView {
    return {
      id: d.id,
      sponsorId: d.sponsorId,
      venueId: d.venueId,
      eventId: d.eventId,
      content: { title: d.title, body: d.body, imageUrl: d.imageUrl ?? undefined, cta: d.ctaLabel && d.ctaUrl ? { label: d.ctaLabel, url: d.ctaUrl } : undefined },
      reward: { kind: d.rewardKind, name: d.rewardName ?? undefined, amount: d.tokenAmount ?? undefined },
      trigger: { kind: d.triggerKind, moment: d.triggerMoment ?? undefined, team: d.triggerTeam ?? undefined, at: d.triggerAt ? new Date(d.triggerAt).toISOString() : undefined },
      audience: { sections: d.audienceSections ?? undefined, tiers: d.audienceTiers ?? undefined, firstN: d.audienceFirstN ?? undefined, witnessed: d.audienceWitnessed || undefined },
      inventory: d.inventory,
      perFanLimit: d.perFanLimit,
      loaded: d.loaded,
      claimed: d.claimed,
      window: { startsAt: new Date(d.startsAt).toISOString(), endsAt: new Date(d.endsAt).toISOString() },
      status: d.status,
      reviewNote: d.reviewNote,
      firedAt: d.firedAt ? new Date(d.firedAt).toISOString() : null,
      version: d.version,
      createdAt: new Date(d.createdAt).toISOString(),
    };
  }
}
