import { MigrationInterface, QueryRunner } from 'typeorm';

export class Appeals1764000000402 implements MigrationInterface {
  name = 'Appeals1764000000402';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE device_appeals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        device text NOT NULL REFERENCES devices(address),
        venue_id uuid NOT NULL,
        owner text NOT NULL,
        denylist_id uuid NOT NULL REFERENCES denylist(id),
        message text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
        filed_at timestamptz NOT NULL DEFAULT now(),
        decided_by text,
        decided_at timestamptz,
        decision_note text
      );
      CREATE UNIQUE INDEX device_appeals_one_open ON device_appeals (device) WHERE status = 'open';
      CREATE INDEX device_appeals_venue ON device_appeals (venue_id, status, filed_at);
      CREATE INDEX device_heartbeats_at ON device_heartbeats (at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX device_heartbeats_at; DROP TABLE device_appeals;');
  }
}
