import { getBytes, hashMessage, recoverAddress, Signature, SigningKey, Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { challengeDigest, witnessDigest } from '@fanmesh/protocol';
import { hotspotSigned, witnessSigner } from './coverage-signatures';

const challenge = (hotspot: string) => ({
  id: 'a3c1f1c2-3b7e-4d55-9b3a-1d2e3f405060',
  eventId: '5eed0000-0000-4000-8000-0000000000e1',
  hotspot,
  nonce: '0x' + '11'.repeat(32),
  expiresAt: '2026-12-20T18:00:30.000Z',
});

describe('coverage signatures', () => {
  it('accepts the hotspot key over the challenge and refuses any other key, challenge or garbage', () => {
    const hotspot = Wallet.createRandom();
    const c = challenge(hotspot.address);
    const sig = new SigningKey(hotspot.privateKey).sign(getBytes(challengeDigest(c))).serialized;
    expect(hotspotSigned(hotspot.signingKey.compressedPublicKey, challengeDigest(c), sig)).toBe(true);
    expect(hotspotSigned(Wallet.createRandom().signingKey.compressedPublicKey, challengeDigest(c), sig)).toBe(false);
    expect(hotspotSigned(hotspot.signingKey.compressedPublicKey, challengeDigest({ ...c, nonce: '0x' + '12'.repeat(32) }), sig)).toBe(false);
    expect(hotspotSigned(hotspot.signingKey.compressedPublicKey, challengeDigest({ ...c, expiresAt: '2026-12-20T18:01:30.000Z' }), sig)).toBe(false);
    expect(hotspotSigned(hotspot.signingKey.compressedPublicKey, challengeDigest(c), '0x' + '00'.repeat(65))).toBe(false);
    // the high-s twin of a valid signature is refused (EIP-2)
    const s = Signature.from(sig);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const high = s.r + (n - BigInt(s.s)).toString(16).padStart(64, '0') + (s.v === 27 ? '1c' : '1b');
    expect(hotspotSigned(hotspot.signingKey.compressedPublicKey, challengeDigest(c), high)).toBe(false);
  });

  it("recovers the fan from a personal_sign over the witness digest, as ethers does", async () => {
    const fan = Wallet.createRandom();
    const digest = witnessDigest(challengeDigest(challenge(Wallet.createRandom().address)), fan.address, '5eed0000-0000-4000-8000-0000000000e1', '2026-12-20T18:00:05.000Z');
    const sig = await fan.signMessage(getBytes(digest));
    expect(witnessSigner(digest, sig)).toBe(fan.address.toLowerCase());
    expect(recoverAddress(hashMessage(getBytes(digest)), sig)).toBe(fan.address);
    expect(witnessSigner(witnessDigest(challengeDigest(challenge(fan.address)), fan.address, '5eed0000-0000-4000-8000-0000000000e1', '2026-12-20T18:00:06.000Z'), sig)).not.toBe(fan.address.toLowerCase());
    expect(witnessSigner(digest, '0x1234')).toBeUndefined();
  });
});
