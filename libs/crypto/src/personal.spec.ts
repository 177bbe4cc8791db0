import fc from 'fast-check';
import { hashMessage, verifyMessage } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf, outcome, walletFromSeed } from './crypto.factories';
import { hashPersonalMessage, recoverPersonalSigner, verifyPersonal } from './index';

const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
const message = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }), // any code point, astral ones as surrogate pairs
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom('', '0x1234', 'Sign in to FanMesh\nNonce: 8f3a', 'x'.repeat(1000)),
);

const someoneElse = walletFromSeed('someone else');

describe('EIP-191 personal messages', () => {
  it('hashes every message exactly as ethers hashMessage (property)', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(outcome(() => hashPersonalMessage(m))).toBe(outcome(() => hashMessage(m)));
      }),
      { numRuns: 400 },
    );
  });

  it('recovers exactly the address ethers verifyMessage recovers (property)', () => {
    fc.assert(
      fc.property(seed, message, (keySeed, m) => {
        if (outcome(() => hashMessage(m)) === 'throws') return; // a lone high surrogate: its own test
        const wallet = walletFromSeed(keySeed);
        const sig = wallet.signMessageSync(m);
        expect(recoverPersonalSigner(m, sig)).toBe(verifyMessage(m, sig));
        expect(verifyPersonal(m, sig, wallet.address)).toBe(true);
        expect(verifyPersonal(m, sig, someoneElse.address)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('treats a hex-looking string as text, as ethers does', () => {
    const wallet = walletFromSeed('hex text');
    const sig = wallet.signMessageSync('0xdeadbeef');
    expect(verifyPersonal('0xdeadbeef', sig, wallet.address)).toBe(true);
    expect(verifyPersonal(Uint8Array.from([0xde, 0xad, 0xbe, 0xef]), sig, wallet.address)).toBe(false);
  });

  it('encodes a lone low surrogate as ethers does and refuses a lone high surrogate as malformed input', () => {
    expect(hashPersonalMessage('a\udc00b')).toBe(hashMessage('a\udc00b'));
    expect(() => hashMessage('a\ud800')).toThrow();
    expect(codeOf(() => hashPersonalMessage('a\ud800'))).toBe('malformed_input');
    expect(codeOf(() => verifyPersonal('a\ud800', '0x' + '11'.repeat(65), walletFromSeed('x').address))).toBe('malformed_input');
  });

  it('answers false for a signature over another message', () => {
    const wallet = walletFromSeed('other message');
    const sig = wallet.signMessageSync('check in at gate N-A');
    expect(verifyPersonal('check in at gate N-B', sig, wallet.address)).toBe(false);
  });
});
