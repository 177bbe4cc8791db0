import { Contract, id, InterfaceAbi, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RewardDistributor } from '../artifacts';
import { deployAll, EMISSION_WEEK_SECONDS } from '@fanmesh/chain';
import { deployFixture, Fixture, mined, proofOf, rewardTree, sum } from './fixture';

/**
 * The gas of publishing roots and claiming, printed for the notes (the 100,000-leaf figures are
 * bench/gas.ts's): publishRoot pays for the emission schedule's bound (1.2.0), claims must not.
 * The ceilings below are the measured figures plus a margin, so a change that makes either path
 * noticeably dearer fails here rather than going unnoticed.
 */
let f: Fixture;
beforeAll(async () => {
  f = await deployFixture({ cap: 10n ** 27n, fund: 10n ** 27n });
});
afterAll(() => f?.stop());

const fans = Array.from({ length: 64 }, () => Wallet.createRandom().address);
const balances = (epoch: number) => fans.map((a, i) => [a, BigInt(i + 1) * 10n ** 18n * BigInt(epoch)] as const);

describe('RewardDistributor gas', () => {
  it('prints publishRoot and claim gas', async () => {
    const gas: Record<string, bigint> = {};
    const e1 = rewardTree(balances(1));
    gas['publishRoot, first epoch'] = (await mined(f.distributor.publishRoot(1, e1.root, sum(balances(1)), id('file 1')))).gasUsed;
    gas['claim, first'] = (await mined(f.distributor.claim(fans[0], balances(1)[0][1], proofOf(e1, fans[0])))).gasUsed;
    const e2 = rewardTree(balances(2));
    gas['publishRoot, later epoch'] = (await mined(f.distributor.publishRoot(2, e2.root, sum(balances(2)), id('file 2')))).gasUsed;
    gas['claim, repeat'] = (await mined(f.distributor.claim(fans[0], balances(2)[0][1], proofOf(e2, fans[0])))).gasUsed;
    console.log(`RewardDistributor ${await f.distributor.version()} gas (64-leaf tree, 6-hash proofs):`);
    for (const [what, used] of Object.entries(gas)) console.log(`  ${what.padEnd(26)} ${used.toLocaleString('en-US')}`);
    expect(gas['publishRoot, later epoch']).toBeLessThan(60_000n);
    expect(gas['claim, repeat']).toBeLessThan(50_000n);
  });

  it('prints what a decaying schedule adds per elapsed season', async () => {
    const now = await f.now();
    const gas: Record<string, bigint> = {};
    for (const seasons of [0n, 1n, 40n, 200n]) {
      // 13-week seasons, 5 % decay, started `seasons` seasons ago (40: ten years; 200: fifty)
      const start = now - seasons * 13n * EMISSION_WEEK_SECONDS;
      const d = await deployAll(f.admin, { cap: 10n ** 27n, fund: 10n ** 27n, emission: { start, weekly: 10n ** 24n, decayBps: 500, seasonWeeks: 13 } });
      const distributor = new Contract(d.RewardDistributor, RewardDistributor.abi as InterfaceAbi, f.admin);
      await mined(distributor.publishRoot(1, id('root 1'), 1n, id('file 1')));
      gas[`${seasons} seasons elapsed`] = (await mined(distributor.publishRoot(2, id('root 2'), 2n, id('file 2')))).gasUsed;
    }
    console.log('publishRoot (later epoch) with a decaying schedule (13-week seasons, 5 % a season):');
    for (const [what, used] of Object.entries(gas)) console.log(`  ${what.padEnd(26)} ${used.toLocaleString('en-US')}`);
    expect(gas['40 seasons elapsed']).toBeLessThan(gas['0 seasons elapsed'] + 10_000n);
  });
});
