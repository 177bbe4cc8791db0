import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, utf8 } from './bytes';

/**
 * Signature recovery is injected, never chosen here: the API passes libs/crypto (libsecp256k1 when
 * its addon loads), the PWA passes `nobleRecoverAddress` (./noble), a device agent passes its own.
 *
 * `recover` gives the address (any case) whose key signed the 32-byte digest, and throws for a
 * malformed, malleable (high-s) or unrecoverable signature. libs/crypto's `recoverDigestSigner` is one.
 */
export type RecoverAddress = (digest: Uint8Array, signature: Uint8Array | string) => string;

/** What signs EIP-191 personal messages: an ethers Wallet, or anything with the same method. */
export interface PersonalSigner {
  signMessage(message: Uint8Array): Promise<string>;
}

/** What signs raw 32-byte digests (device keys: envelopes, challenges): an ethers SigningKey's `sign(d).serialized`. */
export type DigestSigner = (digest: Uint8Array) => string | Promise<string>;

const EIP191_32 = utf8('\x19Ethereum Signed Message:\n32');

/** keccak256 over bytes, as bytes. */
export const keccak256Bytes = (data: Uint8Array): Uint8Array => keccak_256(data);

/**
 * The EIP-191 hash a wallet signs for `signMessage(digest)` over 32 bytes: ethers'
 * `hashMessage(getBytes(digest))`, without its generic encoders.
 */
export function personalHash32(digest: Uint8Array | string): Uint8Array {
  const d = typeof digest === 'string' ? fromHex(digest) : digest;
  if (d.length !== 32) throw new TypeError('a digest is 32 bytes');
  const msg = new Uint8Array(EIP191_32.length + 32);
  msg.set(EIP191_32, 0);
  msg.set(d, EIP191_32.length);
  return keccak_256(msg);
}

/** `recover`'s answer in lower case (as the API stores addresses), or undefined for any bad signature. */
export function recoverLower(recover: RecoverAddress, digest: Uint8Array, signature: Uint8Array | string): string | undefined {
  try {
    return recover(digest, signature).toLowerCase();
  } catch {
    return undefined;
  }
}
