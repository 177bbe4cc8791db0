import { getBytes, SigningKey, Wallet, type BaseWallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_TRANSFER_TYPES, envelopeDigest } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { pairDeviceKey } from '../support/devices';

/** Issue 18: an owner hands a device to another account by signature (no chain here: the nonce is ours). */
describe('device transfers', () => {
  let api: RunningApp;
  const fan = async (w: BaseWallet) => `Bearer ${await api.tokenFor({ subject: w.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
  const mine = async (w: BaseWallet) =>
    (
      await request(api.url)
        .get('/api/v1/devices/mine')
        .set('authorization', await fan(w))
        .expect(200)
    ).body.map((d: { address: string }) => d.address);

  /** The owner's signature as the PWA makes it: the terms from the API, DEVICE_TRANSFER_TYPES. */
  async function signed(device: string, owner: BaseWallet, to: string, opts: { nonce?: number; deadline?: number; signer?: BaseWallet } = {}) {
    const terms = (
      await request(api.url)
        .get(`/api/v1/devices/${device}/transfer`)
        .set('authorization', await fan(owner))
        .expect(200)
    ).body;
    const deadline = opts.deadline ?? Math.floor(Date.now() / 1000) + 600;
    const ownerSignature = await (opts.signer ?? owner).signTypedData(terms.domain, DEVICE_TRANSFER_TYPES, { device, to, nonce: opts.nonce ?? terms.nonce, deadline });
    return { terms, body: { to, deadline, ownerSignature } };
  }
  const post = async (device: string, who: BaseWallet, body: object) =>
    request(api.url)
      .post(`/api/v1/devices/${device}/transfer`)
      .set('authorization', await fan(who))
      .send(body);

  beforeAll(async () => {
    api = await startApp('device-transfers');
  });
  afterAll(() => api?.close());

  it("hands a device to another account with the owner's signature: the new owner lists it, the old one no longer", async () => {
    const { device, owner } = await pairDeviceKey(api, DEMO_VENUE_ID, 'N101', { kind: 'hotspot' });
    const address = device.address.toLowerCase();
    const buyer = Wallet.createRandom();
    const { terms, body } = await signed(address, owner, buyer.address);
    expect(terms).toMatchObject({ nonce: 0, onChain: false, domain: { name: 'FanMesh DeviceRegistry', version: '1' } });
    const moved = (await post(address, owner, body)).body;
    expect(moved).toMatchObject({ device: address, from: owner.address.toLowerCase(), to: buyer.address.toLowerCase(), source: 'owner', status: 'off_chain', nonce: 0 });
    expect(await mine(buyer)).toEqual([address]);
    expect(await mine(owner)).toEqual([]);
    // both see it among their transfers
    for (const w of [owner, buyer]) {
      const list = (
        await request(api.url)
          .get('/api/v1/devices/transfers/mine')
          .set('authorization', await fan(w))
          .expect(200)
      ).body;
      expect(list).toMatchObject([{ id: moved.id, device: address }]);
    }
    // the device keeps working for its new owner
    const env = (seq: number) => {
      const b = JSON.stringify({ type: 'heartbeat' });
      const sentAt = new Date().toISOString();
      return {
        deviceId: device.address,
        seq,
        sentAt,
        body: b,
        signature: new SigningKey(device.privateKey).sign(getBytes(envelopeDigest(device.address, seq, sentAt, b))).serialized,
      };
    };
    await request(api.url).post('/api/v1/devices/messages').send(env(1)).expect(200);

    // The old owner cannot sign it away again; the new owner's next transfer carries nonce 1.
    expect((await post(address, owner, body)).body.code).toBe('device_not_found');
    const back = await signed(address, buyer, owner.address);
    expect(back.terms.nonce).toBe(1);
    const stale = await signed(address, buyer, owner.address, { nonce: 0 });
    expect((await post(address, buyer, stale.body)).body).toMatchObject({ code: 'bad_owner_signature', nonce: 1 });
    const res = await post(address, buyer, back.body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ nonce: 1, to: owner.address.toLowerCase() });
    expect(await mine(owner)).toEqual([address]);
    // back with its first owner, the first signature (nonce 0) is spent
    expect((await post(address, owner, body)).body).toMatchObject({ code: 'bad_owner_signature', nonce: 2 });
    expect(await mine(buyer)).toEqual([]);
  });

  it('refuses bad transfers with a code, moving nothing', async () => {
    const { device, owner } = await pairDeviceKey(api, DEMO_VENUE_ID, 'N102');
    const address = device.address.toLowerCase();
    const to = Wallet.createRandom().address;
    const code = async (body: object, who = owner) => {
      const res = await post(address, who, body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      return res.body.code;
    };
    expect(await code((await signed(address, owner, to, { signer: Wallet.createRandom() })).body)).toBe('bad_owner_signature');
    expect(await code((await signed(address, owner, owner.address)).body)).toBe('bad_recipient');
    expect(await code((await signed(address, owner, '0x0000000000000000000000000000000000000000')).body)).toBe('bad_recipient');
    expect(await code((await signed(address, owner, to, { deadline: 1000 })).body)).toBe('transfer_expired');
    expect(await code({ to: 'nobody', deadline: 1, ownerSignature: '0x' })).toBe('validation_failed');
    const good = (await signed(address, owner, to)).body;
    expect(await code(good, Wallet.createRandom())).toBe('device_not_found');
    // a denylisted device stays with its owner until the denylisting is lifted
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    await request(api.url).post('/api/v1/devices/denylist').set('authorization', staff).send({ type: 'device', subject: address, reason: 'witness farming' }).expect(204);
    expect(await code(good)).toBe('denylisted');
    expect(await mine(owner)).toEqual([address]);
  });
});

/** Issue 19: denylist entries are a venue's, authorised against the venue the server finds for the device. */
describe('denylist scoped to venues', () => {
  let api: RunningApp;
  let venueB: string;
  let staffB: string;
  let staffA: string;

  beforeAll(async () => {
    api = await startApp('denylist-scope');
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    venueB = (
      await request(api.url)
        .post('/api/v1/venues')
        .set('authorization', admin)
        .send({ name: 'Other ground', city: 'Porto', timezone: 'Europe/Lisbon', sections: [{ code: 'B1', name: 'Block B1', stand: 'north', tier: 1, capacity: 100 }] })
        .expect(201)
    ).body.id;
    staffA = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    staffB = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000b3', kind: 'account', roles: ['fan', `staff@${venueB}`] })}`;
  });
  afterAll(() => api?.close());

  const denylist = (auth: string, body: object) => request(api.url).post('/api/v1/devices/denylist').set('authorization', auth).send(body);
  const statusOf = async (owner: BaseWallet, address: string) =>
    (
      await request(api.url)
        .get('/api/v1/devices/mine')
        .set('authorization', `Bearer ${await api.tokenFor({ subject: owner.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`)
        .expect(200)
    ).body.find((d: { address: string }) => d.address === address)?.status;

  it("refuses staff of venue B denylisting venue A's device, whatever venue they name", async () => {
    const { device, owner } = await pairDeviceKey(api, DEMO_VENUE_ID, 'N101', { kind: 'hotspot' });
    const address = device.address.toLowerCase();
    for (const venueId of [venueB, DEMO_VENUE_ID, undefined]) {
      const res = await denylist(staffB, { type: 'device', subject: address, venueId, reason: 'rival club' });
      expect(res.status, String(venueId)).toBe(403);
      expect(res.body.code).toBe('not_venue_staff');
    }
    expect(await statusOf(owner, address)).toBe('offline');
    // staff of A may, at A (naming another venue for A's device is a mistake, not a scope)
    expect((await denylist(staffA, { type: 'device', subject: address, venueId: venueB, reason: 'x'.repeat(5) })).body.code).toBe('venue_mismatch');
    await denylist(staffA, { type: 'device', subject: address, reason: 'relayed challenges' }).expect(204);
    expect(await statusOf(owner, address)).toBe('denylisted');
  });

  it("keeps an owner entry made at venue B from stopping the owner's devices at venue A", async () => {
    const owner = Wallet.createRandom();
    const { device: atA } = await pairDeviceKey(api, DEMO_VENUE_ID, 'N102', { owner });
    const { device: atB } = await pairDeviceKey(api, venueB, 'B1', { owner });
    expect((await denylist(staffB, { type: 'owner', subject: owner.address, reason: 'fake witnesses' })).body.code).toBe('venue_required');
    expect((await denylist(staffB, { type: 'owner', subject: owner.address, venueId: DEMO_VENUE_ID, reason: 'fake witnesses' })).body.code).toBe('not_venue_staff');
    await denylist(staffB, { type: 'owner', subject: owner.address, venueId: venueB, reason: 'fake witnesses' }).expect(204);
    expect(await statusOf(owner, atB.address.toLowerCase())).toBe('denylisted');
    expect(await statusOf(owner, atA.address.toLowerCase())).toBe('offline');
    const heartbeat = (d: BaseWallet) => {
      const b = JSON.stringify({ type: 'heartbeat' });
      const sentAt = new Date().toISOString();
      return { deviceId: d.address, seq: 1, sentAt, body: b, signature: new SigningKey(d.privateKey).sign(getBytes(envelopeDigest(d.address, 1, sentAt, b))).serialized };
    };
    await request(api.url).post('/api/v1/devices/messages').send(heartbeat(atA)).expect(200);
    expect((await request(api.url).post('/api/v1/devices/messages').send(heartbeat(atB)).expect(403)).body.code).toBe('denylisted');
    // the appeal goes to the venue whose entry stops the device; at A there is nothing to appeal
    const appeal = async (d: BaseWallet) =>
      request(api.url)
        .post(`/api/v1/devices/${d.address}/appeals`)
        .set('authorization', `Bearer ${await api.tokenFor({ subject: owner.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`)
        .send({ message: 'these are real fans' });
    expect((await appeal(atA)).body.code).toBe('not_denylisted');
    expect((await appeal(atB)).body).toMatchObject({ venueId: venueB, denylistReason: 'fake witnesses' });
    // an admin's owner entry without a venue stops them everywhere
    await denylist(`Bearer ${await api.tokenFor(adminPrincipal)}`, { type: 'owner', subject: owner.address, reason: 'stolen keys' }).expect(204);
    expect(await statusOf(owner, atA.address.toLowerCase())).toBe('denylisted');
  });
});
