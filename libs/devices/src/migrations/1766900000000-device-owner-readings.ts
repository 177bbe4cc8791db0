import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The owner app's read model of a device's messages: readings accepted per event (kept from the
 * `sensing.readings_stored` events) and signed messages refused, per event and reason (written when
 * the API refuses a device's correctly signed message; the refused message itself is not kept).
 */
export class DeviceOwnerReadings1766900000000 implements MigrationInterface {
  name = 'DeviceOwnerReadings1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE device_event_readings (
        device text NOT NULL,
        event_id uuid NOT NULL,
        envelopes int NOT NULL,
        readings bigint NOT NULL,
        first_reading_at timestamptz NOT NULL,
        last_reading_at timestamptz NOT NULL,
        PRIMARY KEY (device, event_id)
      );
      CREATE TABLE device_refusals (
        device text NOT NULL REFERENCES devices(address),
        event_id uuid,
        body_type text NOT NULL,
        reason text NOT NULL,
        envelopes int NOT NULL,
        readings bigint NOT NULL,
        first_at timestamptz NOT NULL DEFAULT now(),
        last_at timestamptz NOT NULL DEFAULT now(),
        last_detail text,
        CONSTRAINT device_refusals_key UNIQUE NULLS NOT DISTINCT (device, event_id, body_type, reason)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE device_refusals, device_event_readings;');
  }
}
