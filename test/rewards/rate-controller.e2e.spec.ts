import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RewardRatesView } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { createEvent } from '../support/tickets';
import { playMatch, until, wallets } from './support';

const FAN = 10n ** 18n;

/**
 * Steady per-unit rewards (issue 22): on a schedule that releases 100 FAN a week, a match whose
 * admissions emit 100 FAN (against the admission share of the week, 41.38 FAN) makes the next
 * matches pay 12.5% less per admission, not the 59% less the budget alone would ask: a surge moves
 * the rate by at most one step. What the surge match promised is paid in full.
 */
describe('the reward rate controller on the embedded chain', () => {
  let api: RunningApp;
  let admin: string;
  let ds: DataSource;

  const rates = async () => (await request(api.url).get('/api/v1/rewards/rates').expect(200)).body as RewardRatesView;
  const earned = async (eventId: string, account: string) =>
    BigInt(
      (
        await ds.query(`SELECT coalesce(sum(amount), 0)::text AS t FROM reward_entries WHERE event_id = $1 AND account = $2 AND kind = 'admission'`, [
          eventId,
          account.toLowerCase(),
        ])
      )[0].t,
    );

  beforeAll(async () => {
    api = await startApp('rate-controller', {
      databaseUrl: await createTestDatabase('rate-controller'),
      env: { CHAIN_EMBEDDED: 'on', EMISSION_WEEKLY_FAN: '100', EMISSION_DECAY_BPS: '0', EMISSION_SEASON_WEEKS: '52' },
    });
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    ds = api.app.get(DataSource);
  });
  afterAll(() => api?.close());

  it('starts at the default rates, steps a surge’s kinds down by one step when its epoch closes, and the next match pays the new rate', async () => {
    const before = await rates();
    expect(before.rates.map((r) => [r.kind, r.factorBps])).toEqual([
      ['admission', 10_000],
      ['verification', 10_000],
      ['moment', 10_000],
      ['witness', 10_000],
      ['coverage', 10_000],
      ['sensing', 10_000],
    ]);
    expect(before.rates.find((r) => r.kind === 'admission')!.perUnit).toBe((10n * FAN).toString());

    const surge = wallets(10);
    const surgeEvent = await playMatch(api, admin, surge, 'Surge derby');
    for (const w of surge) expect(await earned(surgeEvent, w.address)).toBe(10n * FAN); // what was promised is paid
    const after = await until(rates, (r) => r.steps.length >= 6, 30_000);
    const factor = (kind: string) => after.rates.find((r) => r.kind === kind)!.factorBps;
    // admissions emitted 100 FAN against 100 × 600,000 / 1,450,000 = 41.38 FAN: one step down, not to 41%
    expect(factor('admission')).toBe(8_750);
    expect(factor('verification')).toBe(8_750); // the steward's 5 FAN against its 3.45 FAN share
    expect(factor('moment')).toBe(10_000); // nothing emitted to learn the demand from: stays at the default
    const step = after.steps.find((s) => s.kind === 'admission')!;
    // the budget is the week's release plus a quarter of the carry: released 100 FAN less the epoch's total
    const total = BigInt((await ds.query(`SELECT sum(epoch_total)::text AS t FROM reward_epochs`))[0].t);
    expect(total).toBeGreaterThanOrEqual(105n * FAN);
    const budget = ((100n * FAN + (100n * FAN - total) / 4n) * 600_000n) / 1_450_000n;
    expect(step).toMatchObject({ factorBefore: 10_000, factorAfter: 8_750, emitted: (100n * FAN).toString(), budget: budget.toString() });
    expect(after.rates.find((r) => r.kind === 'admission')!.perUnit).toBe(((10n * FAN * 8_750n) / 10_000n).toString());

    // the next match's pools are made at the new rate, and its fans are paid it
    const next = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Quiet evening');
    const pools = (await request(api.url).get(`/api/v1/events/${next}/reward-pools`).expect(200)).body.pools as { kind: string; perUnit: string }[];
    expect(pools.find((p) => p.kind === 'admission')!.perUnit).toBe(((10n * FAN * 8_750n) / 10_000n).toString());
    expect(pools.find((p) => p.kind === 'drop')!.perUnit).toBe('0');
    await request(api.url).post(`/api/v1/events/${next}/transitions`).set('authorization', admin).send({ to: 'cancelled' }).expect(200);
    const quiet = wallets(2);
    const quietEvent = await playMatch(api, admin, quiet, 'Quiet match');
    for (const w of quiet) expect(await earned(quietEvent, w.address)).toBe((10n * FAN * 8_750n) / 10_000n);
  }, 120_000);
});

/**
 * The other way (issue 22: emission follows the schedule): on a schedule that releases 10,000 FAN a
 * week, a two-fan match leaves almost all of it unspent, so the rates step up past the default, by
 * one step, and the next match's pools pay it with the account cap raised alike (one admission still
 * pays one admission's worth, not a cap sized for the default).
 */
describe('the reward rate controller under a schedule the work leaves unspent', () => {
  let api: RunningApp;
  let admin: string;
  afterAll(() => api?.close());

  it('raises a kind’s rate above the default by one step, and the next match pays it in full', async () => {
    api = await startApp('rate-ceiling', {
      databaseUrl: await createTestDatabase('rate-ceiling'),
      env: { CHAIN_EMBEDDED: 'on', EMISSION_WEEKLY_FAN: '10000', EMISSION_DECAY_BPS: '0', EMISSION_SEASON_WEEKS: '52' },
    });
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const ds = api.app.get(DataSource);
    const rates = async () => (await request(api.url).get('/api/v1/rewards/rates').expect(200)).body as RewardRatesView;

    await playMatch(api, admin, wallets(2), 'Quiet opener');
    const after = await until(rates, (r) => r.steps.length >= 6, 30_000);
    expect(after).toMatchObject({ floorBps: 2_500, ceilingBps: 20_000 });
    const factor = (kind: string) => after.rates.find((r) => r.kind === kind)!.factorBps;
    expect(factor('admission')).toBe(11_250); // 20 FAN against a budget of thousands: one step up, not to the ceiling
    expect(factor('moment')).toBe(10_000); // nothing emitted to learn the demand from: stays

    const fans = wallets(2);
    const next = await playMatch(api, admin, fans, 'Second match');
    const pools = (await request(api.url).get(`/api/v1/events/${next}/reward-pools`).expect(200)).body.pools as { kind: string; perUnit: string; accountCap: string }[];
    expect(pools.find((p) => p.kind === 'admission')).toMatchObject({
      perUnit: ((10n * FAN * 11_250n) / 10_000n).toString(),
      accountCap: ((10n * FAN * 11_250n) / 10_000n).toString(),
    });
    for (const w of fans) {
      const [{ t }] = await ds.query(`SELECT coalesce(sum(amount), 0)::text AS t FROM reward_entries WHERE event_id = $1 AND account = $2 AND kind = 'admission'`, [
        next,
        w.address.toLowerCase(),
      ]);
      expect(BigInt(t)).toBe((10n * FAN * 11_250n) / 10_000n);
    }
  }, 120_000);
});
