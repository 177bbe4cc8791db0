import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppliedEntry, applyCaps, Candidate, CapState, COVERAGE_RATE, DEFAULT_POOLS, PoolConfig, poolKey, RewardFact, RewardKind, rule } from './reward-rules';

const EVENT = '11111111-1111-4111-8111-111111111111';
const accounts = Array.from({ length: 12 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`);

/** A fresh ledger state for one event's pools. */
function freshState(pools: readonly PoolConfig[]): CapState {
  return {
    remaining: new Map(pools.map((p) => [poolKey(EVENT, p.kind), p.pool])),
    caps: new Map(pools.map((p) => [poolKey(EVENT, p.kind), p.accountCap])),
    earned: new Map(),
    seen: new Set(),
  };
}

const account = fc.constantFrom(...accounts);
const fact: fc.Arbitrary<RewardFact> = fc.oneof(
  fc.record({
    type: fc.constant('admission' as const),
    eventId: fc.constant(EVENT),
    admissionId: fc.integer({ min: 1, max: 40 }).map(String),
    holder: account,
    steward: fc.option(account, { nil: null }),
  }),
  fc.record({
    type: fc.constant('moment' as const),
    eventId: fc.constant(EVENT),
    momentId: fc.integer({ min: 1, max: 6 }).map(String),
    fans: fc.array(account, { maxLength: 12 }),
  }),
  fc.record({ type: fc.constant('witness' as const), eventId: fc.constant(EVENT), witnessId: fc.integer({ min: 1, max: 60 }).map(String), fan: account }),
);
const pools: fc.Arbitrary<PoolConfig[]> = fc
  .tuple(
    ...(['admission', 'verification', 'moment', 'witness', 'coverage'] as RewardKind[]).map((kind) =>
      fc
        .record({ perUnit: fc.bigInt({ min: 0n, max: 1000n }), accountCap: fc.bigInt({ min: 0n, max: 5000n }), pool: fc.bigInt({ min: 0n, max: 20_000n }) })
        .map((p) => ({ kind, ...p })),
    ),
  )
  .map((ps) => ps);

/**
 * Admissions are ticket-unique, so the same admission id always names the same holder: a replay is
 * the same fact, not a new one with another holder. Normalize streams to that.
 */
function normalize(stream: RewardFact[]): RewardFact[] {
  const firstAdmission = new Map<string, RewardFact>();
  const firstMoment = new Map<string, RewardFact>();
  const firstWitness = new Map<string, RewardFact>();
  return stream.map((f) => {
    const [map, id] =
      f.type === 'admission'
        ? [firstAdmission, f.admissionId]
        : f.type === 'moment'
          ? [firstMoment, f.momentId]
          : f.type === 'witness'
            ? [firstWitness, f.witnessId]
            : [new Map(), ''];
    if (!map.has(id)) map.set(id, f);
    return map.get(id)!;
  });
}

function run(stream: RewardFact[], config: PoolConfig[]): { ledger: AppliedEntry[]; candidates: Candidate[] } {
  const byKind = new Map(config.map((p) => [p.kind, p]));
  const state = freshState(config);
  const ledger: AppliedEntry[] = [];
  const candidates: Candidate[] = [];
  for (const f of stream) {
    const c = rule(f, byKind);
    candidates.push(...c);
    ledger.push(...applyCaps(c, state));
  }
  return { ledger, candidates };
}

const sum = (xs: { amount: bigint }[]) => xs.reduce((s, x) => s + x.amount, 0n);

describe('reward rules', () => {
  it('pays an admission to the holder and a verification to the steward, keyed by the admission', () => {
    const byKind = new Map(DEFAULT_POOLS.map((p) => [p.kind, p]));
    const out = rule({ type: 'admission', eventId: EVENT, admissionId: 'a1', holder: accounts[0].toUpperCase().replace('0X', '0x'), steward: accounts[1] }, byKind);
    expect(out.map((c) => [c.account, c.kind, c.key])).toEqual([
      [accounts[0], 'admission', 'admission:a1:admission'],
      [accounts[1], 'verification', 'admission:a1:verification'],
    ]);
    expect(out[0].amount).toBe(byKind.get('admission')!.perUnit);
  });

  it('splits the coverage pool by score share and never pays more than the pool', () => {
    const config = DEFAULT_POOLS.map((p) => (p.kind === 'coverage' ? { ...p, pool: 1000n, accountCap: 1000n } : p));
    const out = rule(
      {
        type: 'coverage',
        eventId: EVENT,
        scores: [
          { owner: accounts[0], hotspot: 'h1', score: 1 },
          { owner: accounts[1], hotspot: 'h2', score: 2 },
          { owner: accounts[0], hotspot: 'h3', score: 0 },
        ],
      },
      new Map(config.map((p) => [p.kind, p])),
    );
    expect(out.map((c) => [c.account, c.amount])).toEqual([
      [accounts[0], 333n],
      [accounts[1], 666n],
    ]);
  });

  it('pays coverage per witnessed point, whatever the pool holds: one witness at a small event earns the rate, not the cap', () => {
    const byKind = new Map(DEFAULT_POOLS.map((p) => [p.kind, p]));
    const rate = byKind.get('coverage')!.perUnit;
    expect(rate).toBe(COVERAGE_RATE);
    // the attack: the only hotspot of a small event, one witness (1,000 points), used to take the whole split (the 5,000 FAN cap)
    const [lone] = rule({ type: 'coverage', eventId: EVENT, scores: [{ owner: accounts[0], hotspot: 'h1', score: 1000 }] }, byKind);
    expect(lone.amount).toBe(1000n * rate);
    expect(lone.amount).toBe(5n * 10n ** 18n);
    // the honest baseline: a busy hotspot is paid the same per point, 60 witnesses sixty times one
    const [busy, quiet] = rule(
      {
        type: 'coverage',
        eventId: EVENT,
        scores: [
          { owner: accounts[0], hotspot: 'h1', score: 60_000 },
          { owner: accounts[1], hotspot: 'h2', score: 1000 },
        ],
      },
      byKind,
    );
    expect([busy.amount, quiet.amount]).toEqual([60_000n * rate, 1000n * rate]);
    // a pool too small for the rate is still split by score, never above it
    const small = new Map(DEFAULT_POOLS.map((p) => [p.kind, p.kind === 'coverage' ? { ...p, pool: 1000n * rate } : p]));
    const split = rule(
      {
        type: 'coverage',
        eventId: EVENT,
        scores: [
          { owner: accounts[0], hotspot: 'h1', score: 3000 },
          { owner: accounts[1], hotspot: 'h2', score: 1000 },
        ],
      },
      small,
    );
    expect(split.map((c) => c.amount)).toEqual([750n * rate, 250n * rate]);
  });

  it('over random event streams: ledger = sum of clipped rule outputs, never above a pool or a cap, and a replay adds nothing', () => {
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 60 }), pools, (raw, config) => {
        const stream = normalize(raw);
        const { ledger, candidates } = run(stream, config);
        // every distinct cause is in the ledger exactly once, with at most what its rule asked for
        const distinct = new Map(candidates.map((c) => [c.key, c]));
        expect(ledger.map((e) => e.key).sort()).toEqual([...distinct.keys()].sort());
        for (const e of ledger) {
          expect(e.amount).toBeGreaterThanOrEqual(0n);
          expect(e.amount).toBeLessThanOrEqual(distinct.get(e.key)!.amount);
          if (e.amount < e.requested) expect(e.clipped).not.toBeNull();
        }
        for (const p of config) {
          const kind = ledger.filter((e) => e.kind === p.kind);
          expect(sum(kind)).toBeLessThanOrEqual(p.pool);
          for (const a of accounts) expect(sum(kind.filter((e) => e.account === a))).toBeLessThanOrEqual(p.accountCap);
          // nothing clipped while there was room: with no clipping the kind paid exactly its rule outputs
          if (kind.every((e) => e.clipped === null)) expect(sum(kind)).toBe(sum(kind.map((e) => ({ amount: e.requested }))));
        }
        // replaying the whole stream (twice, shuffled) on the same ledger adds nothing
        const byKind = new Map(config.map((p) => [p.kind, p]));
        const state = freshState(config);
        const first = stream.flatMap((f) => applyCaps(rule(f, byKind), state));
        const replay = [...stream].reverse().flatMap((f) => applyCaps(rule(f, byKind), state));
        expect(replay).toEqual([]);
        expect(sum(first)).toBe(sum(ledger));
      }),
      { numRuns: 300 },
    );
  });
});

describe('season caps across events', () => {
  const EVENTS = ['e1', 'e2', 'e3', 'e4'];
  const candidate = fc.record({
    eventId: fc.constantFrom(...EVENTS),
    account,
    kind: fc.constantFrom<RewardKind>('admission', 'witness', 'coverage'),
    amount: fc.bigInt({ min: 0n, max: 900n }),
    n: fc.integer({ min: 0, max: 10_000 }),
  });

  // pools are large enough never to run out here (12 accounts × 1,000 per event): what differs is the season cap alone
  it('no account is paid above its season cap of a kind, whatever the events and batches; below the cap the per-event rules pay alone', () => {
    fc.assert(
      fc.property(fc.array(fc.array(candidate, { maxLength: 30 }), { maxLength: 12 }), fc.bigInt({ min: 0n, max: 3000n }), (batches, seasonCap) => {
        const state: CapState = {
          remaining: new Map(EVENTS.flatMap((e) => ['admission', 'witness', 'coverage'].map((k) => [poolKey(e, k), 50_000n] as const))),
          caps: new Map(EVENTS.flatMap((e) => ['admission', 'witness', 'coverage'].map((k) => [poolKey(e, k), 1_000n] as const))),
          earned: new Map(),
          seen: new Set(),
          seasonOf: new Map(EVENTS.map((e) => [e, '2026-27'])),
          seasonEarned: new Map(),
          seasonCaps: { admission: seasonCap, witness: seasonCap, coverage: seasonCap },
        };
        // the same stream without a season cap: what the per-event rules alone pay
        const loose: CapState = { ...state, remaining: new Map(state.remaining), earned: new Map(), seen: new Set(), seasonOf: undefined, seasonEarned: undefined };
        const paid = new Map<string, bigint>();
        let k = 0;
        for (const batch of batches) {
          const cs: Candidate[] = batch.map((c) => ({ eventId: c.eventId, account: c.account, kind: c.kind, amount: c.amount, units: 1n, cause: `c${k}`, key: `k${k++}` }));
          const capped = applyCaps(cs, state);
          const free = applyCaps(cs, loose);
          for (let i = 0; i < capped.length; i++) {
            const key = `${capped[i].kind}|${capped[i].account}`;
            const before = paid.get(key) ?? 0n;
            paid.set(key, before + capped[i].amount);
            // the season cap only ever takes away, and only what would pass it
            expect(capped[i].amount).toBeLessThanOrEqual(free[i].amount);
            if (capped[i].clipped === 'season_cap') expect(before + capped[i].amount).toBe(seasonCap);
            else if (before + free[i].amount <= seasonCap && capped[i].clipped !== 'pool_exhausted') expect(capped[i].amount).toBe(free[i].amount);
          }
        }
        for (const v of paid.values()) expect(v).toBeLessThanOrEqual(seasonCap);
      }),
    );
  });

  it('a fresh account is paid no more than an established one for the same work: the rules never look at an account’s age', () => {
    const config = new Map(DEFAULT_POOLS.map((p) => [p.kind, p] as const));
    fc.assert(
      fc.property(fact, account, account, (f, a, b) => {
        const swap = (x: RewardFact, to: string): RewardFact =>
          x.type === 'admission' ? { ...x, holder: to } : x.type === 'witness' ? { ...x, fan: to } : x.type === 'moment' ? { ...x, fans: [to] } : x;
        const pay = (x: RewardFact) =>
          rule(x, config)
            .filter((c) => c.kind !== 'verification')
            .map((c) => c.amount);
        expect(pay(swap(f, a))).toEqual(pay(swap(f, b)));
      }),
    );
  });
});

describe('sensing: the sensors that heard a confirmed moment', () => {
  const pools = new Map(DEFAULT_POOLS.map((p) => [p.kind, p] as const));
  const owner = accounts[0];
  it('pays each sensor once per moment, to its owner, at the default rate times its trust weight (floored to a thousandth)', () => {
    const out = rule(
      {
        type: 'sensing',
        eventId: EVENT,
        momentId: 'm1',
        sensors: [
          { device: '0xAA', owner: owner.toUpperCase().replace('0X', '0x'), weight: 1 },
          { device: '0xbb', owner, weight: 0.25 },
          { device: '0xaa', owner, weight: 1 },
          { device: '0xcc', owner: accounts[1], weight: 0.3337 },
        ],
      },
      pools,
    );
    expect(out.map((c) => [c.account, c.amount, c.key])).toEqual([
      [owner, 10n ** 18n, 'moment:m1:sensing:0xaa'],
      [owner, 10n ** 18n / 4n, 'moment:m1:sensing:0xbb'],
      [accounts[1], (10n ** 18n * 333n) / 1000n, 'moment:m1:sensing:0xcc'],
    ]);
    expect(out.every((c) => c.kind === 'sensing' && c.units === 1n)).toBe(true);
  });
});
