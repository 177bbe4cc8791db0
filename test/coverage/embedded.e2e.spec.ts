import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, pairDevice, sendEnvelope, setPolicy, transition, witness } from './support';

/** `npm start` runs on PGlite: the same witness, limit and score path must work there. */
describe('coverage on the embedded database', () => {
  let api: RunningApp;
  let admin: string;

  beforeAll(async () => {
    api = await startApp('coverage-embedded', { services: 'embedded' });
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
  });
  afterAll(() => api?.close());

  it('judges witnesses, holds the fan limit and scores the epoch', async () => {
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Embedded night');
    await openGates(api.url, admin, eventId);
    await setPolicy(api, admin, eventId, { intervalS: 300, fanWitnessesPerInterval: 1, hotspotWitnessesPerInterval: 10, challengeTtlS: 30 });
    const [h1, h2] = [await pairDevice(api, 'N101'), await pairDevice(api, 'N101')];
    await sendEnvelope(api, h1.envelope({ type: 'heartbeat', clients: 1, throughputKbps: 2000 })).expect(200);
    const [fan] = await admittedFans(api, admin, eventId, 1, ['N101']);
    expect((await witness(api, h1, fan, eventId)).verdict).toBe('valid');
    expect((await witness(api, h2, fan, eventId)).verdict).toBe('fan_limit');
    await transition(api, admin, eventId, 'live');
    await transition(api, admin, eventId, 'ended');
    const scores = (await request(api.url).post(`/api/v1/coverage/events/${eventId}/scores`).set('authorization', admin).expect(200)).body;
    expect(scores.find((s: { hotspot: string }) => s.hotspot === h1.address)).toMatchObject({ uniqueWitnesses: 1, uptime: 1, quality: 0.2, score: 800, final: true }); // 1000 × 1 × (0.5 + 0.5·1) × (0.75 + 0.25·0.2)
    expect(scores.find((s: { hotspot: string }) => s.hotspot === h2.address)).toMatchObject({ uniqueWitnesses: 0, score: 0 });
  });
});
