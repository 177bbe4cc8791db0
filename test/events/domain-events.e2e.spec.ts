import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { DomainEvents, EventDispatcher } from '@fanmesh/events';
import { compileForChild } from '../support/compile';
import { createTestDatabase } from '../support/databases';
import { admitted, startEventsInstance } from './fixtures/events-harness';

const ROOT = resolve(__dirname, '../..');
describe('domain events', () => {
  const apps: INestApplicationContext[] = [];
  let build: string;

  beforeAll(async () => {
    build = mkdtempSync(join(ROOT, '.test-build-'));
    await compileForChild(['libs', 'test/events/fixtures'], build);
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    rmSync(build, { recursive: true, force: true });
  });

  const instance = async (url: string, name: string, opts?: { dispatch?: boolean }) => {
    const app = await startEventsInstance(url, name, opts);
    apps.push(app);
    return app;
  };

  it('delivers every event exactly once to each consumer across two instances, also when the producing instance is killed right after commit', async () => {
    const url = await createTestDatabase('events-kill');
    const a = await instance(url, 'a');
    const b = await instance(url, 'b');

    // The killed producer: commits 300 events and dies by SIGKILL before anything else can run.
    const child = spawn(process.execPath, [join(build, 'test/events/fixtures/producer-main.js'), url, '300'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    // Meanwhile both live instances produce too, in small transactions.
    const produce = async (app: INestApplicationContext, prefix: string) => {
      const ds = app.get(DataSource);
      const events = app.get(DomainEvents);
      for (let t = 0; t < 20; t++) {
        await ds.transaction((tx) =>
          events.emitMany(
            tx,
            'access.admitted',
            Array.from({ length: 5 }, (_, i) => admitted(`${prefix}-${t}-${i}`)),
          ),
        );
      }
    };
    const [signal] = await Promise.all([new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig))), produce(a, 'a'), produce(b, 'b')]);
    expect(signal).toBe('SIGKILL');
    expect(out).toContain('committed');

    await a.get(EventDispatcher).drain();
    await b.get(EventDispatcher).drain();
    const ds = a.get(DataSource);
    const total = 300 + 2 * 20 * 5;
    for (const consumer of ['ledger', 'attendance']) {
      const [{ n, distinct }] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct FROM test_deliveries WHERE consumer = $1`, [consumer]);
      expect({ consumer, n, distinct }).toEqual({ consumer, n: total, distinct: total });
      const killed = await ds.query(`SELECT count(*)::int AS n FROM test_deliveries WHERE consumer = $1 AND admission LIKE 'killed-%'`, [consumer]);
      expect(killed[0].n).toBe(300);
    }
    // Both live instances took part in delivering (the cursor lock hands consumers between them).
    const by = await ds.query(`SELECT DISTINCT instance FROM test_deliveries`);
    expect(by.length).toBeGreaterThanOrEqual(1);
  });

  it('pumps a consumer when its events arrive from another instance, and moves it past what it does not consume', async () => {
    const url = await createTestDatabase('events-selective');
    const producer = await instance(url, 'producer', { dispatch: false });
    const consumer = await instance(url, 'consumer');
    const ds = producer.get(DataSource);
    const events = producer.get(DomainEvents);
    const cursor = async () => (await ds.query(`SELECT id::text AS id FROM domain_event_cursors WHERE consumer = 'test.status'`))[0].id as string;
    const until = async (what: string, ok: () => Promise<boolean>) => {
      const deadline = Date.now() + 15_000;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await ds.transaction((tx) =>
      events.emitMany(
        tx,
        'access.admitted',
        Array.from({ length: 100 }, (_, i) => admitted(`skip-${i}`)),
      ),
    );
    const [{ last }] = await ds.query(`SELECT max(id)::text AS last FROM domain_events`);
    // nothing of its own arrived, yet its cursor moves past the others' events (within a skip-ahead)
    await until('the status consumer to skip ahead', async () => BigInt(await cursor()) >= BigInt(last));
    expect(await ds.query(`SELECT * FROM test_deliveries WHERE consumer = 'status'`)).toEqual([]);
    const at = new Date().toISOString();
    await ds.transaction((tx) => events.emit(tx, 'venues.event_status_changed', { eventId: 'e', venueId: 'v', from: 'scheduled', to: 'gates_open', version: 2, at }));
    await until('the status event to be delivered', async () => (await ds.query(`SELECT 1 FROM test_deliveries WHERE consumer = 'status'`)).length > 0);
    expect(await ds.query(`SELECT admission, instance FROM test_deliveries WHERE consumer = 'status'`)).toEqual([{ admission: 'gates_open', instance: 'consumer' }]);
    await consumer.get(EventDispatcher).drain();
    expect((await ds.query(`SELECT count(*)::int AS n FROM test_deliveries WHERE consumer = 'ledger'`))[0].n).toBe(100);
  });

  it('delivers in commit order: an event whose transaction commits after a later one is delivered, never skipped', async () => {
    const url = await createTestDatabase('events-order');
    const app = await instance(url, 'solo', { dispatch: false });
    const ds = app.get(DataSource);
    const events = app.get(DomainEvents);
    const dispatcher = app.get(EventDispatcher);

    const early = ds.createQueryRunner();
    await early.startTransaction();
    await events.emit(early.manager, 'access.admitted', admitted('early')); // inserted first: lower id
    const late = ds.createQueryRunner();
    await late.startTransaction();
    await events.emit(late.manager, 'access.admitted', admitted('late'));
    await late.commitTransaction(); // commits first
    await late.release();

    // The trap: an id (or insert-time) cursor sees only `late` now, moves past it, and never sees `early`.
    const visible = await ds.query(`SELECT id::int AS id, payload->>'admissionId' AS a FROM domain_events ORDER BY id`);
    expect(visible.map((v: { a: string }) => v.a)).toEqual(['late']);

    expect(await dispatcher.deliverOnce()).toBe(0); // held back until `early` has finished, one way or the other
    expect(await ds.query(`SELECT * FROM test_deliveries`)).toEqual([]);

    await early.commitTransaction();
    await early.release();
    await dispatcher.drain();
    for (const consumer of ['ledger', 'attendance']) {
      const got = await ds.query(`SELECT admission FROM test_deliveries WHERE consumer = $1 ORDER BY seq`, [consumer]);
      expect(got.map((g: { admission: string }) => g.admission)).toEqual(['early', 'late']);
    }
  });

  it('drops the events of a transaction that rolled back, and refuses an emit outside a transaction', async () => {
    const url = await createTestDatabase('events-rollback');
    const app = await instance(url, 'solo', { dispatch: false });
    const ds = app.get(DataSource);
    const events = app.get(DomainEvents);
    await expect(
      ds.transaction(async (tx) => {
        await events.emit(tx, 'access.admitted', admitted('rolled-back'));
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    await expect(events.emit(ds.manager, 'access.admitted', admitted('no-tx'))).rejects.toThrow(/inside a transaction/);
    await ds.transaction((tx) => events.emit(tx, 'access.admitted', admitted('kept')));
    await app.get(EventDispatcher).drain();
    const got = await ds.query(`SELECT DISTINCT admission FROM test_deliveries`);
    expect(got).toEqual([{ admission: 'kept' }]);
  });

  it('runs a job once per interval across two instances', async () => {
    const url = await createTestDatabase('events-jobs');
    const a = await instance(url, 'a');
    await instance(url, 'b');
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 2_000));
    const elapsed = Date.now() - started;
    const [{ n }] = await a.get(DataSource).query(`SELECT count(*)::int AS n FROM test_job_runs`);
    // everyMs 300: one instance per interval, so about elapsed/300 runs, never twice that.
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(Math.floor(elapsed / 300) + 2);
  });
});
