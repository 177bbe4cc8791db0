import { describe, expect, it } from 'vitest';
import { feedCanonical, FeedSecretBox, feedSignature, feedSignatureValid } from './feed-auth';

const VENUE = '5eed0000-0000-4000-8000-000000000001';
const msg = { eventId: '5eed0000-0000-4000-8000-0000000000e1', ref: 'opta-1', kind: 'goal', team: 'home', at: '2026-11-25T16:00:00Z' };

describe('official feed authentication', () => {
  it('signs one canonical line per field, so JSON spacing or key order does not matter', () => {
    expect(feedCanonical('1764000000', VENUE, msg)).toBe(`v1\n1764000000\n${VENUE}\n${msg.eventId}\nopta-1\ngoal\nhome\n2026-11-25T16:00:00Z`);
    const sig = feedSignature('s3cret', '1764000000', VENUE, msg);
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(feedSignatureValid('s3cret', '1764000000', VENUE, { ...msg }, sig)).toBe(true);
    expect(feedSignatureValid('s3cret', '1764000001', VENUE, msg, sig)).toBe(false);
    expect(feedSignatureValid('other', '1764000000', VENUE, msg, sig)).toBe(false);
    expect(feedSignatureValid('s3cret', '1764000000', VENUE, { ...msg, team: 'away' }, sig)).toBe(false);
    expect(feedSignatureValid('s3cret', '1764000000', VENUE, msg, sig.slice(0, -1))).toBe(false);
  });

  it('keeps secrets sealed at rest, bound to their venue', () => {
    const box = new FeedSecretBox('root-secret');
    const secret = FeedSecretBox.generate();
    const sealed = box.seal(secret, VENUE);
    expect(sealed).not.toContain(secret.slice(5));
    expect(box.open(sealed, VENUE)).toBe(secret);
    expect(() => box.open(sealed, '00000000-0000-4000-8000-000000000000')).toThrow();
    expect(() => new FeedSecretBox('another-root').open(sealed, VENUE)).toThrow();
  });
});
