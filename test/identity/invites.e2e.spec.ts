import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID, DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { signIn } from '../support/fans';

const PROBLEM = /^application\/problem\+json/;

describe('invites to a role at a venue, by link', () => {
  let api: RunningApp;
  let admin: string;
  let otherVenueId: string;

  const invite = async (venueId: string, role: 'staff' | 'steward' = 'steward', extra: object = {}) =>
    (
      await request(api.url)
        .post(`/api/v1/venues/${venueId}/invites`)
        .set('authorization', admin)
        .send({ role, ...extra })
        .expect(201)
    ).body as {
      id: string;
      token: string;
      path: string;
      status: string;
      expiresAt: string;
    };
  const accept = (token: string, bearer?: string) => {
    const req = request(api.url).post('/api/v1/invites/accept');
    return (bearer ? req.set('authorization', `Bearer ${bearer}`) : req).send({ token });
  };

  beforeAll(async () => {
    api = await startApp('invites');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const other = await request(api.url)
      .post('/api/v1/venues')
      .set('authorization', admin)
      .send({
        name: 'Quay Ground',
        city: 'Porto',
        timezone: 'Europe/Lisbon',
        sections: [{ code: 'Q1', name: 'Q1', stand: 'east', tier: 1, capacity: 100 }],
        gates: [{ code: 'QG', name: 'Quay gate', sectionCodes: ['Q1'] }],
      })
      .expect(201);
    otherVenueId = other.body.id;
  });
  afterAll(() => api?.close());

  it('makes a one-time link whose token is shown once; accepting it grants the role at that venue', async () => {
    const created = await invite(DEMO_VENUE_ID, 'steward', { label: 'Maria, north gates', ttlHours: 24 });
    expect(created.token).toMatch(/^fmiv_[A-Za-z0-9_-]{43}$/);
    expect(created.path).toBe(`/venue/join#${created.token}`);
    expect(created.status).toBe('pending');
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);

    const listed = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/invites`).set('authorization', admin).expect(200)).body;
    expect(listed).toEqual([expect.objectContaining({ id: created.id, role: 'steward', label: 'Maria, north gates', status: 'pending', acceptedBy: null })]);
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const lookup = await request(api.url).post('/api/v1/invites/lookup').send({ token: created.token }).expect(200);
    expect(lookup.body).toMatchObject({ venueId: DEMO_VENUE_ID, role: 'steward', status: 'pending', acceptedBy: null });

    const maria = await signIn(api.url);
    expect(maria.roles).toEqual(['fan']);
    const accepted = await accept(created.token, maria.accessToken).expect(200);
    expect(accepted.body).toEqual({ venueId: DEMO_VENUE_ID, role: 'steward', address: maria.address, alreadyAccepted: false });
    // The role is read at the next sign-in, as every grant is.
    expect((await signIn(api.url, maria.wallet)).roles).toEqual(expect.arrayContaining(['fan', `steward@${DEMO_VENUE_ID}`]));
    const grants = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/roles`).set('authorization', admin).expect(200)).body;
    expect(grants).toContainEqual(expect.objectContaining({ address: maria.address, role: 'steward' }));
  });

  it('is taken once: the holder may open it again, anyone else is told who took it', async () => {
    const { token } = await invite(DEMO_VENUE_ID, 'staff');
    const first = await signIn(api.url);
    const second = await signIn(api.url);
    await accept(token, first.accessToken).expect(200);
    const again = await accept(token, first.accessToken).expect(200);
    expect(again.body).toMatchObject({ alreadyAccepted: true, role: 'staff' });
    const reused = await accept(token, second.accessToken).expect(409);
    expect(reused.headers['content-type']).toMatch(PROBLEM);
    expect(reused.body).toMatchObject({ code: 'invite_used', acceptedBy: first.address });
    expect((await signIn(api.url, second.wallet)).roles).toEqual(['fan']);
    expect((await request(api.url).post('/api/v1/invites/lookup').send({ token }).expect(200)).body).toMatchObject({ status: 'accepted', acceptedBy: first.address });
  });

  it('stops working once it expires', async () => {
    const { id, token } = await invite(DEMO_VENUE_ID);
    await api.app.get(DataSource).query(`UPDATE role_invites SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const fan = await signIn(api.url);
    const late = await accept(token, fan.accessToken).expect(410);
    expect(late.body.code).toBe('invite_expired');
    expect((await request(api.url).post('/api/v1/invites/lookup').send({ token }).expect(200)).body.status).toBe('expired');
    expect((await request(api.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/invites/${id}`).set('authorization', admin).expect(410)).body.code).toBe('invite_expired');
    expect((await signIn(api.url, fan.wallet)).roles).toEqual(['fan']);
  });

  it('can be withdrawn while pending; a withdrawn link grants nothing', async () => {
    const { id, token } = await invite(DEMO_VENUE_ID);
    await request(api.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/invites/${id}`).set('authorization', admin).expect(204);
    const fan = await signIn(api.url);
    expect((await accept(token, fan.accessToken).expect(410)).body.code).toBe('invite_revoked');
    expect((await request(api.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/invites/${id}`).set('authorization', admin).expect(410)).body.code).toBe('invite_revoked');
    const taken = await invite(DEMO_VENUE_ID);
    await accept(taken.token, fan.accessToken).expect(200);
    const late = await request(api.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/invites/${taken.id}`).set('authorization', admin).expect(409);
    expect(late.body).toMatchObject({ code: 'invite_used', acceptedBy: fan.address });
  });

  it("grants the role only at the invite's venue, and is not reachable through another venue", async () => {
    const { id, token } = await invite(otherVenueId);
    expect((await request(api.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/invites/${id}`).set('authorization', admin).expect(404)).body.code).toBe('invite_not_found');
    expect((await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/invites`).set('authorization', admin).expect(200)).body.map((i: { id: string }) => i.id)).not.toContain(id);
    const fan = await signIn(api.url);
    expect((await accept(token, fan.accessToken).expect(200)).body.venueId).toBe(otherVenueId);
    const steward = await signIn(api.url, fan.wallet);
    expect(steward.roles).toContain(`steward@${otherVenueId}`);
    expect(steward.roles).not.toContain(`steward@${DEMO_VENUE_ID}`);
    // The demo venue's gate list for scanning offline is its stewards', not this one's.
    const demo = await request(api.url).get(`/api/v1/events/${DEMO_EVENT_ID}/offline-snapshot`).set('authorization', `Bearer ${steward.accessToken}`);
    expect(demo.status).toBe(403);
  });

  it('lets exactly one of two people accepting the same link at once win', async () => {
    const { token } = await invite(DEMO_VENUE_ID, 'staff');
    const [a, b] = await Promise.all([signIn(api.url), signIn(api.url)]);
    const answers = await Promise.all([accept(token, a.accessToken), accept(token, b.accessToken)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = answers[0].status === 200 ? a : b;
    const staff = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/roles`).set('authorization', admin).expect(200)).body.filter(
      (g: { role: string; address: string }) => g.role === 'staff' && [a.address, b.address].includes(g.address),
    );
    expect(staff.map((g: { address: string }) => g.address)).toEqual([winner.address]);
  });

  it('refuses an unknown or malformed token, a caller who is not signed in, an unknown venue and a non-admin inviter', async () => {
    const fan = await signIn(api.url);
    expect((await accept(`fmiv_${'A'.repeat(43)}`, fan.accessToken).expect(404)).body.code).toBe('invite_not_found');
    expect(
      (
        await request(api.url)
          .post('/api/v1/invites/lookup')
          .send({ token: `fmiv_${'A'.repeat(43)}` })
          .expect(404)
      ).body.code,
    ).toBe('invite_not_found');
    expect((await accept('not-a-token', fan.accessToken).expect(400)).body.code).toBe('validation_failed');
    const { token } = await invite(DEMO_VENUE_ID);
    await accept(token).expect(401);
    expect(
      (await request(api.url).post('/api/v1/venues/7c9e6679-7425-40de-944b-e07fc1f90aff/invites').set('authorization', admin).send({ role: 'steward' }).expect(404)).body.code,
    ).toBe('venue_not_found');
    await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/invites`).set('authorization', `Bearer ${fan.accessToken}`).send({ role: 'steward' }).expect(403);
    expect((await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/invites`).set('authorization', admin).send({ role: 'admin' }).expect(400)).body.code).toBe(
      'validation_failed',
    );
    expect((await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/invites`).set('authorization', admin).send({ role: 'staff', ttlHours: 0 }).expect(400)).body.code).toBe(
      'validation_failed',
    );
  });
});

describe("the operator's first-run invite", () => {
  let api: RunningApp;
  beforeAll(async () => {
    api = await startApp('operator-invite');
  });
  afterAll(() => api?.close());

  it('makes the first account that asks from this machine an admin, once', async () => {
    expect((await request(api.url).get('/api/v1/invites/operator').expect(200)).body).toEqual({ open: true, reason: null });
    const [operator, rival] = await Promise.all([signIn(api.url), signIn(api.url)]);

    // Through a proxy Express trusts, the client is the forwarded address: not this machine.
    const remote = await request(api.url)
      .post('/api/v1/invites/operator/accept')
      .set('authorization', `Bearer ${operator.accessToken}`)
      .set('x-forwarded-for', '203.0.113.7')
      .expect(403);
    expect(remote.body.code).toBe('operator_not_local');

    const answers = await Promise.all([operator, rival].map((who) => request(api.url).post('/api/v1/invites/operator/accept').set('authorization', `Bearer ${who.accessToken}`)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const [winner, loser] = answers[0].status === 200 ? [operator, rival] : [rival, operator];
    expect(answers.find((r) => r.status === 409)!.body.code).toBe('operator_invite_used');
    expect((await signIn(api.url, winner.wallet)).roles).toContain('admin');
    expect((await signIn(api.url, loser.wallet)).roles).not.toContain('admin');
    const again = await request(api.url).post('/api/v1/invites/operator/accept').set('authorization', `Bearer ${winner.accessToken}`).expect(200);
    expect(again.body).toEqual({ address: winner.address, alreadyAccepted: true });
    expect((await request(api.url).get('/api/v1/invites/operator').expect(200)).body).toEqual({ open: false, reason: 'claimed' });
    await request(api.url).post('/api/v1/invites/operator/accept').expect(401);
  });

  it('is closed when ADMIN_ADDRESS names the admin', async () => {
    const named = await startApp('operator-named', { env: { ADMIN_ADDRESS: '0x00000000000000000000000000000000000000a1' } });
    try {
      expect((await request(named.url).get('/api/v1/invites/operator').expect(200)).body).toEqual({ open: false, reason: 'admin_address' });
      const fan = await signIn(named.url);
      const refused = await request(named.url).post('/api/v1/invites/operator/accept').set('authorization', `Bearer ${fan.accessToken}`).expect(403);
      expect(refused.body.code).toBe('operator_invite_closed');
      expect(refused.body.detail).toContain(`ADMIN_ADDRESS=${fan.address}`);
    } finally {
      await named.close();
    }
  });
});
