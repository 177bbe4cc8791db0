import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coverageScore, ScoreInputs, windowBuckets } from './coverage-score';

const inputs = fc.record<ScoreInputs>({
  uniqueWitnesses: fc.integer({ min: 0, max: 5000 }),
  heardBuckets: fc.integer({ min: 0, max: 300 }),
  windowBuckets: fc.integer({ min: 1, max: 300 }),
  reportedClients: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
  reportedThroughputKbps: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null }),
});

describe('coverageScore', () => {
  it('gives 0 to a hotspot nobody witnessed, whatever it reports', () => {
    fc.assert(fc.property(inputs, (i) => coverageScore({ ...i, uniqueWitnesses: 0 }).score === 0));
  });

  it('stays between 375 and 1000 per unique witness, uptime and quality within 0..1000 permille', () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const s = coverageScore(i);
        return s.score <= 1000 * i.uniqueWitnesses && s.score >= Math.floor(375 * i.uniqueWitnesses) && s.uptimePm >= 0 && s.uptimePm <= 1000 && s.qualityPm >= 0 && s.qualityPm <= 1000;
      }),
    );
  });

  it('never counts more clients than were witnessed: claiming more than W changes nothing', () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 0, max: 1_000_000 }), (i, extra) => {
        const honest = coverageScore({ ...i, reportedClients: i.uniqueWitnesses });
        const liar = coverageScore({ ...i, reportedClients: i.uniqueWitnesses + extra });
        return liar.score === honest.score && liar.countedClients === i.uniqueWitnesses;
      }),
    );
  });

  it('grows with witnesses and uptime', () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const more = coverageScore({ ...i, uniqueWitnesses: i.uniqueWitnesses + 1 }).score >= coverageScore(i).score;
        const up = coverageScore({ ...i, heardBuckets: Math.min(i.windowBuckets, i.heardBuckets + 1) }).score >= coverageScore(i).score;
        return more && up;
      }),
    );
  });

  it('matches the documented formula on a worked example', () => {
    // W = 3, heard 30 of 60 minutes (uptime 0.5), 3 clients at 4,000 kbps: quality = min(4000, 3×2000)/10000 = 0.4
    // 1000 × 3 × (0.5 + 0.25) × (0.75 + 0.1) = 1912.5 → 1912
    expect(coverageScore({ uniqueWitnesses: 3, heardBuckets: 30, windowBuckets: 60, reportedClients: 3, reportedThroughputKbps: 4000 })).toEqual({ uptimePm: 500, qualityPm: 400, countedClients: 3, score: 1912 });
  });

  it('counts whole 60 s buckets of the window, at least one', () => {
    const t = new Date('2026-12-20T18:00:00Z');
    expect(windowBuckets(t, t)).toBe(1);
    expect(windowBuckets(t, new Date(t.getTime() + 60_000))).toBe(1);
    expect(windowBuckets(t, new Date(t.getTime() + 60_001))).toBe(2);
    expect(windowBuckets(t, new Date(t.getTime() + 2 * 3600_000))).toBe(120);
  });
});
