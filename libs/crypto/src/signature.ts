import { bytesToHex, compareBytes, hexToBytes, isZero } from './bytes';
import { SignatureError } from './signature.error';

/** 65 bytes r||s||v (v in {27, 28} or {0, 1}), as bytes or hex with or without 0x. */
export type SignatureInput = string | Uint8Array;

/** The curve order n and n/2, big-endian. */
const N = hexToBytes('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')!;
const HALF_N = hexToBytes('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0')!;

export interface ParsedSignature {
  /** r||s, 64 bytes (a view into the input where the input was bytes). */
  compact: Uint8Array;
  /** 0 or 1; -1 for a 64-byte signature (no v), accepted only where the public key is known. */
  recovery: number;
}

/**
 * Splits and checks a signature. Throws `malformed_signature` for a wrong length, bad hex, v not in
 * {0, 1, 27, 28}, r or s outside [1, n-1]; `malleable_signature` for s > n/2. With `allowCompact`,
 * 64 bytes r||s are accepted too (the known-key path, where v is not needed).
 */
export function parseSignature(signature: SignatureInput, allowCompact = false): ParsedSignature {
  const bytes = signature instanceof Uint8Array ? signature : typeof signature === 'string' ? hexToBytes(signature) : undefined;
  if (!bytes) throw new SignatureError('malformed_signature', 'A signature is bytes or hex.');
  let recovery = -1;
  if (bytes.length === 65) {
    const v = bytes[64];
    recovery = v === 27 || v === 28 ? v - 27 : v === 0 || v === 1 ? v : -1;
    if (recovery < 0) throw new SignatureError('malformed_signature', `The signature's recovery byte v is ${v}; it must be 27, 28, 0 or 1.`);
  } else if (!(allowCompact && bytes.length === 64)) {
    throw new SignatureError('malformed_signature', `A signature is 65 bytes r||s||v${allowCompact ? ' (or 64 bytes r||s)' : ''}, not ${bytes.length}.`);
  }
  const r = bytes.subarray(0, 32);
  const s = bytes.subarray(32, 64);
  if (isZero(r) || compareBytes(r, N) >= 0) throw new SignatureError('malformed_signature', "The signature's r is outside [1, n-1].");
  if (isZero(s) || compareBytes(s, N) >= 0) throw new SignatureError('malformed_signature', "The signature's s is outside [1, n-1].");
  if (compareBytes(s, HALF_N) > 0) throw new SignatureError('malleable_signature', "The signature's s is in the upper half of the curve order (EIP-2): a malleated twin.");
  return { compact: bytes.subarray(0, 64), recovery };
}

/**
 * The canonical 0x-hex form of a well-formed signature: r||s||v with v in {27, 28}, as ethers'
 * `Signature.serialized`. Throws as `parseSignature` does (and for 64 bytes: the form needs v).
 */
export function normalizeSignature(signature: SignatureInput): string {
  const { compact, recovery } = parseSignature(signature);
  const out = new Uint8Array(65);
  out.set(compact);
  out[64] = 27 + recovery;
  return bytesToHex(out);
}
