import { once } from 'node:events';
import { getBytes, hexlify, toBeHex, toBigInt, Wallet } from 'ethers';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
import { SiweMessage } from 'siwe';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp, startApp } from '../support/app';
import { signIn, siweMessage } from '../support/fans';
import { WsClient } from '../support/ws-client';
import { TokenService } from '@fanmesh/identity';
import { DataSource } from 'typeorm';

describe('sign-in with Ethereum, sessions, roles and sponsor keys', () => {
  let api: RunningApp;
  const adminWallet = Wallet.createRandom();

  beforeAll(async () => {
    api = await startApp('auth', { env: { ADMIN_ADDRESS: adminWallet.address } });
  });
  afterAll(() => api?.close());

  it('signs a fan in with a real signature and a single-use nonce', async () => {
    const fan = await signIn(api.url);
    expect(fan.roles).toEqual(['fan']);
    const me = await request(api.url).get('/api/v1/auth/me').set('authorization', `Bearer ${fan.accessToken}`).expect(200);
    expect(me.body).toMatchObject({ subject: fan.address, kind: 'account' });
  });

  it('refuses a replayed message: the nonce is single use', async () => {
    const wallet = Wallet.createRandom();
    const message = await siweMessage(api.url, wallet);
    const signature = await wallet.signMessage(message);
    await request(api.url).post('/api/v1/auth/siwe').send({ message, signature }).expect(200);
    const again = await request(api.url).post('/api/v1/auth/siwe').send({ message, signature }).expect(401);
    expect(again.body.code).toBe('nonce_used');
  });

  it('clears nonces that expired over an hour ago whenever it hands out a new one, and keeps the rest', async () => {
    const db = api.app.get(DataSource);
    await db.query(
      `INSERT INTO auth_nonces (nonce, expires_at) VALUES ('stale-nonce-for-test', now() - interval '2 hours'), ('recent-nonce-for-test', now() - interval '10 minutes')`,
    );
    const { body } = await request(api.url).post('/api/v1/auth/nonce').expect(200);
    const left = (await db.query(`SELECT nonce FROM auth_nonces WHERE nonce = ANY($1::text[]) ORDER BY nonce`, [
      ['stale-nonce-for-test', 'recent-nonce-for-test', body.nonce],
    ])) as { nonce: string }[];
    expect(left.map((r) => r.nonce).sort()).toEqual([body.nonce, 'recent-nonce-for-test'].sort());
  });

  it("refuses the high-s twin of a fan's signature (its malleated copy), and still takes the signature itself", async () => {
    const wallet = Wallet.createRandom();
    const message = await siweMessage(api.url, wallet);
    const signature = getBytes(await wallet.signMessage(message));
    // s -> n - s with v flipped: the same key's valid ECDSA signature, which no wallet emits
    const twin = Uint8Array.from(signature);
    twin.set(getBytes(toBeHex(SECP256K1_N - toBigInt(signature.subarray(32, 64)), 32)), 32);
    twin[64] = twin[64] === 27 ? 28 : 27;
    const refused = await request(api.url)
      .post('/api/v1/auth/siwe')
      .send({ message, signature: hexlify(twin) })
      .expect(401);
    expect(refused.body.code).toBe('bad_signature');
    await request(api.url)
      .post('/api/v1/auth/siwe')
      .send({ message, signature: hexlify(signature) })
      .expect(200);
  });

  it('refuses a signature by another key, a made-up nonce, another domain and an expired message', async () => {
    const wallet = Wallet.createRandom();
    const other = Wallet.createRandom();
    const message = await siweMessage(api.url, wallet);
    const wrongSigner = await request(api.url)
      .post('/api/v1/auth/siwe')
      .send({ message, signature: await other.signMessage(message) })
      .expect(401);
    expect(wrongSigner.body.code).toBe('bad_signature');
    // the failed attempt did not burn the nonce
    await request(api.url)
      .post('/api/v1/auth/siwe')
      .send({ message, signature: await wallet.signMessage(message) })
      .expect(200);

    const forged = (await siweMessage(api.url, wallet)).replace(/Nonce: \w+/, 'Nonce: deadbeefdeadbeef');
    expect(
      (
        await request(api.url)
          .post('/api/v1/auth/siwe')
          .send({ message: forged, signature: await wallet.signMessage(forged) })
          .expect(401)
      ).body.code,
    ).toBe('unknown_nonce');

    const phishing = await siweMessage(api.url, wallet, { domain: 'evil.example' });
    expect(
      (
        await request(api.url)
          .post('/api/v1/auth/siwe')
          .send({ message: phishing, signature: await wallet.signMessage(phishing) })
          .expect(401)
      ).body.code,
    ).toBe('wrong_domain');

    const stale = await siweMessage(api.url, wallet, { expirationTime: new Date(Date.now() - 1000).toISOString() });
    expect(
      (
        await request(api.url)
          .post('/api/v1/auth/siwe')
          .send({ message: stale, signature: await wallet.signMessage(stale) })
          .expect(401)
      ).body.code,
    ).toBe('message_expired');
  });

  it('refuses a message signed for a phishing domain and relayed with its Host header (401 wrong_domain)', async () => {
    // A fan signs in on fanmesh-login.example; that site relays the message here, Host header and all.
    const wallet = Wallet.createRandom();
    const { body: nonce } = await request(api.url).post('/api/v1/auth/nonce').expect(200);
    const message = new SiweMessage({
      domain: 'fanmesh-login.example',
      address: wallet.address,
      statement: nonce.statement,
      uri: 'https://fanmesh-login.example/login',
      version: '1',
      chainId: 31337,
      nonce: nonce.nonce,
      issuedAt: new Date().toISOString(),
    }).prepareMessage();
    const relayed = await request(api.url)
      .post('/api/v1/auth/siwe')
      .set('host', 'fanmesh-login.example')
      .send({ message, signature: await wallet.signMessage(message) })
      .expect(401);
    expect(relayed.body).toMatchObject({ code: 'wrong_domain', status: 401 });
    expect(relayed.body.accessToken).toBeUndefined();
    // nor with the Host this server really has: without PUBLIC_ORIGIN only loopback origins sign in
    const again = await request(api.url)
      .post('/api/v1/auth/siwe')
      .send({ message, signature: await wallet.signMessage(message) })
      .expect(401);
    expect(again.body.code).toBe('wrong_domain');
  });

  it('checks the URI and the chain id as well as the domain (401 wrong_uri, wrong_chain), burning no nonce', async () => {
    const wallet = Wallet.createRandom();
    const { body: nonce } = await request(api.url).post('/api/v1/auth/nonce').expect(200);
    expect(nonce.chainId).toBe(31337); // what the PWA puts in its messages
    const signed = async (overrides: Partial<SiweMessage>) => {
      const message = new SiweMessage({
        domain: new URL(api.url).host,
        address: wallet.address,
        statement: nonce.statement,
        uri: api.url,
        version: '1',
        chainId: 31337,
        nonce: nonce.nonce,
        issuedAt: new Date().toISOString(),
        ...overrides,
      }).prepareMessage();
      return request(api.url)
        .post('/api/v1/auth/siwe')
        .send({ message, signature: await wallet.signMessage(message) });
    };
    expect((await signed({ uri: 'https://fanmesh-login.example/login' })).body).toMatchObject({ status: 401, code: 'wrong_uri' });
    expect((await signed({ chainId: 1 })).body).toMatchObject({ status: 401, code: 'wrong_chain', expected: 31337 });
    expect((await signed({ chainId: 88888 })).body.code).toBe('wrong_chain');
    expect((await signed({})).status).toBe(200);
  });

  it('checks messages against PUBLIC_ORIGIN and CHAIN_ID when configured, whatever Host a request carries', async () => {
    const site = await startApp('auth-origin', { env: { PUBLIC_ORIGIN: 'https://fans.example.com', CHAIN_ID: '88882' } });
    try {
      const wallet = Wallet.createRandom();
      const attempt = async (domain: string, uri: string, chainId: number, host?: string) => {
        const { body: nonce } = await request(site.url).post('/api/v1/auth/nonce').expect(200);
        expect(nonce.chainId).toBe(88882);
        const message = new SiweMessage({
          domain,
          address: wallet.address,
          statement: nonce.statement,
          uri,
          version: '1',
          chainId,
          nonce: nonce.nonce,
          issuedAt: new Date().toISOString(),
        }).prepareMessage();
        let req = request(site.url).post('/api/v1/auth/siwe');
        if (host) req = req.set('host', host);
        return (await req.send({ message, signature: await wallet.signMessage(message) })).body;
      };
      expect(await attempt('fans.example.com', 'https://fans.example.com', 88882)).toMatchObject({ principal: { subject: wallet.address.toLowerCase() } });
      expect(await attempt(new URL(site.url).host, site.url, 88882)).toMatchObject({ code: 'wrong_domain', expected: 'fans.example.com' });
      expect(await attempt('evil.example', 'https://evil.example', 88882, 'evil.example')).toMatchObject({ code: 'wrong_domain' });
      expect(await attempt('fans.example.com', 'http://fans.example.com', 88882)).toMatchObject({ code: 'wrong_uri', expected: 'https://fans.example.com' });
      expect(await attempt('fans.example.com', 'https://fans.example.com.evil.example', 88882)).toMatchObject({ code: 'wrong_uri' });
      expect(await attempt('fans.example.com', 'https://fans.example.com', 31337)).toMatchObject({ code: 'wrong_chain', expected: 88882 });
    } finally {
      await site.close();
    }
  });

  it('refuses garbage with 400s', async () => {
    expect(
      (
        await request(api.url)
          .post('/api/v1/auth/siwe')
          .send({ message: 'x'.repeat(60), signature: '0x' + '1'.repeat(130) })
          .expect(400)
      ).body.code,
    ).toBe('malformed_siwe_message');
    expect((await request(api.url).post('/api/v1/auth/siwe').send({ message: 'hello', signature: '0x12' }).expect(400)).body.code).toBe('validation_failed');
    expect((await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: 'nope' }).expect(400)).body.code).toBe('validation_failed');
  });

  it('rotates refresh tokens, and a reused one signs the whole family out', async () => {
    const fan = await signIn(api.url);
    const first = await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: fan.refreshToken }).expect(200);
    expect(first.body.refreshToken).not.toBe(fan.refreshToken);
    const reuse = await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: fan.refreshToken }).expect(401);
    expect(reuse.body.code).toBe('refresh_token_reused');
    // the thief's fresh token died with the family
    expect((await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(401)).body.code).toBe('refresh_token_invalid');
  });

  it('lets only one of two concurrent refreshes of the same token win', async () => {
    const fan = await signIn(api.url);
    const results = await Promise.all([1, 2, 3].map(() => request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: fan.refreshToken })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("ends the whole family when a racing copy is refused: the winner's new tokens stop too, within seconds", async () => {
    const fan = await signIn(api.url);
    const results = await Promise.all([1, 2, 3].map(() => request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: fan.refreshToken })));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 401).map((r) => r.body.code)).toContain('refresh_token_reused');
    const winner = won[0].body;
    // the refresh token the winning race minted died with the family
    expect((await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: winner.refreshToken }).expect(401)).body.code).toBe('refresh_token_invalid');
    // and so did every access token of the family, long before they expire
    for (const token of [winner.accessToken, fan.accessToken]) {
      const me = await request(api.url).get('/api/v1/auth/me').set('authorization', `Bearer ${token}`).expect(401);
      expect(me.body).toMatchObject({ code: 'unauthenticated', reason: 'session_revoked' });
    }
    // a signed-out client can still sign in again: public routes treat the dead token as none
    await request(api.url).post('/api/v1/auth/nonce').set('authorization', `Bearer ${winner.accessToken}`).expect(200);
  });

  it('signs out the access token too, not only the refresh token', async () => {
    const fan = await signIn(api.url);
    await request(api.url).get('/api/v1/auth/me').set('authorization', `Bearer ${fan.accessToken}`).expect(200);
    await request(api.url).post('/api/v1/auth/logout').send({ refreshToken: fan.refreshToken }).expect(204);
    expect((await request(api.url).get('/api/v1/auth/me').set('authorization', `Bearer ${fan.accessToken}`).expect(401)).body.reason).toBe('session_revoked');
  });

  it('signs out by revoking the refresh token', async () => {
    const fan = await signIn(api.url);
    await request(api.url).post('/api/v1/auth/logout').send({ refreshToken: fan.refreshToken }).expect(204);
    await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: fan.refreshToken }).expect(401);
  });

  it('makes the configured address an admin who grants venue-scoped staff, effective at the next refresh', async () => {
    const admin = await signIn(api.url, adminWallet);
    expect(admin.roles).toContain('admin');
    const staff = await signIn(api.url);
    const grant = await request(api.url)
      .post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`)
      .set('authorization', `Bearer ${admin.accessToken}`)
      .send({ address: staff.address, role: 'staff' })
      .expect(201);
    expect(grant.body).toMatchObject({ address: staff.address, role: 'staff', venueId: DEMO_VENUE_ID });
    // granting twice is harmless
    await request(api.url)
      .post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`)
      .set('authorization', `Bearer ${admin.accessToken}`)
      .send({ address: staff.address, role: 'staff' })
      .expect(201);

    const refreshed = await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: staff.refreshToken }).expect(200);
    expect(refreshed.body.principal.roles).toEqual(expect.arrayContaining(['fan', `staff@${DEMO_VENUE_ID}`]));
    const list = await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/roles`).set('authorization', `Bearer ${refreshed.body.accessToken}`).expect(200);
    expect(list.body.map((g: { address: string }) => g.address)).toContain(staff.address);

    // staff of the demo venue may not act on another venue
    const other = await request(api.url)
      .post('/api/v1/venues')
      .set('authorization', `Bearer ${admin.accessToken}`)
      .send({ name: 'Elsewhere', city: 'Faro', timezone: 'Europe/Lisbon' })
      .expect(201);
    const denied = await request(api.url).get(`/api/v1/venues/${other.body.id}/roles`).set('authorization', `Bearer ${refreshed.body.accessToken}`).expect(403);
    expect(denied.body.code).toBe('forbidden');
    await request(api.url)
      .post('/api/v1/events')
      .set('authorization', `Bearer ${refreshed.body.accessToken}`)
      .send({ venueId: other.body.id, name: 'Not yours', startsAt: '2026-12-30T20:00:00Z' })
      .expect(403);

    await request(api.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/roles/${staff.address}/staff`).set('authorization', `Bearer ${admin.accessToken}`).expect(204);
    const after = await request(api.url).post('/api/v1/auth/refresh').send({ refreshToken: refreshed.body.refreshToken }).expect(200);
    expect(after.body.principal.roles).toEqual(['fan']);
    expect(
      (await request(api.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/roles/${staff.address}/staff`).set('authorization', `Bearer ${admin.accessToken}`).expect(404)).body.code,
    ).toBe('grant_not_found');
  });

  it('shows a sponsor API key once, stores only its hash, and honours revocation at once', async () => {
    const admin = await signIn(api.url, adminWallet);
    const auth = `Bearer ${admin.accessToken}`;
    const sponsor = await request(api.url).post('/api/v1/sponsors').set('authorization', auth).send({ venueId: DEMO_VENUE_ID, name: 'Lisbon Lager' }).expect(201);
    const key = await request(api.url).post(`/api/v1/sponsors/${sponsor.body.id}/keys`).set('authorization', auth).expect(201);
    expect(key.body.key).toMatch(/^fmsk_/);
    const ds = api.app.get((await import('typeorm')).DataSource);
    const stored = await ds.query('SELECT key_hash FROM sponsor_keys WHERE id = $1', [key.body.id]);
    expect(stored[0].key_hash).not.toContain(key.body.key.slice(5));

    const me = await request(api.url).get('/api/v1/auth/me').set('x-api-key', key.body.key).expect(200);
    expect(me.body).toMatchObject({ subject: sponsor.body.id, kind: 'sponsor', roles: [`sponsor@${DEMO_VENUE_ID}`] });
    await request(api.url).delete(`/api/v1/sponsors/${sponsor.body.id}/keys/${key.body.id}`).set('authorization', auth).expect(204);
    expect((await request(api.url).get('/api/v1/auth/me').set('x-api-key', key.body.key).expect(401)).body.code).toBe('api_key_invalid');
  });

  it('trades a sponsor key for a short session that listens on its own sponsor channel and no other', async () => {
    const auth = `Bearer ${(await signIn(api.url, adminWallet)).accessToken}`;
    const sponsor = (await request(api.url).post('/api/v1/sponsors').set('authorization', auth).send({ venueId: DEMO_VENUE_ID, name: 'Harbour Cola' }).expect(201)).body;
    const other = (await request(api.url).post('/api/v1/sponsors').set('authorization', auth).send({ venueId: DEMO_VENUE_ID, name: 'Rival Cola' }).expect(201)).body;
    const key = (await request(api.url).post(`/api/v1/sponsors/${sponsor.id}/keys`).set('authorization', auth).expect(201)).body.key;
    const session = (await request(api.url).post('/api/v1/auth/sponsor-session').set('x-api-key', key).expect(200)).body;
    expect(session.principal).toMatchObject({ subject: sponsor.id, kind: 'sponsor' });
    expect(Date.parse(session.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const ws = await WsClient.connect(api.url, session.accessToken);
    expect((await ws.subscribe(`sponsor:${sponsor.id}`)).type).toBe('subscribed');
    expect((await ws.subscribe(`sponsor:${other.id}`)).code).toBe('forbidden');
    ws.close();
    // A fan's token cannot mint a sponsor session.
    expect(
      (
        await request(api.url)
          .post('/api/v1/auth/sponsor-session')
          .set('authorization', `Bearer ${(await signIn(api.url)).accessToken}`)
          .expect(403)
      ).body.code,
    ).toBe('forbidden');
  });

  it('mints a sponsor session from the API key only, and revoking the key ends its sessions within seconds', async () => {
    const auth = `Bearer ${(await signIn(api.url, adminWallet)).accessToken}`;
    const sponsor = (await request(api.url).post('/api/v1/sponsors').set('authorization', auth).send({ venueId: DEMO_VENUE_ID, name: 'Tagus Tonic' }).expect(201)).body;
    const key = (await request(api.url).post(`/api/v1/sponsors/${sponsor.id}/keys`).set('authorization', auth).expect(201)).body;
    const session = (await request(api.url).post('/api/v1/auth/sponsor-session').set('x-api-key', key.key).expect(200)).body;
    // a session cannot renew itself: it would outlive its key
    const renewed = await request(api.url).post('/api/v1/auth/sponsor-session').set('authorization', `Bearer ${session.accessToken}`).expect(401);
    expect(renewed.body.code).toBe('api_key_required');
    await request(api.url).get('/api/v1/auth/me').set('authorization', `Bearer ${session.accessToken}`).expect(200);
    const ws = await WsClient.connect(api.url, session.accessToken);
    expect((await ws.subscribe(`sponsor:${sponsor.id}`)).type).toBe('subscribed');
    const closed = once(ws.ws, 'close');

    await request(api.url).delete(`/api/v1/sponsors/${sponsor.id}/keys/${key.id}`).set('authorization', auth).expect(204);
    const me = await request(api.url).get('/api/v1/auth/me').set('authorization', `Bearer ${session.accessToken}`).expect(401);
    expect(me.body).toMatchObject({ code: 'unauthenticated', reason: 'session_revoked' });
    const [code, reason] = await closed;
    expect({ code, reason: String(reason) }).toEqual({ code: 4401, reason: 'session_revoked' });
    expect((await request(api.url).post('/api/v1/auth/sponsor-session').set('x-api-key', key.key).expect(401)).body.code).toBe('api_key_invalid');
  });

  it('lets a client holding an expired token sign in again, but not use it anywhere else', async () => {
    const expired = `Bearer ${(await api.app.get(TokenService).issue({ subject: '0x00000000000000000000000000000000000000e1', kind: 'account', roles: ['fan'] }, -60)).token}`;
    expect((await request(api.url).post('/api/v1/auth/nonce').set('authorization', expired).expect(200)).body.nonce).toBeTruthy();
    expect((await request(api.url).get('/api/v1/events').set('authorization', expired).expect(200)).body).toBeInstanceOf(Array);
    const me = await request(api.url).get('/api/v1/auth/me').set('authorization', expired).expect(401);
    expect(me.body).toMatchObject({ code: 'unauthenticated', reason: 'token_expired' });
    // a forged token is refused even where anyone may call
    expect((await request(api.url).post('/api/v1/auth/nonce').set('authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIweDAwIn0.forged').expect(401)).body.code).toBe(
      'unauthenticated',
    );
  });
});
