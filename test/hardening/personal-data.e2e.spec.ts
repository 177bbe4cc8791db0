import { BaseWallet, getBytes, SigningKey, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '@fanmesh/events';
import { envelopeDigest } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { pairDeviceKey } from '../support/devices';
import { signIn, SignedIn } from '../support/fans';
import { goodRows, importList, ticketCsv, tokenOf } from '../support/ticket-lists';
import { createEvent, openGates, qrFor } from '../support/tickets';

/**
 * Issue 19, personal data: a fan downloads everything held about their address and erases what the
 * ledger and the chain do not need; scan logs and heartbeats are deleted after their retention.
 */
describe('personal data: export, erasure and retention', () => {
  let api: RunningApp;
  let ds: DataSource;
  let admin: string;
  let staff: string;
  let eventId: string;
  const rows = goodRows(4, ['N101'], 'PD');
  interface Fan {
    session: SignedIn;
    email: string;
    ticketId: string;
    device: BaseWallet;
  }
  const fans: Fan[] = [];

  const envelope = (device: BaseWallet, seq: number, body: object) => {
    const sentAt = new Date().toISOString();
    const b = JSON.stringify(body);
    const signature = new SigningKey(device.privateKey).sign(getBytes(envelopeDigest(device.address, seq, sentAt, b))).serialized;
    return { deviceId: device.address, seq, sentAt, body: b, signature };
  };
  const bearer = (f: Fan) => `Bearer ${f.session.accessToken}`;
  const exportOf = async (f: Fan) => (await request(api.url).get('/api/v1/me/data').set('authorization', bearer(f)).expect(200)).body;
  const ledgerOf = async (address: string) =>
    (
      await ds.query(
        `SELECT (SELECT coalesce(sum(amount), 0)::text FROM reward_entries WHERE account = $1) AS entries, (SELECT balance::text FROM reward_accounts WHERE account = $1) AS balance, (SELECT count(*)::int FROM reward_entries WHERE account = $1) AS n`,
        [address],
      )
    )[0] as { entries: string; balance: string | null; n: number };

  beforeAll(async () => {
    api = await startApp('personal-data', { env: { RETENTION_SCAN_LOG_DAYS: '60' } });
    ds = api.app.get(DataSource);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000b2', kind: 'account', roles: ['fan', `staff@${DEMO_VENUE_ID}`] })}`;
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e1', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const gateId = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A').id;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Privacy night');
    await importList(api.url, staff, eventId, ticketCsv(rows), false).expect(200);
    const links = (await request(api.url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', staff).expect(200)).body.tickets as { orderRef: string; url: string }[];
    await openGates(api.url, admin, eventId);
    for (let i = 0; i < 2; i++) {
      // a real sign-in (a session with a refresh family), a claimed link, an admission, a paired device with heartbeats
      const session = await signIn(api.url, Wallet.createRandom());
      const link = links.find((l) => l.orderRef === rows[i].order)!;
      const ticket = (
        await request(api.url)
          .post('/api/v1/claim-links/claim')
          .set('authorization', `Bearer ${session.accessToken}`)
          .send({ token: tokenOf(link.url) })
          .expect(200)
      ).body;
      const scan = await request(api.url)
        .post(`/api/v1/gates/${gateId}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(ticket, session.wallet) })
        .expect(200);
      expect(scan.body.decision).toBe('admit');
      const { device } = await pairDeviceKey(api, DEMO_VENUE_ID, 'N101', { kind: 'hotspot', owner: session.wallet });
      for (const seq of [1, 2])
        await request(api.url)
          .post('/api/v1/devices/messages')
          .send(envelope(device, seq, { type: 'heartbeat', uptimeS: 60 * seq, clients: 3 }))
          .expect(200);
      fans.push({ session, email: rows[i].email, ticketId: ticket.id, device });
    }
    // the admission rewards are in the ledger, and the scan verdicts in the log, before anything is compared against them
    const settled = async () =>
      (await Promise.all(fans.map((f) => ledgerOf(f.session.address)))).every((l) => l.n > 0) &&
      (await ds.query(`SELECT count(*)::int AS n FROM scan_log WHERE event_id = $1`, [eventId]))[0].n === fans.length;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(await settled())) await new Promise((r) => setTimeout(r, 150));
  }, 60_000);
  afterAll(() => api?.close());

  it("exports the fan's tickets with their contact, admissions, scan log, devices with heartbeats, ledger and sessions, and nothing of another fan", async () => {
    const [me, other] = fans;
    const res = await request(api.url).get('/api/v1/me/data').set('authorization', bearer(me)).expect(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="fanmesh-data-${me.session.address}.json"`);
    expect(res.headers['cache-control']).toBe('no-store');
    const data = res.body;
    expect(data.address).toBe(me.session.address);
    expect(Object.keys(data.sections).sort()).toEqual(['access', 'account', 'coverage', 'devices', 'drops', 'polls', 'rewards']);
    const { access, devices, rewards, account } = data.sections;
    expect(access.tickets.map((t: { id: string }) => t.id)).toEqual([me.ticketId]);
    expect(access.orders).toEqual([expect.objectContaining({ orderRef: rows[0].order, ticketId: me.ticketId, contact: me.email })]);
    expect(access.claimLinks).toEqual([expect.objectContaining({ ticketId: me.ticketId, kind: 'claim', role: 'claimed' })]);
    expect(access.admissions).toEqual([expect.objectContaining({ ticketId: me.ticketId, eventId })]);
    expect(access.scanLog).toEqual([expect.objectContaining({ ticketId: me.ticketId, decision: 'admit' })]);
    expect(devices.devices).toEqual([expect.objectContaining({ address: me.device.address.toLowerCase(), kind: 'hotspot' })]);
    expect(devices.heartbeats).toHaveLength(2);
    expect(devices.heartbeats[1]).toMatchObject({ device: me.device.address.toLowerCase(), body: expect.objectContaining({ clients: 3 }) });
    expect(rewards.ledger.length).toBeGreaterThan(0);
    expect(rewards.balance).toBe((await ledgerOf(me.session.address)).balance);
    expect(account.sessions).toEqual([expect.objectContaining({ endedAt: null })]);
    // nothing of the other fan, and never a token or a hash
    const text = JSON.stringify(data);
    for (const theirs of [other.email, other.session.address, other.ticketId, other.device.address.toLowerCase(), ...rows.slice(2).map((r) => r.email)])
      expect(text).not.toContain(theirs);
    for (const secret of [me.session.accessToken, me.session.refreshToken]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/token_?hash/i);
  });

  it('refuses an erasure without confirm: true (400), without a session (401) and to a sponsor (403)', async () => {
    expect((await request(api.url).post('/api/v1/me/data/erase').set('authorization', bearer(fans[0])).send({}).expect(400)).body.code).toBe('validation_failed');
    expect((await request(api.url).post('/api/v1/me/data/erase').set('authorization', bearer(fans[0])).send({ confirm: 'yes' }).expect(400)).body.code).toBe('validation_failed');
    await request(api.url).post('/api/v1/me/data/erase').send({ confirm: true }).expect(401);
    await request(api.url).get('/api/v1/me/data').expect(401);
    const sponsor = `Bearer ${await api.tokenFor({ subject: '7c9e6679-7425-40de-944b-e07fc1f90ae7', kind: 'sponsor', roles: [`sponsor@${DEMO_VENUE_ID}`] })}`;
    await request(api.url).get('/api/v1/me/data').set('authorization', sponsor).expect(403);
    // nothing was erased by the refusals
    expect((await exportOf(fans[0])).sections.access.orders[0].contact).toBe(fans[0].email);
  });

  it('erases the contact, the heartbeats and every session; the ledger, ticket and admission keep only the address, exactly', async () => {
    const [me, other] = fans;
    const ledgerBefore = await Promise.all(fans.map((f) => ledgerOf(f.session.address)));
    const res = await request(api.url).post('/api/v1/me/data/erase').set('authorization', bearer(me)).send({ confirm: true }).expect(200);
    expect(res.body).toMatchObject({
      address: me.session.address,
      sections: {
        access: { contactsBlanked: 1 },
        devices: { heartbeatsDeleted: 2, lastHeartbeatsCleared: 1 },
        account: { sessionsEnded: 1 },
      },
    });
    const contact = async (ticketId: string) => (await ds.query(`SELECT contact FROM ticket_orders WHERE ticket_id = $1`, [ticketId]))[0].contact;
    expect(await contact(me.ticketId)).toBe('');
    expect(await contact(other.ticketId)).toBe(other.email);
    const beats = async (d: BaseWallet) => (await ds.query(`SELECT count(*)::int AS n FROM device_heartbeats WHERE device = $1`, [d.address.toLowerCase()]))[0].n;
    expect(await beats(me.device)).toBe(0);
    expect(await beats(other.device)).toBe(2);
    expect((await ds.query(`SELECT last_heartbeat FROM devices WHERE address = $1`, [me.device.address.toLowerCase()]))[0].last_heartbeat).toBeNull();
    // the ledger is exact: every entry and the balance as before, for both fans
    expect(await Promise.all(fans.map((f) => ledgerOf(f.session.address)))).toEqual(ledgerBefore);
    expect((await ds.query(`SELECT holder FROM tickets WHERE id = $1`, [me.ticketId]))[0].holder).toBe(me.session.address);
    expect(await ds.query(`SELECT holder FROM admissions WHERE ticket_id = $1`, [me.ticketId])).toEqual([{ holder: me.session.address }]);
    // signed out everywhere: the refresh token is refused, and the access token stops within seconds
    await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: me.session.refreshToken }).expect(401);
    const deadline = Date.now() + 5000;
    let status = 200;
    while (Date.now() < deadline && (status = (await request(api.url).get('/api/v1/auth/me').set('authorization', bearer(me))).status) === 200)
      await new Promise((r) => setTimeout(r, 100));
    expect(status).toBe(401);
    await request(api.url).get('/api/v1/auth/me').set('authorization', bearer(other)).expect(200);
    // the venue's own mailer export is the one place contacts appear: the erased one is blank there too
    const csv = (await request(api.url).get(`/api/v1/events/${eventId}/claim-links/export`).set('authorization', staff).expect(200)).text;
    expect(csv).toContain(other.email);
    expect(csv).not.toContain(me.email);
    const list = JSON.stringify((await request(api.url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', staff).expect(200)).body);
    for (const r of rows) expect(list).not.toContain(r.email);
    // signed in again, the fan's export shows the blank contact and no heartbeats, the rest intact
    const again = await signIn(api.url, me.session.wallet);
    const after = (await request(api.url).get('/api/v1/me/data').set('authorization', `Bearer ${again.accessToken}`).expect(200)).body.sections;
    expect(after.access.orders).toEqual([expect.objectContaining({ ticketId: me.ticketId, contact: '' })]);
    expect(after.access.admissions).toHaveLength(1);
    expect(after.devices.heartbeats).toEqual([]);
    expect(after.rewards.ledger).toHaveLength(ledgerBefore[0].n);
  });

  it('deletes scan logs and heartbeats past their retention (RETENTION_SCAN_LOG_DAYS=60, heartbeats 30 by default) and keeps recent ones', async () => {
    const device = fans[1].device.address.toLowerCase();
    const gate = '7c9e6679-7425-40de-944b-e07fc1f90aea';
    const ages = [61, 59, 31, 29];
    for (const days of ages) {
      await ds.query(`INSERT INTO scan_log (event_id, gate_id, scanner, decision, reason, at) VALUES ($1, $2, 'retention-test', 'deny', $3, now() - make_interval(days => $4))`, [
        eventId,
        gate,
        `age ${days}`,
        days,
      ]);
      await ds.query(`INSERT INTO device_heartbeats (device, body, at) VALUES ($1, $2, now() - make_interval(days => $3))`, [
        device,
        JSON.stringify({ type: 'heartbeat', age: days }),
        days,
      ]);
    }
    const jobs = api.app.get(JobRunner);
    expect(await jobs.runNow('access.scan-log-retention')).toEqual({ deleted: 1 });
    expect(await jobs.runNow('devices.heartbeat-retention')).toEqual({ deleted: 3 });
    const reasons = await ds.query(`SELECT reason FROM scan_log WHERE scanner = 'retention-test' ORDER BY at`);
    expect(reasons.map((r: { reason: string }) => r.reason)).toEqual(['age 59', 'age 31', 'age 29']);
    const kept = await ds.query(`SELECT body->>'age' AS age FROM device_heartbeats WHERE device = $1 AND body ? 'age' ORDER BY at`, [device]);
    expect(kept.map((r: { age: string }) => r.age)).toEqual(['29']);
    // today's rows are untouched: the fan's admission scan and the other fan's two heartbeats
    expect((await ds.query(`SELECT count(*)::int AS n FROM scan_log WHERE ticket_id = $1`, [fans[1].ticketId]))[0].n).toBe(1);
    expect((await ds.query(`SELECT count(*)::int AS n FROM device_heartbeats WHERE device = $1 AND NOT body ? 'age'`, [device]))[0].n).toBe(2);
    // a second run finds nothing more
    expect(await jobs.runNow('access.scan-log-retention')).toEqual({ deleted: 0 });
  });

  it('limits exports to a few a minute per account (429 with Retry-After), whatever address they come from', async () => {
    const answers = [];
    for (let i = 0; i < 8; i++)
      answers.push(
        await request(api.url)
          .get('/api/v1/me/data')
          .set('authorization', bearer(fans[1]))
          .set('x-forwarded-for', `203.0.113.${i + 1}`),
      );
    expect(answers.map((r) => r.status)).toEqual([...Array(6).fill(200), 429, 429]);
    expect(answers[6].body.code).toBe('rate_limited');
    expect(Number(answers[6].headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

/** `npm start` runs on the embedded database (PGlite, one session): every section reads and writes through the one transaction. */
describe('personal data on the embedded defaults', () => {
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('exports and erases on PGlite too', async () => {
    api = await startApp('personal-data-embedded', { services: 'embedded' });
    const fan = await signIn(api.url, Wallet.createRandom());
    const data = (await request(api.url).get('/api/v1/me/data').set('authorization', `Bearer ${fan.accessToken}`).expect(200)).body;
    expect(data).toMatchObject({ address: fan.address, sections: { account: { sessions: [expect.objectContaining({ endedAt: null })] }, rewards: { balance: '0' } } });
    const erased = (await request(api.url).post('/api/v1/me/data/erase').set('authorization', `Bearer ${fan.accessToken}`).send({ confirm: true }).expect(200)).body;
    expect(erased.sections.account).toEqual({ sessionsEnded: 1 });
    await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: fan.refreshToken }).expect(401);
  }, 60_000);
});
