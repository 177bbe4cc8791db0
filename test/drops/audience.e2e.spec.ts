import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admit, crowd } from './crowd';

const minutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe('a drop’s audience before it fires', () => {
  let api: RunningApp;
  let admin: string;
  let eventId: string;
  const sponsors: { id: string; key: string }[] = [];
  let made = 0; // one sponsor's drops with the same trigger need windows apart

  const create = async (key: string, audience?: Record<string, unknown>) => {
    const n = made++;
    return (
      await request(api.url)
        .post('/api/v1/drops')
        .set('x-api-key', key)
        .send({
          eventId,
          content: { title: 'Free scarf', body: 'At the club shop.' },
          reward: { kind: 'collectible' },
          trigger: { kind: 'manual' },
          ...(audience ? { audience } : {}),
          inventory: 10,
          window: { startsAt: minutes(n * 120 - 5), endsAt: minutes(n * 120 + 60) },
        })
        .expect(201)
    ).body.id as string;
  };

  beforeAll(async () => {
    api = await startApp('drops-audience');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    for (const name of ['Scarf Co', 'Other Co']) {
      const s = await request(api.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name }).expect(201);
      const k = await request(api.url).post(`/api/v1/sponsors/${s.body.id}/keys`).set('authorization', admin).expect(201);
      sponsors.push({ id: s.body.id, key: k.body.key });
    }
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Audience night');
    await openGates(api.url, admin, eventId);
  });
  afterAll(() => api?.close());

  it('counts the admitted fans a drop would reach now, by its sections, and nobody for a section with no one in', async () => {
    const [scarf] = sponsors;
    const everyone = await create(scarf.key);
    const south = await create(scarf.key, { sections: ['S101'] });
    expect((await request(api.url).get(`/api/v1/drops/${everyone}/audience`).set('x-api-key', scarf.key).expect(200)).body).toMatchObject({ dropId: everyone, reach: 0 });

    const gates = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)).body.gates;
    const stewardToken = (i: number) => api.tokenFor({ subject: `0x${(0x5800 + i).toString(16).padStart(40, '0')}`, kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] });
    await admit(api.url, admin, eventId, crowd(3, ['N101']), gates, stewardToken);

    const all = (await request(api.url).get(`/api/v1/drops/${everyone}/audience`).set('x-api-key', scarf.key).expect(200)).body;
    expect(all).toEqual({ dropId: everyone, reach: 3, at: expect.any(String) });
    expect(JSON.stringify(all)).not.toMatch(/0x[0-9a-f]{40}/i); // a count, never addresses
    expect((await request(api.url).get(`/api/v1/drops/${south}/audience`).set('x-api-key', scarf.key).expect(200)).body.reach).toBe(0);
    // the venue's staff see it too
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    expect((await request(api.url).get(`/api/v1/drops/${everyone}/audience`).set('authorization', staff).expect(200)).body.reach).toBe(3);
  });

  it('hides another sponsor’s drop and refuses an id that is not a UUID', async () => {
    const [scarf, other] = sponsors;
    const id = await create(scarf.key);
    const res = await request(api.url).get(`/api/v1/drops/${id}/audience`).set('x-api-key', other.key).expect(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('drop_not_found');
    const bad = await request(api.url).get('/api/v1/drops/not-a-uuid/audience').set('x-api-key', scarf.key).expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
