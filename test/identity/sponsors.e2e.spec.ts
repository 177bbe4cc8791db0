import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';

describe("a venue's sponsors and their keys, for the console", () => {
  let api: RunningApp;
  let admin: string;

  beforeAll(async () => {
    api = await startApp('sponsors-list');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
  });
  afterAll(() => api?.close());

  it('lists sponsors with key prefixes and dates, never the keys, and shows a revoked key as revoked', async () => {
    const sponsor = (await request(api.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name: 'Lisbon Lager' }).expect(201)).body;
    const key = (await request(api.url).post(`/api/v1/sponsors/${sponsor.id}/keys`).set('authorization', admin).expect(201)).body;
    await request(api.url).get('/api/v1/drops').set('x-api-key', key.key);
    const listed = (await request(api.url).get(`/api/v1/sponsors?venueId=${DEMO_VENUE_ID}`).set('authorization', admin).expect(200)).body;
    expect(listed).toEqual([
      expect.objectContaining({ id: sponsor.id, name: 'Lisbon Lager', keys: [expect.objectContaining({ id: key.id, prefix: key.prefix, revokedAt: null })] }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(key.key);

    await request(api.url).delete(`/api/v1/sponsors/${sponsor.id}/keys/${key.id}`).set('authorization', admin).expect(204);
    const after = (await request(api.url).get(`/api/v1/sponsors?venueId=${DEMO_VENUE_ID}`).set('authorization', admin).expect(200)).body;
    expect(after[0].keys[0].revokedAt).not.toBeNull();
  });

  it('refuses a sponsor for a venue that does not exist (404, not a server error), a missing venueId and staff', async () => {
    const res = await request(api.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: '7c9e6679-7425-40de-944b-e07fc1f90aff', name: 'Ghost' }).expect(404);
    expect(res.body.code).toBe('venue_not_found');
    expect((await request(api.url).get('/api/v1/sponsors').set('authorization', admin).expect(400)).body.code).toBe('validation_failed');
    await request(api.url)
      .get(`/api/v1/sponsors?venueId=${DEMO_VENUE_ID}`)
      .set('authorization', `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`)
      .expect(403);
  });
});
