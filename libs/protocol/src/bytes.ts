/**
 * Byte helpers that run the same in a browser, a device agent and the API: no Buffer, no node:*.
 * Hex is 0x-prefixed lower case unless said otherwise.
 */

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 0x-prefixed lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let s = '0x';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

/** Lower-case hex without a prefix. */
export const toHexDigits = (bytes: Uint8Array): string => toHex(bytes).slice(2);

const nibble = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/** Writes hex digits (no prefix, even length) into `out` at `offset`; throws for anything that is not hex. */
export function writeHex(out: Uint8Array, offset: number, digits: string): void {
  if (digits.length & 1) throw new TypeError('hex must have an even number of digits');
  for (let i = 0; i < digits.length; i += 2) {
    const hi = nibble(digits.charCodeAt(i));
    const lo = nibble(digits.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) throw new TypeError(`not hex: ${digits}`);
    out[offset + i / 2] = (hi << 4) | lo;
  }
}

/** Bytes from hex with or without 0x; throws for anything else. */
export function fromHex(hex: string): Uint8Array {
  const digits = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  const out = new Uint8Array(digits.length >> 1);
  writeHex(out, 0, digits);
  return out;
}

// ---------------------------------------------------------------- base64url

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
B64_VALUE['+'.charCodeAt(0)] = 62;
B64_VALUE['/'.charCodeAt(0)] = 63;

/** base64url without padding, as Node's `Buffer#toString('base64url')` writes it. */
export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16;
    s += B64[n >> 18] + B64[(n >> 12) & 63];
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63];
  }
  return s;
}

/**
 * Decodes base64 or base64url exactly as Node's `Buffer.from(s, 'base64url')` does (the API decoded
 * scanned codes that way, and a phone must judge a code as the gate does): both alphabets, characters
 * outside them skipped, the first `=` ends the data, a trailing lone character is dropped, and each
 * UTF-16 unit is read by its low byte. A spec compares it with Buffer on random strings.
 */
export function fromBase64Url(s: string): Uint8Array {
  const out = new Uint8Array((s.length * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (c === 61) break; // '='
    const v = B64_VALUE[c];
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

// ---------------------------------------------------------------- ids on the wire

/** A UUID's 16 bytes as hex, in the case it was written (EIP-712 bytes16 values). */
export const uuidToBytes16 = (uuid: string): string => '0x' + uuid.replace(/-/g, '');

/** 16 bytes of hex (with or without 0x) as a dashed UUID. */
export const bytes16ToUuid = (hex: string): string => {
  const h = hex.replace(/^0x/, '');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** A UUID's 16 bytes, lower case: how the coverage digests carry ids. */
export const uuid16 = (uuid: string): string => '0x' + uuid.replace(/-/g, '').toLowerCase();

/** A UUID's 16 bytes left-aligned in a bytes32 (venue, moment and event ids on chain), in the case it was written. */
export const uuidToBytes32 = (uuid: string): string => '0x' + uuid.replace(/-/g, '').padEnd(64, '0');

/** The poll's id as the ballot and the attestor carry it: the UUID's 16 bytes, lower case, left-aligned in a bytes32. */
export const pollKey = (uuid: string): string => '0x' + uuid.replace(/-/g, '').toLowerCase().padEnd(64, '0');
