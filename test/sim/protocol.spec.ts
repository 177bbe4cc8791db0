import { computeAddress, getBytes, hashMessage, hexlify, SigningKey } from 'ethers';
import { describe, expect, it } from 'vitest';
import { decodeQr, recoverSigner, MERCH_DOMAIN as SERVER_MERCH_DOMAIN, MERCH_TYPES as SERVER_MERCH_TYPES, qrDigest as serverQrDigest, qrMessageHash } from '@fanmesh/access';
import { challengeDigest as serverChallengeDigest, witnessDigest as serverWitnessDigest } from '@fanmesh/coverage';
import { envelopeDigest as serverEnvelopeDigest, PAIRING_DOMAIN as SERVER_PAIRING_DOMAIN, PAIRING_OFFER_TYPES as SERVER_OFFER_TYPES, REGISTRATION_TYPES as SERVER_REGISTRATION_TYPES, uuidToBytes32 } from '@fanmesh/devices';
import { recoverPublicKey } from '@fanmesh/crypto';
import * as sim from '../../venue-sim/src/protocol';

// The simulator speaks the wire formats from its own code (it is a client); these pin them to the server's.
describe('venue-sim wire formats match the server byte for byte', () => {
  const ticket = { id: '3f1c2b9a-7d4e-4c1a-9b2f-0a1b2c3d4e5f', version: 3 };
  const event = '5eed0000-0000-4000-8000-0000000000e1';

  it('signs ticket codes the gate decodes and attributes to the holder', () => {
    const holder = sim.freshWallet();
    const at = Date.now();
    expect(sim.qrDigest(ticket.id, ticket.version, 42)).toBe(serverQrDigest(ticket.id, ticket.version, 42));
    const qr = decodeQr(sim.ticketCode(holder, ticket, at))!;
    expect(qr).toMatchObject({ ticketId: ticket.id, version: 3, window: sim.qrWindowAt(at) });
    expect(hexlify(qrMessageHash(ticket.id, 3, qr.window))).toBe(hashMessage(getBytes(serverQrDigest(ticket.id, 3, qr.window))));
    expect(recoverSigner(qrMessageHash(ticket.id, 3, qr.window), qr.signature)).toBe(holder.address.toLowerCase());
  });

  it('signs device envelopes and pairing data as the devices context checks them', () => {
    const device = sim.freshWallet();
    const env = sim.signEnvelope(new SigningKey(device.privateKey), device.address, 7, { type: 'heartbeat', clients: 3 }, '2026-11-25T12:00:00.000Z');
    expect(sim.envelopeDigest(env.deviceId, env.seq, env.sentAt, env.body)).toBe(serverEnvelopeDigest(device.address, 7, env.sentAt, env.body));
    expect(computeAddress(recoverPublicKey(serverEnvelopeDigest(device.address, 7, env.sentAt, env.body), env.signature))).toBe(device.address);
    expect(sim.PAIRING_DOMAIN).toEqual(SERVER_PAIRING_DOMAIN);
    expect(sim.PAIRING_OFFER_TYPES).toEqual(SERVER_OFFER_TYPES);
    expect(sim.REGISTRATION_TYPES).toEqual(SERVER_REGISTRATION_TYPES);
    expect(sim.venueIdBytes32(event)).toBe(uuidToBytes32(event));
  });

  it('builds coverage challenge and witness digests and merch tags as the server does', () => {
    const c = { id: '0b7e7c1e-1111-4aaa-8bbb-123456789abc', eventId: event, hotspot: sim.freshWallet().address, nonce: '0x' + '11'.repeat(32), issuedAt: '2026-11-25T12:00:00.000Z', expiresAt: '2026-11-25T12:00:30.000Z' };
    expect(sim.challengeDigest(c)).toBe(serverChallengeDigest(c));
    const fan = sim.freshWallet().address;
    expect(sim.witnessDigest(sim.challengeDigest(c), fan, event, c.issuedAt)).toBe(serverWitnessDigest(serverChallengeDigest(c), fan, event, c.issuedAt));
    expect(sim.MERCH_DOMAIN).toEqual(SERVER_MERCH_DOMAIN);
    expect(sim.MERCH_TYPES).toEqual(SERVER_MERCH_TYPES);
  });
});
