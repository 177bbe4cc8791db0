import { MigrationInterface, QueryRunner } from 'typeorm';

export class Drops1764000000900 implements MigrationInterface {
  name = 'Drops1764000000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE drops (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sponsor_id uuid NOT NULL,
        venue_id uuid NOT NULL,
        event_id uuid NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        image_url text,
        cta_label text,
        cta_url text,
        reward_kind text NOT NULL CHECK (reward_kind IN ('coupon', 'collectible', 'token')),
        reward_name text,
        token_amount numeric(78, 0) CHECK (token_amount IS NULL OR token_amount > 0),
        trigger_kind text NOT NULL CHECK (trigger_kind IN ('moment', 'time', 'manual')),
        trigger_moment text,
        trigger_team text CHECK (trigger_team IS NULL OR trigger_team IN ('home', 'away')),
        trigger_at timestamptz,
        audience_sections text[],
        audience_tiers text[],
        audience_first_n int CHECK (audience_first_n IS NULL OR audience_first_n > 0),
        inventory int NOT NULL CHECK (inventory > 0),
        per_fan_limit int NOT NULL DEFAULT 1 CHECK (per_fan_limit BETWEEN 1 AND 10),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected', 'cancelled', 'fired')),
        reviewed_by text,
        reviewed_at timestamptz,
        review_note text,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX drops_sponsor ON drops (sponsor_id, created_at);
      CREATE INDEX drops_venue ON drops (venue_id, created_at);
      CREATE INDEX drops_armed ON drops (event_id, trigger_kind) WHERE status = 'approved';

      -- One firing per drop: the primary key is what makes a replayed moment or a second instance a no-op.
      CREATE TABLE drop_firings (
        drop_id uuid PRIMARY KEY REFERENCES drops(id) ON DELETE CASCADE,
        cause text NOT NULL,
        moment_id text,
        fired_at timestamptz NOT NULL DEFAULT now(),
        targeted int NOT NULL DEFAULT 0,
        published_at timestamptz
      );

      -- Who the drop went to. Sponsors never see these rows, only aggregates.
      CREATE TABLE drop_deliveries (
        drop_id uuid NOT NULL REFERENCES drops(id) ON DELETE CASCADE,
        fan text NOT NULL CHECK (fan ~ '^0x[0-9a-f]{40}$'),
        section text NOT NULL,
        tier text NOT NULL,
        targeted_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        opened_at timestamptz,
        redeemed_at timestamptz,
        PRIMARY KEY (drop_id, fan)
      );
      CREATE INDEX drop_deliveries_fan ON drop_deliveries (fan, targeted_at);

      -- The inventory: uploaded coupon codes, or numbered units for collectibles and token bonuses.
      -- A unit is claimed by setting fan and slot; (drop_id, fan, slot) unique means a fan holds at most
      -- per_fan_limit units, and a concurrent second claim by the same fan fails instead of taking a unit.
      CREATE TABLE drop_codes (
        id bigserial PRIMARY KEY,
        drop_id uuid NOT NULL REFERENCES drops(id) ON DELETE CASCADE,
        code text NOT NULL,
        fan text,
        slot int,
        claimed_at timestamptz,
        UNIQUE (drop_id, code),
        UNIQUE (drop_id, fan, slot),
        CHECK ((fan IS NULL) = (slot IS NULL))
      );
      CREATE INDEX drop_codes_free ON drop_codes (drop_id, id) WHERE fan IS NULL;

      -- Token bonuses the rewards ledger pays: written with the claim, keyed by cause, picked up by rewards.
      CREATE TABLE drop_token_grants (
        idempotency_key text PRIMARY KEY,
        drop_id uuid NOT NULL REFERENCES drops(id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        fan text NOT NULL,
        amount numeric(78, 0) NOT NULL CHECK (amount > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        taken_at timestamptz
      );
      CREATE INDEX drop_token_grants_open ON drop_token_grants (created_at) WHERE taken_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE drop_token_grants; DROP TABLE drop_codes; DROP TABLE drop_deliveries; DROP TABLE drop_firings; DROP TABLE drops;');
  }
}
