import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';

/** Issue 19: a claim shows the address's ledger balance, so only its own session (or an admin) may read it. */
describe('GET /rewards/:address/claim is the address’s own', () => {
  let api: RunningApp;
  const me = '0x00000000000000000000000000000000000c1a01';
  const other = '0x00000000000000000000000000000000000c1a02';
  const fan = async (subject: string) => `Bearer ${await api.tokenFor({ subject, kind: 'account', roles: ['fan'] })}`;
  const claimOf = (address: string) => request(api.url).get(`/api/v1/rewards/${address}/claim`);

  beforeAll(async () => {
    api = await startApp('claim-owner');
  });
  afterAll(() => api?.close());

  it("refuses another fan's session with 403 not_your_address, as problem+json", async () => {
    const res = await claimOf(me)
      .set('authorization', await fan(other))
      .expect(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('not_your_address');
    expect(res.body).not.toHaveProperty('balance');
    expect(res.body).not.toHaveProperty('ledgerBalance');
  });

  it('refuses a steward or staff of a venue as well (they are not the address either)', async () => {
    const staff = `Bearer ${await api.tokenFor({ subject: other, kind: 'account', roles: ['fan', `staff@${DEMO_VENUE_ID}`] })}`;
    expect((await claimOf(me).set('authorization', staff).expect(403)).body.code).toBe('not_your_address');
  });

  it('answers the own session (in any letter case of the address) and an admin past the check', async () => {
    // no chain here: past the check, the service's own answer is "nothing published yet"
    expect(
      (
        await claimOf(me)
          .set('authorization', await fan(me))
          .expect(404)
      ).body.code,
    ).toBe('not_settled');
    expect(
      (
        await claimOf(me.toUpperCase().replace('0X', '0x'))
          .set('authorization', await fan(me))
          .expect(404)
      ).body.code,
    ).toBe('not_settled');
    expect(
      (
        await claimOf(me)
          .set('authorization', `Bearer ${await api.tokenFor(adminPrincipal)}`)
          .expect(404)
      ).body.code,
    ).toBe('not_settled');
  });

  it('wants a session at all: 401 without one', async () => {
    expect((await claimOf(me).expect(401)).body.code).toBe('unauthenticated');
  });
});
