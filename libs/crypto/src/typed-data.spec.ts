import fc from 'fast-check';
import { getAddress, hexlify, TypedDataEncoder, TypedDataField, verifyTypedData as ethersVerifyTypedData } from 'ethers';
import { describe, expect, it, vi } from 'vitest';
import { codeOf, outcome, walletFromSeed } from './crypto.factories';
import { hashTypedData, recoverTypedDataSigner, TypedDataDomain, TypedDataTypes, verifyTypedData } from './index';

type Types = Record<string, TypedDataField[]>;

const TICKET_DOMAIN = { name: 'FanMesh Tickets', version: '1', chainId: 88888, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' };
const TICKET_TYPES = {
  Ticket: [
    { name: 'id', type: 'bytes16' },
    { name: 'holder', type: 'address' },
    { name: 'event', type: 'Event' },
    { name: 'seat', type: 'string' },
    { name: 'validUntil', type: 'uint64' },
    { name: 'gates', type: 'Gate[]' },
  ],
  Event: [
    { name: 'name', type: 'string' },
    { name: 'startsAt', type: 'uint256' },
  ],
  Gate: [
    { name: 'code', type: 'string' },
    { name: 'lanes', type: 'uint8[]' },
  ],
};

// ---- arbitraries: values in every form ethers accepts, and some it refuses -------------------------

const ATOMS = ['address', 'bool', 'string', 'bytes', 'bytes1', 'bytes16', 'bytes32', 'uint8', 'uint64', 'uint256', 'uint', 'int8', 'int128', 'int256', 'int'];

/** `valid`: only forms ethers accepts; `any`: some it refuses too (bad checksums, out of range, wrong lengths). */
type Mode = 'valid' | 'any';

function address(mode: Mode): fc.Arbitrary<unknown> {
  const forms = fc.uint8Array({ minLength: 20, maxLength: 20 }).chain((bytes) => {
    const checksummed = getAddress(hexlify(bytes));
    const variants: unknown[] = [checksummed, checksummed.toLowerCase(), '0x' + checksummed.slice(2).toUpperCase(), checksummed.slice(2)];
    if (mode === 'any') variants.push(checksummed.replace(/[a-f]/, (c) => c.toUpperCase())); // most likely a bad checksum
    return fc.constantFrom(...variants);
  });
  return mode === 'valid' ? forms : fc.oneof({ weight: 9, arbitrary: forms }, { weight: 1, arbitrary: fc.constantFrom('0x1234', 'vitalik.eth', 42) });
}

function integer(type: string, mode: Mode): fc.Arbitrary<unknown> {
  const [, u, w] = /^(u?)int(\d*)$/.exec(type)!;
  const width = BigInt(w || 256);
  const max = (1n << (u ? width : width - 1n)) - 1n;
  const min = u ? 0n : -(max + 1n);
  const inRange = fc.bigInt({ min, max });
  return fc.oneof(
    { weight: 6, arbitrary: inRange },
    { weight: 2, arbitrary: inRange.map((x) => x.toString()) },
    { weight: 1, arbitrary: inRange.map((x) => (x < 0n ? '-0x' + (-x).toString(16) : '0x' + x.toString(16))) },
    { weight: 2, arbitrary: fc.integer({ min: Math.max(-(2 ** 31), Number(min)), max: Math.min(2 ** 31, Number(max)) }) },
    ...(mode === 'any' ? [{ weight: 2, arbitrary: fc.constantFrom<unknown>(max + 1n, min - 1n, 1.5, 'twelve', null) }] : []),
  );
}

function bytesOf(length: number | undefined, mode: Mode): fc.Arbitrary<unknown> {
  const exact = fc.uint8Array(length === undefined ? { maxLength: 80 } : { minLength: length, maxLength: length });
  return fc.oneof(
    { weight: 5, arbitrary: exact.map((b) => hexlify(b)) },
    { weight: 3, arbitrary: exact },
    ...(mode === 'any' ? [{ weight: 1, arbitrary: fc.constantFrom<unknown>('0x123', 'zz', '0x' + '00'.repeat((length ?? 1) + 1)) }] : []),
  );
}

function valueOf(type: string, types: Types, mode: Mode, depth = 0): fc.Arbitrary<unknown> {
  const array = /^(.*)\[(\d*)\]$/.exec(type);
  if (array) {
    const element = valueOf(array[1], types, mode, depth + 1);
    if (!array[2]) return fc.array(element, { maxLength: depth > 1 ? 2 : 3 });
    const n = Number(array[2]);
    const exact = fc.array(element, { minLength: n, maxLength: n });
    return mode === 'valid' ? exact : fc.oneof({ weight: 8, arbitrary: exact }, { weight: 1, arbitrary: fc.array(element, { maxLength: n + 1 }) });
  }
  if (types[type]) return fc.record(Object.fromEntries(types[type].map((f) => [f.name, valueOf(f.type, types, mode, depth + 1)])));
  if (type === 'address') return address(mode);
  if (type === 'bool') return fc.oneof(fc.boolean(), fc.constantFrom<unknown>(0, 1, '', 'yes', undefined));
  if (type === 'string') {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 }));
    // 'binary' strings may hold lone surrogates (ethers throws for a high one)
    return mode === 'valid' ? text : fc.oneof(text, fc.string({ unit: 'binary', maxLength: 8 }), fc.constant<unknown>(12));
  }
  if (type === 'bytes') return bytesOf(undefined, mode);
  if (type.startsWith('bytes')) return bytesOf(Number(type.slice(5)), mode);
  return integer(type, mode);
}

/** Random acyclic struct shapes with one primary type, as ethers requires. */
const shape: fc.Arbitrary<Types> = fc.integer({ min: 1, max: 4 }).chain((count) =>
  fc
    .tuple(
      ...Array.from({ length: count }, (_, i) =>
        fc.array(
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...ATOMS) },
            { weight: 1, arbitrary: fc.constantFrom(...ATOMS).map((t) => t + '[]') },
            { weight: 1, arbitrary: fc.tuple(fc.constantFrom('uint16', 'address', 'string', 'bytes4'), fc.integer({ min: 1, max: 3 })).map(([t, n]) => `${t}[${n}]`) },
            { weight: 1, arbitrary: fc.constantFrom('int8[2][]', 'bytes[][1]') },
            ...(i < count - 1 ? [{ weight: 2, arbitrary: fc.integer({ min: i + 1, max: count - 1 }).chain((j) => fc.constantFrom(`S${j}`, `S${j}[]`, `S${j}[2]`)) }] : []),
          ),
          { minLength: 0, maxLength: 5 },
        ),
      ),
    )
    .map((fieldTypes) => {
      // every struct after the first is referenced by the one before it, so S0 is the only root
      for (let j = 1; j < count; j++) fieldTypes[j - 1].push(`S${j}`);
      return Object.fromEntries(fieldTypes.map((ts, i) => [`S${i}`, ts.map((type, k) => ({ name: `f${k}`, type }))]));
    }),
);

const domain: fc.Arbitrary<TypedDataDomain> = fc.record(
  {
    name: fc.string({ maxLength: 20 }),
    version: fc.constantFrom('1', '2.0'),
    chainId: fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), fc.bigInt({ min: 1n, max: 1n << 200n }), fc.constantFrom('88888', '0x15b38')),
    verifyingContract: address('valid') as fc.Arbitrary<string>,
    salt: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b)),
  },
  { requiredKeys: [] },
);

// ---- specs --------------------------------------------------------------------------------------

describe('EIP-712 typed data', () => {
  it('hashes a ticket exactly as ethers TypedDataEncoder.hash', () => {
    const wallet = walletFromSeed('holder');
    const value = {
      id: '0x' + '3f'.repeat(16),
      holder: wallet.address,
      event: { name: 'Derby Day', startsAt: 1_790_000_000n },
      seat: 'N-12-7',
      validUntil: 1_790_010_000,
      gates: [
        { code: 'N-A', lanes: [1, 2, 3] },
        { code: 'N-B', lanes: [] },
      ],
    };
    expect(hashTypedData(TICKET_DOMAIN, TICKET_TYPES, value)).toBe(TypedDataEncoder.hash(TICKET_DOMAIN, TICKET_TYPES, value));
  });

  it('hashes random shapes and values in every accepted form exactly as ethers (property)', () => {
    const spy = vi.spyOn(TypedDataEncoder.prototype, 'hash');
    fc.assert(
      fc.property(
        shape.chain((types) => fc.tuple(fc.constant(types), domain, valueOf('S0', types, 'valid'))),
        ([types, d, value]) => {
          const ethersEncoderCalls = spy.mock.calls.length;
          const ours = hashTypedData(d, types, value as Record<string, unknown>);
          expect(spy.mock.calls.length).toBe(ethersEncoderCalls); // the compiled encoder did it all, no fallback to ethers
          expect(ours).toBe(TypedDataEncoder.hash(d, types, value as Record<string, unknown>));
        },
      ),
      { numRuns: 150 },
    );
    spy.mockRestore();
  });

  it('throws malformed_input wherever ethers throws, and agrees wherever it does not (property)', () => {
    fc.assert(
      fc.property(
        shape.chain((types) => fc.tuple(fc.constant(types), domain, valueOf('S0', types, 'any'))),
        ([types, d, value]) => {
          const ours = outcome(() => hashTypedData(d, types, value as Record<string, unknown>));
          expect(ours).toBe(outcome(() => TypedDataEncoder.hash(d, types, value as Record<string, unknown>)));
          if (ours === 'throws') expect(codeOf(() => hashTypedData(d, types, value as Record<string, unknown>))).toBe('malformed_input');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('recovers exactly the signer ethers verifyTypedData recovers (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), domain, fc.string(), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (seed, d, seat, validUntil) => {
        const wallet = walletFromSeed(seed);
        const value = { id: hexlify(seed.subarray(0, 16)), holder: wallet.address, event: { name: 'Cup final', startsAt: 1n }, seat, validUntil, gates: [] };
        if (outcome(() => TypedDataEncoder.hash(d, TICKET_TYPES, value)) === 'throws') return; // a seat with a lone surrogate
        const sig = wallet.signingKey.sign(TypedDataEncoder.hash(d, TICKET_TYPES, value)).serialized; // signTypedData would want ENS for a bare address
        expect(recoverTypedDataSigner(d, TICKET_TYPES, value, sig)).toBe(ethersVerifyTypedData(d, TICKET_TYPES, value, sig));
        expect(verifyTypedData(d, TICKET_TYPES, value, sig, wallet.address.toLowerCase())).toBe(true);
        expect(verifyTypedData(d, TICKET_TYPES, { ...value, seat: seat + '!' }, sig, wallet.address)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps domains apart that differ in one field, and equal that differ only in spelling', () => {
    const types: TypedDataTypes = { Ping: [{ name: 'n', type: 'uint8' }] };
    const base = hashTypedData({ name: 'A', chainId: 1 }, types, { n: 1 });
    expect(hashTypedData({ name: 'A', chainId: 2 }, types, { n: 1 })).not.toBe(base);
    expect(hashTypedData({ name: 'B', chainId: 1 }, types, { n: 1 })).not.toBe(base);
    expect(hashTypedData({ name: 'A' }, types, { n: 1 })).not.toBe(base);
    expect(hashTypedData({ name: 'A', chainId: 1n }, types, { n: 1 })).toBe(base);
    expect(hashTypedData({ name: 'A', chainId: '1' }, types, { n: 1 })).toBe(base);
    expect(hashTypedData({ chainId: 1, name: 'A' }, types, { n: 1 })).toBe(base);
    expect(codeOf(() => hashTypedData({ name: 'A', chainID: 1 } as TypedDataDomain, types, { n: 1 }))).toBe('malformed_input');
  });

  it('reads a changed domain afresh rather than from its cache', () => {
    const types: TypedDataTypes = { Ping: [{ name: 'n', type: 'uint8' }] };
    const d: TypedDataDomain = { name: 'FanMesh', chainId: 1 };
    const first = hashTypedData(d, types, { n: 1 });
    d.chainId = 2;
    expect(hashTypedData(d, types, { n: 1 })).toBe(TypedDataEncoder.hash(d, types, { n: 1 }));
    expect(hashTypedData(d, types, { n: 1 })).not.toBe(first);
  });

  it('refuses a mis-checksummed address and an out-of-range integer as ethers does', () => {
    const wallet = walletFromSeed('checksum');
    const types: TypedDataTypes = {
      Claim: [
        { name: 'who', type: 'address' },
        { name: 'amount', type: 'uint8' },
      ],
    };
    const bad = wallet.address.slice(0, 2) + [...wallet.address.slice(2)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
    expect(codeOf(() => hashTypedData({}, types, { who: bad, amount: 1 }))).toBe('malformed_input');
    expect(() => TypedDataEncoder.hash({}, types, { who: bad, amount: 1 })).toThrow();
    expect(codeOf(() => hashTypedData({}, types, { who: wallet.address, amount: 256 }))).toBe('malformed_input');
    expect(codeOf(() => hashTypedData({}, { A: [{ name: 'x', type: 'uint7' }] }, { x: 1 }))).toBe('malformed_input');
    expect(codeOf(() => hashTypedData({}, { A: [], B: [] }, {}))).toBe('malformed_input'); // two primary types
  });
});
