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
 * Steady per-unit rewards (issue 22): on a schedule that releases 20 FAN a week, a match whose work
 * emits 105 FAN (100 for admissions, 5 for the steward) makes the next matches pay 12.5% less per
 * unit of every kind, not the 80% less the budget alone would ask: a surge moves the rates by at most
 * one step. What the surge match promised is paid in full.
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
      env: { CHAIN_EMBEDDED: 'on', EMISSION_WEEKLY_FAN: '20', EMISSION_DECAY_BPS: '0', EMISSION_SEASON_WEEKS: '52' },
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
    // 105 FAN of work against a budget of 20 FAN less a quarter of the 85 FAN overspent: one step down, every kind alike
    expect(factor('admission')).toBe(8_750);
    expect(factor('verification')).toBe(8_750);
    expect(factor('moment')).toBe(8_750); // no moments this match: its rate keeps the defaults' proportion to the others
    const step = after.steps.find((s) => s.kind === 'admission')!;
    // the budget is the week's release plus a quarter of the carry (released 20 FAN less the epoch's total), here nothing
    const total = BigInt((await ds.query(`SELECT sum(epoch_total)::text AS t FROM reward_epochs`))[0].t);
    expect(total).toBeGreaterThanOrEqual(105n * FAN);
    expect(20n * FAN + (20n * FAN - total) / 4n).toBeLessThanOrEqual(0n);
    expect(step).toMatchObject({ factorBefore: 10_000, factorAfter: 8_750, emitted: (100n * FAN).toString(), budget: '0' });
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
    expect(factor('moment')).toBe(11_250); // every kind alike, moments too

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
