import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { createDataSource, isEmbedded, migrate } from './data-source';

describe('the embedded database (PGlite)', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'fanmesh-pglite-')), 'db');
  let ds: DataSource;

  beforeAll(async () => {
    ds = createDataSource({ kind: 'pglite', dir }, { entities: [], migrations: [] });
    await ds.initialize();
    await ds.query('CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, note text, big bigint, amount numeric)');
  });
  afterAll(() => ds?.destroy());

  it('is recognised as embedded', () => {
    expect(isEmbedded(ds)).toBe(true);
  });

  it('isolates concurrent transactions: a rolled-back one leaves nothing behind', async () => {
    await ds.query('DELETE FROM t');
    const runs = Array.from({ length: 8 }, (_, i) =>
      ds
        .transaction(async (m) => {
          await m.query('INSERT INTO t (id, note) VALUES ($1, $2)', [i, 'x']);
          await new Promise((r) => setTimeout(r, 5));
          if (i % 2 === 1) throw new Error('roll back');
        })
        .then(
          () => 'ok',
          () => 'rolled back',
        ),
    );
    expect(await Promise.all(runs)).toEqual(['ok', 'rolled back', 'ok', 'rolled back', 'ok', 'rolled back', 'ok', 'rolled back']);
    const rows = await ds.query('SELECT id FROM t ORDER BY id');
    expect(rows.map((r: { id: number }) => r.id)).toEqual([0, 2, 4, 6]);
  });

  it('returns bigint and numeric as strings, as node-postgres does', async () => {
    await ds.query('INSERT INTO t (id, big, amount) VALUES (100, $1, $2)', ['9007199254740993', '123456789012345678901234.5']);
    const [row] = await ds.query('SELECT big, amount FROM t WHERE id = 100');
    expect(row).toEqual({ big: '9007199254740993', amount: '123456789012345678901234.5' });
  });

  it('reports affected rows of UPDATE like Postgres', async () => {
    const [rows, count] = await ds.query(`UPDATE t SET note = 'y' WHERE id IN (0, 2) RETURNING id`);
    expect(count).toBe(2);
    expect(rows).toHaveLength(2);
  });

  it('keeps its data across a close and reopen', async () => {
    await ds.query(`INSERT INTO t (id, note) VALUES (200, 'kept')`);
    await ds.destroy();
    ds = createDataSource({ kind: 'pglite', dir }, { entities: [], migrations: [] });
    await ds.initialize();
    expect(await ds.query('SELECT note FROM t WHERE id = 200')).toEqual([{ note: 'kept' }]);
    expect(await migrate(ds)).toEqual([]);
  });
});
