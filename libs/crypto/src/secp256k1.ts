import { computeAddress, getBytes, hashMessage, SigningKey, TypedDataDomain, TypedDataEncoder, TypedDataField } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';

/**
 * Signature checks for device messages, fan actions and ticket codes. The native libsecp256k1
 * addon (the `secp256k1` package's prebuilt binary) is ~30x faster than ethers' pure-JS recovery
 * (bench/verify), so it serves the hot paths; ethers is the fallback where no binary loads.
 *
 * Convention: malformed input (wrong length, bad recovery id, high s) yields `undefined` from the
 * recover functions and `false` from the verify functions; nothing here throws on attacker input.
 */
type Native = {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
  publicKeyConvert(pub: Uint8Array, compressed: boolean): Uint8Array;
};
let native: Native | undefined;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  native = require('secp256k1/bindings') as Native;
} catch {
  native = undefined;
}

export const cryptoBackend: 'native-libsecp256k1' | 'ethers' = native ? 'native-libsecp256k1' : 'ethers';

const HALF_N = BigInt('0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0');

export type Bytes = string | Uint8Array;
const bytes = (b: Bytes): Uint8Array => (typeof b === 'string' ? getBytes(b) : b);

/** Splits r||s||v; undefined unless 65 bytes with v in {0,1,27,28} and a low, non-zero s. */
function split(signature: Bytes): { rs: Uint8Array; recid: number } | undefined {
  let sig: Uint8Array;
  try {
    sig = bytes(signature);
  } catch {
    return undefined;
  }
  if (sig.length !== 65) return undefined;
  const recid = sig[64] >= 27 ? sig[64] - 27 : sig[64];
  if (recid !== 0 && recid !== 1) return undefined;
  const s = BigInt('0x' + Buffer.from(sig.subarray(32, 64)).toString('hex'));
  if (s === 0n || s > HALF_N) return undefined; // malleable twin of a valid signature
  return { rs: sig.subarray(0, 64), recid };
}

/** The lower-case address that signed a 32-byte digest. */
export function recoverDigestSigner(digest: Bytes, signature: Bytes): string | undefined {
  const parts = split(signature);
  let msg: Uint8Array;
  try {
    msg = bytes(digest);
  } catch {
    return undefined;
  }
  if (!parts || msg.length !== 32) return undefined;
  try {
    if (native) {
      const pub = native.ecdsaRecover(parts.rs, parts.recid, msg, false);
      return '0x' + Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString('hex');
    }
    const sig = '0x' + Buffer.from(parts.rs).toString('hex') + (27 + parts.recid).toString(16);
    return computeAddress(SigningKey.recoverPublicKey(msg, sig)).toLowerCase();
  } catch {
    return undefined;
  }
}

export function verifyDigest(digest: Bytes, signature: Bytes, expected: string): boolean {
  return recoverDigestSigner(digest, signature) === expected.toLowerCase();
}

/** EIP-191 personal_sign. */
export function recoverPersonalSigner(message: string | Uint8Array, signature: Bytes): string | undefined {
  return recoverDigestSigner(hashMessage(message), signature);
}

export function verifyPersonal(message: string | Uint8Array, signature: Bytes, expected: string): boolean {
  return recoverPersonalSigner(message, signature) === expected.toLowerCase();
}

/** EIP-712: the same digest as ethers' TypedDataEncoder.hash. */
export function hashTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): string {
  return TypedDataEncoder.hash(domain, types, value);
}

export function recoverTypedDataSigner(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>, signature: Bytes): string | undefined {
  return recoverDigestSigner(hashTypedData(domain, types, value), signature);
}

export function verifyTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>, signature: Bytes, expected: string): boolean {
  return recoverTypedDataSigner(domain, types, value, signature) === expected.toLowerCase();
}

/**
 * The fast path for a signer whose public key is already known (devices register theirs): a plain
 * ECDSA verify skips the recovery step.
 */
export function verifyDigestWithPublicKey(digest: Bytes, signature: Bytes, publicKey: Bytes): boolean {
  const parts = split(signature);
  if (!parts) return false;
  try {
    const msg = bytes(digest);
    const pub = bytes(publicKey);
    if (native) return native.ecdsaVerify(parts.rs, msg, pub);
    const sig = '0x' + Buffer.from(parts.rs).toString('hex') + (27 + parts.recid).toString(16);
    return SigningKey.recoverPublicKey(msg, sig) === SigningKey.computePublicKey(pub, false);
  } catch {
    return false;
  }
}

export function publicKeyToAddress(publicKey: Bytes): string {
  return computeAddress(SigningKey.computePublicKey(bytes(publicKey), false)).toLowerCase();
}

export function compressPublicKey(publicKey: Bytes): string {
  return SigningKey.computePublicKey(bytes(publicKey), true);
}
