import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import type { RewardKind, TriggerKind } from './dto/drop.dto';

export type DropStatus = 'draft' | 'approved' | 'rejected' | 'cancelled' | 'fired';

/** A drop's definition, as stored (the shape a service validates and the repository writes). */
export interface DropSpec {
  title: string;
  body: string;
  imageUrl: string | null;
  ctaLabel: string | null;
  ctaUrl: string | null;
  rewardKind: RewardKind;
  rewardName: string | null;
  tokenAmount: string | null;
  triggerKind: TriggerKind;
  triggerMoment: string | null;
  triggerTeam: 'home' | 'away' | null;
  triggerAt: Date | null;
  audienceSections: string[] | null;
  audienceTiers: string[] | null;
  audienceFirstN: number | null;
  audienceWitnessed: boolean;
  inventory: number;
  perFanLimit: number;
  startsAt: Date;
  endsAt: Date;
}

export interface DropRow extends DropSpec {
  id: string;
  sponsorId: string;
  venueId: string;
  eventId: string;
  status: DropStatus;
  reviewNote: string | null;
  version: number;
  createdAt: Date;
  firedAt: Date | null;
  loaded: number;
  claimed: number;
}

/** A unit claimed by a fan; for a token bonus, the grant the same statement wrote (undefined when it was written before). */
export interface Claim {
  code: string;
  slot: number;
  claimedAt: Date;
  grant?: { idempotencyKey: string; amount: string };
}

export interface Funnel {
  targeted: number;
  delivered: number;
  opened: number;
  redeemed: number;
}

export interface SectionFunnel extends Funnel {
  section: string;
}

export interface TimelineRow {
  minute: Date;
  delivered: number;
  opened: number;
  redeemed: number;
}

export interface FiringRow {
  cause: string;
  audienceAt: Date;
  firedAt: Date;
  publishedAt: Date | null;
}

/** A drop as the fan it was sent to sees it, with the codes that fan holds. */
export interface FanDropRow {
  dropId: string;
  eventId: string;
  title: string;
  body: string;
  imageUrl: string | null;
  ctaLabel: string | null;
  ctaUrl: string | null;
  rewardKind: RewardKind;
  endsAt: Date;
  perFanLimit: number;
  openedAt: Date | null;
  redeemedAt: Date | null;
  codes: string[];
}

export interface AudienceFan {
  fan: string;
  section: string;
  tier: string;
}

const COLUMNS = `d.id, d.sponsor_id AS "sponsorId", d.venue_id AS "venueId", d.event_id AS "eventId", d.title, d.body, d.image_url AS "imageUrl",
  d.cta_label AS "ctaLabel", d.cta_url AS "ctaUrl", d.reward_kind AS "rewardKind", d.reward_name AS "rewardName", d.token_amount::text AS "tokenAmount",
  d.trigger_kind AS "triggerKind", d.trigger_moment AS "triggerMoment", d.trigger_team AS "triggerTeam", d.trigger_at AS "triggerAt",
  d.audience_sections AS "audienceSections", d.audience_tiers AS "audienceTiers", d.audience_first_n AS "audienceFirstN", d.audience_witnessed AS "audienceWitnessed",
  d.inventory, d.per_fan_limit AS "perFanLimit", d.starts_at AS "startsAt", d.ends_at AS "endsAt", d.status, d.review_note AS "reviewNote",
  d.version, d.created_at AS "createdAt", f.fired_at AS "firedAt",
  (SELECT count(*)::int FROM drop_codes c WHERE c.drop_id = d.id) AS loaded,
  (SELECT count(*)::int FROM drop_codes c WHERE c.drop_id = d.id AND c.fan IS NOT NULL) AS claimed`;

const SPEC_COLUMNS = [
  'title',
  'body',
  'image_url',
  'cta_label',
  'cta_url',
  'reward_kind',
  'reward_name',
  'token_amount',
  'trigger_kind',
  'trigger_moment',
  'trigger_team',
  'trigger_at',
  'audience_sections',
  'audience_tiers',
  'audience_first_n',
  'audience_witnessed',
  'inventory',
  'per_fan_limit',
  'starts_at',
  'ends_at',
] as const;

const specValues = (s: DropSpec) => [
  s.title,
  s.body,
  s.imageUrl,
  s.ctaLabel,
  s.ctaUrl,
  s.rewardKind,
  s.rewardName,
  s.tokenAmount,
  s.triggerKind,
  s.triggerMoment,
  s.triggerTeam,
  s.triggerAt,
  s.audienceSections,
  s.audienceTiers,
  s.audienceFirstN,
  s.audienceWitnessed,
  s.inventory,
  s.perFanLimit,
  s.startsAt,
  s.endsAt,
];

/** Drops, their inventory, firings, deliveries, token-bonus grants and the drops whose analytics moved. */
@Injectable()
export class DropRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /**
   * Inserts a drop unless the sponsor already has a live drop for this event with the same trigger
   * whose window overlaps (checked under a per-sponsor-and-event lock, so two requests cannot both pass).
   */
  async insert(sponsorId: string, venueId: string, eventId: string, spec: DropSpec): Promise<string | 'overlap'> {
    return this.ds.transaction(async (m) => {
      if (await this.overlaps(m, sponsorId, eventId, spec, null)) return 'overlap';
      const placeholders = SPEC_COLUMNS.map((_, i) => `$${i + 4}`).join(', ');
      const [created] = await exec<{ id: string }>(
        m,
        `INSERT INTO drops (sponsor_id, venue_id, event_id, ${SPEC_COLUMNS.join(', ')}) VALUES ($1, $2, $3, ${placeholders}) RETURNING id`,
        [sponsorId, venueId, eventId, ...specValues(spec)],
      );
      return created.id;
    });
  }

  /** Replaces the spec of an editable drop (draft or rejected; it goes back to draft). */
  async update(id: string, spec: DropSpec): Promise<'ok' | 'overlap' | 'not_editable'> {
    return this.ds.transaction(async (m) => {
      const d = await row<{ sponsorId: string; eventId: string; status: DropStatus; rewardKind: RewardKind }>(
        m,
        `SELECT sponsor_id AS "sponsorId", event_id AS "eventId", status, reward_kind AS "rewardKind" FROM drops WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!d || !['draft', 'rejected'].includes(d.status)) return 'not_editable';
      if (await this.overlaps(m, d.sponsorId, d.eventId, spec, id)) return 'overlap';
      await exec(
        m,
        `UPDATE drops SET ${SPEC_COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(', ')}, status = 'draft', review_note = NULL, version = version + 1, updated_at = now() WHERE id = $1`,
        [id, ...specValues(spec)],
      );
      // Numbered units are made at approval from the inventory; uploaded codes stay only while it remains a coupon drop.
      if (spec.rewardKind !== 'coupon' || d.rewardKind !== 'coupon') await exec(m, `DELETE FROM drop_codes WHERE drop_id = $1`, [id]);
      return 'ok';
    });
  }

  private async overlaps(m: EntityManager, sponsorId: string, eventId: string, s: DropSpec, exceptId: string | null): Promise<boolean> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('drops:' || $1 || ':' || $2))`, [sponsorId, eventId]);
    const found = await rows<{ one: number }>(
      m,
      `SELECT 1 AS one FROM drops WHERE sponsor_id = $1 AND event_id = $2 AND status IN ('draft', 'approved') AND ($7::uuid IS NULL OR id <> $7)
         AND trigger_kind = $3 AND trigger_moment IS NOT DISTINCT FROM $4 AND trigger_team IS NOT DISTINCT FROM $5
         AND tstzrange(starts_at, ends_at) && tstzrange($6::timestamptz, $8::timestamptz) LIMIT 1`,
      [sponsorId, eventId, s.triggerKind, s.triggerMoment, s.triggerTeam, s.startsAt, exceptId, s.endsAt],
    );
    return found.length > 0;
  }

  async find(id: string): Promise<DropRow | undefined> {
    return row<DropRow>(this.ds, `SELECT ${COLUMNS} FROM drops d LEFT JOIN drop_firings f ON f.drop_id = d.id WHERE d.id = $1`, [id]);
  }

  async list(filter: { sponsorId?: string; venueIds?: string[]; eventId?: string }): Promise<DropRow[]> {
    return rows<DropRow>(
      this.ds,
      `SELECT ${COLUMNS} FROM drops d LEFT JOIN drop_firings f ON f.drop_id = d.id
       WHERE ($1::uuid IS NULL OR d.sponsor_id = $1) AND ($2::uuid[] IS NULL OR d.venue_id = ANY($2)) AND ($3::uuid IS NULL OR d.event_id = $3)
       ORDER BY d.created_at DESC LIMIT 500`,
      [filter.sponsorId ?? null, filter.venueIds ?? null, filter.eventId ?? null],
    );
  }

  /**
   * Adds coupon codes to an editable drop, never beyond its inventory: all of them or none.
   * A code uploaded twice is stored once. Returns how many are loaded now.
   */
  async addCodes(id: string, codes: string[]): Promise<number | 'not_editable' | 'too_many'> {
    return this.ds
      .transaction(async (m) => {
        const d = await row<{ status: DropStatus; inventory: number }>(m, `SELECT status, inventory FROM drops WHERE id = $1 FOR UPDATE`, [id]);
        if (!d || !['draft', 'rejected'].includes(d.status)) return 'not_editable' as const;
        await exec(m, `INSERT INTO drop_codes (drop_id, code) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [id, codes]);
        const [{ n }] = await rows<{ n: number }>(m, `SELECT count(*)::int AS n FROM drop_codes WHERE drop_id = $1`, [id]);
        if (n > d.inventory) throw new TooMany();
        return n;
      })
      .catch((err) => {
        if (err instanceof TooMany) return 'too_many' as const;
        throw err;
      });
  }

  /**
   * Approves a draft: coupon drops must have all their codes; collectibles and token bonuses get their
   * numbered units here. One transaction, so an approved drop always has its whole inventory.
   */
  async approve(id: string, by: string, version: number, note: string | null): Promise<'ok' | 'not_draft' | 'changed' | 'codes_missing'> {
    return this.ds.transaction(async (m) => {
      const d = await row<{ status: DropStatus; inventory: number; rewardKind: RewardKind; version: number }>(
        m,
        `SELECT status, inventory, reward_kind AS "rewardKind", version FROM drops WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!d || d.status !== 'draft') return 'not_draft';
      if (d.version !== version) return 'changed';
      if (d.rewardKind === 'coupon') {
        const [{ n }] = await rows<{ n: number }>(m, `SELECT count(*)::int AS n FROM drop_codes WHERE drop_id = $1`, [id]);
        if (n < d.inventory) return 'codes_missing';
      } else {
        await exec(
          m,
          `INSERT INTO drop_codes (drop_id, code) SELECT $1, lpad(g::text, length($2::text), '0') || '/' || $2 FROM generate_series(1, $2::int) g ON CONFLICT DO NOTHING`,
          [id, d.inventory],
        );
      }
      await exec(m, `UPDATE drops SET status = 'approved', reviewed_by = $2, reviewed_at = now(), review_note = $3, version = version + 1, updated_at = now() WHERE id = $1`, [
        id,
        by,
        note,
      ]);
      return 'ok';
    });
  }

  async setStatus(id: string, from: DropStatus[], to: DropStatus, by: string | null, note: string | null): Promise<boolean> {
    const moved = await rows<{ id: string }>(
      this.ds,
      `WITH upd AS (UPDATE drops SET status = $3, reviewed_by = COALESCE($4, reviewed_by), reviewed_at = CASE WHEN $4::text IS NULL THEN reviewed_at ELSE now() END,
         review_note = COALESCE($5, review_note), version = version + 1, updated_at = now()
       WHERE id = $1 AND status = ANY($2) RETURNING id) SELECT id FROM upd`,
      [id, from, to, by, note],
    );
    return moved.length === 1;
  }

  /** Approved drops of an event armed for this moment kind (the service checks team and window). */
  async armedForMoment(eventId: string, kind: string): Promise<DropRow[]> {
    return rows<DropRow>(
      this.ds,
      `SELECT ${COLUMNS} FROM drops d LEFT JOIN drop_firings f ON f.drop_id = d.id
       WHERE d.event_id = $1 AND d.status = 'approved' AND d.trigger_kind = 'moment' AND d.trigger_moment = $2`,
      [eventId, kind],
    );
  }

  /** Approved time-triggered drops whose time has come. */
  async dueTimeDrops(now: Date): Promise<string[]> {
    const due = await rows<{ id: string }>(this.ds, `SELECT id FROM drops WHERE status = 'approved' AND trigger_kind = 'time' AND trigger_at <= $1 ORDER BY trigger_at LIMIT 100`, [
      now,
    ]);
    return due.map((r) => r.id);
  }

  /**
   * Claims the firing of a drop, once: moves it from approved to fired and records the firing (primary
   * key per drop) with the instant its audience is taken at, in one transaction. False when it was not
   * approved any more (another instance, a replayed moment, a cancel): then nothing is written.
   */
  async startFiring(id: string, cause: string, momentId: string | null, audienceAt: Date, targeted: number): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const moved = await rows<{ id: string }>(
        m,
        `WITH upd AS (UPDATE drops SET status = 'fired', version = version + 1, updated_at = now() WHERE id = $1 AND status = 'approved' RETURNING id) SELECT id FROM upd`,
        [id],
      );
      if (moved.length !== 1) return false;
      const firing = await exec<{ dropId: string }>(
        m,
        `INSERT INTO drop_firings (drop_id, cause, moment_id, audience_at, targeted) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING drop_id AS "dropId"`,
        [id, cause, momentId, audienceAt, targeted],
      );
      if (firing.length !== 1) throw new Error(`drop ${id} was approved but already had a firing`);
      return true;
    });
  }

  /** Inserts deliveries in one statement. */
  async insertDeliveries(id: string, fans: AudienceFan[]): Promise<void> {
    await exec(
      this.ds,
      `INSERT INTO drop_deliveries (drop_id, fan, section, tier)
       SELECT $1, u.fan, u.section, u.tier FROM unnest($2::text[], $3::text[], $4::text[]) AS u(fan, section, tier)
       ON CONFLICT DO NOTHING`,
      [id, fans.map((f) => f.fan), fans.map((f) => f.section), fans.map((f) => f.tier)],
    );
  }

  async firing(id: string): Promise<FiringRow | undefined> {
    return row<FiringRow>(this.ds, `SELECT cause, audience_at AS "audienceAt", fired_at AS "firedAt", published_at AS "publishedAt" FROM drop_firings WHERE drop_id = $1`, [id]);
  }

  /** Every fan of the firing has been told; its analytics moved. */
  async markPublished(id: string): Promise<void> {
    await exec(
      this.ds,
      `WITH moved AS (INSERT INTO drop_analytics_dirty (drop_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING 1)
       UPDATE drop_firings SET published_at = now() WHERE drop_id = $1`,
      [id],
    );
  }

  /** Fired drops whose publish never finished (an instance died between commit and publish). */
  async unpublished(olderThan: Date): Promise<string[]> {
    const found = await rows<{ dropId: string }>(this.ds, `SELECT drop_id AS "dropId" FROM drop_firings WHERE published_at IS NULL AND fired_at < $1 LIMIT 20`, [olderThan]);
    return found.map((r) => r.dropId);
  }

  async deliveredFans(id: string): Promise<string[]> {
    return (await rows<{ fan: string }>(this.ds, `SELECT fan FROM drop_deliveries WHERE drop_id = $1`, [id])).map((r) => r.fan);
  }

  /** Marks a delivery acknowledged (and opened, when `opened`); `targeted` false when the fan was not targeted. A change moves the analytics. */
  async touch(id: string, fan: string, opened: boolean): Promise<{ targeted: boolean; changed: boolean }> {
    const [r] = await rows<{ targeted: boolean; changed: boolean }>(
      this.ds,
      `WITH upd AS (
         UPDATE drop_deliveries SET delivered_at = COALESCE(delivered_at, now()), opened_at = CASE WHEN $3 THEN COALESCE(opened_at, now()) ELSE opened_at END
         WHERE drop_id = $1 AND fan = $2 AND (delivered_at IS NULL OR ($3 AND opened_at IS NULL)) RETURNING 1),
       moved AS (INSERT INTO drop_analytics_dirty (drop_id) SELECT $1 WHERE EXISTS (SELECT 1 FROM upd) ON CONFLICT DO NOTHING RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM upd) AS changed, EXISTS (SELECT 1 FROM drop_deliveries WHERE drop_id = $1 AND fan = $2) AS targeted, (SELECT count(*) FROM moved) AS _`,
      [id, fan, opened],
    );
    return { targeted: r.targeted, changed: r.changed };
  }

  /**
   * Claims one unit for a fan in one statement: the next free unit, skipping rows another claim holds
   * (FOR UPDATE SKIP LOCKED), only if the fan was targeted and holds fewer than `limit` units. The unique
   * (drop, fan, slot) turns a concurrent second claim by the same fan into an error instead of a unit.
   * For token bonuses the grant is written by the same statement, keyed by drop, fan and slot (`grant`
   * comes back when it is new); the caller's transaction carries its `drops.token_granted` event.
   */
  async claim(tx: Queryable | undefined, id: string, eventId: string, fan: string, limit: number, tokenAmount: string | null): Promise<Claim | undefined> {
    const [r] = await rows<{ code: string; slot: number; claimedAt: Date; grantKey: string | null; grantAmount: string | null }>(
      tx ?? this.ds,
      `WITH targeted AS (SELECT 1 FROM drop_deliveries WHERE drop_id = $1 AND fan = $2),
            mine AS (SELECT count(*)::int AS n FROM drop_codes WHERE drop_id = $1 AND fan = $2),
            pick AS (SELECT id FROM drop_codes WHERE drop_id = $1 AND fan IS NULL AND EXISTS (SELECT 1 FROM targeted) AND (SELECT n FROM mine) < $3
                     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED),
            took AS (UPDATE drop_codes c SET fan = $2, slot = (SELECT n FROM mine) + 1, claimed_at = now() FROM pick WHERE c.id = pick.id
                     RETURNING c.code, c.slot, c.claimed_at),
            seen AS (UPDATE drop_deliveries SET delivered_at = COALESCE(delivered_at, now()), opened_at = COALESCE(opened_at, now()), redeemed_at = COALESCE(redeemed_at, now())
                     WHERE drop_id = $1 AND fan = $2 AND EXISTS (SELECT 1 FROM took) RETURNING 1),
            granted AS (INSERT INTO drop_token_grants (idempotency_key, drop_id, event_id, fan, amount)
                        SELECT 'drop:' || $1 || ':' || $2 || ':' || took.slot, $1, $4, $2, $5::numeric FROM took WHERE $5::text IS NOT NULL
                        ON CONFLICT DO NOTHING RETURNING idempotency_key, amount::text AS amount),
            moved AS (INSERT INTO drop_analytics_dirty (drop_id) SELECT $1 FROM took ON CONFLICT DO NOTHING RETURNING 1)
       SELECT took.code, took.slot, took.claimed_at AS "claimedAt", (SELECT idempotency_key FROM granted) AS "grantKey", (SELECT amount FROM granted) AS "grantAmount",
              (SELECT count(*) FROM seen) + (SELECT count(*) FROM moved) AS _
       FROM took`,
      [id, fan, limit, eventId, tokenAmount],
    );
    if (!r) return undefined;
    return { code: r.code, slot: r.slot, claimedAt: r.claimedAt, ...(r.grantKey && r.grantAmount ? { grant: { idempotencyKey: r.grantKey, amount: r.grantAmount } } : {}) };
  }

  /** Why a claim found nothing: not targeted, at the limit, or none left. */
  async claimState(id: string, fan: string): Promise<{ targeted: boolean; held: number; free: number }> {
    const [r] = await rows<{ targeted: boolean; held: number; free: number }>(
      this.ds,
      `SELECT EXISTS (SELECT 1 FROM drop_deliveries WHERE drop_id = $1 AND fan = $2) AS targeted,
              (SELECT count(*)::int FROM drop_codes WHERE drop_id = $1 AND fan = $2) AS held,
              (SELECT count(*)::int FROM drop_codes WHERE drop_id = $1 AND fan IS NULL) AS free`,
      [id, fan],
    );
    return r;
  }

  /** A fan's drops (optionally of one event), with the codes that fan holds. */
  async forFan(fan: string, eventId: string | null): Promise<FanDropRow[]> {
    return rows<FanDropRow>(
      this.ds,
      `SELECT d.id AS "dropId", d.event_id AS "eventId", d.title, d.body, d.image_url AS "imageUrl", d.cta_label AS "ctaLabel", d.cta_url AS "ctaUrl",
              d.reward_kind AS "rewardKind", d.ends_at AS "endsAt", d.per_fan_limit AS "perFanLimit", v.opened_at AS "openedAt", v.redeemed_at AS "redeemedAt",
              COALESCE((SELECT array_agg(c.code ORDER BY c.slot) FROM drop_codes c WHERE c.drop_id = d.id AND c.fan = $1), '{}') AS codes
       FROM drop_deliveries v JOIN drops d ON d.id = v.drop_id
       WHERE v.fan = $1 AND ($2::uuid IS NULL OR d.event_id = $2) ORDER BY v.targeted_at DESC LIMIT 200`,
      [fan, eventId],
    );
  }

  async funnel(id: string): Promise<Funnel & { bySection: SectionFunnel[] }> {
    const bySection = await rows<SectionFunnel>(
      this.ds,
      `SELECT section, count(*)::int AS targeted, count(delivered_at)::int AS delivered, count(opened_at)::int AS opened, count(redeemed_at)::int AS redeemed
       FROM drop_deliveries WHERE drop_id = $1 GROUP BY section ORDER BY section`,
      [id],
    );
    const total = bySection.reduce<Funnel>(
      (t, r) => ({ targeted: t.targeted + r.targeted, delivered: t.delivered + r.delivered, opened: t.opened + r.opened, redeemed: t.redeemed + r.redeemed }),
      {
        targeted: 0,
        delivered: 0,
        opened: 0,
        redeemed: 0,
      },
    );
    return { ...total, bySection };
  }

  /** Per-minute counts of deliveries, opens and redemptions. */
  async timeline(id: string): Promise<TimelineRow[]> {
    return rows<TimelineRow>(
      this.ds,
      `SELECT date_trunc('minute', t.at) AS minute,
              count(*) FILTER (WHERE t.what = 'delivered')::int AS delivered,
              count(*) FILTER (WHERE t.what = 'opened')::int AS opened,
              count(*) FILTER (WHERE t.what = 'redeemed')::int AS redeemed
       FROM drop_deliveries d, LATERAL (VALUES ('delivered', d.delivered_at), ('opened', d.opened_at), ('redeemed', d.redeemed_at)) AS t(what, at)
       WHERE d.drop_id = $1 AND t.at IS NOT NULL GROUP BY 1 ORDER BY 1`,
      [id],
    );
  }

  /** The drops whose analytics moved since the last push, taken (whoever takes them pushes them). */
  async takeMoved(): Promise<string[]> {
    return (await exec<{ dropId: string }>(this.ds, `DELETE FROM drop_analytics_dirty RETURNING drop_id AS "dropId"`)).map((r) => r.dropId);
  }
}

class TooMany extends Error {}
