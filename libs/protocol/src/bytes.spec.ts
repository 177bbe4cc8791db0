import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../vectors.json';
import { bytes16ToUuid, fromBase64Url, fromHex, pollKey, toBase64Url, toHex, uuid16, uuidToBytes16, uuidToBytes32 } from './bytes';

// Node's own base64url codec is the reference: the API decoded scanned codes with it before this library.
const nodeBuffer = (globalThis as unknown as { Buffer: { from(s: string | Uint8Array, enc?: string): Uint8Array & { toString(enc: string): string } } }).Buffer;

describe('bytes', () => {
  it('writes base64url exactly as Node does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(toBase64Url(bytes)).toBe(nodeBuffer.from(bytes).toString('base64url'));
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("reads anything as Node's base64url decoder does (skipped characters, '=', both alphabets, UTF-16 units)", () => {
    const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. \n$é\u0141\u0155\u0000'.split(''), '\ud83d\ude00');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(alphabet, { maxLength: 130 }).map((a) => a.join('')),
          fc.string({ unit: 'binary', maxLength: 130 }),
        ),
        (s) => {
          expect(Array.from(fromBase64Url(s))).toEqual(Array.from(nodeBuffer.from(s, 'base64url')));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('turns hex into bytes and back, refusing anything that is not hex', () => {
    expect(toHex(fromHex('0xA1b2'))).toBe('0xa1b2');
    expect(toHex(fromHex('00ff'))).toBe('0x00ff');
    for (const bad of ['0x1', '0xzz', 'g0']) expect(() => fromHex(bad)).toThrow();
  });

  it('carries UUIDs as the vectors say', () => {
    for (const u of vectors.uuids) {
      expect(uuidToBytes16(u.uuid)).toBe(u.bytes16);
      expect(uuid16(u.uuid)).toBe(u.bytes16Lower);
      expect(uuidToBytes32(u.uuid)).toBe(u.bytes32);
      expect(pollKey(u.uuid)).toBe(u.pollKey);
      expect(bytes16ToUuid(uuidToBytes16(u.uuid))).toBe(u.roundTrip);
    }
  });
});
