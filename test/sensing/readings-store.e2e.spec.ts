import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { createDataSource, migrate } from '@fanmesh/db';
import { ReadingBatch, ReadingsRepository, SensingModule } from '@fanmesh/sensing';
import { createTempDataDir, createTestDatabase } from '../support/databases';

const EVENT = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';

function batch(device: string, seq: number, n: number): ReadingBatch {
  const base = 1_767_225_600_000;
  return {
    device,
    seq,
    eventId: EVENT,
    sectionCode: 'N101',
    sentAt: new Date(base).toISOString(),
    body: JSON.stringify({ type: 'readings', n, note: 'ünïcödé 🎉' }),
    signature: '0x' + 'ab'.repeat(65),
    kinds: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'occupancy' : i % 3 === 1 ? 'sound' : 'generic')),
    ats: Array.from({ length: n }, (_, i) => base - 60_000 + i * 37),
    values: Array.from({ length: n }, (_, i) => (i % 3 === 1 ? 40 + i / 7 : i)),
    labels: Array.from({ length: n }, (_, i) => (i % 3 === 2 ? `metric.${i}` : null)),
  };
}

const stored = (ds: DataSource) =>
  ds.query(
    `SELECT device, seq::text, idx, event_id::text, section_code, kind, ((extract(epoch FROM at) - 946684800) * 1000000)::bigint::text AS us, value::text, label
     FROM sensor_readings ORDER BY device, seq, idx`,
  );

/** The readings store on both databases (the one-statement unnest insert): the same rows, exactly once. */
describe('ReadingsRepository.insert on Postgres and PGlite: exactly once on both', () => {
  const sources: Record<'postgres' | 'pglite', DataSource> = {} as never;

  beforeAll(async () => {
    sources.postgres = createDataSource(
      { kind: 'postgres', url: await createTestDatabase('readings-store'), schema: 'public', poolSize: 4 },
      { entities: [], migrations: SensingModule.migrations },
    );
    sources.pglite = createDataSource({ kind: 'pglite', dir: createTempDataDir('readings-store') }, { entities: [], migrations: SensingModule.migrations });
    for (const ds of Object.values(sources)) {
      await ds.initialize();
      await migrate(ds);
    }
  });
  afterAll(async () => {
    for (const ds of Object.values(sources)) await ds?.destroy();
  });

  it('stores an envelope and its readings once: a replay, concurrent or later, adds nothing; both databases store the same rows', async () => {
    for (const ds of Object.values(sources)) {
      const repo = new ReadingsRepository(ds);
      await ds.transaction((tx) => repo.insert(tx, batch('0xdev1', 1, 1000)));
      await ds.transaction((tx) => repo.insert(tx, batch('0xdev1', 2, 3)));
      // the same envelopes again, two at once and one after: nothing more is stored, nothing fails
      await Promise.all([ds.transaction((tx) => repo.insert(tx, batch('0xdev1', 1, 1000))), ds.transaction((tx) => repo.insert(tx, batch('0xdev1', 2, 3)))]);
      await ds.transaction((tx) => repo.insert(tx, batch('0xdev1', 1, 1000)));
      // a fresh envelope whose transaction rolls back leaves nothing behind
      await expect(
        ds.transaction(async (tx) => {
          await repo.insert(tx, batch('0xdev2', 1, 10));
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await ds.query(`SELECT device, seq::int, count(*)::int AS n FROM sensor_readings GROUP BY device, seq ORDER BY device, seq`)).toEqual([
        { device: '0xdev1', seq: 1, n: 1000 },
        { device: '0xdev1', seq: 2, n: 3 },
      ]);
      expect(await ds.query(`SELECT device, seq::int, body FROM sensor_envelopes ORDER BY device, seq`)).toEqual([
        { device: '0xdev1', seq: 1, body: batch('0xdev1', 1, 1000).body },
        { device: '0xdev1', seq: 2, body: batch('0xdev1', 2, 3).body },
      ]);
    }
    const viaCopy = await stored(sources.postgres);
    expect(viaCopy).toHaveLength(1003);
    expect(viaCopy).toEqual(await stored(sources.pglite));
    expect(viaCopy[2]).toMatchObject({ kind: 'generic', label: 'metric.2', idx: 2 });
  });

  it('many concurrent fresh envelopes all land whole', async () => {
    const ds = sources.postgres;
    const repo = new ReadingsRepository(ds);
    await Promise.all(Array.from({ length: 12 }, (_, i) => ds.transaction((tx) => repo.insert(tx, batch(`0xcc${i % 4}`, 10 + i, 500)))));
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE device LIKE '0xcc%'`);
    expect(n).toBe(12 * 500);
  });
});
