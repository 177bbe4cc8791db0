import { keccak256, solidityPackedKeccak256, toUtf8Bytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import vectors from '../vectors.json';
import { momentContextDigest, type MomentEvidenceContext } from './moment-evidence';

describe('moment evidence context', () => {
  it('digests the vectors’ context texts', () => {
    for (const v of vectors.momentContexts) expect(momentContextDigest(v.json)).toBe(v.digest);
  });

  it('is the formula docs/protocol.md states, spelled independently', () => {
    for (const v of vectors.momentContexts) {
      expect(solidityPackedKeccak256(['string', 'bytes32'], ['FanMesh moment context v1', keccak256(toUtf8Bytes(v.json))])).toBe(v.digest);
    }
  });

  it('commits the text, not its parsed value', () => {
    const [a, b] = vectors.momentContexts;
    expect(JSON.parse(a.json)).toEqual(JSON.parse(b.json));
    expect(a.digest).not.toBe(b.digest);
    const parsed = JSON.parse(a.json) as MomentEvidenceContext;
    expect(parsed.devices.map((d) => d.weight)).toEqual([1, 0.5]);
  });
});
