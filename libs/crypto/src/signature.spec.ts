import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getBytes, hexlify, id, toBeHex, Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf, CURVE_N, flipped, highSTwin, keyFromSeed, signDigest } from './crypto.factories';
import { normalizeSignature, recoverDigestSigner, verifyDigest, verifyDigestWithPublicKey } from './index';

const key = keyFromSeed('signature spec');
const address = new Wallet(key).address;
const digest = id('a gate scan');
const sig = signDigest(key, digest);

describe('signature encodings', () => {
  it('accepts v as 27/28 or 0/1, and hex with or without 0x, all to the same signer', () => {
    const zeroOne = Uint8Array.from(sig);
    zeroOne[64] -= 27;
    const hex = hexlify(sig);
    for (const form of [sig, zeroOne, hex, hex.slice(2), hex.toUpperCase().replace('0X', '0x'), hexlify(zeroOne).slice(2)]) {
      expect(recoverDigestSigner(digest, form)).toBe(address);
    }
  });

  it('normalizes every accepted form to ethers serialized form', () => {
    const zeroOne = Uint8Array.from(sig);
    zeroOne[64] -= 27;
    expect(normalizeSignature(zeroOne)).toBe(hexlify(sig));
    expect(normalizeSignature(hexlify(sig).slice(2).toUpperCase())).toBe(hexlify(sig));
  });

  it('refuses malformed lengths, bad hex and non-signatures as malformed_signature', () => {
    const hex = hexlify(sig);
    for (const bad of ['', '0x', '0x1234', hex + '00', hex.slice(0, -2), hex.slice(0, -1), hex.slice(0, -2) + 'zz', 'not hex at all', sig.subarray(0, 64), new Uint8Array(66)]) {
      expect(codeOf(() => recoverDigestSigner(digest, bad))).toBe('malformed_signature');
      expect(codeOf(() => verifyDigest(digest, bad, address))).toBe('malformed_signature');
    }
    expect(codeOf(() => verifyDigest(digest, 42 as never, address))).toBe('malformed_signature');
  });

  it('refuses recovery ids other than 0, 1, 27 and 28', () => {
    for (const v of [2, 3, 26, 29, 35, 36, 255]) {
      const bad = Uint8Array.from(sig);
      bad[64] = v;
      expect(codeOf(() => recoverDigestSigner(digest, bad))).toBe('malformed_signature');
      expect(codeOf(() => verifyDigestWithPublicKey(digest, bad, key.publicKey))).toBe('malformed_signature');
    }
  });

  it('refuses r or s of zero or at least the curve order', () => {
    const n = getBytes(toBeHex(CURVE_N, 32));
    for (const [offset, value] of [
      [0, new Uint8Array(32)],
      [32, new Uint8Array(32)],
      [0, n],
      [32, n],
      [0, new Uint8Array(32).fill(0xff)],
    ] as const) {
      const bad = Uint8Array.from(sig);
      bad.set(value, offset);
      expect(codeOf(() => recoverDigestSigner(digest, bad))).toBe('malformed_signature');
    }
  });

  it('refuses the high-s twin of a valid signature', () => {
    const twin = highSTwin(sig);
    // the twin is a valid ECDSA signature by the same key, which is why it must be refused (EIP-2)
    const recovered = secp256k1.Signature.fromBytes(twin.subarray(0, 64), 'compact')
      .addRecoveryBit(twin[64] - 27)
      .recoverPublicKey(getBytes(digest));
    expect(hexlify(recovered.toBytes(false))).toBe(key.publicKey);
    expect(codeOf(() => recoverDigestSigner(digest, twin))).toBe('malleable_signature');
    expect(codeOf(() => verifyDigest(digest, twin, address))).toBe('malleable_signature');
    expect(codeOf(() => verifyDigestWithPublicKey(digest, twin, key.compressedPublicKey))).toBe('malleable_signature');
    expect(codeOf(() => normalizeSignature(twin))).toBe('malleable_signature');
  });

  it('answers false, not a throw, for a well-formed signature with a changed r', () => {
    for (let i = 0; i < 8; i++) {
      const edited = flipped(sig, i, 1 << i);
      expect(verifyDigest(digest, edited, address)).toBe(false);
      expect(verifyDigestWithPublicKey(digest, edited, key.publicKey)).toBe(false);
    }
  });

  it('throws bad_signature from recover when no key recovers', () => {
    // r = 5 is not the x of a point on secp256k1 (5^3 + 7 is no square mod p)
    const bad = Uint8Array.from(sig);
    bad.set(getBytes(toBeHex(5n, 32)), 0);
    expect(codeOf(() => recoverDigestSigner(digest, bad))).toBe('bad_signature');
    expect(verifyDigest(digest, bad, address)).toBe(false);
  });
});
