import { MigrationInterface, QueryRunner } from 'typeorm';

export class Rewards1764000000800 implements MigrationInterface {
  name = 'Rewards1764000000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reward_pools (
        event_id uuid NOT NULL,
        kind text NOT NULL,
        venue_id uuid NOT NULL,
        per_unit numeric(78, 0) NOT NULL CHECK (per_unit >= 0),
        account_cap numeric(78, 0) NOT NULL CHECK (account_cap >= 0),
        pool numeric(78, 0) NOT NULL CHECK (pool >= 0),
        remaining numeric(78, 0) NOT NULL CHECK (remaining >= 0 AND remaining <= pool),
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, kind)
      );
      CREATE TABLE reward_epochs (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL,
        venue_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('pending_approval', 'approved', 'rejected', 'tree_built', 'publishing', 'published', 'failed')),
        manifest jsonb,
        root text,
        total numeric(78, 0),
        epoch_total numeric(78, 0),
        accounts int,
        closed_by text NOT NULL,
        closed_at timestamptz NOT NULL DEFAULT now(),
        decided_by text,
        decided_at timestamptz,
        decision_note text,
        published_at timestamptz,
        last_error text
      );
      -- one epoch in flight at a time: roots are cumulative and published in order
      CREATE UNIQUE INDEX reward_epochs_one_open ON reward_epochs ((true)) WHERE status IN ('pending_approval', 'approved', 'tree_built', 'publishing');
      CREATE TABLE reward_entries (
        id bigserial PRIMARY KEY,
        account text NOT NULL CHECK (account ~ '^0x[0-9a-f]{40}$'),
        event_id uuid NOT NULL,
        kind text NOT NULL,
        amount numeric(78, 0) NOT NULL CHECK (amount >= 0),
        requested numeric(78, 0) NOT NULL,
        clipped text,
        cause text NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        epoch_id bigint REFERENCES reward_epochs(id),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX reward_entries_account ON reward_entries (account, id);
      CREATE INDEX reward_entries_open ON reward_entries (event_id) WHERE epoch_id IS NULL;
      CREATE INDEX reward_entries_epoch ON reward_entries (epoch_id);
      CREATE TABLE reward_earned (
        event_id uuid NOT NULL,
        kind text NOT NULL,
        account text NOT NULL,
        earned numeric(78, 0) NOT NULL,
        PRIMARY KEY (event_id, kind, account)
      );
      CREATE TABLE reward_accounts (
        account text PRIMARY KEY,
        balance numeric(78, 0) NOT NULL CHECK (balance >= 0)
      );
      CREATE TABLE reward_epoch_accounts (
        epoch_id bigint NOT NULL REFERENCES reward_epochs(id),
        account text NOT NULL,
        cumulative numeric(78, 0) NOT NULL,
        proof bytea NOT NULL,
        PRIMARY KEY (epoch_id, account)
      );
      CREATE TABLE reward_sweeps (
        event_id uuid NOT NULL,
        source text NOT NULL,
        cursor jsonb,
        swept_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, source)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reward_sweeps, reward_epoch_accounts, reward_accounts, reward_earned, reward_entries, reward_epochs, reward_pools;');
  }
}
