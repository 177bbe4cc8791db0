import { getBytes, hexlify, keccak256, Signature, SigningKey, toBeHex, Wallet } from 'ethers';

/** Test data for the crypto specs: keys from seeds (so fast-check can shrink), signatures made by ethers. */

export const CURVE_N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');

export function keyFromSeed(seed: Uint8Array | string): SigningKey {
  return new SigningKey(keccak256(typeof seed === 'string' ? Buffer.from(seed) : seed));
}

export function walletFromSeed(seed: Uint8Array | string): Wallet {
  return new Wallet(keyFromSeed(seed));
}

/** r||s||v (v = 27/28) as bytes. */
export function signDigest(key: SigningKey, digest: string | Uint8Array): Uint8Array {
  return getBytes(key.sign(digest).serialized);
}

/** The high-s twin of a signature: s -> n - s and v flipped. A valid ECDSA signature by the same key. */
export function highSTwin(signature: Uint8Array): Uint8Array {
  const sig = Signature.from(hexlify(signature));
  const twin = Uint8Array.from(signature);
  twin.set(getBytes(toBeHex(CURVE_N - BigInt(sig.s), 32)), 32);
  twin[64] = twin[64] === 27 ? 28 : 27;
  return twin;
}

/** A copy with byte `index` xor-ed with `mask`. */
export function flipped(bytes: Uint8Array, index: number, mask = 0xff): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index] ^= mask;
  return out;
}

/** The SignatureError code `fn` throws, 'no throw', or rethrows anything else. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error && error.name === 'SignatureError') return (error as Error & { code: string }).code;
    throw error;
  }
  return 'no throw';
}

/** What `fn` returns, or 'throws': to compare two implementations, errors included. */
export function outcome<T>(fn: () => T): T | 'throws' {
  try {
    return fn();
  } catch {
    return 'throws';
  }
}
