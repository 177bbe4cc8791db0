import { Contract, InterfaceAbi, parseUnits } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, ChainService, EMISSION_WEEK_SECONDS, emissionAllowanceAt } from '@fanmesh/chain';
import type { EconomicsView } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { playMatch, until, wallets } from './support';

/**
 * The emission schedule set at deploy from EMISSION_* (here 5 FAN a week, no decay): an approved
 * epoch whose cumulative total the schedule has not released yet waits in `tree_built`, saying from
 * which week it will be covered, and publishes once that week begins — it never reverts on chain and
 * fails. (The contract's own refusal of a root above the allowance is in contracts/test.)
 */
describe('an epoch above the emission schedule waits for it', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let ds: DataSource;
  let distributor: Contract;

  beforeAll(async () => {
    api = await startApp('emission', {
      databaseUrl: await createTestDatabase('emission'),
      env: { CHAIN_EMBEDDED: 'on', EMISSION_WEEKLY_FAN: '5', EMISSION_DECAY_BPS: '0', EMISSION_SEASON_WEEKS: '52' },
    });
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    ds = api.app.get(DataSource);
    const chain = api.app.get(ChainService);
    distributor = new Contract(chain.deployment!.RewardDistributor, ARTIFACTS.RewardDistributor.abi as unknown as InterfaceAbi, chain.provider);
  });
  afterAll(() => api?.close());

  it('deploys the configured schedule, holds the epoch with the date it is covered, and publishes it then', async () => {
    const [start, weekly, decayBps, seasonWeeks, before] = await distributor.emissionSchedule();
    expect([weekly, decayBps, seasonWeeks]).toEqual([parseUnits('5', 18), 0n, 52n]);

    const eventId = await playMatch(api, admin, wallets(3), 'Slow season');
    const epochId = await until(
      async () => (await ds.query(`SELECT id::text FROM reward_epochs WHERE event_id = $1`, [eventId]))[0]?.id as string | undefined,
      (v) => !!v,
    );
    await request(api.url).post(`/api/v1/epochs/${epochId}/approve`).set('authorization', staff).send({}).expect(200);
    const manifest = async () => (await request(api.url).get(`/api/v1/epochs/${epochId}/manifest`).set('authorization', staff).expect(200)).body;
    const held = await until(manifest, (e) => /^Waiting for the emission schedule/.test(e.lastError ?? ''), 30_000);
    expect(held.status).toBe('tree_built');
    const total = BigInt(held.total);
    expect(total).toBeGreaterThan(parseUnits('5', 18)); // the premise: more than the first week releases

    // the date named is the first week start whose cumulative release covers the total
    const schedule = { start, weekly, decayBps: Number(decayBps), seasonWeeks: Number(seasonWeeks) };
    const weeks = (total + weekly - 1n) / weekly; // weeks begun that release it
    const coveredAt = start + (weeks - 1n) * EMISSION_WEEK_SECONDS;
    expect(emissionAllowanceAt(schedule, coveredAt, before)).toBeGreaterThanOrEqual(total);
    expect(emissionAllowanceAt(schedule, coveredAt - 1n, before)).toBeLessThan(total);
    expect(held.lastError).toContain(`releases enough on ${new Date(Number(coveredAt) * 1000).toISOString()}`);
    expect(await ds.query(`SELECT kind FROM chain_outbox WHERE kind = 'rewards.publishRoot'`)).toEqual([]); // nothing sent to revert

    // the chain's clock reaches the week before: still held; then the week itself: published
    const provider = api.app.get(ChainService).provider!;
    const now = BigInt((await provider.getBlock('latest'))!.timestamp);
    await provider.send('evm_setNextBlockTimestamp', [Number(coveredAt - 10n > now ? coveredAt - 10n : now + 1n)]);
    await provider.send('evm_mine', []);
    await new Promise((r) => setTimeout(r, 2500)); // two settlement passes
    expect((await manifest()).status).toBe('tree_built');
    await provider.send('evm_setNextBlockTimestamp', [Number(coveredAt + 1n)]);
    await provider.send('evm_mine', []);
    const done = await until(manifest, (e) => e.status === 'published', 30_000);
    expect(done).toMatchObject({ status: 'published', lastError: null });
    expect([...(await distributor.currentEpoch())]).toEqual([BigInt(epochId!), total]);

    // the season report counts the release by the chain's clock, which has run weeks ahead of the
    // wall's: the epoch at its publishRoot's block time (by the wall's it would be the first week's 5 FAN)
    const [{ tx }] = await ds.query(`SELECT tx_hash AS tx FROM reward_epochs WHERE id = $1`, [epochId]);
    const receipt = await provider.getTransactionReceipt(tx);
    const publishedAt = BigInt((await provider.getBlock(receipt!.blockNumber))!.timestamp);
    const [{ season }] = await ds.query(`SELECT season FROM reward_pools WHERE event_id = $1 LIMIT 1`, [eventId]);
    const report = (await request(api.url).get('/api/v1/rewards/economics').query({ season }).expect(200)).body as EconomicsView;
    const line = report.epochs.find((e) => e.epochId === epochId)!;
    expect(BigInt(line.released!)).toBe(emissionAllowanceAt(schedule, publishedAt, before));
    expect(BigInt(line.released!)).toBeGreaterThanOrEqual(total);
    // the event's season is its start's (the test's events start years ahead), not begun by the chain's clock either
    expect(report.released).toBe('0');
  }, 120_000);
});
