import { MigrationInterface, QueryRunner } from 'typeorm';

export class Heartbeats1764000000401 implements MigrationInterface {
  name = 'Heartbeats1764000000401';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE device_heartbeats (
        id bigserial PRIMARY KEY,
        device text NOT NULL REFERENCES devices(address),
        at timestamptz NOT NULL DEFAULT now(),
        body jsonb NOT NULL
      );
      CREATE INDEX device_heartbeats_device ON device_heartbeats (device, at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE device_heartbeats;');
  }
}
