import { MigrationInterface, QueryRunner } from 'typeorm';

export class Outbox1764000000301 implements MigrationInterface {
  name = 'Outbox1764000000301';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE chain_outbox (
        id bigserial PRIMARY KEY,
        kind text NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        to_address text NOT NULL,
        data text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'confirmed', 'failed')),
        from_address text,
        nonce bigint,
        raw_tx text,
        tx_hashes text[] NOT NULL DEFAULT '{}',
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        block_number bigint,
        gas_used bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        confirmed_at timestamptz
      );
      CREATE INDEX chain_outbox_open ON chain_outbox (status, id) WHERE status IN ('pending', 'sent');
      CREATE UNIQUE INDEX chain_outbox_nonce ON chain_outbox (from_address, nonce) WHERE nonce IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE chain_outbox');
  }
}
