import { TypedDataEncoder } from 'ethers';
import { describe, expect, it } from 'vitest';
import vectors from '../vectors.json';
import { MERCH_DOMAIN, MERCH_TYPES } from './eip712';
import { decodeMerchTag, encodeMerchTag, merchTypedValue } from './merch-tag';

describe('merch tags', () => {
  it('writes and reads the tags in the vectors', () => {
    for (const m of vectors.merchTags) {
      const tag = { sku: m.sku, serial: m.serial, signature: m.signature };
      expect(encodeMerchTag(tag)).toBe(m.tag);
      expect(decodeMerchTag(m.tag)).toEqual(tag);
      expect(TypedDataEncoder.hash(MERCH_DOMAIN, MERCH_TYPES, merchTypedValue(tag))).toBe(m.digest);
    }
  });

  it('refuses anything that is not a tag', () => {
    const b64 = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    for (const bad of [
      '',
      'FMM1.',
      'FM1.' + vectors.merchTags[0].tag.slice(5),
      'FMM1.' + b64('null'),
      'FMM1.' + b64('{"sku":1,"serial":"a","signature":"b"}'),
      'FMM1.' + b64('not json'),
      vectors.merchTags[0].tag + 'x'.repeat(600),
    ]) {
      expect(decodeMerchTag(bad)).toBeUndefined();
    }
  });
});
