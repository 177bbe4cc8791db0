import { Injectable, Logger } from '@nestjs/common';
import { DomainError, hasRole, isAdmin, Principal, requireVenueRole } from '@fanmesh/common';
import { VenueDirectory } from '@fanmesh/directory';
import { MOMENT_KINDS } from '@fanmesh/protocol';
import { DropAccess } from './drop-access';
import { dropView } from './drop.mapper';
import { DropRepository, DropRow, DropSpec } from './drop.repository';
import { DropError } from './drops.error';
import { CreateDropDto, DropView, UpdateDropDto } from './dto/drop.dto';

/** Sponsors define drops (content, reward, trigger, audience, inventory, window, codes); venue staff review them. */
@Injectable()
export class DropDefinitionService {
  private readonly logger = new Logger(DropDefinitionService.name);

  constructor(
    private readonly repo: DropRepository,
    private readonly access: DropAccess,
    private readonly venues: VenueDirectory,
  ) {}

  async create(dto: CreateDropDto, sponsor: Principal): Promise<DropView> {
    if (sponsor.kind !== 'sponsor') throw new DropError('wrong_venue', 'Only a sponsor (with its API key) creates drops.');
    const event = await this.event(dto.eventId);
    if (!hasRole(sponsor, 'sponsor', event.venueId)) throw new DropError('wrong_venue', `Your sponsorship is not at the venue of event ${dto.eventId}.`);
    const spec = await this.spec(dto, event.venueId);
    const id = await this.repo.insert(sponsor.subject, event.venueId, dto.eventId, spec);
    if (id === 'overlap') throw this.overlap();
    this.logger.log({ dropId: id, sponsorId: sponsor.subject, eventId: dto.eventId }, 'drop created');
    return dropView((await this.repo.find(id))!);
  }

  async update(id: string, dto: UpdateDropDto, sponsor: Principal): Promise<DropView> {
    const drop = await this.access.own(id, sponsor);
    const merged: CreateDropDto = {
      eventId: drop.eventId,
      content: dto.content ?? {
        title: drop.title,
        body: drop.body,
        imageUrl: drop.imageUrl ?? undefined,
        cta: drop.ctaLabel && drop.ctaUrl ? { label: drop.ctaLabel, url: drop.ctaUrl } : undefined,
      },
      reward: dto.reward ?? { kind: drop.rewardKind, name: drop.rewardName ?? undefined, amount: drop.tokenAmount ?? undefined },
      trigger: dto.trigger ?? {
        kind: drop.triggerKind,
        moment: drop.triggerMoment ?? undefined,
        team: drop.triggerTeam ?? undefined,
        at: drop.triggerAt ? new Date(drop.triggerAt).toISOString() : undefined,
      },
      audience: dto.audience ?? {
        sections: drop.audienceSections ?? undefined,
        tiers: drop.audienceTiers ?? undefined,
        firstN: drop.audienceFirstN ?? undefined,
        witnessed: drop.audienceWitnessed || undefined,
      },
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
    return dropView((await this.repo.find(id))!);
  }

  async uploadCodes(id: string, codes: string[], sponsor: Principal): Promise<{ loaded: number; inventory: number }> {
    const drop = await this.access.own(id, sponsor);
    if (drop.rewardKind !== 'coupon') throw new DropError('bad_reward', `This drop's reward is a ${drop.rewardKind}; only coupon drops take codes.`);
    const loaded = await this.repo.addCodes(id, codes);
    if (loaded === 'not_editable') throw this.notEditable(drop);
    if (loaded === 'too_many')
      throw new DropError('too_many_codes', `The inventory is ${drop.inventory}; these codes would take it past that. Nothing was added.`, {
        inventory: drop.inventory,
        loaded: drop.loaded,
      });
    this.logger.log({ dropId: id, count: codes.length, loaded }, 'coupon codes uploaded'); // counts only, never codes
    return { loaded, inventory: drop.inventory };
  }

  async approve(id: string, staff: Principal, version: number, note: string | null): Promise<DropView> {
    const drop = await this.access.forStaff(id, staff);
    const done = await this.repo.approve(id, staff.subject, version, note);
    if (done === 'changed') {
      const now = (await this.repo.find(id))!;
      throw new DropError('drop_changed', `The sponsor changed this drop after you opened it (you reviewed version ${version}, it is now ${now.version}): review it again.`, {
        reviewed: version,
        current: now.version,
      });
    }
    if (done === 'codes_missing') {
      throw new DropError('codes_missing', `Only ${drop.loaded} of ${drop.inventory} coupon codes are uploaded; the sponsor must upload the rest first.`, {
        loaded: drop.loaded,
        inventory: drop.inventory,
      });
    }
    if (done === 'not_draft') throw new DropError('not_editable', `The drop is ${(await this.repo.find(id))!.status}; only a draft can be approved.`, { status: drop.status });
    this.logger.log({ dropId: id, by: staff.subject }, 'drop approved');
    return dropView((await this.repo.find(id))!);
  }

  async reject(id: string, staff: Principal, note: string | null): Promise<DropView> {
    const drop = await this.access.forStaff(id, staff);
    if (!(await this.repo.setStatus(id, ['draft', 'approved'], 'rejected', staff.subject, note))) {
      throw new DropError('not_editable', `The drop is ${drop.status}; only a draft or an approved drop that has not fired can be rejected.`, { status: drop.status });
    }
    return dropView((await this.repo.find(id))!);
  }

  async cancel(id: string, who: Principal): Promise<DropView> {
    const drop = await this.access.viewable(id, who);
    if (!(await this.repo.setStatus(id, ['draft', 'approved', 'rejected'], 'cancelled', null, null))) {
      throw new DropError('already_fired', `The drop is ${drop.status}; it can no longer be cancelled.`, { status: drop.status });
    }
    return dropView((await this.repo.find(id))!);
  }

  async get(id: string, who: Principal): Promise<DropView> {
    return dropView(await this.access.viewable(id, who));
  }

  /** A sponsor sees its own drops; staff the drops of their venues; an admin any. */
  async list(who: Principal, filter: { venueId?: string; eventId?: string }): Promise<DropView[]> {
    if (who.kind === 'sponsor') return (await this.repo.list({ sponsorId: who.subject, eventId: filter.eventId })).map(dropView);
    if (filter.venueId) requireVenueRole(who, ['staff'], filter.venueId);
    const venueIds = filter.venueId ? [filter.venueId] : isAdmin(who) ? undefined : who.roles.filter((r) => r.startsWith('staff@')).map((r) => r.slice(6));
    return (await this.repo.list({ venueIds, eventId: filter.eventId })).map(dropView);
  }

  private async event(eventId: string): Promise<{ venueId: string }> {
    try {
      return await this.venues.getEvent(eventId);
    } catch (err) {
      // the venues context's not-found (a 404 problem) for an unknown event
      if (err instanceof DomainError && err.status === 404) throw new DropError('event_not_found', `No event ${eventId}.`);
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

  private overlap(): DropError {
    return new DropError('overlapping_window', 'You already have a drop for this event with the same trigger whose window overlaps this one; change the window or the trigger.');
  }

  private notEditable(drop: DropRow): DropError {
    return new DropError('not_editable', `The drop is ${drop.status}; only a draft or a rejected drop can be changed.`, { status: drop.status });
  }
}
