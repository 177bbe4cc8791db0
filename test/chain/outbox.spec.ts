import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Contract, JsonRpcProvider, keccak256, toUtf8Bytes, Wallet, ZeroHash } from 'ethers';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MomentAttestor, RewardDistributor } from '@fanmesh/contracts';
import { Anvil, anvilDevKey, deployAll, Failpoint, Outbox1764000000301Ref, OutboxSender, startAnvil } from './outbox-support';
import { createDataSource, migrate } from '@fanmesh/db';
import { createTestDatabase } from '../support/databases';

const moment = (key: string) => ({
  momentId: keccak256(toUtf8Bytes(key)),
  eventId: keccak256(toUtf8Bytes('event')),
  kind: 1,
  timestamp: 1_790_000_000,
  attendance: 1000,
  evidenceRoot: keccak256(toUtf8Bytes(`ev-${key}`)),
});

describe('the transaction outbox', () => {
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let ds: DataSource;
  let attestor: Contract;

  const intent = (key: string) => ({
    kind: 'attest',
    idempotencyKey: `attest:${key}`,
    to: attestor.target as string,
    data: attestor.interface.encodeFunctionData('attest', [moment(key)]),
  });
  const drain = async (sender: OutboxSender, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while ((await OutboxSender.backlog(ds)) > 0) {
      if (Date.now() > deadline) throw new Error(`backlog not drained: ${JSON.stringify(await OutboxSender.rows(ds))}`);
      await sender.step().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    anvil = await startAnvil();
    provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    wallet = new Wallet(anvilDevKey(0), provider);
    const d = await deployAll(wallet);
    attestor = new Contract(d.MomentAttestor, MomentAttestor.abi as never, provider);
    ds = createDataSource({ kind: 'postgres', url: await createTestDatabase('outbox'), schema: 'public', poolSize: 8 }, { entities: [], migrations: [Outbox1764000000301Ref] });
    await ds.initialize();
    await migrate(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    provider?.destroy();
    await anvil?.stop();
  });

  it('sends every intent once, in nonce order, and ignores a repeated idempotency key', async () => {
    for (let i = 0; i < 6; i++) await OutboxSender.enqueue(ds, intent(`a${i}`));
    await OutboxSender.enqueue(ds, intent('a0'));
    const sender = new OutboxSender(ds, provider, wallet);
    await drain(sender);
    const rows = (await OutboxSender.rows(ds)).filter((r) => r.idempotencyKey.startsWith('attest:a'));
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.status === 'confirmed' && r.txHashes.length === 1)).toBe(true);
    const nonces = rows.map((r) => Number(r.nonce));
    expect(nonces).toEqual([...nonces].sort((x, y) => x - y));
    for (let i = 0; i < 6; i++) expect(await attestor.isAttested(moment(`a${i}`).momentId)).toBe(true);
  });

  it.each(['after-sign', 'after-broadcast', 'after-confirm-check'] as Failpoint[])('resumes after a crash %s with every transaction confirmed exactly once', async (point) => {
    for (let i = 0; i < 3; i++) await OutboxSender.enqueue(ds, intent(`${point}-${i}`));
    let armed = false;
    const crashing = new OutboxSender(ds, provider, wallet, {
      failpoint: (at) => {
        if (armed && at === point) throw new Error(`crash ${at}`);
      },
    });
    if (point === 'after-confirm-check') await crashing.step(); // sent, so the next pass checks receipts
    armed = true;
    await expect(crashing.step()).rejects.toThrow(/crash/);
    const restarted = new OutboxSender(ds, provider, wallet); // a new process: it knows only the database
    await drain(restarted);
    const rows = (await OutboxSender.rows(ds)).filter((r) => r.idempotencyKey.includes(point));
    expect(rows.map((r) => r.status)).toEqual(['confirmed', 'confirmed', 'confirmed']);
    for (let i = 0; i < 3; i++) expect(await attestor.isAttested(moment(`${point}-${i}`).momentId)).toBe(true);
    // one mined transaction per row: the account's nonce moved exactly by the rows sent so far
    // one mined transaction per row: the rows' nonces are contiguous and the account used no other
    const nonces: number[] = (await ds.query(`SELECT nonce FROM chain_outbox WHERE nonce IS NOT NULL ORDER BY nonce`)).map((r: { nonce: string }) => Number(r.nonce));
    expect(nonces).toEqual(nonces.map((_, i) => nonces[0] + i));
    expect(await provider.getTransactionCount(wallet.address, 'latest')).toBe(nonces.at(-1)! + 1);
  });

  it('records an intent that would revert as failed, without using a nonce, and goes on', async () => {
    await OutboxSender.enqueue(ds, { ...intent('a0'), idempotencyKey: 'attest:a0-again' });
    await OutboxSender.enqueue(ds, intent('after-failure'));
    await drain(new OutboxSender(ds, provider, wallet));
    const rows = await OutboxSender.rows(ds);
    const failed = rows.find((r) => r.idempotencyKey === 'attest:a0-again')!;
    expect(failed).toMatchObject({ status: 'failed', nonce: null });
    expect(failed.lastError).toMatch(/revert|FanMeshMomentExists|custom error/i);
    expect(rows.find((r) => r.idempotencyKey === 'attest:after-failure')!.status).toBe('confirmed');
  });

  it('frees a failed intent’s key for a retry, and never a live one', async () => {
    await OutboxSender.enqueue(ds, { ...intent('a1'), idempotencyKey: 'attest:a1-retried' }); // a1 is attested: this one fails
    await drain(new OutboxSender(ds, provider, wallet));
    expect(await OutboxSender.intent(ds, 'attest:a1-retried')).toMatchObject({ status: 'failed' });
    // only the failed row moves aside; the confirmed one keeps its key, so it can never be queued twice
    expect(await OutboxSender.releaseFailed(ds, ['attest:a1-retried', 'attest:a1'])).toBe(1);
    expect(await OutboxSender.intent(ds, 'attest:a1')).toMatchObject({ status: 'confirmed' });
    expect(await OutboxSender.intent(ds, 'attest:a1-retried')).toBeUndefined();
    const kept = (await OutboxSender.rows(ds)).find((r) => r.idempotencyKey.startsWith('attest:a1-retried~failed:'));
    expect(kept).toMatchObject({ status: 'failed' });
    await OutboxSender.enqueue(ds, intent('a1-retried'));
    expect(await OutboxSender.intent(ds, 'attest:a1-retried')).toMatchObject({ status: 'pending' });
    await drain(new OutboxSender(ds, provider, wallet));
    expect(await OutboxSender.intent(ds, 'attest:a1-retried')).toMatchObject({ status: 'confirmed' });
  });

  it('on a node that estimates against the latest block, sends publishRoot after the fund it depends on is mined, instead of failing it', async () => {
    // anvil mining a block a second, behind a provider that estimates at `latest` (as some nodes do):
    // right after fund() is broadcast, publishRoot's estimate still sees the distributor unfunded.
    const slow = await startAnvil({ blockTime: 1 });
    class LatestEstimating extends JsonRpcProvider {
      send(method: string, params: unknown[]): Promise<unknown> {
        return super.send(method, method === 'eth_estimateGas' && params.length === 1 ? [...params, 'latest'] : params);
      }
    }
    const node = new LatestEstimating(slow.rpcUrl, slow.chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    try {
      // an account of its own: the outbox's nonces are per account, and account 0's are on the other chain
      const admin = new Wallet(anvilDevKey(3), node);
      const d = await deployAll(admin); // the deployer is admin and operator here: one key sends both
      const distributor = new Contract(d.RewardDistributor, RewardDistributor.abi as never, node);
      const root = keccak256(toUtf8Bytes('root'));
      await OutboxSender.enqueue(ds, {
        kind: 'rewards.fund',
        idempotencyKey: 'slow:fund',
        to: d.RewardDistributor,
        data: distributor.interface.encodeFunctionData('fund', [100n]),
      });
      await OutboxSender.enqueue(ds, {
        kind: 'rewards.publishRoot',
        idempotencyKey: 'slow:root',
        to: d.RewardDistributor,
        data: distributor.interface.encodeFunctionData('publishRoot', [1n, root, 100n, ZeroHash]),
      });
      await drain(new OutboxSender(ds, node, admin), 30_000);
      expect(await OutboxSender.intent(ds, 'slow:fund')).toMatchObject({ status: 'confirmed' });
      expect(await OutboxSender.intent(ds, 'slow:root')).toMatchObject({ status: 'confirmed', lastError: null });
      expect([...(await distributor.currentEpoch())]).toEqual([1n, 100n]);
      expect(await distributor.merkleRoot()).toBe(root);
    } finally {
      node.destroy();
      await slow.stop();
    }
  });

  it('rides out an RPC outage and confirms everything once it recovers', async () => {
    let down = true;
    const proxy: Server = createServer((req, res) => {
      if (down) return req.socket.destroy();
      const upstream = httpRequest(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' } }, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': 'application/json' });
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const flaky = new JsonRpcProvider(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const sender = new OutboxSender(ds, flaky, new Wallet(anvilDevKey(0), flaky), { intervalMs: 100, maxBackoffMs: 500 });
    for (let i = 0; i < 4; i++) await OutboxSender.enqueue(ds, intent(`outage-${i}`));
    sender.start();
    await new Promise((r) => setTimeout(r, 2000));
    expect(await OutboxSender.backlog(ds)).toBe(4); // nothing could be sent while the RPC was down
    down = false;
    const deadline = Date.now() + 20_000;
    while ((await OutboxSender.backlog(ds)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await sender.stop();
    flaky.destroy();
    proxy.close();
    const rows = (await OutboxSender.rows(ds)).filter((r) => r.idempotencyKey.includes('outage'));
    expect(rows.map((r) => r.status)).toEqual(['confirmed', 'confirmed', 'confirmed', 'confirmed']);
    for (let i = 0; i < 4; i++) expect(await attestor.isAttested(moment(`outage-${i}`).momentId)).toBe(true);
  });
});
