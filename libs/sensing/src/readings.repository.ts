import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, rows } from '@fanmesh/db';
import type { SignedEnvelope, StoredReading } from '@fanmesh/directory';
import type { ReadingKind } from '@fanmesh/protocol';

export type { SignedEnvelope, StoredReading };

export interface ReadingBatch {
  device: string;
  seq: number;
  eventId: string;
  sectionCode: string;
  sentAt: string;
  body: string;
  signature: string;
  kinds: ReadingKind[];
  /** unix milliseconds */
  ats: number[];
  values: number[];
  labels: (string | null)[];
}

interface ReadingRow {
  device: string;
  seq: string;
  idx: number;
  section: string;
  at: number;
  value: number;
}

interface EnvelopeRow {
  device: string;
  seq: string;
  sentAt: string;
  body: string;
  signature: string;
}

interface SectionCountRow {
  section: string;
  n: number;
}

@Injectable()
export class ReadingsRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * The envelope and all its readings in one statement (arrays, not one row per parameter set):
   * a retry of the same (device, seq) adds nothing.
   */
  async insert(tx: EntityManager, b: ReadingBatch): Promise<void> {
    await exec(
      tx,
      `WITH env AS (
         INSERT INTO sensor_envelopes (device, seq, event_id, sent_at, body, signature) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
       )
       INSERT INTO sensor_readings (device, seq, idx, event_id, section_code, kind, at, value, label)
       SELECT $1, $2, u.ord - 1, $3, $7, u.kind, to_timestamp(u.t / 1000.0), u.value, u.label
       FROM unnest($8::text[], $9::float8[], $10::float8[], $11::text[]) WITH ORDINALITY AS u(kind, t, value, label, ord)
       ON CONFLICT DO NOTHING`,
      [b.device, b.seq, b.eventId, b.sentAt, b.body, b.signature, b.sectionCode, b.kinds, b.ats, b.values, b.labels],
    );
  }

  /** Readings of one kind for an event in [from, to] (unix ms), in time order. */
  async window(eventId: string, kind: ReadingKind, fromMs: number, toMs: number): Promise<StoredReading[]> {
    const found = await rows<ReadingRow>(
      this.ds,
      `SELECT device, seq, idx, section_code AS section, (extract(epoch FROM at) * 1000)::float8 AS at, value
       FROM sensor_readings WHERE event_id = $1 AND kind = $2 AND at BETWEEN to_timestamp($3 / 1000.0) AND to_timestamp($4 / 1000.0)
       ORDER BY at, device, seq, idx LIMIT 200000`,
      [eventId, kind, fromMs, toMs],
    );
    return found.map((r) => ({ device: r.device, seq: Number(r.seq), idx: r.idx, section: r.section, at: Math.round(Number(r.at)), value: Number(r.value) }));
  }

  async envelopes(keys: { device: string; seq: number }[]): Promise<SignedEnvelope[]> {
    if (!keys.length) return [];
    const found = await rows<EnvelopeRow>(
      this.ds,
      `SELECT e.device, e.seq, e.sent_at AS "sentAt", e.body, e.signature
       FROM sensor_envelopes e JOIN unnest($1::text[], $2::bigint[]) AS k(device, seq) ON e.device = k.device AND e.seq = k.seq
       ORDER BY e.device, e.seq`,
      [keys.map((k) => k.device), keys.map((k) => k.seq)],
    );
    return found.map((r) => ({ deviceId: r.device, seq: Number(r.seq), sentAt: r.sentAt, body: r.body, signature: r.signature }));
  }

  /** Turnstile entries counted per section (sum of increments). */
  async turnstilesBySection(eventId: string, at?: Date): Promise<Record<string, number>> {
    const found = await rows<SectionCountRow>(
      this.ds,
      `SELECT section_code AS section, sum(value)::float8 AS n FROM sensor_readings
       WHERE event_id = $1 AND kind = 'turnstile' AND ($2::timestamptz IS NULL OR at <= $2) GROUP BY section_code`,
      [eventId, at ?? null],
    );
    return Object.fromEntries(found.map((r) => [r.section, Math.round(Number(r.n))]));
  }

  /** Latest occupancy per sensor, summed per section. */
  async occupancyBySection(eventId: string): Promise<Record<string, number>> {
    const found = await rows<SectionCountRow>(
      this.ds,
      `SELECT section, sum(value)::float8 AS n FROM (
         SELECT DISTINCT ON (device) device, section_code AS section, value FROM sensor_readings
         WHERE event_id = $1 AND kind = 'occupancy' ORDER BY device, at DESC, seq DESC, idx DESC
       ) latest GROUP BY section`,
      [eventId],
    );
    return Object.fromEntries(found.map((r) => [r.section, Math.round(Number(r.n))]));
  }
}
