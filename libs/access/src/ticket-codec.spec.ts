import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { getBytes, hashMessage, hexlify } from 'ethers';
import { describe, expect, it } from 'vitest';
import { decodeQr, encodeQr, qrDigest, qrMessageHash } from './ticket-codec';

describe('ticket codes', () => {
  it('hashes a QR window exactly as ethers hashMessage over the digest', () => {
    fc.assert(
      fc.property(fc.uuid({ version: 4 }), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 0, max: 2 ** 40 }), (id, version, window) => {
        expect(hexlify(qrMessageHash(id, version, window))).toBe(hashMessage(getBytes(qrDigest(id, version, window))));
      }),
      { numRuns: 200 },
    );
  });

  it('decodes what it encodes and refuses anything else', () => {
    const p = { ticketId: randomUUID(), version: 3, window: 123456789, signature: new Uint8Array(65).fill(7) };
    expect(decodeQr(encodeQr(p))).toEqual(p);
    for (const bad of ['', 'FM1.', 'FM2.' + encodeQr(p).slice(4), encodeQr(p) + 'AA', encodeQr(p).slice(0, -4), 'x'.repeat(500)]) expect(decodeQr(bad)).toBeUndefined();
  });
});
