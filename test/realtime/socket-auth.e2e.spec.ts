import { pbkdf2 } from 'node:crypto';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { Wallet } from 'ethers';
import request from 'supertest';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '@fanmesh/identity';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { signIn } from '../support/fans';
import { Frame, WsClient } from '../support/ws-client';

/** A socket's life with its token: read only once authenticated, closed when the token or its role ends. */
describe('websocket authentication, for as long as a socket is open', () => {
  let a: RunningApp;
  let b: RunningApp;
  const adminWallet = Wallet.createRandom();
  const sockets: Array<{ close(): void }> = [];

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('socket-auth');
    const env = { ADMIN_ADDRESS: adminWallet.address };
    a = await startApp('sa-a', { databaseUrl, env: { ...env, INSTANCE_ID: 'api-a' } });
    b = await startApp('sa-b', { databaseUrl, env: { ...env, INSTANCE_ID: 'api-b' } });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all([a?.close(), b?.close()]);
  });

  /** The close a socket gets within `ms`, or undefined. */
  const closeOf = (ws: WebSocket, ms: number) =>
    Promise.race([once(ws, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) })), new Promise<undefined>((r) => setTimeout(r, ms))]);

  it('reads a frame sent before welcome only once the URL token is checked: 20 of 20 early subscribes succeed', async () => {
    // each its own fresh token, so none is verified from the cache
    const fans = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const address = Wallet.createRandom().address.toLowerCase();
        return { address, token: (await a.app.get(TokenService).issue({ subject: address, kind: 'account', roles: ['fan'] })).token };
      }),
    );
    // A busy server: other crypto work holds libuv's thread pool, where the token's HMAC is checked,
    // so a subscribe sent on `open` arrives while the check still waits its turn.
    const busy = Promise.all(Array.from({ length: 8 }, () => promisify(pbkdf2)('load', 'salt', 200_000, 32, 'sha256')));
    const outcomes = await Promise.all(
      fans.map(async (fan) => {
        const ws = new WebSocket(`${a.url.replace(/^http/, 'ws')}/ws?access_token=${fan.token}`);
        sockets.push(ws);
        const frames: Frame[] = [];
        ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Frame));
        await once(ws, 'open');
        ws.send(JSON.stringify({ type: 'subscribe', channel: `fan:${fan.address}`, id: 1 })); // before welcome has arrived
        const deadline = Date.now() + 5000;
        while (!frames.some((f) => f.type === 'subscribed' || f.type === 'error') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        ws.close();
        return { types: frames.map((f) => f.type), answer: frames.find((f) => f.type === 'subscribed' || f.type === 'error') };
      }),
    );
    await busy;
    expect(outcomes.filter((o) => o.answer?.type !== 'subscribed')).toEqual([]);
    // welcome first, then the answer to the frame sent before it
    for (const o of outcomes) expect(o.types.slice(0, 2)).toEqual(['welcome', 'subscribed']);
  });

  it('closes a socket when its token expires (4401 token_expired), from the URL or an auth frame', async () => {
    const fan = Wallet.createRandom().address.toLowerCase();
    const { token } = await a.app.get(TokenService).issue({ subject: fan, kind: 'account', roles: ['fan'] }, 2);
    const viaUrl = await WsClient.connect(a.url, token);
    sockets.push(viaUrl);
    expect((await viaUrl.subscribe(`fan:${fan}`)).type).toBe('subscribed');
    const viaFrame = await WsClient.connect(b.url);
    sockets.push(viaFrame);
    viaFrame.send({ type: 'auth', token, id: 'a' });
    await viaFrame.next((f) => f.type === 'welcome');
    const [urlClose, frameClose] = await Promise.all([closeOf(viaUrl.ws, 5000), closeOf(viaFrame.ws, 5000)]);
    expect(urlClose).toEqual({ code: 4401, reason: 'token_expired' });
    expect(frameClose).toEqual({ code: 4401, reason: 'token_expired' });
    expect(viaUrl.frames.at(-1)).toMatchObject({ type: 'error', code: 'unauthenticated', reason: 'token_expired' });
  });

  it('keeps a socket open past its first token when the client sends auth with a fresh one', async () => {
    const fan = Wallet.createRandom().address.toLowerCase();
    const tokens = a.app.get(TokenService);
    const c = await WsClient.connect(a.url, (await tokens.issue({ subject: fan, kind: 'account', roles: ['fan'] }, 2)).token);
    sockets.push(c);
    c.send({ type: 'auth', token: (await tokens.issue({ subject: fan, kind: 'account', roles: ['fan'] }, 60)).token, id: 'renew' });
    await c.next((f) => f.type === 'welcome' && f.id === 'renew');
    expect(await closeOf(c.ws, 3500)).toBeUndefined();
  });

  it('closes a staff socket on another instance within seconds of the role being revoked (4403 role_revoked)', async () => {
    const admin = await signIn(a.url, adminWallet);
    const staff = await signIn(a.url);
    await request(a.url)
      .post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`)
      .set('authorization', `Bearer ${admin.accessToken}`)
      .send({ address: staff.address, role: 'staff' })
      .expect(201);
    const session = (await request(a.url).post('/api/v1/auth/refresh').send({ refreshToken: staff.refreshToken }).expect(200)).body;
    expect(session.principal.roles).toContain(`staff@${DEMO_VENUE_ID}`);
    const onB = await WsClient.connect(b.url, session.accessToken);
    sockets.push(onB);
    expect((await onB.subscribe(`staff:${DEMO_VENUE_ID}`)).type).toBe('subscribed');
    // the same person's fan socket, opened with a token made before the role existed, stays open
    const asFan = await WsClient.connect(b.url, staff.accessToken);
    sockets.push(asFan);

    const closed = closeOf(onB.ws, 5000);
    await request(a.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/roles/${staff.address}/staff`).set('authorization', `Bearer ${admin.accessToken}`).expect(204);
    expect(await closed).toEqual({ code: 4403, reason: 'role_revoked' });
    expect(asFan.closed).toBeUndefined();
    // and over HTTP, the token no longer carries the role, on either instance
    for (const api of [a, b]) {
      await expect
        .poll(async () => (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/roles`).set('authorization', `Bearer ${session.accessToken}`)).status, {
          timeout: 5000,
          interval: 200,
        })
        .toBe(403);
    }
    expect((await request(b.url).get('/api/v1/auth/me').set('authorization', `Bearer ${session.accessToken}`).expect(200)).body.roles).toEqual(['fan']);
  });

  it('closes a socket whose session is signed out, wherever it is (4401 session_revoked)', async () => {
    const fan = await signIn(a.url);
    const onB = await WsClient.connect(b.url, fan.accessToken);
    sockets.push(onB);
    expect((await onB.subscribe(`fan:${fan.address}`)).type).toBe('subscribed');
    const closed = closeOf(onB.ws, 5000);
    await request(a.url).post('/api/v1/auth/logout').send({ refreshToken: fan.refreshToken }).expect(204);
    expect(await closed).toEqual({ code: 4401, reason: 'session_revoked' });
  });
});
