import { randomBytes } from 'node:crypto';
import { BaseWallet, getBytes, hexlify, SigningKey, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeDigest, PAIRING_DOMAIN, PAIRING_OFFER_TYPES, REGISTRATION_TYPES, uuidToBytes32 } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { WsClient } from '../support/ws-client';

describe('device pairing and signed envelopes', () => {
  let api: RunningApp;
  let domain: Record<string, unknown>;

  const owner = () => Wallet.createRandom();
  const asFan = async (w: BaseWallet) => `Bearer ${await api.tokenFor({ subject: w.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;

  async function pairing(
    device: BaseWallet,
    own: BaseWallet,
    opts: { nonce?: string; expiresAt?: number; section?: string; deviceSigner?: BaseWallet; ownerSigner?: BaseWallet; offerSigner?: BaseWallet } = {},
  ) {
    const offer = { device: device.address, kind: 'hotspot', nonce: opts.nonce ?? hexlify(randomBytes(32)), expiresAt: opts.expiresAt ?? Math.floor(Date.now() / 1000) + 300 };
    const registration = { device: device.address, owner: own.address, venueId: uuidToBytes32(DEMO_VENUE_ID), deadline: Math.floor(Date.now() / 1000) + 3600 };
    return {
      offer: { ...offer, signature: await (opts.offerSigner ?? device).signTypedData(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, offer) },
      venueId: DEMO_VENUE_ID,
      sectionCode: opts.section ?? 'N101',
      deadline: registration.deadline,
      deviceSignature: await (opts.deviceSigner ?? device).signTypedData(domain, REGISTRATION_TYPES, registration),
      ownerSignature: await (opts.ownerSigner ?? own).signTypedData(domain, REGISTRATION_TYPES, registration),
    };
  }

  function envelope(device: BaseWallet, seq: number, body: object, sentAt = new Date().toISOString()) {
    const b = JSON.stringify(body);
    const signature = new SigningKey(device.privateKey).sign(getBytes(envelopeDigest(device.address, seq, sentAt, b))).serialized;
    return { deviceId: device.address, seq, sentAt, body: b, signature };
  }

  beforeAll(async () => {
    api = await startApp('devices');
    domain = (await request(api.url).get('/api/v1/devices/pairing-domains').expect(200)).body.registration;
  });
  afterAll(() => api?.close());

  it('pairs a device with both signatures and lists it for its owner', async () => {
    const device = Wallet.createRandom();
    const own = owner();
    const res = await request(api.url)
      .post('/api/v1/devices/pairings')
      .set('authorization', await asFan(own))
      .send(await pairing(device, own))
      .expect(201);
    expect(res.body).toMatchObject({ address: device.address.toLowerCase(), owner: own.address.toLowerCase(), kind: 'hotspot', sectionCode: 'N101', status: 'offline' });
    const mine = await request(api.url)
      .get('/api/v1/devices/mine')
      .set('authorization', await asFan(own))
      .expect(200);
    expect(mine.body.map((d: { address: string }) => d.address)).toEqual([device.address.toLowerCase()]);
  });

  it('refuses a device paired elsewhere, a reused offer, wrong signatures and an expired offer, pairing nothing', async () => {
    const device = Wallet.createRandom();
    const own = owner();
    const first = await pairing(device, own);
    await request(api.url)
      .post('/api/v1/devices/pairings')
      .set('authorization', await asFan(own))
      .send(first)
      .expect(201);
    const thief = owner();
    const code = async (body: object, who = thief) =>
      (
        await request(api.url)
          .post('/api/v1/devices/pairings')
          .set('authorization', await asFan(who))
          .send(body)
      ).body.code;
    expect(await code(await pairing(device, thief))).toBe('device_paired');
    // someone else's offer with signatures over another device: the registration no longer matches
    expect(await code({ ...(await pairing(Wallet.createRandom(), thief)), offer: first.offer })).toBe('bad_owner_signature');
    const other = Wallet.createRandom();
    const reused = await pairing(other, thief, { nonce: first.offer.nonce });
    expect(await code(reused)).toBe('offer_used');
    expect(await code(await pairing(Wallet.createRandom(), thief, { offerSigner: Wallet.createRandom() }))).toBe('bad_offer_signature');
    expect(await code(await pairing(Wallet.createRandom(), thief, { ownerSigner: Wallet.createRandom() }))).toBe('bad_owner_signature');
    expect(await code(await pairing(Wallet.createRandom(), thief, { deviceSigner: Wallet.createRandom() }))).toBe('bad_device_signature');
    expect(await code(await pairing(Wallet.createRandom(), thief, { expiresAt: 1000 }))).toBe('offer_expired');
    expect(await code(await pairing(Wallet.createRandom(), thief, { section: 'Z9' }))).toBe('unknown_section');
    expect(
      (
        await request(api.url)
          .get('/api/v1/devices/mine')
          .set('authorization', await asFan(thief))
      ).body,
    ).toEqual([]);
  });

  it('accepts signed heartbeats in order, shows the device online to staff, and refuses replays, old seq, skew and forgeries', async () => {
    const device = Wallet.createRandom();
    const own = owner();
    await request(api.url)
      .post('/api/v1/devices/pairings')
      .set('authorization', await asFan(own))
      .send(await pairing(device, own))
      .expect(201);
    const staff = await WsClient.connect(api.url, await api.tokenFor(adminPrincipal));
    await staff.subscribe(`staff:${DEMO_VENUE_ID}`);
    const hb = envelope(device, 1, { type: 'heartbeat', uptimeS: 60, clients: 12 });
    expect((await request(api.url).post('/api/v1/devices/messages').send(hb).expect(200)).body).toEqual({ accepted: true, seq: 1 });
    const online = await staff.next((f) => f.type === 'message' && (f.data as { device?: string }).device === device.address.toLowerCase());
    expect(online.data).toMatchObject({ type: 'device.status', status: 'online' });

    const post = (body: object) => request(api.url).post('/api/v1/devices/messages').send(body);
    expect((await post(hb).expect(409)).body.code).toBe('replayed_seq');
    await post(envelope(device, 5, { type: 'heartbeat' })).expect(200);
    expect((await post(envelope(device, 3, { type: 'heartbeat' })).expect(409)).body.code).toBe('replayed_seq');
    expect((await post(envelope(device, 6, { type: 'heartbeat' }, new Date(Date.now() - 120_000).toISOString())).expect(422)).body.code).toBe('clock_skew');
    expect((await post(envelope(Wallet.createRandom(), 7, { type: 'heartbeat' })).expect(404)).body.code).toBe('device_not_found');
    const forged = { ...envelope(device, 8, { type: 'heartbeat' }), body: JSON.stringify({ type: 'heartbeat', clients: 500 }) };
    expect((await post(forged).expect(401)).body.code).toBe('bad_envelope_signature');
    expect((await post(envelope(device, 9, { type: 'teleport' })).expect(422)).body.code).toBe('unsupported_body');
    expect((await post({ deviceId: 'x', seq: -1 }).expect(400)).body.code).toBe('validation_failed');
    staff.close();
  });

  it('stops a revoked device and a denylisted owner at once', async () => {
    const device = Wallet.createRandom();
    const own = owner();
    await request(api.url)
      .post('/api/v1/devices/pairings')
      .set('authorization', await asFan(own))
      .send(await pairing(device, own))
      .expect(201);
    await request(api.url)
      .post('/api/v1/devices/messages')
      .send(envelope(device, 1, { type: 'heartbeat' }))
      .expect(200);
    await request(api.url)
      .post(`/api/v1/devices/${device.address}/revoke`)
      .set('authorization', await asFan(owner()))
      .send({ reason: 'not mine' })
      .expect(403);
    await request(api.url)
      .post(`/api/v1/devices/${device.address}/revoke`)
      .set('authorization', await asFan(own))
      .send({ reason: 'sold it' })
      .expect(204);
    expect(
      (
        await request(api.url)
          .post('/api/v1/devices/messages')
          .send(envelope(device, 2, { type: 'heartbeat' }))
          .expect(403)
      ).body.code,
    ).toBe('device_revoked');

    const second = Wallet.createRandom();
    await request(api.url)
      .post('/api/v1/devices/pairings')
      .set('authorization', await asFan(own))
      .send(await pairing(second, own))
      .expect(201);
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    await request(api.url)
      .post('/api/v1/devices/denylist')
      .set('authorization', admin)
      .send({ type: 'owner', subject: own.address, venueId: DEMO_VENUE_ID, reason: 'fake witnesses' })
      .expect(204);
    const denied = await request(api.url)
      .post('/api/v1/devices/messages')
      .send(envelope(second, 1, { type: 'heartbeat' }))
      .expect(403);
    expect(denied.body).toMatchObject({ code: 'denylisted' });
    expect(denied.body.detail).toContain('fake witnesses');
    const mine = await request(api.url)
      .get('/api/v1/devices/mine')
      .set('authorization', await asFan(own))
      .expect(200);
    expect(mine.body.map((d: { status: string }) => d.status).sort()).toEqual(['denylisted', 'revoked']);
  });
});
