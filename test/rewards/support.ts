import { BaseWallet, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp } from '../support/app';
import { createEvent, openGates, qrFor } from '../support/tickets';

export const STEWARD = '0x00000000000000000000000000000000000057e1';

export const until = async <T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
};

const transition = (api: RunningApp, auth: string, eventId: string, to: string) =>
  request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', auth).send({ to }).expect(200);

/**
 * A whole small match through the real API: an event, a ticket per wallet, admission at the gate by
 * a steward, kickoff and the final whistle. Returns the event id once every admission is in the ledger.
 */
export async function playMatch(api: RunningApp, admin: string, wallets: BaseWallet[], name = 'Match'): Promise<string> {
  const steward = `Bearer ${await api.tokenFor({ subject: STEWARD, kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
  const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
  const gateId = venue.gates.find((g: { code: string }) => g.code === 'N-A').id;
  const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, name);
  const issued = (
    await request(api.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', admin)
      .send({ tickets: wallets.map((w, i) => ({ holder: w.address, section: 'N101', seat: String(i + 1), tier: 'standard' })) })
      .expect(201)
  ).body.tickets as { id: string; version: number }[];
  await openGates(api.url, admin, eventId);
  for (let i = 0; i < issued.length; i++) {
    const res = await request(api.url)
      .post(`/api/v1/gates/${gateId}/scans`)
      .set('authorization', steward)
      .send({ code: qrFor(issued[i], wallets[i]) })
      .expect(200);
    if (res.body.decision !== 'admit') throw new Error(`ticket ${i} was not admitted: ${JSON.stringify(res.body)}`);
  }
  const ds = api.app.get(DataSource);
  await until(
    async () => (await ds.query(`SELECT count(*)::int AS n FROM reward_entries WHERE event_id = $1 AND kind = 'admission'`, [eventId]))[0].n,
    (n) => n === wallets.length,
  );
  await transition(api, admin, eventId, 'live');
  await transition(api, admin, eventId, 'ended');
  return eventId;
}

/** The ledger's own answer: every account's sum of entries in paying epochs up to and including `epochId`. */
export async function ledgerTotals(ds: DataSource, epochId: string): Promise<Map<string, bigint>> {
  const rows: { account: string; total: string }[] = await ds.query(
    `SELECT account, sum(amount)::text AS total FROM reward_entries WHERE epoch_id IN (
       SELECT id FROM reward_epochs WHERE id <= $1 AND status IN ('approved', 'tree_built', 'publishing', 'published')) GROUP BY account`,
    [epochId],
  );
  return new Map(rows.filter((r) => r.total !== '0').map((r) => [r.account, BigInt(r.total)]));
}

export const wallets = (n: number) => Array.from({ length: n }, () => Wallet.createRandom());
