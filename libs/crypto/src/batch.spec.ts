import { hexlify, id, TypedDataEncoder } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { highSTwin, walletFromSeed } from './crypto.factories';
import { checkSignature, SignatureVerdict, VerifierPool, verifyMany, VerifyItem } from './index';

const alice = walletFromSeed('alice');
const bob = walletFromSeed('bob');
const domain = { name: 'FanMesh Merch', version: '1' };
const types = {
  MerchItem: [
    { name: 'sku', type: 'string' },
    { name: 'serial', type: 'string' },
  ],
};

/** One item per verdict and per path, with the verdict each must get. */
function cases(): [VerifyItem, SignatureVerdict][] {
  const digest = id('reading 1001');
  const sig = alice.signingKey.sign(digest).serialized;
  const message = 'witness hotspot 0x42 epoch 7';
  const personal = alice.signMessageSync(message);
  const item = { sku: 'JERSEY-HOME-26', serial: 'A0001' };
  const typed = alice.signingKey.sign(TypedDataEncoder.hash(domain, types, item)).serialized;
  return [
    [{ kind: 'digest', digest, signature: sig, address: alice.address }, 'valid'],
    [{ kind: 'digest', digest, signature: sig, publicKey: alice.signingKey.compressedPublicKey }, 'valid'],
    [{ kind: 'digest', digest, signature: sig.slice(0, 130), publicKey: alice.signingKey.publicKey }, 'valid'],
    [{ kind: 'digest', digest, signature: sig, address: bob.address }, 'bad_signature'],
    [{ kind: 'digest', digest, signature: sig, publicKey: bob.signingKey.compressedPublicKey }, 'bad_signature'],
    [{ kind: 'digest', digest: id('reading 1002'), signature: sig, address: alice.address }, 'bad_signature'],
    [{ kind: 'digest', digest, signature: hexlify(highSTwin(Buffer.from(sig.slice(2), 'hex'))), address: alice.address }, 'malleable_signature'],
    [{ kind: 'digest', digest, signature: '0x1234', address: alice.address }, 'malformed_signature'],
    [{ kind: 'digest', digest: '0x12', signature: sig, address: alice.address }, 'malformed_input'],
    [{ kind: 'digest', digest, signature: sig, publicKey: '0x02' + '00'.repeat(31) + '05' }, 'malformed_input'],
    [{ kind: 'digest', digest, signature: sig, address: 'not an address' }, 'malformed_input'],
    [{ kind: 'personal', message, signature: personal, address: alice.address }, 'valid'],
    [{ kind: 'personal', message, signature: personal, publicKey: alice.signingKey.publicKey }, 'valid'],
    [{ kind: 'personal', message: message + '.', signature: personal, address: alice.address }, 'bad_signature'],
    [{ kind: 'personal', message: '\ud800', signature: personal, address: alice.address }, 'malformed_input'],
    [{ kind: 'typedData', domain, types, value: item, signature: typed, address: alice.address }, 'valid'],
    [{ kind: 'typedData', domain, types, value: { ...item, serial: 'A0002' }, signature: typed, address: alice.address }, 'bad_signature'],
    [{ kind: 'typedData', domain, types: { MerchItem: [{ name: 'sku', type: 'uint7' }] }, value: item, signature: typed, address: alice.address }, 'malformed_input'],
  ];
}

describe('batches', () => {
  const pool = new VerifierPool({ size: 2 });
  afterAll(() => pool.close());

  it('gives each item its own verdict, in order, a malformed one not spoiling the rest', () => {
    const all = cases();
    expect(verifyMany(all.map(([item]) => item))).toEqual(all.map(([, verdict]) => verdict));
    for (const [item, verdict] of all) expect(checkSignature(item)).toBe(verdict);
  });

  it('gives the same verdicts on the worker pool, for a batch and for single calls', async () => {
    const all = [...cases(), ...cases(), ...cases()];
    const expected = all.map(([, verdict]) => verdict);
    expect(await pool.verifyMany(all.map(([item]) => item))).toEqual(expected);
    expect(await Promise.all(all.map(([item]) => pool.verify(item)))).toEqual(expected);
    expect(await pool.verifyMany([])).toEqual([]);
  });

  it('spreads a large batch over the workers and still answers in order', async () => {
    const digest = id('many');
    const signed = [alice, bob].map((w) => w.signingKey.sign(digest).serialized);
    const items: VerifyItem[] = Array.from({ length: 600 }, (_, i) => ({ kind: 'digest', digest, signature: signed[i % 2], address: (i % 3 === 0 ? bob : alice).address }));
    const expected = items.map((_, i) => ((i % 2 === 1) === (i % 3 === 0) ? 'valid' : 'bad_signature'));
    expect(await pool.verifyMany(items)).toEqual(expected);
  });

  it('refuses work once closed', async () => {
    const closing = new VerifierPool({ size: 1 });
    const [item] = cases()[0];
    expect(await closing.verify(item)).toBe('valid');
    await closing.close();
    await expect(closing.verify(item)).rejects.toThrow('closed');
    await expect(closing.verifyMany([item])).rejects.toThrow('closed');
  });
});
