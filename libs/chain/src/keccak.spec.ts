import { randomBytes } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { keccak256Long } from './keccak';

describe('keccak256Long', () => {
  it('gives @noble/hashes’ keccak_256 digest at every length around the 136-byte rate, and on a large input', () => {
    for (const n of [0, 1, 31, 32, 135, 136, 137, 271, 272, 273, 1000, 65_536 + 7, 1_000_003]) {
      const data = randomBytes(n);
      expect(Buffer.from(keccak256Long(data)).toString('hex'), `${n} bytes`).toBe(Buffer.from(keccak_256(data)).toString('hex'));
    }
  });

  it('reads a view into a larger buffer at an odd offset exactly', () => {
    const buf = randomBytes(5000);
    const view = buf.subarray(3, 3 + 4321);
    expect(Buffer.from(keccak256Long(view)).toString('hex')).toBe(Buffer.from(keccak_256(view)).toString('hex'));
  });
});
