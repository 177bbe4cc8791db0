import { MigrationInterface, QueryRunner } from 'typeorm';

export class Moments1764000000650 implements MigrationInterface {
  name = 'Moments1764000000650';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE moments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL REFERENCES events(id),
        venue_id uuid NOT NULL REFERENCES venues(id),
        kind text NOT NULL CHECK (kind IN ('kickoff', 'goal', 'halftime', 'fulltime', 'big_moment')),
        team text CHECK (team IN ('home', 'away')),
        at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate', 'confirmed', 'rejected')),
        source text NOT NULL CHECK (source IN ('sensors', 'feed')),
        -- the official feed's reference for this moment (venue-scoped), so a feed retry changes nothing
        feed_ref text UNIQUE,
        signal jsonb,
        confirmed_by text CHECK (confirmed_by IN ('staff', 'feed')),
        decided_by text,
        decided_at timestamptz,
        reject_reason text,
        attendance int CHECK (attendance >= 0),
        evidence_root text,
        attest_batch uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'confirmed') = (confirmed_by IS NOT NULL))
      );
      CREATE INDEX moments_event ON moments (event_id, at);
      CREATE INDEX moments_unattested ON moments (created_at) WHERE status = 'confirmed' AND attest_batch IS NULL;

      -- The signed envelopes that evidence a moment (the leaves of its evidence root).
      CREATE TABLE moment_evidence (
        moment_id uuid NOT NULL REFERENCES moments(id),
        device text NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (moment_id, device, seq)
      );

      CREATE TABLE moment_attestations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        moment_ids uuid[] NOT NULL,
        enqueued_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      -- Each sensor's record against the quorum, one vote per cause (a decided moment, a lone spike minute).
      CREATE TABLE sensor_trust_votes (
        device text NOT NULL,
        cause text NOT NULL,
        agree boolean NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device, cause)
      );

      -- One official-feed secret per venue, encrypted at rest (AES-256-GCM under a key derived from the auth secret).
      CREATE TABLE feed_secrets (
        venue_id uuid PRIMARY KEY REFERENCES venues(id),
        secret_enc text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- Feed messages already accepted, by their signature: a replay within the freshness window is refused.
      CREATE TABLE feed_receipts (
        venue_id uuid NOT NULL,
        signature text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (venue_id, signature)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE feed_receipts; DROP TABLE feed_secrets; DROP TABLE sensor_trust_votes; DROP TABLE moment_attestations; DROP TABLE moment_evidence; DROP TABLE moments;',
    );
  }
}
