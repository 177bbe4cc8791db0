import fc from 'fast-check';
import { getBytes, hashMessage, keccak256, Signature, SigningKey, TypedDataEncoder, Wallet, verifyMessage, verifyTypedData as ethersVerifyTypedData } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  compressPublicKey,
  cryptoBackend,
  hashTypedData,
  publicKeyToAddress,
  recoverDigestSigner,
  recoverPersonalSigner,
  recoverTypedDataSigner,
  verifyDigestWithPublicKey,
  verifyPersonal,
} from './secp256k1';

const domain = { name: 'FanMesh', version: '1', chainId: 31337 };
const types = { Reading: [{ name: 'device', type: 'address' }, { name: 'seq', type: 'uint64' }, { name: 'value', type: 'int256' }] };

describe('signature helpers', () => {
  it('uses the native backend on this machine', () => {
    expect(cryptoBackend).toBe('native-libsecp256k1');
  });

  it('recovers exactly what ethers recovers, for random keys and messages (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string(), (seed, text) => {
        const key = new SigningKey(keccak256(seed));
        const wallet = new Wallet(key);
        const sig = key.sign(hashMessage(text)).serialized;
        expect(recoverPersonalSigner(text, sig)).toBe(verifyMessage(text, sig).toLowerCase());
        expect(verifyPersonal(text, sig, wallet.address)).toBe(true);
        const digest = keccak256(seed);
        const raw = key.sign(digest).serialized;
        expect(recoverDigestSigner(digest, raw)).toBe(wallet.address.toLowerCase());
        expect(verifyDigestWithPublicKey(digest, raw, key.compressedPublicKey)).toBe(true);
        expect(verifyDigestWithPublicKey(digest, raw, new SigningKey(keccak256(digest)).compressedPublicKey)).toBe(false);
        expect(publicKeyToAddress(key.publicKey)).toBe(wallet.address.toLowerCase());
        expect(compressPublicKey(key.publicKey)).toBe(key.compressedPublicKey);
      }),
      { numRuns: 60 },
    );
  });

  it('hashes and recovers EIP-712 data as ethers does', async () => {
    const wallet = Wallet.createRandom();
    const value = { device: wallet.address, seq: 42n, value: -7n };
    const sig = await wallet.signTypedData(domain, types, value);
    expect(hashTypedData(domain, types, value)).toBe(TypedDataEncoder.hash(domain, types, value));
    expect(recoverTypedDataSigner(domain, types, value, sig)).toBe(ethersVerifyTypedData(domain, types, value, sig).toLowerCase());
  });

  it('refuses a high-s (malleable) twin of a valid signature', () => {
    const key = new SigningKey(keccak256('0x01'));
    const digest = keccak256('0x02');
    const sig = Signature.from(key.sign(digest));
    const n = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
    const twin = getBytes(sig.serialized);
    twin.set(getBytes('0x' + (n - BigInt(sig.s)).toString(16).padStart(64, '0')), 32);
    twin[64] = twin[64] === 27 ? 28 : 27;
    expect(recoverDigestSigner(digest, twin)).toBeUndefined();
    expect(verifyDigestWithPublicKey(digest, twin, key.compressedPublicKey)).toBe(false);
  });

  it('answers malformed input with undefined/false, never a throw', () => {
    const digest = keccak256('0x02');
    for (const bad of ['0x', '0x1234', 'not hex', '0x' + '11'.repeat(64) + '05', '0x' + '00'.repeat(65)]) {
      expect(recoverDigestSigner(digest, bad)).toBeUndefined();
      expect(verifyDigestWithPublicKey(digest, bad, '0x02' + '11'.repeat(32))).toBe(false);
    }
    expect(recoverDigestSigner('0x1234', '0x' + '11'.repeat(65))).toBeUndefined();
  });
});
