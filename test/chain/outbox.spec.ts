import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Contract, JsonRpcProvider, keccak256, toUtf8Bytes, Wallet } from 'ethers';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MomentAttestor } from '@fanmesh/contracts';
import { Anvil, anvilDevKey, deployAll, Failpoint, Outbox1764000000301Ref, OutboxSender, startAnvil } from './outbox-support';
import { createDataSource, migrate } from '@fanmesh/db';
import { createTestDatabase } from '../support/databases';

const moment = (key: string) => ({ momentId: keccak256(toUtf8Bytes(key)), eventId: keccak256(toUtf8Bytes('event')), kind: 1, timestamp: 1_790_000_000, attendance: 1000, evidenceRoot: keccak256(toUtf8Bytes(`ev-${key}`)) });

describe('the transaction outbox', () => {
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let ds: DataSource;
  let attestor: Contract;

  const intent = (key: string) => ({ kind: 'attest', idempotencyKey: `attest:${key}`, to: attestor.target as string, data: attestor.interface.encodeFunctionData('attest', [moment(key)]) });
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
    const crashing = new OutboxSender(ds, provider, wallet);
    if (point === 'after-confirm-check') await crashing.step(); // sent, so the next pass checks receipts
    crashing.failpoint = (at) => {
      if (at === point) throw new Error(`crash ${at}`);
    };
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
