import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Device transfers (owner-signed through the API, or read off DeviceRegistry's events), the block
 * cursor the registry's events are read from, revocations relayed to the registry, and denylist
 * entries scoped to a venue.
 */
export class DeviceTransfers1766200000000 implements MigrationInterface {
  name = 'DeviceTransfers1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE device_transfers (
        id bigserial PRIMARY KEY,
        device text NOT NULL REFERENCES devices(address),
        from_owner text NOT NULL,
        to_owner text NOT NULL,
        source text NOT NULL CHECK (source IN ('owner', 'chain')),
        -- the owner's signed Transfer (source 'owner'): what transferBySig is relayed with
        nonce bigint,
        deadline bigint,
        signature text,
        status text NOT NULL CHECK (status IN ('queued', 'confirmed', 'failed', 'off_chain')),
        tx_hash text,
        log_index int,
        block_number bigint,
        last_error text,
        at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz
      );
      CREATE UNIQUE INDEX device_transfers_nonce ON device_transfers (device, nonce) WHERE source = 'owner' AND status <> 'failed';
      CREATE UNIQUE INDEX device_transfers_log ON device_transfers (tx_hash, log_index) WHERE tx_hash IS NOT NULL;
      CREATE INDEX device_transfers_queued ON device_transfers (device, id) WHERE status = 'queued';
      CREATE INDEX device_transfers_parties ON device_transfers (from_owner, at);
      CREATE INDEX device_transfers_to ON device_transfers (to_owner, at);

      CREATE TABLE device_chain_cursors (
        chain_id bigint NOT NULL,
        registry text NOT NULL,
        next_block bigint NOT NULL,
        PRIMARY KEY (chain_id, registry)
      );

      -- A revocation is relayed to the registry once; null until then (or for ever without a chain).
      ALTER TABLE devices ADD COLUMN revoke_relayed_at timestamptz;
      CREATE INDEX devices_revoke_unrelayed ON devices (address) WHERE revoked_at IS NOT NULL AND revoke_relayed_at IS NULL;

      -- Entries are a venue's (null: an admin's, everywhere). Device entries take their device's venue;
      -- owner entries made before scoping cannot be placed and stay everywhere.
      ALTER TABLE denylist ADD COLUMN venue_id uuid REFERENCES venues(id);
      UPDATE denylist l SET venue_id = d.venue_id FROM devices d WHERE l.subject_type = 'device' AND d.address = l.subject;
      DROP INDEX denylist_active;
      CREATE UNIQUE INDEX denylist_active ON denylist (subject_type, subject, COALESCE(venue_id, '00000000-0000-0000-0000-000000000000'::uuid)) WHERE lifted_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX denylist_active;
      ALTER TABLE denylist DROP COLUMN venue_id;
      CREATE UNIQUE INDEX denylist_active ON denylist (subject_type, subject) WHERE lifted_at IS NULL;
      ALTER TABLE devices DROP COLUMN revoke_relayed_at;
      DROP TABLE device_chain_cursors;
      DROP TABLE device_transfers;
    `);
  }
}
