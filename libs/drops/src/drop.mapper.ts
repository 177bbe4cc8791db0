import type { DropAnalytics, RealtimeMessage } from '@fanmesh/protocol';
import type { Claim, DropRow, FanDropRow, Funnel, SectionFunnel, TimelineRow } from './drop.repository';
import type { DropView, FanDropView, RedemptionView } from './dto/drop.dto';

/** The message a targeted fan gets on `fan:<address>` (no code: a code is revealed only by redeeming). */
export type DropDeliveredMessage = RealtimeMessage<'drop.delivered'>;

/** A drop as its sponsor, the venue's staff and admins see it. */
export function dropView(d: DropRow): DropView {
  return {
    id: d.id,
    sponsorId: d.sponsorId,
    venueId: d.venueId,
    eventId: d.eventId,
    content: { title: d.title, body: d.body, imageUrl: d.imageUrl ?? undefined, cta: d.ctaLabel && d.ctaUrl ? { label: d.ctaLabel, url: d.ctaUrl } : undefined },
    reward: { kind: d.rewardKind, name: d.rewardName ?? undefined, amount: d.tokenAmount ?? undefined },
    trigger: { kind: d.triggerKind, moment: d.triggerMoment ?? undefined, team: d.triggerTeam ?? undefined, at: d.triggerAt ? new Date(d.triggerAt).toISOString() : undefined },
    audience: {
      sections: d.audienceSections ?? undefined,
      tiers: d.audienceTiers ?? undefined,
      firstN: d.audienceFirstN ?? undefined,
      witnessed: d.audienceWitnessed || undefined,
    },
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

/** A drop as the fan it was sent to sees it, with their own codes. */
export function fanDropView(r: FanDropRow): FanDropView {
  return {
    dropId: r.dropId,
    eventId: r.eventId,
    content: { title: r.title, body: r.body, imageUrl: r.imageUrl ?? undefined, cta: r.ctaLabel && r.ctaUrl ? { label: r.ctaLabel, url: r.ctaUrl } : undefined },
    rewardKind: r.rewardKind,
    expiresAt: new Date(r.endsAt).toISOString(),
    perFanLimit: r.perFanLimit,
    codes: r.codes,
    openedAt: r.openedAt ? new Date(r.openedAt).toISOString() : null,
    redeemedAt: r.redeemedAt ? new Date(r.redeemedAt).toISOString() : null,
  };
}

/** What a fan's redemption answers: the code is shown here (and in the fan's own list) only. */
export function redemptionView(drop: DropRow, claim: Claim): RedemptionView {
  return {
    dropId: drop.id,
    rewardKind: drop.rewardKind,
    code: claim.code,
    ...(drop.rewardKind === 'token' && drop.tokenAmount ? { amount: drop.tokenAmount } : {}),
    slot: claim.slot,
    redeemedAt: new Date(claim.claimedAt).toISOString(),
  };
}

export function deliveredMessage(drop: DropRow): DropDeliveredMessage {
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

/** A drop's aggregates: counts only, never a fan. */
export function analyticsView(drop: DropRow, funnel: Funnel & { bySection: SectionFunnel[] }, timeline: TimelineRow[]): DropAnalytics {
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
