import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID, DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp, staffPrincipal, startApp } from '../support/app';

describe('opening a scheduled poll by hand', () => {
  let api: RunningApp;
  let staff: string;

  const scheduled = async () =>
    (
      await request(api.url)
        .post('/api/v1/polls')
        .set('authorization', staff)
        .send({
          venueId: DEMO_VENUE_ID,
          eventId: DEMO_EVENT_ID,
          question: 'Man of the match?',
          options: ['Keeper', 'Striker'],
          opensAt: new Date(Date.now() + 3600_000).toISOString(),
          closesAt: new Date(Date.now() + 7200_000).toISOString(),
          eligibility: 'checked_in',
          weighting: 'one_per_fan',
        })
        .expect(201)
    ).body as { id: string; status: string };

  beforeAll(async () => {
    api = await startApp('poll-open');
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
  });
  afterAll(() => api?.close());

  it('opens it now, and refuses to open it twice or once closed', async () => {
    const poll = await scheduled();
    expect(poll.status).toBe('scheduled');
    const opened = await request(api.url).post(`/api/v1/polls/${poll.id}/open`).set('authorization', staff).expect(200);
    expect(opened.body.status).toBe('open');
    expect(Math.abs(Date.parse(opened.body.opensAt) - Date.now())).toBeLessThan(10_000);
    const twice = await request(api.url).post(`/api/v1/polls/${poll.id}/open`).set('authorization', staff).expect(409);
    expect(twice.body.code).toBe('already_open');
    await request(api.url).post(`/api/v1/polls/${poll.id}/close`).set('authorization', staff).expect(200);
    expect((await request(api.url).post(`/api/v1/polls/${poll.id}/open`).set('authorization', staff).expect(409)).body.code).toBe('already_closed');
  });

  it('refuses staff of another venue and an unknown poll', async () => {
    const poll = await scheduled();
    const elsewhere = `Bearer ${await api.tokenFor(staffPrincipal('7c9e6679-7425-40de-944b-e07fc1f90aff'))}`;
    await request(api.url).post(`/api/v1/polls/${poll.id}/open`).set('authorization', elsewhere).expect(403);
    expect((await request(api.url).get(`/api/v1/polls/${poll.id}`).expect(200)).body.status).toBe('scheduled');
    expect((await request(api.url).post('/api/v1/polls/7c9e6679-7425-40de-944b-e07fc1f90aff/open').set('authorization', staff).expect(404)).body.code).toBe('poll_not_found');
  });
});
