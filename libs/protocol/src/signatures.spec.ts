import { computeAddress, getBytes, hashMessage, hexlify, recoverAddress, Signature, SigningKey, TypedDataEncoder, Wallet } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../vectors.json';
import { challengeDigest, witnessDigest } from './coverage';
import { personalHash32 } from './crypto';
import * as eip712 from './eip712';
import { envelopeDigest, signEnvelope } from './envelope';
import { nobleRecoverAddress } from './noble';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('device envelopes', () => {
  it('digests and signs the envelopes in the vectors', async () => {
    const device = new SigningKey(vectors.keys.device.privateKey);
    for (const e of vectors.envelopes) {
      expect(envelopeDigest(e.deviceId, e.seq, e.sentAt, e.body)).toBe(e.digest);
      expect(await signEnvelope((d) => device.sign(d).serialized, e.deviceId, e.seq, e.body, e.sentAt)).toEqual({
        deviceId: e.deviceId,
        seq: e.seq,
        sentAt: e.sentAt,
        body: e.body,
        signature: e.signature,
      });
      expect(nobleRecoverAddress(getBytes(e.digest), e.signature)).toBe(vectors.keys.device.address);
    }
  });
});

describe('coverage challenges and witnesses', () => {
  it('digests challenges and witnesses as the vectors say, signed by the hotspot and the fan', () => {
    for (const c of vectors.challenges) {
      expect(challengeDigest(c.challenge)).toBe(c.digest);
      expect(nobleRecoverAddress(getBytes(c.digest), c.hotspotSignature)).toBe(vectors.keys.hotspot.address);
    }
    for (const w of vectors.witnesses) {
      expect(witnessDigest(w.challengeDigest, w.fan, w.eventId, w.signedAt)).toBe(w.digest);
      expect(hexlify(personalHash32(w.digest))).toBe(hashMessage(getBytes(w.digest)));
      expect(nobleRecoverAddress(personalHash32(w.digest), w.fanSignature)).toBe(w.signer);
    }
  });
});

describe('EIP-712 domains and types', () => {
  it('holds the tables of the vectors', () => {
    const t = vectors.eip712.tables;
    expect([eip712.TICKET_DOMAIN, eip712.TICKET_TYPES, eip712.MERCH_DOMAIN, eip712.MERCH_TYPES, eip712.PAIRING_DOMAIN, eip712.PAIRING_OFFER_TYPES]).toEqual([
      t.TICKET_DOMAIN,
      t.TICKET_TYPES,
      t.MERCH_DOMAIN,
      t.MERCH_TYPES,
      t.PAIRING_DOMAIN,
      t.PAIRING_OFFER_TYPES,
    ]);
    expect([eip712.REGISTRATION_TYPES, eip712.DEVICE_TRANSFER_TYPES, eip712.CLAIM_TYPES, eip712.BALLOT_TYPES, eip712.PERMIT_TYPES]).toEqual([
      t.REGISTRATION_TYPES,
      t.DEVICE_TRANSFER_TYPES,
      t.CLAIM_TYPES,
      t.BALLOT_TYPES,
      t.PERMIT_TYPES,
    ]);
    expect(eip712.DOMAIN_NAMES).toEqual(vectors.constants.domainNames);
    expect(vectors.pairing).toMatchObject({ domain: eip712.PAIRING_DOMAIN, types: eip712.PAIRING_OFFER_TYPES, registrationTypes: eip712.REGISTRATION_TYPES });
  });

  it('gives the digests of the vectors, signed by their signers', () => {
    for (const m of vectors.eip712.messages) {
      expect(TypedDataEncoder.hash(m.domain, m.types as unknown as eip712.TypedDataTypes, m.message)).toBe(m.digest);
      expect(nobleRecoverAddress(getBytes(m.digest), m.signature)).toBe(m.signer);
    }
    const { chainId, verifyingContract } = vectors.constants;
    const ballot = (name: string) => vectors.eip712.messages.find((m) => m.name === name)!.domain;
    expect(eip712.ballotDomain(chainId, verifyingContract)).toEqual(ballot('ballot'));
    expect(eip712.ballotDomain(undefined, undefined)).toEqual(ballot('ballot, chain off'));
    expect(eip712.ballotDomain(chainId, undefined)).toEqual(ballot('ballot, chain off'));
  });
});

describe('noble recovery (the browser path)', () => {
  it('recovers what ethers recovers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret, digest) => {
        if (secret.every((b) => b === 0) || BigInt(hexlify(secret)) >= N) return;
        const key = new SigningKey(hexlify(secret));
        const sig = key.sign(digest).serialized;
        expect(nobleRecoverAddress(digest, sig)).toBe(computeAddress(key.publicKey).toLowerCase());
        expect(nobleRecoverAddress(digest, getBytes(sig))).toBe(recoverAddress(digest, sig).toLowerCase());
        // v as 0/1
        const raw = getBytes(sig);
        raw[64] -= 27;
        expect(nobleRecoverAddress(digest, raw)).toBe(computeAddress(key.publicKey).toLowerCase());
      }),
      { numRuns: 50 },
    );
  });

  it('refuses malleable, malformed and out-of-range signatures', () => {
    const wallet = Wallet.createRandom();
    const digest = getBytes(hashMessage('x'));
    const s = Signature.from(wallet.signingKey.sign(digest));
    const high = s.r + (N - BigInt(s.s)).toString(16).padStart(64, '0') + (s.v === 27 ? '1c' : '1b');
    expect(() => nobleRecoverAddress(digest, high)).toThrow();
    expect(() => nobleRecoverAddress(digest, s.serialized.slice(0, -2) + '1d')).toThrow();
    expect(() => nobleRecoverAddress(digest, s.serialized.slice(0, -2))).toThrow();
    expect(() => nobleRecoverAddress(digest, '0x' + '00'.repeat(65))).toThrow();
    expect(() => nobleRecoverAddress(digest.subarray(1), s.serialized)).toThrow();
    expect(() => nobleRecoverAddress(digest, '0x' + 'ff'.repeat(32) + s.s.slice(2) + '1b')).toThrow();
  });
});
