import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { playMatch, until, wallets } from './support';

describe('rewards on the embedded defaults (PGlite and the embedded chain, as npm start runs)', () => {
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('pays, settles and shows a claimable amount equal to the ledger', async () => {
    api = await startApp('rewards-embedded', { services: 'embedded', env: { CHAIN_EMBEDDED: 'on' } });
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const fans = wallets(3);
    const eventId = await playMatch(api, admin, fans, 'Embedded night');
    const closed = await until(
      () => request(api!.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    await request(api.url).post(`/api/v1/epochs/${closed.body.id}/approve`).set('authorization', staff).send({}).expect(200);
    const done = await until(
      async () => (await request(api!.url).get(`/api/v1/epochs/${closed.body.id}/manifest`).set('authorization', staff)).body,
      (m) => m.status === 'published',
      30_000,
    );
    expect(done.status).toBe('published');
    const fan = `Bearer ${await api.tokenFor({ subject: fans[0].address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
    const me = (await request(api.url).get('/api/v1/rewards/me').set('authorization', fan).expect(200)).body;
    const claim = (await request(api.url).get(`/api/v1/rewards/${fans[0].address}/claim`).set('authorization', fan).expect(200)).body;
    // another fan's session is refused, not shown this fan's balance
    const other = `Bearer ${await api.tokenFor({ subject: fans[1].address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
    expect((await request(api.url).get(`/api/v1/rewards/${fans[0].address}/claim`).set('authorization', other).expect(403)).body.code).toBe('not_your_address');
    expect(claim).toMatchObject({ cumulativeAmount: me.balance, claimable: me.balance, claimed: '0' });
    expect(BigInt(me.balance)).toBeGreaterThan(0n);
  });
});
