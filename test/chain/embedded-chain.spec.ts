import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { computeAddress } from 'ethers';
import { adminPowersOf, anvilDevKey, ChainService, DEFAULT_CAP, EMBEDDED_ADMIN_INDEX, ROLES } from '@fanmesh/chain';
import { createTempDataDir } from '../support/databases';
import { startApp } from '../support/app';

describe('the embedded chain (npm start defaults)', () => {
  it('deploys the contracts on first boot, finds them again after a restart, and refuses to start when chain and database disagree', async () => {
    const dataDir = createTempDataDir('chain');
    const env = { CHAIN_EMBEDDED: 'on' };
    let api = await startApp('chain', { services: 'embedded', dataDir, env });
    const health = await request(api.url).get('/health').expect(200);
    expect(health.body.details.chain).toMatchObject({ status: 'up', kind: 'embedded', chainId: 31337, contracts: 5 });
    const first = api.app.get(ChainService).deployment!;
    const token = api.app.get(ChainService).contract('FanToken');
    expect(await token.version()).toBe('1.0.0');
    // zero set-up, yet the hot key (anvil #0) administers nothing: the embedded stack's dev admin
    // (anvil #9) deployed, holds the admin role and funded the distributor
    const chain = api.app.get(ChainService);
    const hot = await chain.signer!.getAddress();
    expect(hot).toBe(computeAddress(anvilDevKey(0)));
    expect(await adminPowersOf(first, chain.provider!, hot)).toEqual([]);
    for (const name of Object.keys(first) as (keyof typeof first)[])
      expect(await chain.contract(name).defaultAdmin(), name).toBe(computeAddress(anvilDevKey(EMBEDDED_ADMIN_INDEX)));
    expect(await chain.contract('RewardDistributor').hasRole(ROLES.OPERATOR_ROLE, hot)).toBe(true);
    expect(await chain.contract('RewardDistributor').funded()).toBe(DEFAULT_CAP);
    expect(health.body.details.chain.addresses).toEqual(first);
    await api.close();

    api = await startApp('chain', { services: 'embedded', dataDir, env });
    expect(api.app.get(ChainService).deployment).toEqual(first);
    expect(await api.app.get(ChainService).contract('RewardDistributor').token()).toBe(first.FanToken);
    // A data folder from before PollAttestor existed: the next boot adds it and keeps everything else.
    await api.app.get(DataSource).query(`DELETE FROM chain_contracts WHERE name = 'PollAttestor'`);
    await api.close();
    api = await startApp('chain', { services: 'embedded', dataDir, env });
    const upgraded = api.app.get(ChainService).deployment!;
    expect({ ...upgraded, PollAttestor: first.PollAttestor }).toEqual(first);
    expect(upgraded.PollAttestor).not.toBe(first.PollAttestor);
    expect(await api.app.get(ChainService).contract('PollAttestor').version()).toBe('1.0.0');
    await api.close();

    rmSync(join(dataDir, 'chain', 'anvil.json'));
    await expect(startApp('chain', { services: 'embedded', dataDir, env })).rejects.toThrow(/does not match the database.*anvil\.json/);
  });
});
