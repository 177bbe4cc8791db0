import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainService, proofFromBytes } from '@fanmesh/chain';
import { SETTLEMENT_FAILPOINTS, SettlementFailpoint, SettlementFailpoints } from '@fanmesh/rewards';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createTempDataDir, createTestDatabase } from '../support/databases';
import { ledgerTotals, playMatch, until, wallets } from './support';

class Crash extends Error {}

describe('settlement killed between steps', () => {
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('resumes from the database alone after a crash after the tree and after the root was queued, and ends with exactly the right root', async () => {
    const databaseUrl = await createTestDatabase('rewards-resume');
    const dataDir = createTempDataDir('rewards-resume');
    const boot = async (crashAt?: SettlementFailpoint) => {
      const crashes: string[] = [];
      // Once it has "crashed", this process does nothing more for settlement, as a dead one would not.
      const failpoints: SettlementFailpoints = (at, epochId) => {
        if (at !== crashAt && !crashes.length) return;
        if (at === crashAt) crashes.push(epochId);
        throw new Crash(`crash at ${at}`);
      };
      const providers = crashAt ? [{ provide: SETTLEMENT_FAILPOINTS, useValue: failpoints }] : [];
      const app = await startApp('rewards-resume', { databaseUrl, dataDir, env: { CHAIN_EMBEDDED: 'on' }, providers });
      return { app, crashes };
    };
    const status = async (ds: DataSource, id: string) => (await ds.query(`SELECT status FROM reward_epochs WHERE id = $1`, [id]))[0].status as string;

    // first life: a match, its epoch approved; the process dies right after the tree is stored
    let life = await boot('after-tree');
    api = life.app;
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const eventId = await playMatch(api, admin, wallets(12), 'Crash night');
    const closed = await until(
      () => request(api!.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    const epochId: string = closed.body.id;
    await request(api.url).post(`/api/v1/epochs/${epochId}/approve`).set('authorization', staff).send({}).expect(200);
    let ds = api.app.get(DataSource);
    await until(
      async () => life.crashes.length,
      (n) => n > 0,
    );
    expect(life.crashes[0]).toBe(epochId);
    expect(await status(ds, epochId)).toBe('tree_built');
    const firstRoot = (await ds.query(`SELECT root FROM reward_epochs WHERE id = $1`, [epochId]))[0].root;
    await api.close();

    // second life: resumes, queues the fund check and publishRoot, and dies before recording that it did
    life = await boot('after-root-enqueue');
    api = life.app;
    ds = api.app.get(DataSource);
    await until(
      async () => life.crashes.length,
      (n) => n > 0,
    );
    expect(await status(ds, epochId)).toBe('tree_built');
    expect(await ds.query(`SELECT 1 FROM chain_outbox WHERE idempotency_key = $1`, [`rewards-root:${epochId}`])).toHaveLength(1);
    await api.close();

    // third life: no crash; it re-queues (a no-op: same key), follows the outbox to confirmation
    life = await boot();
    api = life.app;
    ds = api.app.get(DataSource);
    const done = await until(
      () => status(ds, epochId),
      (s) => s === 'published',
      30_000,
    );
    expect(done).toBe('published');

    const totals = await ledgerTotals(ds, epochId);
    const entries = [...totals].map(([a, v]) => [a, v.toString()] as [string, string]);
    const oz = StandardMerkleTree.of(entries, ['address', 'uint256']);
    const [epoch] = await ds.query(`SELECT root, total::text, accounts FROM reward_epochs WHERE id = $1`, [epochId]);
    expect(epoch.root).toBe(oz.root);
    expect(epoch.root).toBe(firstRoot);
    expect(epoch.total).toBe([...totals.values()].reduce((s, v) => s + v, 0n).toString());
    expect(epoch.accounts).toBe(totals.size);
    expect(await api.app.get(ChainService).contract('RewardDistributor').merkleRoot()).toBe(oz.root);
    const [onChainEpoch, onChainTotal] = await api.app.get(ChainService).contract('RewardDistributor').currentEpoch();
    expect([onChainEpoch.toString(), onChainTotal.toString()]).toEqual([epochId, epoch.total]);
    // nothing twice, nobody skipped: one root transaction, one stored proof per account, each the library's
    expect(await ds.query(`SELECT status FROM chain_outbox WHERE kind = 'rewards.publishRoot'`)).toEqual([{ status: 'confirmed' }]);
    const stored: { account: string; cumulative: string; proof: Buffer }[] = await ds.query(
      `SELECT account, cumulative::text, proof FROM reward_epoch_accounts WHERE epoch_id = $1`,
      [epochId],
    );
    expect(stored).toHaveLength(totals.size);
    for (const row of stored) {
      expect(row.cumulative).toBe(totals.get(row.account)!.toString());
      expect(proofFromBytes(row.proof)).toEqual(oz.getProof([row.account, row.cumulative]));
    }
  });
});
