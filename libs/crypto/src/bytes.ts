import { keccak_256 } from '@noble/hashes/sha3.js';

/** Bytes, or hex with or without a 0x prefix. */
export type BytesInput = string | Uint8Array;

/**
 * Strict hex to bytes: even length, hex digits only, optional 0x/0X. Undefined otherwise.
 * Buffer's decoder stops at the first bad pair, so a short result means a bad character.
 */
export function hexToBytes(hex: string): Uint8Array | undefined {
  const start = hex.length >= 2 && hex.charCodeAt(0) === 48 && (hex.charCodeAt(1) | 0x20) === 120 ? 2 : 0; // "0x" / "0X"
  const digits = hex.length - start;
  if (digits & 1) return undefined;
  const out = Buffer.from(start ? hex.slice(start) : hex, 'hex');
  return out.length * 2 === digits ? out : undefined;
}

/** Bytes from bytes or hex; undefined for anything else. */
export function toBytes(input: unknown): Uint8Array | undefined {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'string') return hexToBytes(input);
  return undefined;
}

/** 0x-prefixed lower-case hex. */
export function bytesToHex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * keccak-256 (@noble/hashes: 1.2-1.9x ethers' `keccak256`, which round-trips through hex; bench/verify
 * measures both).
 */
export function keccak(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** Unsigned big-endian comparison of two equal-length byte strings. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function equalBytes(a: Uint8Array, b: Uint8Array, bOffset = 0, length = a.length): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[bOffset + i]) return false;
  return true;
}

export function isZero(a: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}
