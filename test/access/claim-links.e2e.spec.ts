import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { createEvent, openGates, qrFor } from '../support/tickets';
import { goodRows, importList, ticketCsv, tokenOf } from '../support/ticket-lists';

const PUBLIC_ORIGIN = 'https://fans.example.com';

/** Issue 17, item 3: a fan binds an imported ticket to the key on their phone by opening a link, once. */
describe('claim and transfer links', () => {
  let a: RunningApp;
  let b: RunningApp; // a second instance on the same database, with PUBLIC_ORIGIN set
  let admin: string;
  let staff: string;
  let steward: string;
  let gateId: string;
  let eventId: string;
  let urls: string[];
  let next = 0;

  const fan = async (wallet = Wallet.createRandom()) => ({
    wallet,
    address: wallet.address.toLowerCase(),
    auth: `Bearer ${await a.tokenFor({ subject: wallet.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`,
  });
  const lookup = (token: string, auth: string, api = a) => request(api.url).post('/api/v1/claim-links/lookup').set('authorization', auth).send({ token });
  const claim = (token: string, auth: string, api = a) => request(api.url).post('/api/v1/claim-links/claim').set('authorization', auth).send({ token });
  const scan = async (code: string) => (await request(a.url).post(`/api/v1/gates/${gateId}/scans`).set('authorization', steward).send({ code }).expect(200)).body;
  /** The next unused claim link of the event's list. */
  const fresh = () => tokenOf(urls[next++]);

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('claim-links');
    // instances share the issuer key (production requires it), so they sign alike and derive the same link tokens
    const TICKET_ISSUER_KEY = Wallet.createRandom().privateKey;
    [a, b] = await Promise.all([
      startApp('claim-links-a', { databaseUrl, env: { TICKET_ISSUER_KEY } }),
      startApp('claim-links-b', { databaseUrl, env: { TICKET_ISSUER_KEY, PUBLIC_ORIGIN } }),
    ]);
    admin = `Bearer ${await a.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await a.tokenFor({ subject: '0x00000000000000000000000000000000000000b2', kind: 'account', roles: ['fan', `staff@${DEMO_VENUE_ID}`] })}`;
    steward = `Bearer ${await a.tokenFor({ subject: '0x00000000000000000000000000000000000057e1', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const venue = (await request(a.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
    gateId = venue.gates.find((g: { code: string }) => g.code === 'N-A').id;
    eventId = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Claim night');
    await importList(a.url, staff, eventId, ticketCsv(goodRows(30, ['N101', 'N102'])), false).expect(200);
    urls = (await request(a.url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', staff).expect(200)).body.tickets.map((t: { url: string }) => t.url);
    await openGates(a.url, admin, eventId);
  });
  afterAll(() => Promise.all([a?.close(), b?.close()]));

  it('binds the ticket to the key of the fan who opens the link: re-signed for them, and their code admits', async () => {
    const token = fresh();
    const me = await fan();
    const before = (await lookup(token, me.auth).expect(200)).body;
    expect(before).toMatchObject({ kind: 'claim', status: 'open', holder: null, event: { id: eventId, name: 'Claim night' }, ticket: { section: 'N101', seat: '1' } });
    const { body: ticket } = await claim(token, me.auth).expect(200);
    expect(ticket).toMatchObject({ id: before.ticket.id, holder: me.address, version: 2, status: 'valid', event: { id: eventId } });
    const mine = (await request(a.url).get('/api/v1/tickets/mine').set('authorization', me.auth).expect(200)).body;
    expect(mine.map((t: { id: string }) => t.id)).toEqual([ticket.id]);
    expect(await scan(qrFor(ticket, me.wallet))).toMatchObject({ decision: 'admit', ticketId: ticket.id });
  });

  it('says who holds the ticket when a claimed link is opened again, and never binds it twice', async () => {
    const token = fresh();
    const [first, second] = [await fan(), await fan()];
    const { body: ticket } = await claim(token, first.auth).expect(200);
    const theirs = (await lookup(token, first.auth).expect(200)).body;
    expect(theirs).toMatchObject({ status: 'claimed', holder: { you: true } });
    const other = (await lookup(token, second.auth).expect(200)).body;
    expect(other).toMatchObject({ status: 'claimed', holder: { you: false, short: `${first.address.slice(0, 6)}…${first.address.slice(-4)}` } });
    for (const who of [second, first]) {
      const res = await claim(token, who.auth).expect(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'claim_link_used', holder: { you: who === first } });
    }
    const after = (await request(a.url).get('/api/v1/tickets/mine').set('authorization', first.auth).expect(200)).body;
    expect(after.find((t: { id: string }) => t.id === ticket.id)).toMatchObject({ holder: first.address, version: 2 });
    expect((await request(a.url).get('/api/v1/tickets/mine').set('authorization', second.auth).expect(200)).body).toEqual([]);
  });

  it('lets exactly one of many fans claiming one link at the same moment, on two instances, win', async () => {
    const token = fresh();
    const fans = await Promise.all(Array.from({ length: 8 }, () => fan()));
    const results = await Promise.all(fans.map((f, i) => claim(token, f.auth, i % 2 ? b : a)));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.code === 'claim_link_used')).toHaveLength(7);
    const winner = fans[results.indexOf(won[0])];
    const snapshot = (await request(a.url).get(`/api/v1/events/${eventId}/offline-snapshot`).set('authorization', admin).expect(200)).body;
    expect(snapshot.tickets.find((t: { id: string }) => t.id === won[0].body.id)).toMatchObject({ holder: winner.address, version: 2 });
  });

  it('refuses an expired link with claim_link_expired, and says so when it is opened', async () => {
    const ev = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Short links');
    await importList(a.url, staff, ev, ticketCsv(goodRows(1, ['N101'], 'EXP')), false, { linksExpireAt: new Date(Date.now() + 1500).toISOString() }).expect(200);
    const [t] = (await request(a.url).get(`/api/v1/events/${ev}/claim-links`).set('authorization', staff).expect(200)).body.tickets;
    const me = await fan();
    expect((await lookup(tokenOf(t.url), me.auth).expect(200)).body.status).toBe('open');
    await new Promise((r) => setTimeout(r, 2000));
    expect((await lookup(tokenOf(t.url), me.auth).expect(200)).body.status).toBe('expired');
    expect((await claim(tokenOf(t.url), me.auth).expect(410)).body.code).toBe('claim_link_expired');
    expect((await request(a.url).get(`/api/v1/events/${ev}/claim-links`).set('authorization', staff)).body.summary).toMatchObject({ expired: 1, open: 0 });
    // and a link that expired before it was made is refused at import
    const past = await importList(a.url, staff, ev, ticketCsv(goodRows(1, ['N102'], 'PAST')), false, { linksExpireAt: '2020-01-01T00:00:00Z' }).expect(422);
    expect(past.body.code).toBe('bad_link_expiry');
  });

  it('answers clear problems for an unknown or mangled link and a revoked ticket', async () => {
    const me = await fan();
    const unknown = 'A'.repeat(43);
    expect((await lookup(unknown, me.auth).expect(404)).body.code).toBe('claim_link_not_found');
    expect((await claim(unknown, me.auth).expect(404)).body.code).toBe('claim_link_not_found');
    expect((await claim(fresh().slice(0, 40), me.auth).expect(400)).body.code).toBe('validation_failed');
    const token = fresh();
    const { ticket } = (await lookup(token, me.auth).expect(200)).body;
    await request(a.url).post(`/api/v1/tickets/${ticket.id}/revoke`).set('authorization', staff).expect(204);
    expect((await lookup(token, me.auth).expect(200)).body.status).toBe('stale');
    expect((await claim(token, me.auth).expect(409)).body.code).toBe('claim_link_stale');
  });

  it('keeps links to the venue of their event: staff of another venue get wrong_venue', async () => {
    const away = (await request(a.url).post('/api/v1/venues').set('authorization', admin).send({ name: 'Away ground', city: 'Porto', timezone: 'Europe/Lisbon' }).expect(201)).body
      .id;
    const awayStaff = `Bearer ${await a.tokenFor({ subject: '0x00000000000000000000000000000000000000b3', kind: 'account', roles: ['fan', `staff@${away}`] })}`;
    for (const path of [`/api/v1/events/${eventId}/claim-links`, `/api/v1/events/${eventId}/claim-links/export`]) {
      const res = await request(a.url).get(path).set('authorization', awayStaff).expect(403);
      expect(res.body).toMatchObject({ code: 'wrong_venue', venueId: DEMO_VENUE_ID });
    }
    const res = await importList(a.url, awayStaff, eventId, ticketCsv(goodRows(1, ['N101'], 'AWAY')), false).expect(403);
    expect(res.body.code).toBe('wrong_venue');
  });

  it('hands a ticket on by a transfer link: the old holder’s code stops admitting, the new holder’s admits', async () => {
    const [alice, bob, carol] = [await fan(), await fan(), await fan()];
    const { body: ticket } = await claim(fresh(), alice.auth).expect(200);
    // only the holder makes a transfer link; a newer one replaces the older
    await request(a.url).post(`/api/v1/tickets/${ticket.id}/transfer-links`).set('authorization', bob.auth).expect(403);
    const older = (await request(a.url).post(`/api/v1/tickets/${ticket.id}/transfer-links`).set('authorization', alice.auth).expect(201)).body;
    const link = (await request(b.url).post(`/api/v1/tickets/${ticket.id}/transfer-links`).set('authorization', alice.auth).expect(201)).body;
    expect(link.url).toBe(`${PUBLIC_ORIGIN}${link.path}`);
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(47 * 3600_000);
    expect((await claim(tokenOf(older.path), bob.auth).expect(410)).body.code).toBe('claim_link_revoked');
    // the holder opening their own link is told to send it on
    expect((await lookup(tokenOf(link.path), alice.auth).expect(200)).body).toMatchObject({ kind: 'transfer', status: 'open', holder: { you: true } });
    expect((await claim(tokenOf(link.path), alice.auth).expect(409)).body.code).toBe('already_holder');
    const oldCode = qrFor(ticket, alice.wallet);
    const { body: moved } = await claim(tokenOf(link.path), bob.auth).expect(200);
    expect(moved).toMatchObject({ id: ticket.id, holder: bob.address, version: 3 });
    expect((await claim(tokenOf(link.path), carol.auth).expect(409)).body.code).toBe('claim_link_used');
    expect((await lookup(tokenOf(link.path), carol.auth).expect(200)).body.holder).toEqual({ you: false, short: `${bob.address.slice(0, 6)}…${bob.address.slice(-4)}` });
    expect(await scan(oldCode)).toMatchObject({ decision: 'deny', reason: 'revoked' });
    expect((await request(a.url).get('/api/v1/tickets/mine').set('authorization', alice.auth)).body).toEqual([]);
    expect(await scan(qrFor(moved, bob.wallet))).toMatchObject({ decision: 'admit', ticketId: ticket.id });
    // once admitted, there is nothing left to hand on
    expect((await request(a.url).post(`/api/v1/tickets/${ticket.id}/transfer-links`).set('authorization', bob.auth).expect(409)).body.code).toBe('ticket_admitted');
  });

  it('exports the links for the venue’s mailer: order ref, contact and URL, from PUBLIC_ORIGIN or the request’s origin', async () => {
    const here = (await request(a.url).get(`/api/v1/events/${eventId}/claim-links/export`).set('authorization', staff).expect(200)).text;
    const there = (await request(b.url).get(`/api/v1/events/${eventId}/claim-links/export`).set('authorization', staff).expect(200)).text;
    const [header, ...lines] = here.trim().split('\r\n');
    expect(header).toBe('order_ref,contact,section,seat,tier,status,claim_url,expires_at');
    expect(lines).toHaveLength(30);
    expect(lines[0]).toMatch(new RegExp(`^"ORD-0001","buyer\\.ord\\.1@example\\.org","N101","1","vip","claimed","${a.url}/claim/[A-Za-z0-9_-]{43}","`));
    expect(there.split('\r\n')[1]).toContain(`"${PUBLIC_ORIGIN}/claim/`);
    // the same links on both instances: only the origin differs
    expect(there.replaceAll(PUBLIC_ORIGIN, a.url)).toBe(here);
  });
});
