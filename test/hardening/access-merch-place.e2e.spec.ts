import { Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '@fanmesh/common';
import { MERCH_DOMAIN, MERCH_TYPES } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';

/**
 * Issue 19, item 5: where a merch tag was seen is the server's knowledge (the verifier's venue
 * binding), never the `place` a client sends, so one fan cannot brand a genuine item a clone.
 */
describe('access: the place of a merch verification', () => {
  let api: RunningApp;
  let admin: string;
  let away: string;
  const issuer = Wallet.createRandom();
  const tag = async (serial: string) => ({ sku: 'SCARF-26', serial, signature: await issuer.signTypedData(MERCH_DOMAIN, MERCH_TYPES, { sku: 'SCARF-26', serial }) });
  const as = async (p: Principal) => `Bearer ${await api.tokenFor(p)}`;
  const fan = (n: number): Principal => ({ subject: `0x${(0xfb00 + n).toString(16).padStart(40, '0')}`, kind: 'account', roles: ['fan'] });
  const steward = (venueId: string, n = 0): Principal => ({ subject: `0x${(0x57a0 + n).toString(16).padStart(40, '0')}`, kind: 'account', roles: ['fan', `steward@${venueId}`] });
  const verify = async (who: Principal, body: object) =>
    (
      await request(api.url)
        .post('/api/v1/merch/verifications')
        .set('authorization', await as(who))
        .send(body)
        .expect(200)
    ).body;
  const flagged = async (serial: string) => (await api.app.get(DataSource).query(`SELECT flagged_at FROM merch_items WHERE serial = $1`, [serial]))[0].flagged_at;

  beforeAll(async () => {
    api = await startApp('access-merch-place');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    away = (await request(api.url).post('/api/v1/venues').set('authorization', admin).send({ name: 'Away ground', city: 'Porto', timezone: 'Europe/Lisbon' }).expect(201)).body.id;
    await request(api.url).post('/api/v1/merch/issuers').set('authorization', admin).send({ address: issuer.address, venueId: DEMO_VENUE_ID, name: 'Club shop' }).expect(201);
    const items = await Promise.all(['P-1', 'P-2', 'P-3', 'P-4'].map(tag));
    await request(api.url).post('/api/v1/merch/items').set('authorization', admin).send({ items }).expect(201);
  });
  afterAll(() => api?.close());

  it('ignores the place a client names: one fan (or two) naming two places in a minute brands nothing a clone', async () => {
    const t = await tag('P-1');
    expect(await verify(fan(1), { ...t, place: 'gate N-A' })).toMatchObject({ verdict: 'authentic' });
    expect(await verify(fan(1), { ...t, place: 'gate S-B' })).toMatchObject({ verdict: 'authentic' });
    expect(await verify(fan(2), { ...t, place: 'Lisbon airport' })).toMatchObject({ verdict: 'authentic' });
    expect(await verify(fan(3), t)).toMatchObject({ verdict: 'authentic' }); // the place may be left out now
    expect(await flagged('P-1')).toBeNull();
    // a steward's made-up place does not move them out of their venue either
    expect(await verify(steward(DEMO_VENUE_ID), { ...t, place: 'Porto' })).toMatchObject({ verdict: 'authentic' });
    expect(await verify(steward(DEMO_VENUE_ID, 1), { ...t, place: 'gate S-B' })).toMatchObject({ verdict: 'authentic' });
    expect(await flagged('P-1')).toBeNull();
    const [row] = await api.app.get(DataSource).query(`SELECT array_agg(DISTINCT coalesce(place, '-')) AS places FROM merch_verifications WHERE serial = 'P-1'`);
    expect(row.places.sort()).toEqual(['-', `venue:${DEMO_VENUE_ID}`]);
  });

  it('flags a serial that stewards of two venues saw within minutes', async () => {
    const t = await tag('P-2');
    expect(await verify(steward(DEMO_VENUE_ID), t)).toMatchObject({ verdict: 'authentic' });
    expect(await verify(steward(away), { ...t, place: `venue:${DEMO_VENUE_ID}` })).toMatchObject({ verdict: 'likely_clone', reason: `seen_at:venue:${DEMO_VENUE_ID}` });
    expect(await flagged('P-2')).not.toBeNull();
    expect(await verify(fan(4), t)).toMatchObject({ verdict: 'likely_clone', reason: 'flagged_before' });
  });

  it("tells a fan holding someone else's claimed item that it is not theirs, without flagging it; the owner and stewards see it authentic", async () => {
    const t = await tag('P-3');
    await request(api.url)
      .post('/api/v1/merch/claims')
      .set('authorization', await as(fan(5)))
      .send(t)
      .expect(200);
    expect(await verify(fan(5), t)).toMatchObject({ verdict: 'authentic' });
    expect(await verify(fan(6), t)).toMatchObject({ verdict: 'likely_clone', reason: 'claimed_by_another' });
    expect(await verify(steward(DEMO_VENUE_ID), t)).toMatchObject({ verdict: 'authentic' });
    expect(await flagged('P-3')).toBeNull();
  });

  it("says whether an item is claimed and whether it is the caller's, never whose, except to its venue's staff and admins", async () => {
    const t = await tag('P-5');
    await request(api.url)
      .post('/api/v1/merch/items')
      .set('authorization', admin)
      .send({ items: [t] })
      .expect(201);
    const before = await verify(fan(7), t);
    expect(before).toMatchObject({ verdict: 'authentic', claimed: false, yours: false });
    expect(before).not.toHaveProperty('owner');
    await request(api.url)
      .post('/api/v1/merch/claims')
      .set('authorization', await as(fan(7)))
      .send(t)
      .expect(200);
    const owner = fan(7).subject;
    const mine = await verify(fan(7), t);
    expect(mine).toMatchObject({ verdict: 'authentic', claimed: true, yours: true });
    expect(mine).not.toHaveProperty('owner');
    const theirs = await verify(fan(8), t);
    expect(theirs).toMatchObject({ claimed: true, yours: false });
    expect(JSON.stringify(theirs)).not.toContain(owner);
    const bySteward = await verify(steward(DEMO_VENUE_ID, 2), t);
    expect(bySteward).toMatchObject({ verdict: 'authentic', claimed: true, yours: false });
    expect(JSON.stringify(bySteward)).not.toContain(owner);
    // staff of another venue are not this item's venue: no owner for them either
    const awayStaff: Principal = { subject: '0x00000000000000000000000000000000000057c1', kind: 'account', roles: ['fan', `staff@${away}`] };
    expect(JSON.stringify(await verify(awayStaff, t))).not.toContain(owner);
    const homeStaff: Principal = { subject: '0x00000000000000000000000000000000000057c2', kind: 'account', roles: ['fan', `staff@${DEMO_VENUE_ID}`] };
    expect(await verify(homeStaff, t)).toMatchObject({ claimed: true, yours: false, owner });
    expect(await verify(adminPrincipal, t)).toMatchObject({ claimed: true, owner });
  });

  it('gives a verifier bound to several venues no place (it cannot say which one it is at)', async () => {
    const t = await tag('P-4');
    const both: Principal = { subject: '0x00000000000000000000000000000000000057b0', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`, `staff@${away}`] };
    expect(await verify(steward(away), t)).toMatchObject({ verdict: 'authentic' });
    expect(await verify(both, t)).toMatchObject({ verdict: 'authentic' });
    expect(await flagged('P-4')).toBeNull();
  });
});
