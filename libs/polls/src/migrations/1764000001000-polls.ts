import { MigrationInterface, QueryRunner } from 'typeorm';

export class Polls1764000001000 implements MigrationInterface {
  name = 'Polls1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE polls (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        venue_id uuid NOT NULL,
        event_id uuid,
        question text NOT NULL,
        options text[] NOT NULL CHECK (cardinality(options) BETWEEN 2 AND 16),
        opens_at timestamptz NOT NULL,
        closes_at timestamptz NOT NULL,
        eligibility text NOT NULL CHECK (eligibility IN ('holders', 'checked_in', 'both')),
        weighting text NOT NULL CHECK (weighting IN ('one_per_fan', 'token_balance')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        opened_at timestamptz,
        snapshot_block bigint,
        snapshot_block_hash text,
        snapshot_holders int,
        closed_at timestamptz,
        closed_by text,
        tally_hash text,
        ballots_root text,
        totals numeric(78, 0)[],
        ballot_counts int[],
        attested_at timestamptz,
        CHECK (closes_at > opens_at)
      );
      CREATE INDEX polls_event ON polls (event_id, opens_at) WHERE event_id IS NOT NULL;
      CREATE INDEX polls_venue ON polls (venue_id, opens_at);
      CREATE INDEX polls_to_open ON polls (opens_at) WHERE opened_at IS NULL;
      CREATE INDEX polls_to_close ON polls (closes_at) WHERE closed_at IS NULL;
      CREATE INDEX polls_unattested ON polls (closed_at) WHERE closed_at IS NOT NULL AND attested_at IS NULL;

      -- FanToken balances at the poll's snapshot block, from Transfer logs (holders with a balance only).
      CREATE TABLE poll_snapshot_balances (
        poll_id uuid NOT NULL REFERENCES polls(id),
        holder text NOT NULL CHECK (holder ~ '^0x[0-9a-f]{40}$'),
        balance numeric(78, 0) NOT NULL CHECK (balance > 0),
        PRIMARY KEY (poll_id, holder)
      );

      -- The counted ballot of each fan: a later one (by issuedAt) replaces it.
      CREATE TABLE poll_ballots (
        poll_id uuid NOT NULL REFERENCES polls(id),
        voter text NOT NULL CHECK (voter ~ '^0x[0-9a-f]{40}$'),
        option smallint NOT NULL,
        issued_at bigint NOT NULL,
        weight numeric(78, 0) NOT NULL,
        signature text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (poll_id, voter)
      );

      -- Every accepted ballot, replaced ones included, for audit.
      CREATE TABLE poll_ballot_log (
        id bigserial PRIMARY KEY,
        poll_id uuid NOT NULL REFERENCES polls(id),
        voter text NOT NULL,
        option smallint NOT NULL,
        issued_at bigint NOT NULL,
        weight numeric(78, 0) NOT NULL,
        signature text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX poll_ballot_log_poll ON poll_ballot_log (poll_id, voter);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE poll_ballot_log; DROP TABLE poll_ballots; DROP TABLE poll_snapshot_balances; DROP TABLE polls;');
  }
}
