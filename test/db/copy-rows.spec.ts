import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { BinaryCopyWriter, copyClient, CopyColumn, copyIn, copyRows, CopyValue, createDataSource, encodeField, pgMicros } from '@fanmesh/db';
import { createTempDataDir, createTestDatabase } from '../support/databases';

const COLUMNS: CopyColumn[] = [
  { name: 'id', type: 'int4' },
  { name: 'i4', type: 'int4' },
  { name: 'i8', type: 'int8' },
  { name: 'f8', type: 'float8' },
  { name: 'txt', type: 'text' },
  { name: 'bin', type: 'bytea' },
  { name: 'ts', type: 'timestamptz' },
  { name: 'u', type: 'uuid' },
  { name: 'amount', type: 'numeric' },
];
const TABLE = `(id int PRIMARY KEY, i4 int, i8 bigint, f8 double precision, txt text, bin bytea, ts timestamptz, u uuid, amount numeric(78, 0))`;
const MAX_UINT256 = (2n ** 256n - 1n).toString();

/** Each value as the unnest/INSERT paths bind it: ts is unix ms, written as to_timestamp(ms / 1000.0). */
const ROWS: CopyValue[][] = [
  [1, 0, '0', 0, '', Buffer.alloc(0), 0, '00000000-0000-0000-0000-000000000000', '0'],
  [2, -2147483648, '-9223372036854775808', -0, 'héllo wörld — ñ', Buffer.from([0]), -1, 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '-1'],
  [
    3,
    2147483647,
    '9223372036854775807',
    0.1,
    '日本語 🎉 \u{1F600}',
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    1_700_000_000_123,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    MAX_UINT256,
  ],
  [
    4,
    -1,
    Number.MAX_SAFE_INTEGER,
    -1.5e-300,
    'tab\there\nnew line \\ back "quote" \'single\' \\N',
    Buffer.from('\\x00', 'utf8'),
    1_767_225_599_999,
    'a0eebc999c0b4ef8bb6d6bb9bd380a12',
    '10000',
  ],
  [5, null, null, null, null, null, null, null, null],
  [6, 42, -1n, Number.MAX_VALUE, 'NULL', Buffer.from('\\N'), -86_400_000 * 365 * 40 - 7, '123e4567-e89b-12d3-a456-426614174000', '-99990000'],
  [7, 7, 2n ** 62n, Number.MIN_VALUE, ' leading and trailing ', Buffer.from([255, 254, 0, 1]), 946_684_800_000, '123e4567-e89b-12d3-a456-426614174001', 10n ** 30n],
  [8, 8, '-42', -123456.789, 'x'.repeat(70_000), Buffer.alloc(100_000, 7), 4_102_444_800_000, '123e4567-e89b-12d3-a456-426614174002', '000123'],
  [9, 9, 9, Infinity, '\u0001ctrl', Buffer.from('é'), 1_700_000_000_000.5, '123e4567-e89b-12d3-a456-426614174003', 123456789],
];

const asText = (ds: DataSource, table: string) =>
  ds.query(
    `SELECT id, i4::text, i8::text, f8::text, txt, encode(bin, 'hex') AS bin, (extract(epoch FROM ts) * 1000000)::numeric::text AS us, u::text, amount::text FROM ${table} ORDER BY id`,
  );

describe('binary COPY (libs/db/src/copy.ts) against plain INSERT, real Postgres', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = createDataSource({ kind: 'postgres', url: await createTestDatabase('copy-rows'), schema: 'public', poolSize: 4 }, { entities: [], migrations: [] });
    await ds.initialize();
  });
  afterAll(() => ds?.destroy());

  it('stores every type exactly as a parameterised INSERT does: NULLs, unicode, empty bytea, negatives, int8 and uint256 extremes', async () => {
    await ds.query(`CREATE TABLE by_insert ${TABLE}; CREATE TABLE by_copy ${TABLE}`);
    for (const r of ROWS) {
      await ds.query(
        `INSERT INTO by_insert (id, i4, i8, f8, txt, bin, ts, u, amount) VALUES ($1, $2, $3, $4::float8, $5, $6, to_timestamp($7 / 1000.0), $8, $9)`,
        r.map((v) => (typeof v === 'bigint' ? v.toString() : v)),
      );
    }
    const copied = await ds.transaction(async (m) => {
      const client = await copyClient(m);
      expect(client).toBeDefined();
      return copyRows(client!, 'by_copy', COLUMNS, ROWS);
    });
    expect(copied).toBe(ROWS.length);
    const viaInsert = await asText(ds, 'by_insert');
    const viaCopy = await asText(ds, 'by_copy');
    expect(viaCopy).toEqual(viaInsert);
    expect(viaCopy).toHaveLength(ROWS.length);
    // spot checks that the comparison compares something
    expect(viaCopy[2].amount).toBe(MAX_UINT256);
    expect(viaCopy[4]).toMatchObject({ i4: null, txt: null, bin: null, us: null, amount: null });
    expect(viaCopy[0].bin).toBe('');
    expect(viaCopy[1].f8).toBe('0'); // -0 travels as node-postgres sends it: 0
  });

  it('computes timestamps as to_timestamp(ms / 1000.0) does, to the microsecond', async () => {
    const samples = [0, 1, -1, 999, 1_700_000_000_123, 1_700_000_000_000.5, 1_700_000_000_000.0005, 253_402_300_799_999, -62_135_596_800_000];
    const [found] = await ds.query(
      `SELECT array_agg(((extract(epoch FROM to_timestamp(t / 1000.0)) - 946684800) * 1000000)::bigint::text ORDER BY o) AS us FROM unnest($1::float8[]) WITH ORDINALITY AS x(t, o)`,
      [samples],
    );
    expect(samples.map((s) => pgMicros(s).toString())).toEqual(found.us);
  });

  it('streams a COPY larger than its chunks (proof-sized rows), with constant fields encoded once', async () => {
    await ds.query(`CREATE TABLE big (epoch bigint, n int, proof bytea, PRIMARY KEY (epoch, n))`);
    const epoch = encodeField('int8', 77);
    const N = 30_000;
    const proof = (i: number) => Buffer.alloc(32 * (1 + (i % 17)), i % 251);
    const n = await ds.transaction(async (m) => copyIn((await copyClient(m))!, 'big', ['epoch', 'n', 'proof'], N, (w, i) => w.field(epoch).int4(i).bytea(proof(i))));
    expect(n).toBe(N);
    const [sum] = await ds.query(`SELECT count(*)::int AS n, sum(length(proof))::int AS bytes, min(epoch)::int AS lo, max(epoch)::int AS hi FROM big`);
    expect(sum).toEqual({ n: N, bytes: Array.from({ length: N }, (_, i) => proof(i).length).reduce((a, b) => a + b, 0), lo: 77, hi: 77 });
    const [one] = await ds.query(`SELECT encode(proof, 'hex') AS p FROM big WHERE n = 12345`);
    expect(one.p).toBe(proof(12345).toString('hex'));
  });

  it('fails the whole COPY, and its transaction, on a conflict: nothing of it is stored', async () => {
    await ds.query(`CREATE TABLE uniq (id int PRIMARY KEY)`);
    await ds.query(`INSERT INTO uniq VALUES (3)`);
    await expect(
      ds.transaction(async (m) => {
        await m.query(`INSERT INTO uniq VALUES (100)`);
        await copyRows((await copyClient(m))!, 'uniq', [{ name: 'id', type: 'int4' }], [[1], [2], [3], [4]]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await ds.query(`SELECT id FROM uniq ORDER BY id`)).toEqual([{ id: 3 }]);
    // the pool's connections still work after the failed COPY
    await Promise.all(Array.from({ length: 4 }, () => ds.query('SELECT 1')));
  });

  it('refuses values that would not round-trip, before anything is sent', async () => {
    const w = new BinaryCopyWriter(1);
    w.row();
    expect(() => w.int8(2 ** 60)).toThrow(RangeError);
    expect(() => w.int4(2 ** 31)).toThrow(RangeError);
    expect(() => w.numeric('1.5')).toThrow(RangeError);
    expect(() => w.numeric('')).toThrow(RangeError);
    expect(() => w.uuid('not-a-uuid')).toThrow(RangeError);
    expect(() => w.int8('9223372036854775808')).toThrow(RangeError);
    await ds.query(`CREATE TABLE refused (id int8)`);
    await expect(ds.transaction(async (m) => copyRows((await copyClient(m))!, 'refused', [{ name: 'id', type: 'int8' }], [[1], [2 ** 60]]))).rejects.toThrow(RangeError);
    expect(await ds.query(`SELECT count(*)::int AS n FROM refused`)).toEqual([{ n: 0 }]);
  });

  it('has no client to COPY on outside a transaction (a DataSource)', async () => {
    expect(await copyClient(ds)).toBeUndefined();
  });
});

describe('binary COPY on the embedded database (PGlite)', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = createDataSource({ kind: 'pglite', dir: createTempDataDir('copy-rows') }, { entities: [], migrations: [] });
    await ds.initialize();
  });
  afterAll(() => ds?.destroy());

  it('offers no COPY client, so callers keep their INSERT', async () => {
    expect(await ds.transaction((m) => copyClient(m))).toBeUndefined();
  });
});
