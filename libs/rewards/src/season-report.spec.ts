import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COVERAGE_RATE } from './reward-rules';
import { contribution, gini, perUnit, spread, topShare } from './season-report';

describe('season report figures', () => {
  it('Gini is 0 for equal shares, (n−1)/n when one account holds everything, and between otherwise', () => {
    expect(gini([5n, 5n, 5n, 5n])).toBe(0);
    expect(gini([0n, 0n, 0n, 12n])).toBeCloseTo(0.75, 10);
    expect(gini([1n, 2n, 3n, 4n])).toBeCloseTo(0.25, 10);
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 24n }), { minLength: 2, maxLength: 60 }), (xs) => {
        const g = gini(xs);
        expect(g).toBeGreaterThanOrEqual(-1e-9);
        expect(g).toBeLessThan(1);
        // scale-free: doubling every amount leaves it alone
        expect(gini(xs.map((x) => x * 2n))).toBeCloseTo(g, 9);
      }),
    );
  });

  it('the spread is the population stddev over the mean; one event has none', () => {
    expect(spread([10n]).cov).toBeNull();
    expect(spread([10n, 10n, 10n]).cov).toBe(0);
    const s = spread([8n, 12n]);
    expect(s.mean).toBe(10n);
    expect(s.cov).toBeCloseTo(0.2, 10);
  });

  it('the top 1% is at least one account, and its share is of the whole', () => {
    expect(topShare([])).toBe(0);
    expect(topShare([1n, 1n, 2n])).toBeCloseTo(0.5, 6);
    expect(topShare(Array.from({ length: 200 }, (_, i) => (i < 2 ? 50n : 1n)))).toBeCloseTo(100 / 298, 5);
  });

  it('pay per unit floors, and contribution values a unit at its kind’s default rate', () => {
    expect(perUnit(10n, 3n)).toBe(3n);
    expect(perUnit(10n, 0n)).toBe(0n);
    expect(
      contribution(
        new Map([
          ['admission', 2n],
          ['coverage', 1000n],
        ]),
      ),
    ).toBe(20n * 10n ** 18n + 1000n * COVERAGE_RATE);
  });
});
