import { describe, expect, it } from 'vitest';
import {
  attendance,
  casesFor,
  GROUNDS,
  groundModel,
  meanCov,
  oldCoverageRule,
  OLD_COVERAGE_ACCOUNT_CAP,
  ownerPoints,
  SEASON_FRAUD,
  seasonPlan,
} from '../../venue-sim/src/scenarios/season';

const FAN = 10n ** 18n;

describe('venue-sim season plan', () => {
  it('spreads twelve full-size matches from 5,000 to 60,000 fans over every ground, small and big mixed', () => {
    const plan = seasonPlan(12, 1);
    expect(plan.map((p) => p.fullSizeFans).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => 5_000 + 5_000 * i));
    expect(new Set(plan.map((p) => p.ground))).toEqual(new Set(GROUNDS.map((_, i) => i)));
    for (const p of plan) expect(GROUNDS[p.ground].capacity).toBeGreaterThanOrEqual(p.fullSizeFans);
    expect(Math.min(...plan.map((p) => p.hotspots))).toBe(20);
    expect(Math.max(...plan.map((p) => p.hotspots))).toBe(400);
    // never two of the biggest or two of the smallest in a row
    for (let i = 1; i < plan.length; i++) expect(Math.abs(plan[i].fullSizeFans - plan[i - 1].fullSizeFans)).toBeGreaterThan(5_000);
  });

  it('scales crowds and devices, keeping a few of each (a quorum of two sensor owners, hotspots to witness)', () => {
    const plan = seasonPlan(12, 0.1);
    expect(plan.map((p) => p.fans).sort((a, b) => a - b)[0]).toBe(500);
    expect(Math.max(...plan.map((p) => p.fans))).toBe(6_000);
    expect(Math.max(...plan.map((p) => p.hotspots))).toBe(40);
    for (const p of seasonPlan(5, 0.001)) {
      expect(p.fans).toBeGreaterThanOrEqual(60);
      expect(p.hotspots).toBeGreaterThanOrEqual(4);
      expect(p.sensors.sound).toBeGreaterThanOrEqual(8);
    }
    expect(seasonPlan(1, 1)).toHaveLength(1);
  });

  it('builds a ring of sections at each ground, every section served by one gate, with seats for the crowd', () => {
    for (const g of GROUNDS) {
      const v = groundModel(g, 0.05, 3_000);
      const codes = v.sections.map((s) => s.code);
      expect(new Set(codes).size).toBe(codes.length);
      expect(v.sections.reduce((a, s) => a + s.capacity, 0)).toBeGreaterThanOrEqual(3_000);
      for (const s of v.sections) for (const n of s.neighbours!) expect(v.sections.find((x) => x.code === n)!.neighbours).toContain(s.code);
      expect(v.gates.flatMap((x) => x.sectionCodes).sort()).toEqual([...codes].sort());
    }
    expect(groundModel(GROUNDS[4], 1, 60_000).sections).toHaveLength(40);
  });

  it('brings the same crowd back: a match takes n distinct fans of it, the same ones for the same match, the keen ones more often', () => {
    const crowd = Array.from({ length: 1_000 }, (_, i) => i);
    const a = attendance(crowd, 400, 3);
    expect(new Set(a).size).toBe(400);
    expect(attendance(crowd, 400, 3)).toEqual(a);
    expect(attendance(crowd, 400, 4)).not.toEqual(a);
    const times = new Map<number, number>();
    for (let m = 0; m < 12; m++) for (const f of attendance(crowd, 500, m)) times.set(f, (times.get(f) ?? 0) + 1);
    const counts = [...times.values()];
    expect(Math.max(...counts)).toBe(12); // a season-ticket holder at every match
    expect(Math.min(...counts)).toBeLessThan(6);
  });

  it('takes a handful of adversaries a match, a different set at the next, every case in turn', () => {
    expect(casesFor(SEASON_FRAUD, 0, 3)).toEqual(['screenshot_reuse', 'relayed_witness', 'fake_goal']);
    expect(casesFor(SEASON_FRAUD, 1, 3)).toEqual(['fake_witnesses', 'section_hopping', 'copycat_sensor']);
    const seen = new Set([0, 1, 2, 3].flatMap((i) => casesFor(SEASON_FRAUD, i, 3)));
    expect(seen).toEqual(new Set(SEASON_FRAUD));
    expect(casesFor(SEASON_FRAUD, 5, 0)).toEqual([]);
    expect(new Set(casesFor(['a', 'b', 'c', 'd', 'e'], 2, 3)).size).toBe(3);
  });
});

describe('venue-sim season figures', () => {
  it('gives the mean and the coefficient of variation of positive per-unit pays (null below two)', () => {
    expect(meanCov([10, 10, 10])).toEqual({ mean: 10, cov: 0 });
    expect(meanCov([5, 0, 15])).toEqual({ mean: 10, cov: 0.5 });
    expect(meanCov([7])).toEqual({ mean: 7, cov: null });
    expect(meanCov([])).toEqual({ mean: null, cov: null });
  });

  it('counts coverage points per owner as the rule does (each hotspot floored)', () => {
    const p = ownerPoints([
      { owner: '0xA', score: 1000.9 },
      { owner: '0xa', score: 500.5 },
      { owner: '0xb', score: 0 },
    ]);
    expect([...p]).toEqual([['0xa', 1500n]]);
  });

  it('the old fixed-pool rule pays the whole pool by score, at most 5,000 FAN an account: a small event pays far more per point', () => {
    const small = oldCoverageRule(
      100_000n * FAN,
      new Map([
        ['0xa', 2_000n],
        ['0xb', 2_000n],
      ]),
    );
    expect(small).toEqual({ paid: 2n * OLD_COVERAGE_ACCOUNT_CAP, points: 4_000n }); // each capped
    const big = oldCoverageRule(100_000n * FAN, new Map(Array.from({ length: 100 }, (_, i) => [`0x${i}`, 200_000n] as const)));
    expect(big.paid).toBe(100_000n * FAN);
    expect(Number(small.paid / small.points)).toBeGreaterThan(400 * Number(big.paid / big.points));
    expect(oldCoverageRule(100n * FAN, new Map())).toEqual({ paid: 0n, points: 0n });
  });
});
