import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EconomicsView } from '@fanmesh/protocol';
import { RewardsService } from '@fanmesh/rewards';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { createEvent } from '../support/tickets';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { playMatch, STEWARD, until, wallets } from './support';

const FAN = 10n ** 18n;

/**
 * Season caps (issue 22): with an admission season cap of 15 FAN (10 FAN per event), a fan's
 * first match pays 10, the second 5 (clipped by the season cap) and the third nothing, while a
 * fresh key at the second match is paid what an established fan's first match paid, no more. Two
 * writers for one account at two events at once never take it past the cap. The season report
 * counts what was cut, and reads pay per unit, Gini and the top 1% off the same ledger.
 */
describe('season caps per account and kind', () => {
  let api: RunningApp;
  let admin: string;
  let ds: DataSource;

  const paid = async (eventId: string, account: string, kind = 'admission') =>
    (await ds.query(`SELECT amount::text, clipped FROM reward_entries WHERE event_id = $1 AND account = $2 AND kind = $3`, [eventId, account.toLowerCase(), kind]))[0] as
      { amount: string; clipped: string | null } | undefined;
  const economics = async (season: string) => (await request(api.url).get(`/api/v1/rewards/economics?season=${season}`).expect(200)).body as EconomicsView;

  beforeAll(async () => {
    api = await startApp('season-caps', {
      databaseUrl: await createTestDatabase('season-caps'),
      env: { SEASON_CAPS: 'admission=15,verification=2' },
    });
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    ds = api.app.get(DataSource);
  });
  afterAll(() => api?.close());

  it('pays a season’s fan up to the cap across matches, pays a fresh key no more than an established one, and reports what was cut', async () => {
    const regulars = wallets(3);
    const first = await playMatch(api, admin, regulars, 'Season opener');
    for (const w of regulars) expect(await paid(first, w.address)).toEqual({ amount: (10n * FAN).toString(), clipped: null });

    const fresh = wallets(1);
    const second = await playMatch(api, admin, [...regulars, ...fresh], 'Second home match');
    for (const w of regulars) expect(await paid(second, w.address)).toEqual({ amount: (5n * FAN).toString(), clipped: 'season_cap' });
    expect(await paid(second, fresh[0].address)).toEqual({ amount: (10n * FAN).toString(), clipped: null });
    // the steward verified 7 fans at 0.5 FAN: 2 FAN for the season, then nothing
    const stewardTotal = await ds.query(`SELECT coalesce(sum(amount), 0)::text AS t FROM reward_entries WHERE account = $1 AND kind = 'verification'`, [STEWARD]);
    expect(BigInt(stewardTotal[0].t)).toBe(2n * FAN);

    const third = await playMatch(api, admin, regulars, 'Third home match');
    for (const w of regulars) expect(await paid(third, w.address)).toEqual({ amount: '0', clipped: 'season_cap' });
    const kept = await ds.query(`SELECT account, earned::text FROM reward_season_earned WHERE kind = 'admission' ORDER BY account`);
    expect(kept).toHaveLength(4);
    for (const w of regulars) expect(kept.find((k: { account: string }) => k.account === w.address.toLowerCase()).earned).toBe((15n * FAN).toString());

    const season = (await ds.query(`SELECT DISTINCT season FROM reward_pools WHERE event_id = $1`, [first]))[0].season as string;
    expect(season).toMatch(/^\d{4}-\d{2}$/);
    const report = await until(
      () => economics(season),
      (r) => r.epochs.length >= 1,
    );
    expect(report.season.id).toBe(season);
    expect(report.events.map((e) => e.name)).toEqual(['Season opener', 'Second home match', 'Third home match']);
    const admissions = (eventId: string) => report.events.find((e) => e.eventId === eventId)!.byKind.find((k) => k.kind === 'admission')!;
    expect(admissions(first)).toEqual({ kind: 'admission', units: '3', paid: (30n * FAN).toString(), perUnit: (10n * FAN).toString() });
    expect(admissions(second)).toEqual({ kind: 'admission', units: '4', paid: (25n * FAN).toString(), perUnit: ((25n * FAN) / 4n).toString() });
    expect(admissions(third).perUnit).toBe('0');
    // per unit 10, 6.25, 0 FAN: mean 5.42, population stddev 4.11 → the season caps show as spread
    const adm = report.perUnit.find((k) => k.kind === 'admission')!;
    expect(adm.events).toBe(3);
    expect(adm.cov!).toBeCloseTo(Math.sqrt(((10 - 65 / 12) ** 2 + (6.25 - 65 / 12) ** 2 + (65 / 12) ** 2) / 3) / (65 / 12), 4);
    expect(report.clipped.find((c) => c.kind === 'admission')).toEqual({ kind: 'admission', accountCap: 0, seasonCap: 6, poolExhausted: 0 });
    expect(report.seasonCaps.find((c) => c.kind === 'admission')!.cap).toBe((15n * FAN).toString());
    // 3 regulars at 15 FAN, the fresh key at 10, the steward at 2: rewards no more unequal than the work (13 admissions … 1 … 7 verifications)
    expect(report.gini.accounts).toBe(5);
    expect(report.gini.rewards).toBeLessThanOrEqual(report.gini.contribution + 0.05);
    expect(report.top1Share).toBeCloseTo(15 / 57, 4);
    expect(BigInt(report.emitted)).toBe(57n * FAN);
    // epochs settle one at a time: the opener's waits for approval, holding its 30 admission and 1.5 verification FAN
    expect(report.epochs[0]).toMatchObject({ status: 'pending_approval', emitted: ((63n * FAN) / 2n).toString(), cumulative: null, released: null });
  }, 120_000);

  it('two events paying one account at once never take it past its season cap', async () => {
    const [a, b] = [await createEvent(api.url, admin, DEMO_VENUE_ID, 'Cup tie'), await createEvent(api.url, admin, DEMO_VENUE_ID, 'League match')];
    const fan = wallets(1)[0].address;
    const rewards = api.app.get(RewardsService);
    // each event's admission pays 10 FAN; together they would pay 20 against a season cap of 15
    await Promise.all([
      rewards.record([{ type: 'admission', eventId: a, admissionId: `race-a`, holder: fan, steward: null }]),
      rewards.record([{ type: 'admission', eventId: b, admissionId: `race-b`, holder: fan, steward: null }]),
    ]);
    const total = await ds.query(`SELECT sum(amount)::text AS t, array_agg(clipped) AS c FROM reward_entries WHERE account = $1`, [fan.toLowerCase()]);
    expect(total[0].t).toBe((15n * FAN).toString());
    expect(total[0].c).toContain('season_cap');
  });

  it('refuses a season that is not two consecutive years with a problem, not a 500', async () => {
    const bad = await request(api.url).get('/api/v1/rewards/economics?season=2026-28').expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('bad_season');
    await request(api.url).get('/api/v1/rewards/economics?season=last').expect(400);
    const now = await request(api.url).get('/api/v1/rewards/economics').expect(200);
    expect(now.body.season.id).toMatch(/^\d{4}-\d{2}$/);
  });
});
