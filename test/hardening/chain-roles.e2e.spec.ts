import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Contract, InterfaceAbi, JsonRpcProvider, parseEther, parseUnits, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPowersOf, Anvil, anvilDevKey, ARTIFACTS, ChainService, ROLES, startAnvil, receiptOf } from '@fanmesh/chain';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { playMatch, until, wallets } from '../rewards/support';

/**
 * Chain roles on a real chain (a test-owned anvil reached through CHAIN_RPC_URL): the API's hot key
 * (CHAIN_PRIVATE_KEY) deploys but administers nothing; ADMIN_ADDRESS administers and funds; the
 * production boot refuses a hot key that holds an admin role; settlement waits for the admin's
 * funding (done here with `npm run chain -- fund`), and a failed epoch is retried exactly once.
 */

const provider = (anvil: Anvil) => new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });

/** Fresh keys of our own (production refuses the public dev keys), given gas by an anvil account. */
async function keysOn(anvil: Anvil): Promise<{ hot: Wallet; admin: Wallet }> {
  const p = provider(anvil);
  const faucet = new Wallet(anvilDevKey(1), p);
  const hot = Wallet.createRandom().connect(p);
  const admin = Wallet.createRandom().connect(p);
  for (const to of [hot.address, admin.address]) await receiptOf(await faucet.sendTransaction({ to, value: parseEther('10') }));
  return { hot: new Wallet(hot.privateKey, p), admin: new Wallet(admin.privateKey, p) };
}

const contractOf = (api: RunningApp, name: keyof typeof ARTIFACTS, runner: Wallet) =>
  new Contract(api.app.get(ChainService).deployment![name], ARTIFACTS[name].abi as unknown as InterfaceAbi, runner);

/** Runs scripts/chain-admin.mjs (what `npm run chain --` runs) with only the given environment. */
function chainCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/chain-admin.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A JSON-RPC node that estimates gas against the latest block (as some do; anvil defaults to the
 * pending one): a transaction that depends on one not yet mined reverts at estimate.
 */
async function latestEstimatingNode(upstream: string): Promise<{ url: string; close(): void }> {
  const rewrite = (call: { method?: string; params?: unknown[] }) =>
    call.method === 'eth_estimateGas' && call.params?.length === 1 ? { ...call, params: [...call.params, 'latest'] } : call;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body);
      void fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.isArray(parsed) ? parsed.map(rewrite) : rewrite(parsed)) })
        .then(async (up) => {
          res.writeHead(up.status, { 'content-type': 'application/json' });
          res.end(await up.text());
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('chain roles in production', () => {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(() => anvil?.stop());

  it('deploys with ADMIN_ADDRESS as the only admin and the hot key as operator, and refuses to start once the hot key holds an admin role', async () => {
    const { hot, admin } = await keysOn(anvil);
    const databaseUrl = await createTestDatabase('chain-roles-prod');
    const env = {
      NODE_ENV: 'production',
      CHAIN_RPC_URL: anvil.rpcUrl,
      CHAIN_ID: String(anvil.chainId),
      CHAIN_PRIVATE_KEY: hot.privateKey,
      ADMIN_ADDRESS: admin.address,
      TICKET_ISSUER_KEY: Wallet.createRandom().privateKey,
      AUTH_SECRET: randomBytes(48).toString('base64'),
      FEED_SECRET: randomBytes(48).toString('base64'),
      PUBLIC_ORIGIN: 'http://127.0.0.1:3000',
    };
    const api = await startApp('chain-roles-prod', { databaseUrl, env });
    let deployment;
    try {
      deployment = api.app.get(ChainService).deployment!;
      const p = api.app.get(ChainService).provider!;
      for (const name of Object.keys(deployment) as (keyof typeof deployment)[]) {
        const c = contractOf(api, name, admin);
        expect(await c.defaultAdmin(), name).toBe(admin.address);
        expect(await c.hasRole(ROLES.DEFAULT_ADMIN_ROLE, hot.address), name).toBe(false);
      }
      expect(await adminPowersOf(deployment, p, hot.address)).toEqual([]);
      // the hot key got what the API needs day to day, and nothing to mint or fund with
      expect(await contractOf(api, 'RewardDistributor', hot).hasRole(ROLES.OPERATOR_ROLE, hot.address)).toBe(true);
      expect(await contractOf(api, 'MomentAttestor', hot).hasRole(ROLES.ATTESTER_ROLE, hot.address)).toBe(true);
      expect(await contractOf(api, 'PollAttestor', hot).hasRole(ROLES.ATTESTER_ROLE, hot.address)).toBe(true);
      expect(await contractOf(api, 'DeviceRegistry', hot).hasRole(ROLES.OPERATOR_ROLE, hot.address)).toBe(true);
      expect(await contractOf(api, 'FanToken', hot).hasRole(ROLES.MINTER_ROLE, hot.address)).toBe(false);
      expect(await contractOf(api, 'RewardDistributor', hot).funded()).toBe(0n); // not the whole cap: the admin funds what is approved

      // the admin hands the distributor to the hot key: two steps, two days apart
      const distributor = contractOf(api, 'RewardDistributor', admin);
      await receiptOf(await distributor.beginDefaultAdminTransfer(hot.address));
      await p.send('evm_increaseTime', [2 * 86_400 + 1]);
      await p.send('evm_mine', []);
      await receiptOf(await (distributor.connect(hot) as Contract).acceptDefaultAdminTransfer());
    } finally {
      await api.close();
    }
    const refused = await startApp('chain-roles-prod', { databaseUrl, env }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(refused).toMatch(new RegExp(`refusing to start in production: .*${hot.address}.* holds DEFAULT_ADMIN_ROLE on RewardDistributor \\(${deployment.RewardDistributor}\\)`));
    // what to do: the message names the command that prints the hand-back, for the hot key to sign
    const command = /`npm run chain -- (transfer-admin [^`]+)`/.exec(refused)![1];
    expect(command).toBe(`transfer-admin --to ${admin.address.toLowerCase()} --rpc <CHAIN_RPC_URL> --deployment '{"RewardDistributor":"${deployment.RewardDistributor}"}'`);
    const args = ['transfer-admin', '--to', admin.address, '--rpc', anvil.rpcUrl, '--deployment', JSON.stringify({ RewardDistributor: deployment.RewardDistributor })];
    const printed = await chainCli(args);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(`RewardDistributor.beginDefaultAdminTransfer(${admin.address})  from ${hot.address}`);
    // the CLI itself never signs with the hot key
    expect((await chainCli([...args, '--send'], { CHAIN_ADMIN_KEY: hot.privateKey })).stderr).toMatch(/the API's hot key/);

    // the hot key signs the printed step one (here with the key itself, as its holder would elsewhere);
    // after the delay ADMIN_ADDRESS accepts with `npm run chain -- accept-admin`, and production starts
    const batch = JSON.parse((await chainCli([...args, '--json'])).stdout);
    await receiptOf(await hot.sendTransaction({ to: batch.transactions[0].to, data: batch.transactions[0].data }));
    const accept = ['accept-admin', '--rpc', anvil.rpcUrl, '--deployment', JSON.stringify({ RewardDistributor: deployment.RewardDistributor }), '--send'];
    const early = await chainCli(accept, { CHAIN_ADMIN_KEY: admin.privateKey });
    expect([early.code, early.stderr]).toEqual([2, expect.stringMatching(/can be accepted only after .*; run this again then/)]);
    const p = provider(anvil);
    await p.send('evm_increaseTime', [2 * 86_400 + 1]);
    await p.send('evm_mine', []);
    p.destroy();
    const accepted = await chainCli(accept, { CHAIN_ADMIN_KEY: admin.privateKey });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stderr).toMatch(/mined in block/);
    const again = await startApp('chain-roles-prod', { databaseUrl, env });
    await again.close();
  });
});

describe('funding and settlement on a real chain whose node estimates at the latest block', () => {
  let anvil: Anvil;
  let node: { url: string; close(): void };
  let api: RunningApp;
  let ds: DataSource;
  let hot: Wallet;
  let admin: Wallet;
  let staff: string;
  let adminAuth: string;
  const cli = (args: string[], env: Record<string, string> = {}) => chainCli([...args, '--api', api.url, '--rpc', anvil.rpcUrl], env);
  const epochOf = async (id: string) => (await request(api.url).get(`/api/v1/epochs/${id}/manifest`).set('authorization', staff).expect(200)).body;
  const closeAndApprove = async (eventId: string): Promise<string> => {
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    await request(api.url).post(`/api/v1/epochs/${closed.body.id}/approve`).set('authorization', staff).send({}).expect(200);
    return closed.body.id;
  };
  /** The epoch once it waits for funding, and the FAN amount its message asks the admin for. */
  const waitingForFunding = async (id: string) => {
    const epoch = await until(
      () => epochOf(id),
      (e) => /^Waiting for funding/.test(e.lastError ?? ''),
    );
    expect(epoch.status).toBe('tree_built');
    return { epoch, amount: /npm run chain -- fund --amount ([0-9.]+)/.exec(epoch.lastError)![1] };
  };

  beforeAll(async () => {
    anvil = await startAnvil({ blockTime: 1 }); // a block a second, as a real chain: nothing is mined at once
    node = await latestEstimatingNode(anvil.rpcUrl);
    ({ hot, admin } = await keysOn(anvil));
    api = await startApp('chain-roles', {
      databaseUrl: await createTestDatabase('chain-roles'),
      env: { CHAIN_RPC_URL: node.url, CHAIN_ID: String(anvil.chainId), CHAIN_PRIVATE_KEY: hot.privateKey, ADMIN_ADDRESS: admin.address },
    });
    ds = api.app.get(DataSource);
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    adminAuth = `Bearer ${await api.tokenFor(adminPrincipal)}`;
  });
  afterAll(async () => {
    await api?.close();
    node?.close();
    await anvil?.stop();
  });

  it('waits for the admin to fund an approved epoch, funds it through `npm run chain -- fund`, and publishes without failing', async () => {
    const epochId = await closeAndApprove(await playMatch(api, adminAuth, wallets(3), 'Funding night'));
    const { epoch, amount } = await waitingForFunding(epochId);
    expect(epoch.lastError).toContain(admin.address);
    expect(BigInt(parseUnits(amount, 18))).toBe(BigInt(epoch.total));
    // the API funded nothing and queued no root: funding is the admin's
    expect(await ds.query(`SELECT kind FROM chain_outbox WHERE kind LIKE 'rewards.%'`)).toEqual([]);

    // printed for the multisig: the unsigned fund() call, from the admin
    const printed = await cli(['fund', '--amount', amount, '--json']);
    expect(printed.code, printed.stderr).toBe(0);
    const batch = JSON.parse(printed.stdout);
    const d = contractOf(api, 'RewardDistributor', admin);
    expect(batch).toMatchObject({
      chainId: String(anvil.chainId),
      transactions: [{ to: d.target, value: '0', data: d.interface.encodeFunctionData('fund', [parseUnits(amount, 18)]) }],
    });
    expect(printed.stderr).toMatch(/Not sent\. Sign these with the admin/);
    const human = await cli(['fund', '--amount', amount]);
    expect(human.stdout).toContain(`RewardDistributor.fund(${parseUnits(amount, 18)})  from ${admin.address}`);
    // refusals that say what to do
    expect((await cli(['fund', '--amount', amount, '--send'])).stderr).toMatch(/--send needs CHAIN_ADMIN_KEY/);
    const withHotKey = await cli(['fund', '--amount', amount, '--send'], { CHAIN_ADMIN_KEY: hot.privateKey });
    expect([withHotKey.code, withHotKey.stderr]).toEqual([2, expect.stringMatching(/the API's hot key .* must never act as admin/)]);
    expect((await cli(['fund', '--amount', '2000000000'])).stderr).toMatch(/past the token's cap/);
    expect(await d.funded()).toBe(0n);

    const sent = await cli(['fund', '--amount', amount, '--send'], { CHAIN_ADMIN_KEY: admin.privateKey });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toMatch(/sent 0x[0-9a-f]{64}; waiting for its receipt[\s\S]*mined in block \d+[\s\S]*funded is now/);
    const done = await until(
      () => epochOf(epochId),
      (e) => e.status !== 'tree_built' && e.status !== 'publishing',
      30_000,
    );
    expect(done).toMatchObject({ status: 'published', lastError: null });
    expect(await ds.query(`SELECT status FROM chain_outbox WHERE kind = 'rewards.publishRoot'`)).toEqual([{ status: 'confirmed' }]);
    expect([...(await d.currentEpoch())]).toEqual([BigInt(epochId), BigInt(done.total)]);
    const status = await cli(['status']);
    expect(status.stdout).toMatch(new RegExp(`RewardDistributor +${d.target} +v1\\.2\\.0 +admin ${admin.address}`));
  });

  it('lets staff retry a failed epoch: it publishes once, and retrying again changes nothing', async () => {
    const epochId = await closeAndApprove(await playMatch(api, adminAuth, wallets(2), 'Retry night'));
    const { amount } = await waitingForFunding(epochId);
    // the root cannot be published while the hot key lacks OPERATOR_ROLE: the epoch fails
    const d = contractOf(api, 'RewardDistributor', admin);
    await receiptOf(await d.revokeRole(ROLES.OPERATOR_ROLE, hot.address));
    expect((await cli(['fund', '--amount', amount, '--send'], { CHAIN_ADMIN_KEY: admin.privateKey })).code).toBe(0);
    const failed = await until(
      () => epochOf(epochId),
      (e) => e.status === 'failed',
      30_000,
    );
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/revert|AccessControl|custom error/i);
    const fan = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000c3', kind: 'account', roles: ['fan'] })}`;
    await request(api.url).post(`/api/v1/epochs/${epochId}/retry`).set('authorization', fan).send({}).expect(403);

    await receiptOf(await d.grantRole(ROLES.OPERATOR_ROLE, hot.address));
    const retried = await request(api.url).post(`/api/v1/epochs/${epochId}/retry`).set('authorization', staff).send({}).expect(200);
    expect(['tree_built', 'publishing', 'published']).toContain(retried.body.status);
    const done = await until(
      () => epochOf(epochId),
      (e) => e.status === 'published',
      30_000,
    );
    expect(done.status).toBe('published');
    const again = await request(api.url).post(`/api/v1/epochs/${epochId}/retry`).set('authorization', staff).send({}).expect(200);
    expect(again.body).toMatchObject({ id: epochId, status: 'published' });
    await new Promise((r) => setTimeout(r, 2000)); // a pass or two of settlement and the outbox
    // one confirmed root for the epoch; the failed attempt kept as history under its own key
    const roots: { key: string; status: string }[] = await ds.query(
      `SELECT idempotency_key AS key, status FROM chain_outbox WHERE kind = 'rewards.publishRoot' AND idempotency_key LIKE $1 ORDER BY id`,
      [`rewards-root:${epochId}%`],
    );
    expect(roots.map((r) => r.status)).toEqual(['failed', 'confirmed']);
    expect(roots[0].key).toMatch(new RegExp(`^rewards-root:${epochId}~failed:\\d+$`));
    expect([...(await d.currentEpoch())]).toEqual([BigInt(epochId), BigInt(done.total)]);

    // only a failed epoch goes round again
    const rejectedEvent = await playMatch(api, adminAuth, wallets(1), 'Rejected night');
    const rejectedId = (
      await until(
        () => request(api.url).post(`/api/v1/events/${rejectedEvent}/epochs/close`).set('authorization', staff).send({}),
        (r) => r.status === 201,
      )
    ).body.id;
    await request(api.url).post(`/api/v1/epochs/${rejectedId}/reject`).set('authorization', staff).send({}).expect(200);
    const notFailed = await request(api.url).post(`/api/v1/epochs/${rejectedId}/retry`).set('authorization', staff).send({}).expect(409);
    expect(notFailed.body.code).toBe('epoch_not_failed');
  });
});
