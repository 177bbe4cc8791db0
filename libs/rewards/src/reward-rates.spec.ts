import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetShares, epochBudgets, FULL_BPS, nextFactor, poolsAt, RATE_FLOOR_BPS, RATE_KINDS, RATE_STEP_BPS } from './reward-rates';
import { DEFAULT_POOLS } from './reward-rules';

const FAN = 10n ** 18n;

describe('the reward rate controller', () => {
  it('keeps every step within 12.5% of the factor before it, and every factor within [floor, default], whatever the demand (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.bigInt({ min: 0n, max: 10n ** 30n }), { nil: undefined })), { minLength: 1, maxLength: 60 }),
        (epochs) => {
          let f = FULL_BPS;
          for (const [emitted, budget] of epochs) {
            const next = nextFactor(f, emitted, budget);
            expect(next).toBeGreaterThanOrEqual(RATE_FLOOR_BPS);
            expect(next).toBeLessThanOrEqual(FULL_BPS);
            // within the step (rounded outward by at most one basis point), unless the floor lifted it
            if (next > RATE_FLOOR_BPS) expect(Math.abs(next - f)).toBeLessThanOrEqual(Math.ceil((f * RATE_STEP_BPS) / FULL_BPS) + 1);
            // never the wrong way: above budget it does not rise, below it does not fall
            if (budget !== undefined && emitted > budget) expect(next).toBeLessThanOrEqual(f);
            if (budget === undefined || emitted < budget) expect(next).toBeGreaterThanOrEqual(f);
            f = next;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('brings a steady surge within budget in a few epochs, never collapsing the rate (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 101, max: 399 }), fc.bigInt({ min: 10n ** 18n, max: 10n ** 26n }), (surgePct, budget) => {
        // units that, at the default rate, emit surgePct% of the budget every epoch
        const atDefault = (budget * BigInt(surgePct)) / 100n;
        let f = FULL_BPS;
        let epochs = 0;
        while ((atDefault * BigInt(f)) / BigInt(FULL_BPS) > budget && epochs < 40) {
          f = nextFactor(f, (atDefault * BigInt(f)) / BigInt(FULL_BPS), budget);
          epochs++;
        }
        expect((atDefault * BigInt(f)) / BigInt(FULL_BPS)).toBeLessThanOrEqual(budget);
        expect(epochs).toBeLessThanOrEqual(11); // 0.875^11 < 1/4
        expect(f).toBeGreaterThanOrEqual(RATE_FLOOR_BPS);
      }),
    );
  });

  it('recovers toward the default rate when demand falls back, and without a schedule to read', () => {
    expect(nextFactor(5_000, 0n, 100n * FAN)).toBe(5_625);
    expect(nextFactor(9_500, 10n * FAN, 100n * FAN)).toBe(FULL_BPS);
    expect(nextFactor(8_000, 10n ** 30n, undefined)).toBe(9_000);
    expect(nextFactor(FULL_BPS, 200n * FAN, 100n * FAN)).toBe(8_750);
    expect(nextFactor(RATE_FLOOR_BPS, 10n ** 30n, FAN)).toBe(RATE_FLOOR_BPS);
  });

  it('splits a week’s release by the default pools and scales only the rated kinds’ amounts per unit', () => {
    const shares = budgetShares();
    expect([...shares.keys()].sort()).toEqual([...RATE_KINDS].sort());
    const budgets = epochBudgets(1_450_000n * FAN);
    expect(budgets.get('admission')).toBe(600_000n * FAN);
    expect(budgets.get('coverage')).toBe(100_000n * FAN);
    expect(epochBudgets(undefined).get('admission')).toBeUndefined();
    const pools = poolsAt(new Map([['admission', 8_750]]));
    expect(pools.find((p) => p.kind === 'admission')).toMatchObject({ perUnit: (10n * FAN * 8_750n) / 10_000n, accountCap: 10n * FAN, pool: 600_000n * FAN });
    expect(pools.find((p) => p.kind === 'drop')).toEqual(DEFAULT_POOLS.find((p) => p.kind === 'drop'));
    expect(poolsAt(new Map())).toEqual(DEFAULT_POOLS);
  });
});
