import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MomentsService } from '@fanmesh/moments';
import { DEMO_EVENT_ID } from '@fanmesh/venues';
import { RunningApp, startApp } from '../support/app';

describe('moments', () => {
  let api: RunningApp;
  beforeAll(async () => {
    api = await startApp('moments');
  });
  afterAll(() => api?.close());

  it('starts with no confirmed moments for an event', async () => {
    expect(await api.app.get(MomentsService).confirmed(DEMO_EVENT_ID)).toEqual([]);
    await request(api.url).get('/health').expect(200);
  });
});
