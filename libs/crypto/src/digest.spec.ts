import fc from 'fast-check';
import { computeAddress, getBytes, hexlify, recoverAddress, SigningKey } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf, keyFromSeed, signDigest } from './crypto.factories';
import { compressPublicKey, cryptoBackend, decompressPublicKey, publicKeyToAddress, recoverDigestSigner, recoverPublicKey, verifyDigest, verifyDigestWithPublicKey } from './index';

const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('raw digests', () => {
  it('runs on the native libsecp256k1 addon on this machine', () => {
    expect(cryptoBackend).toBe('native');
  });

  it('recovers exactly the address and public key ethers recovers (property)', () => {
    fc.assert(
      fc.property(seed, seed, (keySeed, digestBytes) => {
        const key = keyFromSeed(keySeed);
        const sig = signDigest(key, digestBytes);
        const hex = hexlify(sig);
        expect(recoverDigestSigner(digestBytes, sig)).toBe(recoverAddress(digestBytes, hex));
        expect(recoverPublicKey(hexlify(digestBytes), hex)).toBe(SigningKey.recoverPublicKey(digestBytes, hex));
        expect(verifyDigest(digestBytes, hex, computeAddress(key.publicKey).toLowerCase())).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('verifies against a known public key in every encoding, and refuses another key (property)', () => {
    fc.assert(
      fc.property(seed, seed, (keySeed, digestBytes) => {
        const key = keyFromSeed(keySeed);
        const other = keyFromSeed(digestBytes);
        const sig = signDigest(key, digestBytes);
        for (const pub of [key.publicKey, key.compressedPublicKey, getBytes(key.publicKey).subarray(1), key.compressedPublicKey.slice(2)]) {
          expect(verifyDigestWithPublicKey(digestBytes, sig, pub)).toBe(true);
          expect(verifyDigestWithPublicKey(digestBytes, sig.subarray(0, 64), pub)).toBe(true); // r||s without v
        }
        expect(verifyDigestWithPublicKey(digestBytes, sig, other.compressedPublicKey)).toBe(false);
        expect(verifyDigest(digestBytes, sig, computeAddress(other.publicKey))).toBe(false);
        const otherDigest = Uint8Array.from(digestBytes);
        otherDigest[31] ^= 1;
        expect(verifyDigestWithPublicKey(otherDigest, sig, key.publicKey)).toBe(false);
        expect(verifyDigest(otherDigest, sig, computeAddress(key.publicKey))).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('derives addresses and key encodings exactly as ethers (property)', () => {
    fc.assert(
      fc.property(seed, (keySeed) => {
        const key = keyFromSeed(keySeed);
        for (const pub of [key.publicKey, key.compressedPublicKey, getBytes(key.publicKey).subarray(1)]) {
          expect(publicKeyToAddress(pub)).toBe(computeAddress(key.publicKey));
          expect(compressPublicKey(pub)).toBe(key.compressedPublicKey);
          expect(decompressPublicKey(pub)).toBe(key.publicKey);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses digests that are not 32 bytes, keys that are not points and addresses that are not 20 bytes', () => {
    const key = keyFromSeed('digest spec');
    const digest = new Uint8Array(32).fill(7);
    const sig = signDigest(key, digest);
    expect(codeOf(() => recoverDigestSigner(digest.subarray(0, 31), sig))).toBe('malformed_input');
    expect(codeOf(() => verifyDigest('0x1234', sig, computeAddress(key.publicKey)))).toBe('malformed_input');
    expect(codeOf(() => verifyDigest(digest, sig, '0x1234'))).toBe('malformed_input');
    expect(codeOf(() => verifyDigest(digest, sig, 'bob.eth'))).toBe('malformed_input');
    const notOnCurve = '0x02' + '00'.repeat(31) + '05';
    for (const pub of [notOnCurve, '0x04' + '11'.repeat(64), '0x06' + key.publicKey.slice(4), key.privateKey, '0x', 'zz']) {
      expect(codeOf(() => verifyDigestWithPublicKey(digest, sig, pub))).toBe('malformed_input');
      expect(codeOf(() => publicKeyToAddress(pub))).toBe('malformed_input');
    }
  });

  it('compares the expected address whatever its case', () => {
    const key = keyFromSeed('case');
    const digest = new Uint8Array(32).fill(9);
    const sig = signDigest(key, digest);
    const address = computeAddress(key.publicKey);
    for (const form of [address, address.toLowerCase(), '0x' + address.slice(2).toUpperCase(), address.slice(2)]) expect(verifyDigest(digest, sig, form)).toBe(true);
  });
});
