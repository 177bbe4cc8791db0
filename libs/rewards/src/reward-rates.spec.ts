import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CARRY_EPOCHS,
  demandAtDefault,
  epochBudget,
  FULL_BPS,
  kindBudgets,
  nextFactor as stepToward,
  poolsAt,
  RATE_CEILING_BPS,
  RATE_FLOOR_BPS,
  RATE_STEP_BPS,
  targetFactor,
} from './reward-rates';
import { DEFAULT_POOLS } from './reward-rules';

const FAN = 10n ** 18n;

/** One kind's step, as the ledger takes it: an epoch at factor `f` emitted `emitted` against `budget`. */
const nextFactor = (f: number, emitted: bigint, budget: bigint | undefined, ceiling = RATE_CEILING_BPS) =>
  stepToward(f, targetFactor(demandAtDefault(new Map([['admission', emitted]]), new Map([['admission', f]])), budget), RATE_STEP_BPS, RATE_FLOOR_BPS, ceiling);

describe('the reward rate controller', () => {
  it('keeps every step within 12.5% of the factor before it, and every factor within [floor, ceiling], whatever the demand (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.bigInt({ min: 0n, max: 10n ** 30n }), { nil: undefined })), { minLength: 1, maxLength: 60 }),
        (epochs) => {
          let f = FULL_BPS;
          for (const [emitted, budget] of epochs) {
            const next = nextFactor(f, emitted, budget);
            expect(next).toBeGreaterThanOrEqual(RATE_FLOOR_BPS);
            expect(next).toBeLessThanOrEqual(RATE_CEILING_BPS);
            // within the step (rounded outward by at most one basis point), unless the floor lifted it
            if (next > RATE_FLOOR_BPS) expect(Math.abs(next - f)).toBeLessThanOrEqual(Math.ceil((f * RATE_STEP_BPS) / FULL_BPS) + 1);
            if (budget === undefined || emitted === 0n) {
              // nothing to learn the demand from: toward the default, never past it
              expect(Math.abs(next - FULL_BPS)).toBeLessThanOrEqual(Math.abs(f - FULL_BPS));
              expect(Math.sign(next - FULL_BPS) * Math.sign(f - FULL_BPS)).toBeGreaterThanOrEqual(0);
            } else {
              // never the wrong way: above budget it does not rise, below it does not fall
              if (emitted > budget) expect(next).toBeLessThanOrEqual(f);
              if (emitted < budget) expect(next).toBeGreaterThanOrEqual(f);
            }
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

  it('recovers toward the default rate without demand or a schedule to read, and rises above it, to the ceiling, when the work leaves the budget unspent', () => {
    expect(nextFactor(5_000, 0n, 100n * FAN)).toBe(5_625);
    expect(nextFactor(9_500, 99n * FAN, 100n * FAN)).toBe(9_595); // 9,500 × 100 / 99
    expect(nextFactor(9_500, 10n * FAN, 100n * FAN)).toBe(10_688); // one step up, past the default
    expect(nextFactor(8_000, 10n ** 30n, undefined)).toBe(9_000);
    expect(nextFactor(12_000, 10n ** 30n, undefined)).toBe(10_500);
    expect(nextFactor(10_200, 0n, 100n * FAN)).toBe(FULL_BPS);
    expect(nextFactor(FULL_BPS, 200n * FAN, 100n * FAN)).toBe(8_750);
    expect(nextFactor(RATE_FLOOR_BPS, 10n ** 30n, FAN)).toBe(RATE_FLOOR_BPS);
    expect(nextFactor(RATE_CEILING_BPS, 1n, 10n ** 30n)).toBe(RATE_CEILING_BPS);
  });

  /** A season of weekly epochs whose work, at the default rate, would emit `demand(week)`% of the week's release. */
  function season(weeks: number, demand: (week: number) => number, controller: 'carry' | 'no carry, capped at the default' = 'carry'): number {
    const weekly = 1_000_000n * FAN;
    let f = FULL_BPS;
    let released = 0n;
    let emitted = 0n;
    for (let w = 0; w < weeks; w++) {
      released += weekly;
      const e = (weekly * BigInt(demand(w)) * BigInt(f)) / 100n / BigInt(FULL_BPS);
      emitted += e;
      const carry = controller === 'carry' ? released - emitted : 0n;
      f = nextFactor(f, e, epochBudget({ weekly, carry }), controller === 'carry' ? RATE_CEILING_BPS : FULL_BPS);
    }
    return Number(((emitted - released) * 10_000n) / released) / 100; // % off the schedule
  }

  it('meets the schedule over a season whose default rates are 30% under to 50% over it: within 1% in 12 matches, exactly in 38, where the rate capped at the default misses by up to 30%', () => {
    for (const d of [70, 80, 90, 110, 125, 150]) {
      expect(Math.abs(season(12, () => d)), `${d}%, 12 weeks`).toBeLessThan(1);
      expect(Math.abs(season(38, () => d)), `${d}%, 38 weeks`).toBeLessThan(0.05);
    }
    expect(season(38, () => 70, 'no carry, capped at the default')).toBe(-30); // the controller before the carry
    expect(season(12, () => 150, 'no carry, capped at the default')).toBeGreaterThan(8);
    // half the schedule's demand needs more than the ceiling's twice: it comes as close as the ceiling allows
    expect(season(38, () => 50)).toBeGreaterThan(-6);
  });

  it('follows the schedule through matches of random sizes, 20% to 180% of the season’s average (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 70, max: 150 }), // demand at the default rate, % of the weekly release, on average
        fc.array(fc.integer({ min: 20, max: 180 }), { minLength: 38, maxLength: 38 }), // each week's match size around it, %
        (demandPct, sizes) => {
          const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
          const off = season(38, (w) => Math.round((demandPct * sizes[w]) / mean));
          // the worst of 20,000 generated seasons was 27% (small matches first, the biggest last); most are within a few %
          expect(Math.abs(off)).toBeLessThan(35);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('moves every kind toward one target, so a surge of admissions lowers every rate a little and the kinds keep the defaults’ proportions', () => {
    const factors = new Map([
      ['admission', 10_000],
      ['witness', 10_000],
      ['moment', 8_000],
    ]);
    // 300 FAN of admissions and 100 of witnesses at the default; 80 FAN of moments at 80% (100 at the default)
    const emitted = new Map([
      ['admission', 300n * FAN],
      ['witness', 100n * FAN],
      ['moment', 80n * FAN],
    ]);
    const demand = demandAtDefault(emitted, factors);
    expect(demand.get('moment')).toBe(100n * FAN);
    expect(demand.get('coverage')).toBe(0n);
    const target = targetFactor(demand, 450n * FAN)!; // 500 FAN of work at the default against 450
    expect(target).toBe(9_000n);
    expect(stepToward(10_000, target)).toBe(9_000); // admission and witness alike
    expect(stepToward(8_000, target)).toBe(9_000); // moment, below the target, rises to it
    expect(stepToward(10_000, targetFactor(demand, 100n * FAN))).toBe(8_750); // a surge: one step down at most
    expect(targetFactor(demand, undefined)).toBeUndefined();
    expect(targetFactor(demandAtDefault(new Map(), factors), 100n * FAN)).toBeUndefined(); // no work: back toward the default
    // each kind's share of the budget, as the rates page shows it, is its share of the work
    expect(kindBudgets(demand, 500n * FAN).get('admission')).toBe(300n * FAN);
    expect(kindBudgets(demand, 500n * FAN).get('coverage')).toBe(0n);
  });

  it('adds a quarter of the carry to a week’s release, and scales only the rated kinds’ amounts per unit', () => {
    expect(epochBudget({ weekly: 1_450_000n * FAN, carry: 0n })).toBe(1_450_000n * FAN);
    expect(epochBudget({ weekly: 1_450_000n * FAN, carry: 1_450_000n * FAN })).toBe(1_450_000n * FAN + (1_450_000n * FAN) / CARRY_EPOCHS);
    expect(epochBudget({ weekly: 1_450_000n * FAN, carry: -100_000_000n * FAN })).toBe(0n); // overspent far ahead: nothing, not less
    expect(epochBudget(undefined)).toBeUndefined();
    const pools = poolsAt(new Map([['admission', 8_750]]));
    expect(pools.find((p) => p.kind === 'admission')).toMatchObject({ perUnit: (10n * FAN * 8_750n) / 10_000n, accountCap: 10n * FAN, pool: 600_000n * FAN });
    // above the default the caps rise with the rate, so one admission still pays one admission's worth
    expect(poolsAt(new Map([['admission', 15_000]])).find((p) => p.kind === 'admission')).toMatchObject({ perUnit: 15n * FAN, accountCap: 15n * FAN, pool: 900_000n * FAN });
    expect(pools.find((p) => p.kind === 'drop')).toEqual(DEFAULT_POOLS.find((p) => p.kind === 'drop'));
    expect(poolsAt(new Map())).toEqual(DEFAULT_POOLS);
  });
});
