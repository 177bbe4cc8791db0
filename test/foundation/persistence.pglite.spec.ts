import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { createTempDataDir } from '../support/databases';
import { adminPrincipal, RunningApp, startApp } from '../support/app';

// The same API behaviours as on Postgres, once more on the embedded database, plus restart survival.
describe('persistence on embedded PGlite', () => {
  const dataDir = createTempDataDir('persist');
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('keeps venues, events and transitions across a restart, and seeds the demo venue only once', async () => {
    api = await startApp('persist', { services: 'embedded', dataDir });
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const venue = await request(api.url)
      .post('/api/v1/venues')
      .set('authorization', admin)
      .send({ name: 'Embedded Park', city: 'Braga', timezone: 'Europe/Lisbon', sections: [{ code: 'S1', name: 'S1', stand: 'south', tier: 1, capacity: 500 }] })
      .expect(201);
    const event = await request(api.url)
      .post('/api/v1/events')
      .set('authorization', admin)
      .send({ venueId: venue.body.id, name: 'Derby', startsAt: '2026-12-24T18:00:00Z' })
      .expect(201);
    await request(api.url).post(`/api/v1/events/${event.body.id}/transitions`).set('authorization', admin).send({ to: 'gates_open' }).expect(200);
    await request(api.url).post(`/api/v1/events/${event.body.id}/transitions`).set('authorization', admin).send({ to: 'ended' }).expect(409);
    await api.close();

    api = await startApp('persist', { services: 'embedded', dataDir });
    const venues = (await request(api.url).get('/api/v1/venues').expect(200)).body;
    expect(venues.map((v: { id: string }) => v.id).sort()).toEqual([DEMO_VENUE_ID, venue.body.id].sort());
    const again = await request(api.url).get(`/api/v1/events/${event.body.id}`).expect(200);
    expect(again.body).toMatchObject({ status: 'gates_open', version: 2 });
  });

  it('lets exactly one of two concurrent transitions win on the embedded database too', async () => {
    const admin = `Bearer ${await api!.tokenFor(adminPrincipal)}`;
    const { body: ev } = await request(api!.url)
      .post('/api/v1/events')
      .set('authorization', admin)
      .send({ venueId: DEMO_VENUE_ID, name: 'Race', startsAt: '2030-06-02T03:00:00Z' })
      .expect(201);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => request(api!.url).post(`/api/v1/events/${ev.id}/transitions`).set('authorization', admin).send({ to: 'cancelled' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
  });
});
