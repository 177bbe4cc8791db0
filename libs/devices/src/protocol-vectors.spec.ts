import { describe, expect, it } from 'vitest';
import { PAIRING_DOMAIN, PAIRING_OFFER_TYPES, REGISTRATION_TYPES, type TypedDataTypes } from '@fanmesh/protocol';
import vectors from '@fanmesh/protocol-vectors';
import { envelopeSignedBy, typedSigner } from './device-signatures';

// The devices context's checks (libs/crypto's native path) against the wire contract's vectors.
describe('devices against the protocol vectors', () => {
  const device = vectors.keys.device;

  it('accepts every vector envelope from its device key, and nothing changed', () => {
    for (const e of vectors.envelopes) {
      expect(envelopeSignedBy(device.publicKey, e.deviceId, e.seq, e.sentAt, e.body, e.signature)).toBe(true);
      expect(envelopeSignedBy(device.publicKey, e.deviceId, e.seq + 1, e.sentAt, e.body, e.signature)).toBe(false);
      expect(envelopeSignedBy(device.publicKey, e.deviceId, e.seq, e.sentAt, e.body + ' ', e.signature)).toBe(false);
      expect(envelopeSignedBy(vectors.keys.owner.publicKey, e.deviceId, e.seq, e.sentAt, e.body, e.signature)).toBe(false);
    }
  });

  it('finds the signers of the pairing offer and of the registrations', () => {
    const offer = vectors.eip712.messages.find((m) => m.name === 'pairing offer')!;
    expect(offer.domain).toEqual(PAIRING_DOMAIN);
    expect(offer.types).toEqual(PAIRING_OFFER_TYPES);
    expect(typedSigner(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, offer.message, offer.signature)).toEqual({ address: device.address, publicKey: device.publicKey });
    for (const m of vectors.eip712.messages.filter((x) => x.name.startsWith('registration'))) {
      expect(m.types).toEqual(REGISTRATION_TYPES);
      expect(typedSigner(m.domain, m.types as unknown as TypedDataTypes, m.message, m.signature)?.address).toBe(m.signer);
    }
  });
});
