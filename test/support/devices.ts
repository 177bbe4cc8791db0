import { randomBytes } from 'node:crypto';
import { BaseWallet, hexlify, Wallet } from 'ethers';
import request from 'supertest';
import { PAIRING_DOMAIN, PAIRING_OFFER_TYPES, REGISTRATION_TYPES, uuidToBytes32 } from '@fanmesh/protocol';
import type { RunningApp } from './app';

/**
 * Pairs a fresh device key as a real owner would: the device's signed offer and both EIP-712
 * signatures over the registration. Returns the device's and the owner's keys.
 */
export async function pairDeviceKey(
  api: RunningApp,
  venueId: string,
  section: string,
  opts: { kind?: 'sensor' | 'gate' | 'hotspot'; owner?: BaseWallet } = {},
): Promise<{ device: BaseWallet; owner: BaseWallet }> {
  const device = Wallet.createRandom();
  const owner = opts.owner ?? Wallet.createRandom();
  const domain = (await request(api.url).get('/api/v1/devices/pairing-domains').expect(200)).body.registration;
  const offer = { device: device.address, kind: opts.kind ?? 'sensor', nonce: hexlify(randomBytes(32)), expiresAt: Math.floor(Date.now() / 1000) + 300 };
  const registration = { device: device.address, owner: owner.address, venueId: uuidToBytes32(venueId), deadline: Math.floor(Date.now() / 1000) + 3600 };
  await request(api.url)
    .post('/api/v1/devices/pairings')
    .set('authorization', `Bearer ${await api.tokenFor({ subject: owner.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`)
    .send({
      offer: { ...offer, signature: await device.signTypedData(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, offer) },
      venueId,
      sectionCode: section,
      deadline: registration.deadline,
      deviceSignature: await device.signTypedData(domain, REGISTRATION_TYPES, registration),
      ownerSignature: await owner.signTypedData(domain, REGISTRATION_TYPES, registration),
    })
    .expect(201);
  return { device, owner };
}
