import { hexlify } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '@fanmesh/config';
import { recoverDigestSigner } from '@fanmesh/crypto';
import { decodeQr, MERCH_DOMAIN, MERCH_TYPES, merchTypedValue, qrMessageHash, qrSigner } from '@fanmesh/protocol';
import vectors from '@fanmesh/protocol-vectors';
import { recoverSigner, recoverTypedSigner } from './recover';
import { TicketSigner } from './ticket-signer';

// The access context's own paths (the native signer and verifiers) against the wire contract's vectors.
describe('access against the protocol vectors', () => {
  it('signs tickets with the issuer key exactly as the vectors say', () => {
    const signer = new TicketSigner({ ticketIssuerKey: vectors.keys.issuer.privateKey, dataDir: '/nonexistent' } as AppConfig);
    expect(signer.issuer).toBe(vectors.keys.issuer.address);
    for (const t of vectors.tickets) expect(signer.sign(t.claims)).toBe(t.issuerSignature);
  });

  it('finds the holder of every code as the gate does', () => {
    for (const q of vectors.qr) {
      const qr = decodeQr(q.code)!;
      expect(hexlify(qrMessageHash(qr.ticketId, qr.version, qr.window))).toBe(q.messageHash);
      expect(recoverSigner(qrMessageHash(qr.ticketId, qr.version, qr.window), qr.signature)).toBe(q.signer);
      expect(qrSigner(qr, recoverDigestSigner)).toBe(q.signer);
    }
  });

  it('finds the issuer of every merch tag', () => {
    for (const m of vectors.merchTags) expect(recoverTypedSigner(MERCH_DOMAIN, MERCH_TYPES, merchTypedValue(m), m.signature)).toBe(m.issuer);
  });
});
