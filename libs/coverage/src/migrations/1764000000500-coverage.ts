import { MigrationInterface, QueryRunner } from 'typeorm';

export class Coverage1764000000500 implements MigrationInterface {
  name = 'Coverage1764000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE coverage_policies (
        event_id uuid PRIMARY KEY,
        interval_s int NOT NULL CHECK (interval_s BETWEEN 10 AND 86400),
        fan_witnesses int NOT NULL CHECK (fan_witnesses >= 1),
        hotspot_witnesses int NOT NULL CHECK (hotspot_witnesses >= 1),
        challenge_ttl_s int NOT NULL CHECK (challenge_ttl_s BETWEEN 1 AND 600),
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE coverage_challenges (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        venue_id uuid NOT NULL,
        hotspot text NOT NULL,
        nonce text NOT NULL UNIQUE,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        claimed_by text,
        claimed_at timestamptz
      );
      CREATE INDEX coverage_challenges_open ON coverage_challenges (hotspot, expires_at) WHERE claimed_by IS NULL;
      CREATE TABLE witness_verdicts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        challenge_id text NOT NULL,
        event_id uuid,
        venue_id uuid,
        hotspot text,
        owner text,
        fan text NOT NULL,
        verdict text NOT NULL,
        detail text NOT NULL,
        hotspot_section text,
        fan_section text,
        signed_at timestamptz,
        at timestamptz NOT NULL DEFAULT now()
      );
      -- a challenge response validates at most one witness, whatever the code above does
      CREATE UNIQUE INDEX witness_verdicts_one_valid ON witness_verdicts (challenge_id) WHERE verdict = 'valid';
      CREATE INDEX witness_verdicts_fan_valid ON witness_verdicts (event_id, fan, at) WHERE verdict = 'valid';
      CREATE INDEX witness_verdicts_hotspot_valid ON witness_verdicts (event_id, hotspot, at) WHERE verdict = 'valid';
      CREATE INDEX witness_verdicts_hotspot ON witness_verdicts (hotspot, event_id, verdict);
      CREATE TABLE coverage_scores (
        event_id uuid NOT NULL,
        hotspot text NOT NULL,
        owner text NOT NULL,
        unique_witnesses int NOT NULL,
        uptime_pm int NOT NULL,
        quality_pm int NOT NULL,
        claimed_clients int,
        score bigint NOT NULL,
        window_from timestamptz NOT NULL,
        window_to timestamptz NOT NULL,
        final boolean NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, hotspot)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE coverage_scores; DROP TABLE witness_verdicts; DROP TABLE coverage_challenges; DROP TABLE coverage_policies;');
  }
}
