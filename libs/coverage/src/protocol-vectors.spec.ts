import { describe, expect, it } from 'vitest';
import { challengeDigest, witnessDigest } from '@fanmesh/protocol';
import vectors from '@fanmesh/protocol-vectors';
import { hotspotSigned, witnessSigner } from './coverage-signatures';

// The coverage context's checks of both signatures (libs/crypto's native path) against the wire contract's vectors.
describe('coverage against the protocol vectors', () => {
  it('accepts each challenge from its hotspot key only', () => {
    for (const c of vectors.challenges) {
      expect(challengeDigest(c.challenge)).toBe(c.digest);
      expect(hotspotSigned(vectors.keys.hotspot.publicKey, c.digest, c.hotspotSignature)).toBe(true);
      expect(hotspotSigned(vectors.keys.fan.publicKey, c.digest, c.hotspotSignature)).toBe(false);
    }
  });

  it('finds the fan who co-signed each witness', () => {
    for (const w of vectors.witnesses) {
      expect(witnessDigest(w.challengeDigest, w.fan, w.eventId, w.signedAt)).toBe(w.digest);
      expect(witnessSigner(w.digest, w.fanSignature)).toBe(w.signer);
    }
  });
});
