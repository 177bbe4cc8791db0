import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sensing1764000000600 implements MigrationInterface {
  name = 'Sensing1764000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Every readings envelope exactly as the device signed it: the evidence a moment's Merkle root commits to.
      CREATE TABLE sensor_envelopes (
        device text NOT NULL,
        seq bigint NOT NULL,
        event_id uuid NOT NULL,
        sent_at text NOT NULL,
        body text NOT NULL,
        signature text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device, seq)
      );
      -- One row per reading; (device, seq, idx) is the reading's identity, so a retried envelope stores nothing twice.
      CREATE TABLE sensor_readings (
        device text NOT NULL,
        seq bigint NOT NULL,
        idx int NOT NULL,
        event_id uuid NOT NULL,
        section_code text NOT NULL,
        kind text NOT NULL,
        at timestamptz NOT NULL,
        value double precision NOT NULL,
        label text,
        PRIMARY KEY (device, seq, idx)
      );
      CREATE INDEX sensor_readings_event ON sensor_readings (event_id, kind, at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sensor_readings; DROP TABLE sensor_envelopes;');
  }
}
