import { READING_KINDS, type ReadingKind } from '@fanmesh/protocol';
import { SensingError } from './sensing.error';

/** What sensors measure (the wire contract's list). `generic` carries its metric name in the label. */
export { READING_KINDS, type ReadingKind };

/** Accepted values per kind; anything outside refuses the whole envelope. */
export const READING_RANGES: Record<ReadingKind, { min: number; max: number; integer: boolean }> = {
  turnstile: { min: 0, max: 10_000, integer: true }, // entries counted since the device's previous reading
  occupancy: { min: 0, max: 100_000, integer: true }, // people in the sensor's section now
  sound: { min: 0, max: 194, integer: false }, // dB SPL; 194 dB is the loudest undistorted sound in air
  generic: { min: -1e12, max: 1e12, integer: false },
};

export const MAX_READINGS_PER_ENVELOPE = 2000;
/** A reading may be buffered this long before its envelope is sent, and never be from the future. */
export const READING_MAX_AGE_MS = 10 * 60_000;
export const READING_MAX_AHEAD_MS = 5_000;

const LABEL = /^[A-Za-z0-9_.:-]{1,32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ParsedReadings {
  eventId: string;
  kinds: ReadingKind[];
  ats: number[];
  values: number[];
  labels: (string | null)[];
}

/**
 * The `readings` body: `{ type: 'readings', eventId, readings: [[kind, atMs, value, label?], ...] }`.
 * Tuples keep 1,000 readings under the envelope's size limit. Checked in one pass; the first bad
 * reading refuses the envelope with its index.
 */
export function parseReadings(body: Record<string, unknown>, sentAt: string, allowed: readonly ReadingKind[]): ParsedReadings {
  const keys = Object.keys(body);
  const extra = keys.filter((k) => k !== 'type' && k !== 'eventId' && k !== 'readings');
  if (extra.length) throw new SensingError('bad_readings', `Unknown fields in the readings body: ${extra.join(', ')}.`);
  const eventId = body.eventId;
  if (typeof eventId !== 'string' || !UUID.test(eventId)) throw new SensingError('bad_readings', 'eventId must be the event UUID.');
  const list = body.readings;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_READINGS_PER_ENVELOPE) {
    throw new SensingError('bad_readings', `readings must be an array of 1 to ${MAX_READINGS_PER_ENVELOPE} [kind, atMs, value, label?] tuples.`);
  }
  const sent = Date.parse(sentAt);
  const earliest = sent - READING_MAX_AGE_MS;
  const latest = sent + READING_MAX_AHEAD_MS;
  const n = list.length;
  const kinds = new Array<ReadingKind>(n);
  const ats = new Array<number>(n);
  const values = new Array<number>(n);
  const labels = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const r = list[i];
    if (!Array.isArray(r) || r.length < 3 || r.length > 4) throw new SensingError('bad_readings', `readings[${i}] must be [kind, atMs, value, label?].`, { index: i });
    const [kind, at, value, label] = r as [unknown, unknown, unknown, unknown];
    const range = READING_RANGES[kind as ReadingKind];
    if (typeof kind !== 'string' || !range) throw new SensingError('bad_readings', `readings[${i}]: kind must be one of ${READING_KINDS.join(', ')}.`, { index: i });
    if (!allowed.includes(kind as ReadingKind))
      throw new SensingError('kind_not_allowed', `readings[${i}]: this device may send only ${allowed.join(', ')} readings.`, { index: i });
    if (typeof at !== 'number' || !Number.isInteger(at)) throw new SensingError('bad_readings', `readings[${i}]: at must be unix milliseconds.`, { index: i });
    if (at < earliest || at > latest) {
      throw new SensingError(
        'reading_out_of_window',
        `readings[${i}] is from ${new Date(at).toISOString()}; readings must be at most ${READING_MAX_AGE_MS / 60_000} min older than sentAt and not after it.`,
        { index: i },
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
      throw new SensingError('value_out_of_range', `readings[${i}]: a ${kind} value must be ${range.integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}.`, {
        index: i,
        kind,
        value: typeof value === 'number' ? value : null,
      });
    }
    if (label !== undefined && label !== null && (typeof label !== 'string' || !LABEL.test(label))) {
      throw new SensingError('bad_readings', `readings[${i}]: label must be 1-32 of A-Z a-z 0-9 _ . : -`, { index: i });
    }
    if (kind === 'generic' && typeof label !== 'string') throw new SensingError('bad_readings', `readings[${i}]: a generic reading names its metric in the label.`, { index: i });
    kinds[i] = kind as ReadingKind;
    ats[i] = at;
    values[i] = value;
    labels[i] = typeof label === 'string' ? label : null;
  }
  return { eventId: eventId.toLowerCase(), kinds, ats, values, labels };
}
