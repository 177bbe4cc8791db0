import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, toHex } from './bytes';
import type { RecoverAddress } from './crypto';

const N = secp256k1.Point.CURVE().n;
const HALF_N = N >> 1n;

const int = (b: Uint8Array): bigint => BigInt(toHex(b));

/**
 * Address recovery in pure JS (@noble/curves), for browsers and agents without libs/crypto. Same
 * rules as the API's native path: 65 bytes r||s||v, v in {27, 28} or {0, 1}, 1 <= r, s < n and s
 * low (EIP-2: a high s is someone's signature edited, never a wallet's output). Throws otherwise.
 */
export const nobleRecoverAddress: RecoverAddress = (digest, signature) => {
  const sig = typeof signature === 'string' ? fromHex(signature) : signature;
  if (digest.length !== 32) throw new TypeError('a digest is 32 bytes');
  if (sig.length !== 65) throw new TypeError('a signature is 65 bytes r || s || v');
  const v = sig[64];
  const recovery = v === 27 || v === 28 ? v - 27 : v === 0 || v === 1 ? v : -1;
  if (recovery < 0) throw new TypeError('bad signature v');
  const r = int(sig.subarray(0, 32));
  const s = int(sig.subarray(32, 64));
  if (r === 0n || r >= N || s === 0n || s > HALF_N) throw new TypeError('signature out of range or malleable (high s)');
  const publicKey = secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact').addRecoveryBit(recovery).recoverPublicKey(digest).toBytes(false);
  return toHex(keccak_256(publicKey.subarray(1)).subarray(12));
};
