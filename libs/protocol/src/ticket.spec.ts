import fc from 'fast-check';
import { getBytes, hashMessage, hexlify, SigningKey, TypedDataEncoder, Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import vectors from '../vectors.json';
import { TICKET_DOMAIN, TICKET_TYPES } from './eip712';
import { nobleRecoverAddress } from './noble';
import { decodeQr, encodeQr, qrDigest, qrMessageHash, qrSigner, signQr, ticketHash, ticketTypedValue, windowAt } from './ticket';

const holder = new Wallet(vectors.keys.holder.privateKey);
const uuid = () => crypto.randomUUID();

describe('tickets', () => {
  it('hashes tickets as the vectors say, and as ethers does', () => {
    for (const t of vectors.tickets) {
      expect(ticketTypedValue(t.claims)).toEqual(t.typedValue);
      expect(hexlify(ticketHash(t.claims))).toBe(t.digest);
      expect(TypedDataEncoder.hash(TICKET_DOMAIN, TICKET_TYPES, ticketTypedValue(t.claims))).toBe(t.digest);
      expect(new SigningKey(vectors.keys.issuer.privateKey).sign(t.digest).serialized).toBe(t.issuerSignature);
      expect(nobleRecoverAddress(getBytes(t.digest), t.issuerSignature)).toBe(vectors.keys.issuer.address);
    }
  });

  it('hashes random tickets as ethers does', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.string(), fc.string(), fc.string(), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (ticketId, eventId, section, seat, tier, version) => {
        const t = { ticketId, eventId, holder: vectors.keys.holder.address, section, seat, tier, version };
        if ([section, seat, tier].some((s) => !(s as string & { isWellFormed(): boolean }).isWellFormed())) return; // TextEncoder and ethers differ on lone surrogates
        expect(hexlify(ticketHash(t))).toBe(TypedDataEncoder.hash(TICKET_DOMAIN, TICKET_TYPES, ticketTypedValue(t)));
      }),
      { numRuns: 100 },
    );
  });
});

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
    const p = { ticketId: uuid(), version: 3, window: 123456789, signature: new Uint8Array(65).fill(7) };
    expect(decodeQr(encodeQr(p))).toEqual(p);
    for (const bad of ['', 'FM1.', 'FM2.' + encodeQr(p).slice(4), encodeQr(p) + 'AA', encodeQr(p).slice(0, -4), 'x'.repeat(500)]) expect(decodeQr(bad)).toBeUndefined();
  });

  it('makes and reads the codes in the vectors, and finds their signer', async () => {
    for (const q of vectors.qr) {
      expect(qrDigest(q.ticketId, q.version, q.window)).toBe(q.digest);
      expect(hexlify(qrMessageHash(q.ticketId, q.version, q.window))).toBe(q.messageHash);
      expect(holder.signMessageSync(getBytes(q.digest))).toBe(q.signature);
      expect(encodeQr({ ticketId: q.ticketId, version: q.version, window: q.window, signature: getBytes(q.signature) })).toBe(q.code);
      expect(await signQr(holder, q.ticketId, q.version, q.window)).toBe(q.code);
      const decoded = decodeQr(q.code)!;
      expect({ ...decoded, signature: hexlify(decoded.signature) }).toEqual({ ticketId: q.ticketId, version: q.version, window: q.window, signature: q.signature });
      expect(qrSigner(decoded, nobleRecoverAddress)).toBe(q.signer);
    }
    for (const l of vectors.qrLenient) {
      const d = decodeQr(l.code)!;
      expect({ ...d, signature: hexlify(d.signature) }).toEqual({ ticketId: l.ticketId, version: l.version, window: l.window, signature: l.signature });
    }
    for (const r of vectors.qrRejected) expect(decodeQr(r)).toBeUndefined();
  });

  it('says no signer for a code signed by nobody or for another window', () => {
    const q = vectors.qr[1];
    const d = decodeQr(q.code)!;
    expect(qrSigner({ ...d, window: d.window + 1 }, nobleRecoverAddress)).not.toBe(q.signer);
    expect(qrSigner({ ...d, signature: new Uint8Array(65) }, nobleRecoverAddress)).toBeUndefined();
  });

  it('refuses values that do not fit the code', () => {
    const p = { ticketId: uuid(), version: 1, window: 1, signature: new Uint8Array(65) };
    for (const bad of [{ version: -1 }, { version: 2 ** 32 }, { version: 1.5 }, { window: -1 }, { window: 2 ** 64 }, { ticketId: 'not-a-uuid' }]) {
      expect(() => encodeQr({ ...p, ...bad })).toThrow();
      expect(() => qrMessageHash(bad.ticketId ?? p.ticketId, bad.version ?? p.version, bad.window ?? p.window)).toThrow();
    }
  });

  it('rotates every 15 seconds', () => {
    expect(windowAt(0)).toBe(0);
    expect(windowAt(14_999)).toBe(0);
    expect(windowAt(15_000)).toBe(1);
    expect(windowAt(Date.parse('2026-12-20T20:00:07.000Z'))).toBe(vectors.qr[2].window);
  });
});
