import { randomBytes } from 'node:crypto';
import { hexlify, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainService, OutboxSender } from '@fanmesh/chain';
import { PAIRING_DOMAIN, PAIRING_OFFER_TYPES, REGISTRATION_TYPES, uuidToBytes32 } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { DataSource } from 'typeorm';
import { RunningApp, startApp } from '../support/app';

describe('device pairing on the embedded chain', () => {
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('registers the paired device on chain through the outbox, with the same two signatures', async () => {
    api = await startApp('devices-chain', { services: 'embedded', env: { CHAIN_EMBEDDED: 'on' } });
    const domains = (await request(api.url).get('/api/v1/devices/pairing-domains').expect(200)).body;
    expect(domains.onChain).toBe(true);
    const device = Wallet.createRandom();
    const owner = Wallet.createRandom();
    const offer = { device: device.address, kind: 'sensor', nonce: hexlify(randomBytes(32)), expiresAt: Math.floor(Date.now() / 1000) + 300 };
    const registration = { device: device.address, owner: owner.address, venueId: uuidToBytes32(DEMO_VENUE_ID), deadline: Math.floor(Date.now() / 1000) + 3600 };
    const fan = `Bearer ${await api.tokenFor({ subject: owner.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
    await request(api.url)
      .post('/api/v1/devices/pairings')
      .set('authorization', fan)
      .send({
        offer: { ...offer, signature: await device.signTypedData(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, offer) },
        venueId: DEMO_VENUE_ID,
        sectionCode: 'E201',
        deadline: registration.deadline,
        deviceSignature: await device.signTypedData(domains.registration, REGISTRATION_TYPES, registration),
        ownerSignature: await owner.signTypedData(domains.registration, REGISTRATION_TYPES, registration),
      })
      .expect(201);
    const ds = api.app.get(DataSource);
    const deadline = Date.now() + 20_000;
    while ((await OutboxSender.backlog(ds)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const rows = await OutboxSender.rows(ds);
    expect(rows.find((r) => r.idempotencyKey === `device-register:${device.address.toLowerCase()}`)).toMatchObject({ status: 'confirmed' });
    const onChain = await api.app.get(ChainService).contract('DeviceRegistry').deviceOf(device.address);
    expect(onChain.owner).toBe(owner.address);
  });
});
