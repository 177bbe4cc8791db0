import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, rows } from '@fanmesh/db';

/** Readings accepted from one device at one event. */
export interface AcceptedRow {
  eventId: string;
  envelopes: number;
  readings: number;
  firstReadingAt: Date;
  lastReadingAt: Date;
}

/** Signed messages of one device refused for one reason (at one event, or at none). */
export interface RefusalRow {
  eventId: string | null;
  bodyType: string;
  reason: string;
  envelopes: number;
  readings: number;
  lastAt: Date;
  lastDetail: string | null;
}

/** What one refused message adds to the device's refusal counts. */
export interface Refusal {
  device: string;
  eventId: string | null;
  bodyType: string;
  reason: string;
  readings: number;
  detail: string;
}

/** What a batch of `sensing.readings_stored` events adds for one (device, event). */
export interface AcceptedCount {
  device: string;
  eventId: string;
  envelopes: number;
  readings: number;
  from: Date;
  to: Date;
}

/** The owner app's read model of a device's messages: readings accepted per event, refusals per event and reason. */
@Injectable()
export class DeviceOwnerRepository {
  constructor(private readonly ds: DataSource) {}

  /** Adds accepted counts in the delivering transaction (they commit with the consumer's cursor, exactly once). */
  async addAccepted(tx: EntityManager, counts: AcceptedCount[]): Promise<void> {
    if (!counts.length) return;
    await exec(
      tx,
      `INSERT INTO device_event_readings (device, event_id, envelopes, readings, first_reading_at, last_reading_at)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::int[], $4::bigint[], $5::timestamptz[], $6::timestamptz[])
       ON CONFLICT (device, event_id) DO UPDATE SET
         envelopes = device_event_readings.envelopes + EXCLUDED.envelopes,
         readings = device_event_readings.readings + EXCLUDED.readings,
         first_reading_at = least(device_event_readings.first_reading_at, EXCLUDED.first_reading_at),
         last_reading_at = greatest(device_event_readings.last_reading_at, EXCLUDED.last_reading_at)`,
      [
        counts.map((c) => c.device),
        counts.map((c) => c.eventId),
        counts.map((c) => c.envelopes),
        counts.map((c) => c.readings),
        counts.map((c) => c.from),
        counts.map((c) => c.to),
      ],
    );
  }

  async recordRefusal(r: Refusal): Promise<void> {
    await exec(
      this.ds,
      `INSERT INTO device_refusals (device, event_id, body_type, reason, envelopes, readings, last_detail) VALUES ($1, $2, $3, $4, 1, $5, $6)
       ON CONFLICT ON CONSTRAINT device_refusals_key DO UPDATE SET
         envelopes = device_refusals.envelopes + 1, readings = device_refusals.readings + EXCLUDED.readings, last_at = now(), last_detail = EXCLUDED.last_detail`,
      [r.device, r.eventId, r.bodyType, r.reason, r.readings, r.detail],
    );
  }

  /** Accepted counts per event, latest reading first (one event, or the latest `limit`). */
  async accepted(device: string, eventId: string | undefined, limit = 50): Promise<AcceptedRow[]> {
    return rows<AcceptedRow>(
      this.ds,
      `SELECT event_id AS "eventId", envelopes, readings::float8 AS readings, first_reading_at AS "firstReadingAt", last_reading_at AS "lastReadingAt"
       FROM device_event_readings WHERE device = $1 AND ($2::uuid IS NULL OR event_id = $2) ORDER BY last_reading_at DESC LIMIT $3`,
      [device, eventId ?? null, limit],
    );
  }

  /** Refusals of this device (those of one event and those naming none, or all), latest first. */
  async refusals(device: string, eventId: string | undefined, limit = 500): Promise<RefusalRow[]> {
    return rows<RefusalRow>(
      this.ds,
      `SELECT event_id AS "eventId", body_type AS "bodyType", reason, envelopes, readings::float8 AS readings, last_at AS "lastAt", last_detail AS "lastDetail"
       FROM device_refusals WHERE device = $1 AND ($2::uuid IS NULL OR event_id = $2 OR event_id IS NULL) ORDER BY last_at DESC LIMIT $3`,
      [device, eventId ?? null, limit],
    );
  }
}
