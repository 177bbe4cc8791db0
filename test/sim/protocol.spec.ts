import { computeAddress, getBytes, hashMessage, recoverAddress, SigningKey, Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import vectors from '@fanmesh/protocol-vectors';
import * as sim from '../../venue-sim/src/protocol';

// The simulator speaks the wire formats from its own code (it is a client, written with ethers
// alone); these pin them to the wire contract's test vectors (libs/protocol/vectors.json), byte for
// byte, as the API and the PWA are pinned to them.
describe('venue-sim wire formats match the protocol vectors byte for byte', () => {
  const { keys } = vectors;

  it('signs ticket codes as the vectors say, each attributed to the holder', () => {
    const holder = new Wallet(keys.holder.privateKey);
    for (const q of vectors.qr) {
      expect(sim.qrDigest(q.ticketId, q.version, q.window)).toBe(q.digest);
      // any instant inside the window gives the window's code
      const at = q.window * sim.QR_WINDOW_MS + 7_000;
      expect(sim.qrWindowAt(at)).toBe(q.window);
      expect(sim.ticketCode(holder, { id: q.ticketId, version: q.version }, at)).toBe(q.code);
      expect(hashMessage(getBytes(sim.qrDigest(q.ticketId, q.version, q.window)))).toBe(q.messageHash);
      expect(recoverAddress(q.messageHash, q.signature).toLowerCase()).toBe(q.signer);
    }
    expect(sim.QR_WINDOW_MS).toBe(vectors.constants.qrWindowSeconds * 1000);
  });

  it('signs device envelopes and speaks the pairing types as the vectors say', () => {
    const device = new SigningKey(keys.device.privateKey);
    for (const e of vectors.envelopes) {
      expect(sim.envelopeDigest(e.deviceId, e.seq, e.sentAt, e.body)).toBe(e.digest);
      const body = JSON.parse(e.body) as object;
      // the simulator serializes the body itself: where that gives the vector's exact string, the envelope is the vector's
      if (JSON.stringify(body) === e.body)
        expect(sim.signEnvelope(device, e.deviceId, e.seq, body, e.sentAt)).toEqual({ deviceId: e.deviceId, seq: e.seq, sentAt: e.sentAt, body: e.body, signature: e.signature });
      expect(computeAddress(SigningKey.recoverPublicKey(e.digest, e.signature)).toLowerCase()).toBe(keys.device.address);
    }
    expect(sim.PAIRING_DOMAIN).toEqual(vectors.pairing.domain);
    expect(sim.PAIRING_OFFER_TYPES).toEqual(vectors.pairing.types);
    expect(sim.REGISTRATION_TYPES).toEqual(vectors.pairing.registrationTypes);
    for (const u of vectors.uuids) expect(sim.venueIdBytes32(u.uuid)).toBe(u.bytes32);
  });

  it('builds coverage challenge and witness digests and speaks the merch types as the vectors say', () => {
    for (const c of vectors.challenges) expect(sim.challengeDigest(c.challenge)).toBe(c.digest);
    for (const w of vectors.witnesses) expect(sim.witnessDigest(w.challengeDigest, w.fan, w.eventId, w.signedAt)).toBe(w.digest);
    expect(sim.MERCH_DOMAIN).toEqual(vectors.eip712.tables.MERCH_DOMAIN);
    expect(sim.MERCH_TYPES).toEqual(vectors.eip712.tables.MERCH_TYPES);
  });
});
