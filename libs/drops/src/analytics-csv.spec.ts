import { describe, expect, it } from 'vitest';
import { analyticsCsv, csvCell } from './analytics-csv';

const funnel = (over: Partial<Parameters<typeof analyticsCsv>[0]> = {}) => ({
  dropId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  targeted: 3,
  delivered: 2,
  opened: 1,
  redeemed: 1,
  bySection: [
    { section: 'N101', targeted: 2, delivered: 2, opened: 1, redeemed: 1 },
    { section: 'N102', targeted: 1, delivered: 0, opened: 0, redeemed: 0 },
  ],
  timeline: [{ minute: '2026-11-25T20:31:00.000Z', delivered: 2, opened: 1, redeemed: 1 }],
  ...over,
});

describe('analytics CSV', () => {
  it('writes a header, the total, a row per section and per minute, with CRLF line ends', () => {
    expect(analyticsCsv(funnel()).split('\r\n')).toEqual([
      '"scope","key","targeted","delivered","opened","redeemed"',
      '"total","7c9e6679-7425-40de-944b-e07fc1f90ae7","3","2","1","1"',
      '"section","N101","2","2","1","1"',
      '"section","N102","1","0","0","0"',
      '"minute","2026-11-25T20:31:00.000Z","","2","1","1"',
      '',
    ]);
  });

  it('doubles quotes and defuses cells a spreadsheet would run as formulas', () => {
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1+2')).toBe(`"'-1+2"`);
    expect(csvCell(-1)).toBe('"-1"');
    expect(analyticsCsv(funnel({ bySection: [{ section: '@SUM(A1)', targeted: 1, delivered: 0, opened: 0, redeemed: 0 }] }))).toContain(`"section","'@SUM(A1)"`);
  });
});
