import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, fanAuth, pairDevice, witness } from '../coverage/support';

describe('drops for fans who witnessed hotspots', () => {
  let api: RunningApp;
  afterAll(() => api?.close());
  beforeAll(async () => {
    api = await startApp('drops-witnessed');
  });

  it('targets only the admitted fans with a valid hotspot witness (the coverage verdicts)', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Coverage drop night');
    await openGates(api.url, admin, eventId);
    const sponsor = await request(api.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name: 'Mesh Telecom' }).expect(201);
    const key = (await request(api.url).post(`/api/v1/sponsors/${sponsor.body.id}/keys`).set('authorization', admin).expect(201)).body.key;

    const fans = await admittedFans(api, admin, eventId, 6, ['N101']);
    const hotspot = await pairDevice(api, 'N101');
    const witnesses = fans.slice(0, 3);
    for (const f of witnesses) expect((await witness(api, hotspot, f, eventId)).verdict).toBe('valid');

    const created = await request(api.url)
      .post('/api/v1/drops')
      .set('x-api-key', key)
      .send({
        eventId,
        content: { title: 'Thanks for the coverage', body: '1 GB of data on us.' },
        reward: { kind: 'collectible', name: 'Mesh badge' },
        trigger: { kind: 'manual' },
        audience: { witnessed: true },
        inventory: 10,
        window: { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString() },
      })
      .expect(201);
    expect(created.body.audience).toEqual({ witnessed: true });
    await request(api.url).post(`/api/v1/drops/${created.body.id}/approve`).set('authorization', staff).send({ version: created.body.version }).expect(200);
    expect((await request(api.url).post(`/api/v1/drops/${created.body.id}/fire`).set('x-api-key', key).expect(200)).body.targeted).toBe(3);
    for (const [i, f] of fans.entries()) {
      const mine = (
        await request(api.url)
          .get(`/api/v1/drops/mine?eventId=${eventId}`)
          .set('authorization', await fanAuth(api, f))
          .expect(200)
      ).body;
      expect(
        mine.map((d: { dropId: string }) => d.dropId),
        `fan ${i}`,
      ).toEqual(i < 3 ? [created.body.id] : []);
    }
  });
});
