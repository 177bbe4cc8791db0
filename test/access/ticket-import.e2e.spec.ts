import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyTypedData, ZeroAddress } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessAudit } from '@fanmesh/identity';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { TICKET_CSV_MAX_BYTES, TICKET_DOMAIN, TICKET_TYPES, ticketTypedValue, type TicketImportView } from '@fanmesh/protocol';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { compileForChild } from '../support/compile';
import { createTempDataDir, createTestDatabase, testRedisUrl } from '../support/databases';
import { createEvent } from '../support/tickets';
import { goodRows, importList, ticketCsv, tokenOf } from '../support/ticket-lists';

const ROOT = resolve(__dirname, '../..');
const SECTIONS = ['N101', 'N102', 'E103'];
const staffOf = (venueId: string, n = 'b2') => ({ subject: `0x00000000000000000000000000000000000000${n}`, kind: 'account' as const, roles: ['fan', `staff@${venueId}`] });

/** Issue 17, item 3: a ticketing system's CSV, previewed row by row, imported once. */
describe('ticket lists imported from CSV', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let eventId: string;

  const preview = (file: Buffer, ev = eventId, auth = staff) => importList(api.url, auth, ev, file, true);
  const confirm = (file: Buffer, ev = eventId, auth = staff) => importList(api.url, auth, ev, file, false);
  const links = async (ev = eventId) => (await request(api.url).get(`/api/v1/events/${ev}/claim-links`).set('authorization', staff).expect(200)).body;
  const snapshotTickets = async (ev = eventId) =>
    (await request(api.url).get(`/api/v1/events/${ev}/offline-snapshot`).set('authorization', admin).expect(200)).body.tickets as { id: string; holder: string }[];

  beforeAll(async () => {
    api = await startApp('ticket-import');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffOf(DEMO_VENUE_ID))}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Import night');
  });
  afterAll(() => api?.close());

  // 20 good rows, then one bad row for every reason a row can be refused for.
  const good = goodRows(20, SECTIONS);
  const bad = [
    { order: 'BAD-1', section: 'Z999', seat: '1', tier: 'standard', email: 'z@example.org' }, // line 22: section not in the venue
    { order: 'BAD-2', section: 'N101', seat: '1', tier: 'standard', email: 'd@example.org' }, // line 23: seat of line 2
    { order: 'ORD-0003', section: 'N102', seat: '99', tier: 'standard', email: 'o@example.org' }, // line 24: order ref of line 4
    { order: 'BAD-4', section: 'N101', seat: '98', tier: '=HYPERLINK("http://x.io")', email: 'f@example.org' }, // line 25
    { order: '+BAD-5', section: 'N101', seat: '97', tier: 'standard', email: 'g@example.org' }, // line 26
    { order: 'BAD-6', section: 'N101', seat: '-96', tier: 'standard', email: 'h@example.org' }, // line 27
    { order: 'BAD-7', section: 'N101', seat: '95', tier: 'standard', email: '@SUM(A1:A9)' }, // line 28
    { order: 'BAD-8', section: 'N101', seat: '94', tier: 'standard', email: 'not an address' }, // line 29
    { order: 'BAD-9', section: 'N101', seat: '', tier: 'standard', email: 'i@example.org' }, // line 30
  ];
  const file = ticketCsv([...good, ...bad]);

  it('previews every bad row with its reasons, and writes nothing', async () => {
    const { body } = await preview(file).expect(200);
    const view = body as TicketImportView;
    expect(view).toMatchObject({ dryRun: true, applied: false, summary: { rows: 29, import: 20, unchanged: 0, errors: 9 } });
    expect(view.columns).toEqual({ orderRef: 'Order Ref', section: 'Section', seat: 'Seat', tier: 'Tier', contact: 'Email' });
    const codes = Object.fromEntries(view.bad.map((r) => [r.line, r.problems.map((p) => p.code)]));
    expect(codes).toEqual({
      22: ['unknown_section'],
      23: ['duplicate_seat'],
      24: ['duplicate_order_ref'],
      25: ['formula_cell'],
      26: ['formula_cell'],
      27: ['formula_cell'],
      28: ['formula_cell'],
      29: ['bad_contact'],
      30: ['missing_value'],
    });
    const reasons = view.bad.flatMap((r) => r.problems.map((p) => p.reason));
    expect(reasons.join('\n')).toContain('Seat N101/1 is also on line 2.');
    expect(reasons.join('\n')).toContain('Order ref ORD-0003 is also on line 4.');
    expect(reasons.join('\n')).toContain('Section Z999 is not in this venue');
    expect(view.formulaPolicy).toMatch(/^Refused/);
    // nothing was written: no tickets, no links
    expect(await snapshotTickets()).toEqual([]);
    expect((await links()).summary.total).toBe(0);
  });

  it('imports the good rows in one go: unbound, issuer-signed tickets, each with an open claim link', async () => {
    const { body } = await confirm(file).expect(200);
    expect(body).toMatchObject({ dryRun: false, applied: true, summary: { rows: 29, import: 20, unchanged: 0, errors: 9 } });
    const tickets = await snapshotTickets();
    expect(tickets).toHaveLength(20);
    expect(new Set(tickets.map((t) => t.holder))).toEqual(new Set([ZeroAddress.toLowerCase()]));
    const { issuer } = (await request(api.url).get('/api/v1/tickets/issuer')).body;
    const full = (await request(api.url).get(`/api/v1/events/${eventId}/offline-snapshot`).set('authorization', admin)).body.tickets[0];
    const claims = { ticketId: full.id, eventId, holder: full.holder, section: full.section, seat: full.seat, tier: full.tier, version: full.version };
    expect(verifyTypedData(TICKET_DOMAIN, TICKET_TYPES, ticketTypedValue(claims), full.issuerSignature).toLowerCase()).toBe(issuer);
    const list = await links();
    expect(list.summary).toEqual({ total: 20, claimed: 0, open: 20, expired: 0, other: 0 });
    expect(list.tickets.map((t: { orderRef: string }) => t.orderRef)).toEqual(good.map((g) => g.order));
    const urls = list.tickets.map((t: { url: string }) => t.url);
    expect(new Set(urls).size).toBe(20);
    for (const u of urls) expect(u).toMatch(new RegExp(`^${api.url}/claim/[A-Za-z0-9_-]{43}$`));
  });

  it('changes nothing when the same file is imported again (idempotent on order ref)', async () => {
    const before = await links();
    const { body } = await confirm(file).expect(200);
    expect(body.summary).toEqual({ rows: 29, import: 0, unchanged: 20, errors: 9 });
    expect(await snapshotTickets()).toHaveLength(20);
    expect(await links()).toEqual(before);
    // the preview says the same
    expect((await preview(file).expect(200)).body.summary).toEqual({ rows: 29, import: 0, unchanged: 20, errors: 9 });
  });

  it('refuses an order ref imported before for another seat, and a seat that already has a ticket however it was issued', async () => {
    await request(api.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', staff)
      .send({ tickets: [{ holder: '0x00000000000000000000000000000000000000c3', section: 'E103', seat: '500', tier: 'standard' }] })
      .expect(201);
    const next = ticketCsv([
      { order: 'ORD-0001', section: 'N101', seat: '300', tier: 'standard', email: 'a@example.org' }, // order of the first import, another seat
      { order: 'NEW-1', section: 'N102', seat: '1', tier: 'standard', email: 'b@example.org' }, // ORD-0002's seat
      { order: 'NEW-2', section: 'E103', seat: '500', tier: 'standard', email: 'c@example.org' }, // issued by the API
      { order: 'NEW-3', section: 'n101', seat: '301', tier: 'standard', email: 'd@example.org' }, // a section in lower case is the venue's
    ]);
    const { body } = await confirm(next).expect(200);
    expect(body.summary).toEqual({ rows: 4, import: 1, unchanged: 0, errors: 3 });
    expect(body.bad.map((r: { line: number; problems: { code: string }[] }) => [r.line, r.problems[0].code])).toEqual([
      [2, 'order_ref_taken'],
      [3, 'seat_taken'],
      [4, 'seat_taken'],
    ]);
    expect(body.bad[0].problems[0].reason).toContain('N101/1');
    expect((await links()).tickets.find((t: { orderRef: string }) => t.orderRef === 'NEW-3').section).toBe('N101');
  });

  it('imports a file with a byte-order mark, semicolons and a phone number as contact', async () => {
    const ev = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Semicolon night');
    const text = '\uFEFForder;section;seat;category;phone\r\nS-1;N101;1;standard;+44 7700 900123\r\nS-2;N101;2;standard;+351 912 345 678\r\n';
    const { body } = await confirm(Buffer.from(text, 'utf8'), ev).expect(200);
    expect(body.summary).toEqual({ rows: 2, import: 2, unchanged: 0, errors: 0 });
    expect(body.columns).toMatchObject({ orderRef: 'order', tier: 'category', contact: 'phone' });
    // the export neutralises what a spreadsheet would run: the phone's "+" becomes text
    const csv = (await request(api.url).get(`/api/v1/events/${ev}/claim-links/export`).set('authorization', staff).expect(200)).text;
    expect(csv).toContain(`"S-1","'+44 7700 900123","N101","1","standard","open","${api.url}/claim/`);
  });

  it('refuses whole files: oversized, not UTF-8, missing columns, broken quoting, no rows, too many rows', async () => {
    const problem = async (f: Buffer, status: number, code: string) => {
      const res = await preview(f);
      expect(res.status, `${code}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
      return res.body;
    };
    const header = 'Order Ref,Section,Seat,Tier,Email\r\n';
    const big = Buffer.concat([Buffer.from(header), Buffer.alloc(TICKET_CSV_MAX_BYTES, 'A1,N101,1,standard,a@example.org\r\n')]);
    expect((await problem(big, 413, 'csv_too_large')).detail).toMatch(/at most 2\.0 MB/);
    const latin1 = Buffer.from(header + 'A1,N101,1,standard,a@example.org\r\nA2,N101,2,catégorie,b@example.org\r\n', 'latin1');
    expect((await problem(latin1, 422, 'csv_encoding')).line).toBe(3);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(header + 'A1,N101,1,standard,a@example.org\r\n', 'utf16le')]);
    expect((await problem(utf16, 422, 'csv_encoding')).encoding).toBe('utf-16');
    expect((await problem(Buffer.from('Order Ref,Seat,Tier\r\nA1,1,standard\r\n'), 422, 'csv_missing_columns')).missing).toEqual(['section', 'contact']);
    await problem(Buffer.from(header + 'A1,N101,"1,standard,a@example.org\r\n'), 422, 'csv_malformed');
    await problem(Buffer.from(header), 422, 'csv_empty');
    const many = ticketCsv(goodRows(10_001, SECTIONS, 'MANY'));
    await problem(many, 413, 'csv_too_many_rows');
    // and nothing of it was written
    expect(await snapshotTickets()).toHaveLength(22);
  });

  it('runs two imports of one file at once as one: the second finds every order unchanged', async () => {
    const ev = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Race night');
    const f = ticketCsv(goodRows(200, SECTIONS, 'RACE'));
    const [x, y] = await Promise.all([confirm(f, ev), confirm(f, ev)]);
    expect([x.status, y.status]).toEqual([200, 200]);
    expect([x.body.summary.import, y.body.summary.import].sort()).toEqual([0, 200]);
    expect([x.body.summary.unchanged, y.body.summary.unchanged].sort()).toEqual([0, 200]);
    expect(await snapshotTickets(ev)).toHaveLength(200);
  });

  it('is for the venue of the event: staff elsewhere are refused with wrong_venue, fans and stewards with 403', async () => {
    const away = (await request(api.url).post('/api/v1/venues').set('authorization', admin).send({ name: 'Away ground', city: 'Porto', timezone: 'Europe/Lisbon' }).expect(201))
      .body.id;
    const awayStaff = `Bearer ${await api.tokenFor(staffOf(away, 'b3'))}`;
    for (const res of [await preview(file, eventId, awayStaff), await request(api.url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', awayStaff)]) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('wrong_venue');
    }
    const fan = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000c3', kind: 'account', roles: ['fan'] })}`;
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000c4', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    for (const auth of [fan, steward]) {
      expect((await preview(file, eventId, auth)).status).toBe(403);
      expect((await request(api.url).get(`/api/v1/events/${eventId}/claim-links/export`).set('authorization', auth)).status).toBe(403);
    }
  });

  it('shows the contacts only in the venue’s own export: not in the list, the preview, a fan’s view of a link, or any route a sponsor may call', async () => {
    const contacts = good.map((g) => g.email);
    const leaks = (body: unknown) => contacts.filter((c) => JSON.stringify(body ?? '').includes(c));
    expect(leaks(await links())).toEqual([]);
    expect(leaks((await preview(file)).body)).toEqual([]);
    const exported = (await request(api.url).get(`/api/v1/events/${eventId}/claim-links/export`).set('authorization', staff).expect(200)).text;
    for (const c of contacts) expect(exported).toContain(c);
    const fan = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000c5', kind: 'account', roles: ['fan'] })}`;
    const url = (await links()).tickets[0].url as string;
    expect(
      leaks(
        (
          await request(api.url)
            .post('/api/v1/claim-links/lookup')
            .set('authorization', fan)
            .send({ token: tokenOf(url) })
            .expect(200)
        ).body,
      ),
    ).toEqual([]);
    expect(
      leaks(
        (
          await request(api.url)
            .post('/api/v1/claim-links/claim')
            .set('authorization', fan)
            .send({ token: tokenOf(url) })
            .expect(200)
        ).body,
      ),
    ).toEqual([]);

    const sponsor = `Bearer ${await api.tokenFor({ subject: '7c9e6679-7425-40de-944b-e07fc1f90ae7', kind: 'sponsor', roles: [`sponsor@${DEMO_VENUE_ID}`] })}`;
    const params: Record<string, string> = { eventId, venueId: DEMO_VENUE_ID };
    const sponsorGets = api.app
      .get(AccessAudit)
      .routes()
      .filter(
        (r) =>
          r.method === 'GET' && (r.audience?.includes('sponsor') || r.audience?.includes('public')) && r.path.split('/:').every((seg, i) => i === 0 || seg.split('/')[0] in params),
      );
    expect(sponsorGets.length).toBeGreaterThan(5);
    for (const r of sponsorGets) {
      const path = r.path.replace(/:(\w+)/g, (_, n: string) => params[n]);
      const res = await request(api.url)
        .get(path === '/health' || path === '/metrics' ? path : `/api/v1${path}`)
        .set('authorization', sponsor);
      expect(leaks(res.text), `${r.method} ${r.path}`).toEqual([]);
    }
    for (const p of [`/api/v1/events/${eventId}/claim-links`, `/api/v1/events/${eventId}/claim-links/export`]) {
      expect((await request(api.url).get(p).set('authorization', sponsor)).status).toBe(403);
    }
  });
});

/** The contact and the link tokens never reach the log, at the chattiest level, on success or refusal. */
describe('ticket lists and the log', () => {
  let build: string;
  let child: ChildProcess | undefined;
  let out = '';

  beforeAll(async () => {
    build = mkdtempSync(join(ROOT, '.test-build-'));
    const [databaseUrl] = await Promise.all([
      createTestDatabase('ticket-import-log'),
      compileForChild(['libs', 'apps/api/src', 'contracts/artifacts', 'test/hardening/access-fixtures'], build),
    ]);
    const env = {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'trace',
      DATA_DIR: createTempDataDir('ticket-import-log'),
      AUTH_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      CHAIN_EMBEDDED: 'off',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: testRedisUrl(),
      REDIS_NAMESPACE: new URL(databaseUrl).pathname.slice(1).slice(0, 64),
    };
    child = spawn(process.execPath, [join(build, 'test/hardening/access-fixtures/instance-main.js'), JSON.stringify(env)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d) => (out += d));
    await new Promise<void>((res, rej) => {
      child!.stdout!.on('data', (d) => {
        out += d;
        if (/listening \S+/.test(out)) res();
      });
      child!.once('exit', (code) => rej(new Error(`instance exited (${code}) before listening:\n${out}`)));
    });
  }, 120_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    if (build) rmSync(build, { recursive: true, force: true });
  });

  it('logs requests and imports without a single contact or token', async () => {
    const url = /listening (\S+)/.exec(out)![1];
    const app = await startApp('ticket-import-log-tokens'); // only to mint tokens with the shared AUTH_SECRET
    try {
      const admin = `Bearer ${await app.tokenFor(adminPrincipal)}`;
      const fan = `Bearer ${await app.tokenFor({ subject: '0x00000000000000000000000000000000000000c6', kind: 'account', roles: ['fan'] })}`;
      const eventId = await createEvent(url, admin, DEMO_VENUE_ID, 'Log night');
      const rows = [...goodRows(5, SECTIONS, 'LOG'), { order: 'LOG-BAD', section: 'N101', seat: '1', tier: '=1+1', email: 'secret.buyer@example.org' }];
      await importList(url, admin, eventId, ticketCsv(rows), true).expect(200);
      await importList(url, admin, eventId, ticketCsv(rows), false).expect(200);
      await importList(url, admin, eventId, Buffer.from('Order Ref,Section\r\nX,secret.other@example.org\r\n'), false).expect(422);
      const list = (await request(url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', admin).expect(200)).body;
      await request(url).get(`/api/v1/events/${eventId}/claim-links/export`).set('authorization', admin).expect(200);
      const tokens = list.tickets.map((t: { url: string }) => tokenOf(t.url));
      await request(url).post('/api/v1/claim-links/lookup').set('authorization', fan).send({ token: tokens[0] }).expect(200);
      await request(url).post('/api/v1/claim-links/claim').set('authorization', fan).send({ token: tokens[0] }).expect(200);
      await request(url).post('/api/v1/claim-links/claim').set('authorization', fan).send({ token: tokens[0] }).expect(409);
      // the PWA page a fan opens carries the token in its path: served, and not logged either
      await request(url).get(`/claim/${tokens[1]}`).set('accept', 'text/html').expect(200);
      await new Promise((r) => setTimeout(r, 300)); // let the log flush
      expect(out).toContain('ticket list imported');
      expect(out).toContain('/claim-links/claim');
      for (const secret of [...rows.map((r) => r.email), 'secret.other@example.org', ...tokens]) expect(out, secret).not.toContain(secret);
    } finally {
      await app.close();
    }
  });
});

/** `npm start` on an empty data folder runs on the embedded database (PGlite): the same import and claim work there. */
describe('ticket lists on the embedded database', () => {
  let api: RunningApp;
  beforeAll(async () => {
    api = await startApp('ticket-import-embedded', { services: 'embedded' });
  }, 60_000);
  afterAll(() => api?.close());

  it('imports once, idempotently, and a fan claims a link', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const fan = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000c7', kind: 'account', roles: ['fan'] })}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Embedded night');
    const f = ticketCsv(goodRows(12, SECTIONS, 'EMB'));
    expect((await importList(api.url, admin, eventId, f, false).expect(200)).body.summary).toMatchObject({ import: 12, unchanged: 0 });
    expect((await importList(api.url, admin, eventId, f, false).expect(200)).body.summary).toMatchObject({ import: 0, unchanged: 12 });
    const { tickets } = (await request(api.url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', admin).expect(200)).body;
    const token = tokenOf(tickets[0].url);
    expect((await request(api.url).post('/api/v1/claim-links/claim').set('authorization', fan).send({ token }).expect(200)).body.holder).toBe(
      '0x00000000000000000000000000000000000000c7',
    );
    expect((await request(api.url).post('/api/v1/claim-links/claim').set('authorization', fan).send({ token }).expect(409)).body.code).toBe('claim_link_used');
  });
});
