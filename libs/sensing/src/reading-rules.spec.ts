import { describe, expect, it } from 'vitest';
import { MAX_READINGS_PER_ENVELOPE, parseReadings, READING_KINDS, READING_MAX_AGE_MS } from './reading-rules';
import { SensingError } from './sensing.error';

const EVENT = '5eed0000-0000-4000-8000-0000000000e1';
const sentAt = '2026-11-25T16:00:00.000Z';
const t = Date.parse(sentAt);
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof SensingError ? [e.code, e.extra.index] : ['other'];
  }
  return ['ok'];
};

describe('readings body rules', () => {
  it('parses tuples into columns, labels optional except for generic readings', () => {
    const p = parseReadings(
      {
        type: 'readings',
        eventId: EVENT.toUpperCase(),
        readings: [
          ['sound', t - 1000, 88.5],
          ['turnstile', t, 3, 'N-A'],
          ['generic', t, -2, 'temp.c'],
        ],
      },
      sentAt,
      READING_KINDS,
    );
    expect(p).toEqual({ eventId: EVENT, kinds: ['sound', 'turnstile', 'generic'], ats: [t - 1000, t, t], values: [88.5, 3, -2], labels: [null, 'N-A', 'temp.c'] });
  });

  it('refuses the whole envelope at the first bad reading, naming its index', () => {
    const body = (readings: unknown[]) => ({ type: 'readings', eventId: EVENT, readings });
    expect(
      code(() =>
        parseReadings(
          body([
            ['sound', t, 80],
            ['sound', t, 195],
          ]),
          sentAt,
          READING_KINDS,
        ),
      ),
    ).toEqual(['value_out_of_range', 1]);
    expect(code(() => parseReadings(body([['occupancy', t, 1.5]]), sentAt, READING_KINDS))).toEqual(['value_out_of_range', 0]);
    expect(code(() => parseReadings(body([['sound', t, Number.NaN]]), sentAt, READING_KINDS))).toEqual(['value_out_of_range', 0]);
    expect(code(() => parseReadings(body([['sound', t - READING_MAX_AGE_MS - 1, 80]]), sentAt, READING_KINDS))).toEqual(['reading_out_of_window', 0]);
    expect(code(() => parseReadings(body([['sound', t + 5001, 80]]), sentAt, READING_KINDS))).toEqual(['reading_out_of_window', 0]);
    expect(code(() => parseReadings(body([['sound', t, 80]]), sentAt, ['turnstile']))).toEqual(['kind_not_allowed', 0]);
    expect(code(() => parseReadings(body([['sound', t, 80, 'bad label!']]), sentAt, READING_KINDS))).toEqual(['bad_readings', 0]);
    expect(code(() => parseReadings(body([['sound', t]]), sentAt, READING_KINDS))).toEqual(['bad_readings', 0]);
    expect(code(() => parseReadings(body(Array.from({ length: MAX_READINGS_PER_ENVELOPE + 1 }, () => ['sound', t, 80])), sentAt, READING_KINDS))[0]).toBe('bad_readings');
    expect(code(() => parseReadings({ type: 'readings', eventId: EVENT, readings: [['sound', t, 80]], more: true }, sentAt, READING_KINDS))[0]).toBe('bad_readings');
  });
});
