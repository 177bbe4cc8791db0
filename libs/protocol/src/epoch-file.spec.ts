import { describe, expect, it } from 'vitest';
import { encodeEpochFile, EPOCH_FILE_FORMAT, EPOCH_LEAF_ENCODING, EpochFile, epochFileCsv } from './epoch-file';

const file = (leaves: EpochFile['leaves']): EpochFile => ({
  format: EPOCH_FILE_FORMAT,
  epochId: '2',
  eventId: '5b0c2b57-8d0a-4a3c-9a2e-0f1e2d3c4b5a',
  previousEpochId: '1',
  root: '0x' + 'ab'.repeat(32),
  total: '30',
  accounts: leaves.length,
  leafEncoding: EPOCH_LEAF_ENCODING,
  leaves,
});
const A = '0x' + '1'.repeat(40);
const B = '0x' + 'c'.repeat(40);

describe('the epoch file', () => {
  it('is JSON.stringify of the file with its keys in order, kinds sorted and zero kinds left out, addresses lower-case', () => {
    const f = file([
      { account: A, cumulative: '20', byKind: { moment: '5', admission: '15', drop: '0' } },
      { account: B.toUpperCase().replace('0X', '0x'), cumulative: '10', byKind: { admission: '10' } },
    ]);
    const expected = JSON.stringify({
      format: EPOCH_FILE_FORMAT,
      epochId: '2',
      eventId: f.eventId,
      previousEpochId: '1',
      root: f.root,
      total: '30',
      accounts: 2,
      leafEncoding: ['address', 'uint256'],
      leaves: [
        { account: A, cumulative: '20', byKind: { admission: '15', moment: '5' } },
        { account: B, cumulative: '10', byKind: { admission: '10' } },
      ],
    });
    expect(encodeEpochFile(f)).toBe(expected);
    expect(encodeEpochFile({ ...f, previousEpochId: null })).toContain('"previousEpochId":null,');
  });

  it('refuses leaves out of order or twice, and values that would need escaping', () => {
    expect(() =>
      encodeEpochFile(
        file([
          { account: B, cumulative: '1', byKind: {} },
          { account: A, cumulative: '1', byKind: {} },
        ]),
      ),
    ).toThrow(/out of order/);
    expect(() =>
      encodeEpochFile(
        file([
          { account: A, cumulative: '1', byKind: {} },
          { account: A, cumulative: '1', byKind: {} },
        ]),
      ),
    ).toThrow(/out of order/);
    expect(() => encodeEpochFile(file([{ account: A, cumulative: '1', byKind: { 'a"b': '1' } }]))).toThrow(/kind/);
    expect(() => encodeEpochFile(file([{ account: A, cumulative: '-1', byKind: {} }]))).toThrow(/amount/);
  });

  it('lists the same leaves as CSV, one column per kind', () => {
    const f = file([
      { account: A, cumulative: '20', byKind: { admission: '15', moment: '5' } },
      { account: B, cumulative: '10', byKind: { admission: '10' } },
    ]);
    expect(epochFileCsv(f)).toBe(`account,cumulative,admission,moment\n${A},20,15,5\n${B},10,10,0\n`);
  });
});
