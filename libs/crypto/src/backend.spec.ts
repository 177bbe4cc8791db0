import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, nobleBackend, passesSelfTest, Secp256k1Backend } from './backend';
import { keyFromSeed, signDigest } from './crypto.factories';
import { hexToBytes } from './bytes';

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

describe('curve backends', () => {
  it('loads the native addon, which passes its known-answer self-test', () => {
    expect(backend.name).toBe('native');
    expect(passesSelfTest(backend)).toBe(true);
    expect(passesSelfTest(nobleBackend)).toBe(true);
  });

  it('rejects a backend that answers wrongly', () => {
    const liar: Secp256k1Backend = { ...nobleBackend, verify: () => true };
    expect(passesSelfTest(liar)).toBe(false);
    const thrower: Secp256k1Backend = {
      ...nobleBackend,
      recover: () => {
        throw new Error('boom');
      },
    };
    expect(passesSelfTest(thrower)).toBe(false);
  });

  it('gives the same answers on the noble fallback as on the native addon, for good and garbage input (property)', () => {
    fc.assert(
      fc.property(bytes32, bytes32, fc.boolean(), bytes32, (seed, digest, tamper, garbage) => {
        const key = keyFromSeed(seed);
        const signed = signDigest(key, digest);
        const sig = signed.subarray(0, 64);
        const recovery = signed[64] - 27;
        const compact = tamper ? Uint8Array.from([...garbage, ...sig.subarray(32)]) : sig; // r replaced: maybe no point
        const pub = hexToBytes(key.publicKey)!;
        const compressed = hexToBytes(key.compressedPublicKey)!;
        const other = Uint8Array.from(digest);
        other[0] ^= 1;
        for (const pk of [pub, compressed]) {
          expect(nobleBackend.verify(compact, digest, pk)).toBe(backend.verify(compact, digest, pk));
          expect(nobleBackend.verify(compact, other, pk)).toBe(backend.verify(compact, other, pk));
        }
        for (const rec of [0, 1]) expect(hex(nobleBackend.recover(compact, rec, digest))).toBe(hex(backend.recover(compact, rec, digest)));
        expect(hex(nobleBackend.recover(sig, recovery, digest))).toBe(hex(pub));
        expect(hex(nobleBackend.convert(pub, true))).toBe(hex(backend.convert(pub, true)));
        expect(hex(nobleBackend.convert(compressed, false))).toBe(hex(backend.convert(compressed, false)));
        const notAKey = Uint8Array.from([2, ...garbage]);
        expect(hex(nobleBackend.convert(notAKey, false))).toBe(hex(backend.convert(notAKey, false)));
        expect(nobleBackend.verify(sig, digest, notAKey)).toBe(backend.verify(sig, digest, notAKey));
      }),
      { numRuns: 25 },
    );
  });
});
