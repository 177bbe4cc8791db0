import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { feedSignature } from '@fanmesh/moments';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createTempDataDir, createTestDatabase } from '../support/databases';
import { createEvent } from '../support/tickets';

const secret = () => randomBytes(36).toString('base64url');

/** Issue 19: venue feed secrets are sealed under a key root of their own, not under AUTH_SECRET. */
describe('the official feed across an AUTH_SECRET rotation', () => {
  const running: RunningApp[] = [];
  const boot = async (label: string, databaseUrl: string, dataDir: string, env: Record<string, string>) => {
    const api = await startApp(label, { databaseUrl, dataDir, env });
    running.push(api);
    return api;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.close()));
  });

  /** Issues the venue's feed secret and an event on `api`; returns both. */
  async function setUp(api: RunningApp): Promise<{ feedSecret: string; eventId: string }> {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Feed night');
    const feedSecret = (await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/feed-secret`).set('authorization', admin).expect(201)).body.secret as string;
    return { feedSecret, eventId };
  }
  const feed = (api: RunningApp, feedSecret: string, eventId: string, ref: string) => {
    const msg = { eventId, ref, kind: 'kickoff', at: new Date(Date.now() - 10_000).toISOString() };
    const ts = String(Math.floor(Date.now() / 1000));
    return request(api.url)
      .post(`/api/v1/feeds/${DEMO_VENUE_ID}/moments`)
      .set({ 'x-fanmesh-timestamp': ts, 'x-fanmesh-signature': feedSignature(feedSecret, ts, DEMO_VENUE_ID, msg) })
      .send(msg);
  };

  it('accepts the same feed signatures after AUTH_SECRET changes (dev: the key root is generated into the data dir)', async () => {
    const [databaseUrl, dataDir] = [await createTestDatabase('feed-dev'), createTempDataDir('feed-dev')];
    const before = await boot('feed-dev-1', databaseUrl, dataDir, { AUTH_SECRET: secret() });
    const { feedSecret, eventId } = await setUp(before);
    expect(existsSync(join(dataDir, 'feed-secret'))).toBe(true);
    expect((await feed(before, feedSecret, eventId, 'ko-1').expect(200)).body.changed).toBe(true);
    await before.close();
    running.pop();

    const after = await boot('feed-dev-2', databaseUrl, dataDir, { AUTH_SECRET: secret() });
    const res = await feed(after, feedSecret, eventId, 'ko-2');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.moment).toMatchObject({ kind: 'kickoff', status: 'confirmed', confirmedBy: 'feed' });
  });

  it('seals under FEED_SECRET: a new AUTH_SECRET changes nothing, another FEED_SECRET opens nothing (a 401, never a 500)', async () => {
    const databaseUrl = await createTestDatabase('feed-env');
    const FEED_SECRET = secret();
    const first = await boot('feed-env-1', databaseUrl, createTempDataDir('feed-env-1'), { AUTH_SECRET: secret(), FEED_SECRET });
    const { feedSecret, eventId } = await setUp(first);

    // Another instance (its own data dir) with another AUTH_SECRET and the same FEED_SECRET.
    const rotated = await boot('feed-env-2', databaseUrl, createTempDataDir('feed-env-2'), { AUTH_SECRET: secret(), FEED_SECRET });
    const ok = await feed(rotated, feedSecret, eventId, 'ko-1');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);

    const other = await boot('feed-env-3', databaseUrl, createTempDataDir('feed-env-3'), { FEED_SECRET: secret() });
    const refused = await feed(other, feedSecret, eventId, 'ko-2').expect(401);
    expect(refused.body).toMatchObject({ code: 'feed_not_configured', detail: expect.stringContaining('FEED_SECRET') });
  });
});
