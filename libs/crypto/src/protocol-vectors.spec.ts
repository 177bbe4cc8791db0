import { describe, expect, it } from 'vitest';
import type { TypedDataTypes } from '@fanmesh/protocol';
import vectors from '@fanmesh/protocol-vectors';
import { recoverDigestSigner, verifyPersonal } from './index';
import { hashTypedData, recoverTypedDataSigner } from './typed-data';

// The API's compiled EIP-712 encoders and native recovery against the wire contract's vectors.
describe('crypto against the protocol vectors', () => {
  it('hashes every typed message of the vectors and finds its signer', () => {
    for (const m of vectors.eip712.messages) {
      const types = m.types as unknown as TypedDataTypes;
      expect(hashTypedData(m.domain, types, m.message), m.name).toBe(m.digest);
      expect(recoverTypedDataSigner(m.domain, types, m.message, m.signature).toLowerCase(), m.name).toBe(m.signer);
    }
    for (const t of vectors.tickets) expect(recoverDigestSigner(t.digest, t.issuerSignature).toLowerCase()).toBe(vectors.keys.issuer.address);
  });

  it('finds the personal signers of the codes and witnesses', () => {
    for (const q of vectors.qr) expect(recoverDigestSigner(q.messageHash, q.signature).toLowerCase()).toBe(q.signer);
    for (const w of vectors.witnesses) expect(verifyPersonal(Uint8Array.from(Buffer.from(w.digest.slice(2), 'hex')), w.fanSignature, w.signer)).toBe(true);
  });
});
