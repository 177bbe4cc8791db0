import { getBytes, SigningKey, Wallet, type BaseWallet, type Contract } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { ChainService, OutboxSender, receiptOf } from '@fanmesh/chain';
import { JobRunner } from '@fanmesh/events';
import { DEVICE_TRANSFER_TYPES, envelopeDigest } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp, startApp } from '../support/app';
import { pairDeviceKey } from '../support/devices';

/**
 * Issues 18 and 19 on the embedded chain: owner-signed transfers and revocations made here reach
 * DeviceRegistry through the outbox, and what is done on the registry directly reaches the database
 * through the devices.chain-sync job (DeviceTransferred / DeviceRevoked from a block cursor), once.
 */
describe('devices and DeviceRegistry in step', () => {
  let api: RunningApp;
  let chain: ChainService;
  let ds: DataSource;

  const fan = async (w: BaseWallet | string) => `Bearer ${await api.tokenFor({ subject: (typeof w === 'string' ? w : w.address).toLowerCase(), kind: 'account', roles: ['fan'] })}`;
  const sync = () => api.app.get(JobRunner).runNow('devices.chain-sync');
  const registry = (runner?: BaseWallet): Contract => {
    const c = chain.contract('DeviceRegistry');
    return runner ? (c.connect(runner.connect(chain.provider!)) as Contract) : c;
  };
  const funded = async (w: BaseWallet) => {
    await chain.provider!.send('anvil_setBalance', [w.address, '0xde0b6b3a7640000']);
    return w;
  };
  async function intent(key: string, status: 'confirmed' | 'failed' | 'settled') {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const row = (await OutboxSender.rows(ds)).find((r) => r.idempotencyKey === key);
      if (row && (row.status === status || (status === 'settled' && (row.status === 'confirmed' || row.status === 'failed')))) return row;
      if (Date.now() > deadline) throw new Error(`outbox ${key}: ${row?.status ?? 'absent'}, not ${status} (${row?.lastError ?? ''})`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  const paired = async () => {
    const { device, owner } = await pairDeviceKey(api, DEMO_VENUE_ID, 'N101', { kind: 'hotspot' });
    const address = device.address.toLowerCase();
    await intent(`device-register:${address}`, 'confirmed');
    return { device, owner, address };
  };
  const terms = async (address: string, owner: BaseWallet) =>
    request(api.url)
      .get(`/api/v1/devices/${address}/transfer`)
      .set('authorization', await fan(owner));
  async function transfer(address: string, owner: BaseWallet, to: string, deadline = Math.floor(Date.now() / 1000) + 600) {
    const r = await terms(address, owner);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const t = r.body;
    const ownerSignature = await owner.signTypedData(t.domain, DEVICE_TRANSFER_TYPES, { device: address, to, nonce: t.nonce, deadline });
    return request(api.url)
      .post(`/api/v1/devices/${address}/transfer`)
      .set('authorization', await fan(owner))
      .send({ to, deadline, ownerSignature });
  }
  const mine = async (who: BaseWallet | string) =>
    (
      await request(api.url)
        .get('/api/v1/devices/mine')
        .set('authorization', await fan(who))
        .expect(200)
    ).body as { address: string; status: string; revokedReason: string | null }[];
  const transfersOf = async (who: BaseWallet | string) =>
    (
      await request(api.url)
        .get('/api/v1/devices/transfers/mine')
        .set('authorization', await fan(who))
        .expect(200)
    ).body as { device: string; source: string; status: string; blockNumber: number | null; lastError: string | null }[];

  beforeAll(async () => {
    api = await startApp('devices-registry-sync', { env: { CHAIN_EMBEDDED: 'on' } });
    chain = api.app.get(ChainService);
    ds = api.app.get(DataSource);
  }, 60_000);
  afterAll(() => api?.close());

  it('relays an owner-signed transfer to transferBySig once the registry knows the device, and follows it to confirmation', async () => {
    // While the registration is still on its way, the registry's nonce cannot be trusted: not yet.
    await chain.sender!.stop();
    const early = await pairDeviceKey(api, DEMO_VENUE_ID, 'N101');
    expect((await terms(early.device.address, early.owner)).body.code).toBe('chain_pending');
    chain.sender!.start();

    const { owner, address } = await paired();
    const buyer = Wallet.createRandom();
    expect((await terms(address, owner)).body).toMatchObject({ onChain: true, nonce: 0, domain: { verifyingContract: chain.deployment!.DeviceRegistry } });
    const res = await transfer(address, owner, buyer.address);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'queued', nonce: 0, source: 'owner' });
    expect((await mine(buyer)).map((d) => d.address)).toEqual([address]);
    expect(await mine(owner)).toEqual([]);
    await intent(`device-transfer:${address}:0`, 'confirmed');
    expect((await registry().deviceOf(address)).owner).toBe(buyer.address);
    await sync();
    expect(await transfersOf(buyer)).toMatchObject([{ device: address, source: 'owner', status: 'confirmed', blockNumber: expect.any(Number) }]);
    expect((await terms(address, buyer)).body.nonce).toBe(1);
  });

  it('applies a transfer and a revoke done on the registry directly, once each, and relays nothing back', async () => {
    const { device, owner, address } = await paired();
    const next = await funded(Wallet.createRandom());
    await receiptOf(await registry(await funded(owner as Wallet)).transfer(address, next.address));
    await sync();
    await sync(); // the same logs again change nothing
    expect((await mine(next)).map((d) => d.address)).toEqual([address]);
    expect(await mine(owner)).toEqual([]);
    expect(await transfersOf(next)).toMatchObject([{ device: address, source: 'chain', status: 'confirmed' }]);
    expect(await transfersOf(next)).toHaveLength(1);

    await receiptOf(await registry(next).revoke(address));
    await sync();
    expect(await mine(next)).toMatchObject([{ address, status: 'revoked', revokedReason: `revoked on chain by ${next.address.toLowerCase()}` }]);
    const b = JSON.stringify({ type: 'heartbeat' });
    const sentAt = new Date().toISOString();
    const env = {
      deviceId: device.address,
      seq: 1,
      sentAt,
      body: b,
      signature: new SigningKey(device.privateKey).sign(getBytes(envelopeDigest(device.address, 1, sentAt, b))).serialized,
    };
    expect((await request(api.url).post('/api/v1/devices/messages').send(env).expect(403)).body.code).toBe('device_revoked');
    await sync();
    expect((await OutboxSender.rows(ds)).find((r) => r.idempotencyKey === `device-revoke:${address}`)).toBeUndefined();
  });

  it('relays a revocation made here to DeviceRegistry.revoke, sent by the API key as the operator', async () => {
    const { owner, address } = await paired();
    const hot = await chain.signer!.getAddress();
    // the hot key operates the registry, it does not administer it: the operator role is what lets it revoke
    expect(await registry().hasRole(await registry().OPERATOR_ROLE(), hot)).toBe(true);
    expect(await registry().hasRole(await registry().DEFAULT_ADMIN_ROLE(), hot)).toBe(false);
    await request(api.url)
      .post(`/api/v1/devices/${address}/revoke`)
      .set('authorization', await fan(owner))
      .send({ reason: 'sold the box' })
      .expect(204);
    const row = await intent(`device-revoke:${address}`, 'settled');
    expect(row.status).toBe('confirmed');
    const sent = (await ds.query(`SELECT from_address, data, to_address FROM chain_outbox WHERE idempotency_key = $1`, [`device-revoke:${address}`]))[0];
    expect(registry().interface.decodeFunctionData('revoke', sent.data)[0].toLowerCase()).toBe(address);
    expect(sent.to_address).toBe(chain.deployment!.DeviceRegistry);
    expect(sent.from_address.toLowerCase()).toBe(hot.toLowerCase());
    expect((await registry().deviceOf(address)).revoked).toBe(true);
    expect(await registry().ownerOf(address)).toBe('0x0000000000000000000000000000000000000000');
    const revokedLogs = await registry().queryFilter(registry().filters.DeviceRevoked(address));
    expect(revokedLogs.map((l) => ('args' in l ? [String(l.args.device).toLowerCase(), l.args.by] : []))).toEqual([[address, hot]]);
    await sync(); // our own DeviceRevoked comes back: nothing changes, nothing is relayed twice
    expect(await mine(owner)).toMatchObject([{ address, status: 'revoked', revokedReason: 'sold the box' }]);
    expect((await OutboxSender.rows(ds)).filter((r) => r.idempotencyKey === `device-revoke:${address}`)).toHaveLength(1);
  });

  it('keeps the owner the registry has when a relayed transfer is refused there', async () => {
    // The owner signs A -> B here, and meanwhile hands the device to C on the registry directly: B's relay fails, C owns it.
    const { owner, address } = await paired();
    const b = Wallet.createRandom();
    const c = Wallet.createRandom();
    await chain.sender!.stop();
    expect((await transfer(address, owner, b.address)).status).toBe(200);
    await receiptOf(await registry(await funded(owner as Wallet)).transfer(address, c.address));
    chain.sender!.start();
    await intent(`device-transfer:${address}:0`, 'failed');
    await sync();
    expect((await mine(c)).map((d) => d.address)).toEqual([address]);
    expect(await mine(b)).toEqual([]);
    expect(await transfersOf(b)).toMatchObject([{ device: address, source: 'owner', status: 'failed', lastError: expect.any(String) }]);

    // Refused with nothing else happening (the signature expired before it was sent): the device goes back to its owner.
    const second = await paired();
    await chain.sender!.stop();
    expect((await transfer(second.address, second.owner, b.address, Math.floor(Date.now() / 1000) + 30)).status).toBe(200);
    expect((await mine(b)).map((d) => d.address)).toEqual([second.address]);
    await chain.provider!.send('evm_increaseTime', [120]);
    await chain.provider!.send('evm_mine', []);
    chain.sender!.start();
    await intent(`device-transfer:${second.address}:0`, 'failed');
    await sync();
    expect((await mine(second.owner)).map((d) => d.address)).toEqual([second.address]);
    expect(await mine(b)).toEqual([]);
    expect((await registry().deviceOf(second.address)).owner).toBe(second.owner.address);
  }, 60_000);
});
