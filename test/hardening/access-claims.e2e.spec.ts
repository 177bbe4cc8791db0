import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { compileForChild } from '../support/compile';
import { createTempDataDir, createTestDatabase, testRedisUrl } from '../support/databases';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';

const ROOT = resolve(__dirname, '../..');

/**
 * Issue 19, item 1: an instance killed after it claimed a ticket but before its admission row
 * landed must not leave the ticket refused as `already_admitted` (there is no admission anywhere).
 * The killed instance is a real API process, SIGKILLed while its admission write waits on a lock.
 */
describe('access: a claim dies with the instance that held it', () => {
  let build: string;
  let databaseUrl: string;
  let a: RunningApp;
  let child: ChildProcess | undefined;
  let steward: string;
  let gateId: string;
  let tickets: IssuedTicket[];

  beforeAll(async () => {
    build = mkdtempSync(join(ROOT, '.test-build-'));
    databaseUrl = await createTestDatabase('access-claims');
    [a] = await Promise.all([
      startApp('access-claims', { databaseUrl }),
      compileForChild(['libs', 'apps/api/src', 'contracts/artifacts', 'test/hardening/access-fixtures'], build),
    ]);
    const admin = `Bearer ${await a.tokenFor(adminPrincipal)}`;
    steward = `Bearer ${await a.tokenFor({ subject: '0x00000000000000000000000000000000000057e1', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    const venue = (await request(a.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
    gateId = venue.gates.find((g: { code: string }) => g.code === 'N-A').id;
    const eventId = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Kill night');
    tickets = await issueTickets(a.url, admin, eventId, 2, ['N103']);
    await openGates(a.url, admin, eventId);
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await a?.close();
    if (build) rmSync(build, { recursive: true, force: true });
  });

  /** Another API instance on the same database and Redis namespace, as a process this test can kill. */
  async function spawnInstance(): Promise<{ proc: ChildProcess; url: string; exited: Promise<unknown> }> {
    const env = {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATA_DIR: createTempDataDir('access-claims-child'),
      AUTH_SECRET: 'test-secret-test-secret-test-secret-0123456789', // as startApp: tokens from `a` are good here
      CHAIN_EMBEDDED: 'off',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: testRedisUrl(),
      REDIS_NAMESPACE: new URL(databaseUrl).pathname.slice(1).slice(0, 64),
    };
    const proc = spawn(process.execPath, [join(build, 'test/hardening/access-fixtures/instance-main.js'), JSON.stringify(env)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => proc.once('exit', r));
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /listening (\S+)/.exec(out);
        if (m) res(m[1]);
      });
      proc.once('exit', (code) => rej(new Error(`instance exited (${code}) before listening`)));
    });
    return { proc, url, exited };
  }

  it('admits at once a ticket whose claiming instance was killed before its admission row landed', async () => {
    const t = tickets[0];
    const instance = await spawnInstance();
    child = instance.proc;
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      // Stall the instance's admission write: an uncommitted row of our own for the same ticket makes
      // its INSERT wait (on our transaction) after it has claimed the ticket. We roll it back later.
      await db.query('BEGIN');
      await db.query(`INSERT INTO admissions (ticket_id, event_id, gate_id, section_code, holder, scanner) VALUES ($1, $2, $3, $4, $5, 'test-staller')`, [
        t.id,
        t.eventId,
        gateId,
        t.section,
        t.holder,
      ]);
      const [{ xid }] = (await db.query(`SELECT pg_current_xact_id()::text AS xid`)).rows;
      const pending = request(instance.url)
        .post(`/api/v1/gates/${gateId}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(t, t.wallet) })
        .then(
          (r) => r,
          (e: Error) => e,
        );
      let writer: number | undefined;
      for (let i = 0; i < 400 && !writer; i++) {
        const [w] = (await db.query(`SELECT pid FROM pg_locks WHERE locktype = 'transactionid' AND transactionid::text = $1 AND NOT granted`, [xid])).rows;
        writer = w?.pid;
        if (!writer) await new Promise((r) => setTimeout(r, 25));
      }
      expect(writer, 'the instance reached its admission write').toBeDefined();
      // The instance dies: no answer, no clean-up; Postgres drops its connection and its open transaction.
      instance.proc.kill('SIGKILL');
      await instance.exited;
      await db.query('SELECT pg_terminate_backend($1)', [writer]);
      await db.query('ROLLBACK');
      expect(await pending).toBeInstanceOf(Error); // the gate never heard back from the dead instance

      // The steward scans again, on a live instance, right away (well within any claim timeout).
      const again = await request(a.url)
        .post(`/api/v1/gates/${gateId}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(t, t.wallet) })
        .expect(200);
      expect(again.body).toMatchObject({ decision: 'admit', ticketId: t.id });
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM admissions WHERE ticket_id = $1`, [t.id]);
      expect(rows[0].n).toBe(1);
      // and only once: the next scan is refused with where and when
      const third = await request(a.url)
        .post(`/api/v1/gates/${gateId}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(t, t.wallet) })
        .expect(200);
      expect(third.body).toMatchObject({ decision: 'deny', reason: 'already_admitted', gate: 'N-A', admittedAt: again.body.admittedAt });
    } finally {
      await db.end();
    }
  }, 90_000);
});
