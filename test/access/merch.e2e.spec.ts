import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERCH_DOMAIN, MERCH_TYPES } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { WsClient } from '../support/ws-client';

describe('merch authenticity', () => {
  let api: RunningApp;
  let admin: string;
  const issuer = Wallet.createRandom();
  const tag = async (serial: string, signer = issuer) => ({
    sku: 'JERSEY-HOME-26',
    serial,
    signature: await signer.signTypedData(MERCH_DOMAIN, MERCH_TYPES, { sku: 'JERSEY-HOME-26', serial }),
  });
  const fan = async (n: number) => `Bearer ${await api.tokenFor({ subject: `0x${(0xfa00 + n).toString(16).padStart(40, '0')}`, kind: 'account', roles: ['fan'] })}`;

  beforeAll(async () => {
    api = await startApp('merch');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    await request(api.url).post('/api/v1/merch/issuers').set('authorization', admin).send({ address: issuer.address, venueId: DEMO_VENUE_ID, name: 'Club shop' }).expect(201);
    const items = await Promise.all(['SN-1', 'SN-2', 'SN-3'].map((s) => tag(s)));
    expect((await request(api.url).post('/api/v1/merch/items').set('authorization', admin).send({ items }).expect(201)).body).toEqual({ registered: 3 });
  });
  afterAll(() => api?.close());

  it('refuses items not signed by a registered issuer, and duplicates, registering nothing', async () => {
    const forged = await tag('SN-9', Wallet.createRandom());
    const res = await request(api.url)
      .post('/api/v1/merch/items')
      .set('authorization', admin)
      .send({ items: [await tag('SN-8'), forged] })
      .expect(422);
    expect(res.body.code).toBe('merch_bad_signature');
    const v = await request(api.url)
      .post('/api/v1/merch/verifications')
      .set('authorization', await fan(1))
      .send({ ...(await tag('SN-8')), place: 'gate N-A' })
      .expect(200);
    expect(v.body).toMatchObject({ verdict: 'counterfeit', reason: 'unknown_serial' });
    expect(
      (
        await request(api.url)
          .post('/api/v1/merch/items')
          .set('authorization', admin)
          .send({ items: [await tag('SN-1')] })
          .expect(409)
      ).body.code,
    ).toBe('merch_duplicate');
  });

  it('says authentic for a genuine tag and counterfeit for a forged signature', async () => {
    const ok = await request(api.url)
      .post('/api/v1/merch/verifications')
      .set('authorization', await fan(1))
      .send({ ...(await tag('SN-1')), place: 'gate N-A' })
      .expect(200);
    expect(ok.body).toMatchObject({ verdict: 'authentic', sku: 'JERSEY-HOME-26', claimed: false, yours: false });
    expect(ok.body).not.toHaveProperty('owner');
    const forged = await request(api.url)
      .post('/api/v1/merch/verifications')
      .set('authorization', await fan(1))
      .send({ ...(await tag('SN-1', Wallet.createRandom())), place: 'gate N-A' })
      .expect(200);
    expect(forged.body).toMatchObject({ verdict: 'counterfeit', reason: 'bad_signature' }); // a signature, but not the issuer's
  });

  it('flags a serial seen at two venues within minutes as a likely clone, and alerts staff', async () => {
    const staff = await WsClient.connect(api.url, await api.tokenFor(adminPrincipal));
    await staff.subscribe(`staff:${DEMO_VENUE_ID}`);
    const t = await tag('SN-2');
    // where a tag is seen is the verifier's venue binding: a steward here, a steward at another venue
    const away = (await request(api.url).post('/api/v1/venues').set('authorization', admin).send({ name: 'Away ground', city: 'Porto', timezone: 'Europe/Lisbon' }).expect(201))
      .body.id;
    const steward = async (venueId: string) =>
      `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e1', kind: 'account', roles: ['fan', `steward@${venueId}`] })}`;
    expect(
      (
        await request(api.url)
          .post('/api/v1/merch/verifications')
          .set('authorization', await steward(DEMO_VENUE_ID))
          .send(t)
      ).body.verdict,
    ).toBe('authentic');
    const second = await request(api.url)
      .post('/api/v1/merch/verifications')
      .set('authorization', await steward(away))
      .send(t)
      .expect(200);
    expect(second.body).toMatchObject({ verdict: 'likely_clone', reason: `seen_at:venue:${DEMO_VENUE_ID}` });
    const alert = await staff.next((f) => f.type === 'message' && (f.data as { type: string }).type === 'merch.clone_suspected');
    expect(alert.data).toMatchObject({ serial: 'SN-2' });
    // once flagged, it stays suspect wherever it shows up
    expect(
      (
        await request(api.url)
          .post('/api/v1/merch/verifications')
          .set('authorization', await fan(4))
          .send({ ...t, place: 'gate N-A' })
      ).body.verdict,
    ).toBe('likely_clone');
    staff.close();
  });

  it('makes the first claimant the owner and flags the serial when a second fan claims it', async () => {
    const t = await tag('SN-3');
    expect(
      (
        await request(api.url)
          .post('/api/v1/merch/claims')
          .set('authorization', await fan(5))
          .send(await tag('SN-3', Wallet.createRandom()))
          .expect(404)
      ).body.code,
    ).toBe('merch_not_found');
    expect(
      (
        await request(api.url)
          .post('/api/v1/merch/claims')
          .set('authorization', await fan(5))
          .send(t)
          .expect(200)
      ).body.owner,
    ).toBe(`0x${(0xfa05).toString(16).padStart(40, '0')}`);
    const second = await request(api.url)
      .post('/api/v1/merch/claims')
      .set('authorization', await fan(6))
      .send(t)
      .expect(409);
    expect(second.body.code).toBe('merch_claimed');
    expect(
      (
        await request(api.url)
          .post('/api/v1/merch/verifications')
          .set('authorization', await fan(7))
          .send({ ...t, place: 'shop' })
      ).body.verdict,
    ).toBe('likely_clone');
  });
});
