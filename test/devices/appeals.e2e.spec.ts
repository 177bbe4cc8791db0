import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID, DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp, startApp } from '../support/app';
import { WsClient } from '../support/ws-client';
import { fanAuth, pairDevice, sendEnvelope, TestDevice } from '../coverage/support';

describe('denylist appeals', () => {
  let api: RunningApp;
  let staff: string;
  const staffPrincipal = { subject: '0x00000000000000000000000000000000000000b2', kind: 'account' as const, roles: ['fan', `staff@${DEMO_VENUE_ID}`] };

  const denylist = (type: 'device' | 'owner', subject: string, reason: string) =>
    request(api.url).post('/api/v1/devices/denylist').set('authorization', staff).send({ type, subject, venueId: DEMO_VENUE_ID, reason }).expect(204);
  const appeal = async (d: TestDevice, message = 'my hotspot serves real fans in N101', who = d.owner) =>
    request(api.url)
      .post(`/api/v1/devices/${d.address}/appeals`)
      .set('authorization', await fanAuth(api, who))
      .send({ message });
  const decide = (id: string, decision: string, note = 'checked the logs', auth = staff) =>
    request(api.url).post(`/api/v1/devices/appeals/${id}/decision`).set('authorization', auth).send({ decision, note });

  beforeAll(async () => {
    api = await startApp('appeals');
    staff = `Bearer ${await api.tokenFor(staffPrincipal)}`;
  });
  afterAll(() => api?.close());

  it('lets only the owner of a denylisted device appeal, one open appeal at a time, and tells staff', async () => {
    const d = await pairDevice(api, 'N101');
    expect((await appeal(d)).body.code).toBe('not_denylisted');
    await denylist('device', d.address, 'witness farming');
    expect((await appeal(d, 'not me', Wallet.createRandom())).status).toBe(403);
    const ws = await WsClient.connect(api.url, await api.tokenFor(staffPrincipal));
    await ws.subscribe(`staff:${DEMO_VENUE_ID}`);
    const filed = await appeal(d);
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ device: d.address, owner: d.owner.address.toLowerCase(), status: 'open', denylistReason: 'witness farming', decidedAt: null });
    const live = await ws.next((f) => f.type === 'message' && (f.data as { type?: string }).type === 'device.appeal');
    expect(live.data).toMatchObject({ appealId: filed.body.id, device: d.address, status: 'open' });
    ws.close();
    const again = await appeal(d);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'appeal_open', appealId: filed.body.id });
    const listed = (await request(api.url).get('/api/v1/devices/appeals').query({ venueId: DEMO_VENUE_ID, status: 'open' }).set('authorization', staff).expect(200)).body;
    expect(listed.map((x: { id: string }) => x.id)).toContain(filed.body.id);
    // the owner's coverage report shows the denylisting and the open appeal
    const report = (
      await request(api.url)
        .get(`/api/v1/coverage/hotspots/${d.address}/report`)
        .query({ eventId: DEMO_EVENT_ID })
        .set('authorization', await fanAuth(api, d.owner))
        .expect(200)
    ).body;
    expect(report.denylist).toMatchObject({ reason: 'witness farming', appeal: { id: filed.body.id, status: 'open' } });
  });

  it('keeps the device stopped when staff reject, and lifts the denylisting when they accept', async () => {
    const d = await pairDevice(api, 'N102');
    await denylist('device', d.address, 'cloned key');
    const first = (await appeal(d)).body;
    const ownerWs = await WsClient.connect(api.url, await api.tokenFor({ subject: d.owner.address.toLowerCase(), kind: 'account', roles: ['fan'] }));
    await ownerWs.subscribe(`fan:${d.owner.address.toLowerCase()}`);
    const rejected = await decide(first.id, 'reject', 'the key was seen in two stands at once');
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: 'the key was seen in two stands at once', decidedBy: staffPrincipal.subject });
    const told = await ownerWs.next((f) => f.type === 'message' && (f.data as { type?: string }).type === 'device.appeal');
    expect(told.data).toMatchObject({ status: 'rejected', note: 'the key was seen in two stands at once' });
    ownerWs.close();
    expect((await sendEnvelope(api, d.envelope({ type: 'heartbeat' })).expect(403)).body.code).toBe('denylisted');
    expect((await decide(first.id, 'accept')).body.code).toBe('appeal_decided');

    const second = (await appeal(d, 'replaced the key, see ticket 42')).body;
    expect((await decide(second.id, 'accept', 'new key, fine')).body).toMatchObject({ status: 'accepted' });
    expect((await sendEnvelope(api, d.envelope({ type: 'heartbeat' })).expect(200)).body.accepted).toBe(true);
    const mine = (
      await request(api.url)
        .get('/api/v1/devices/mine')
        .set('authorization', await fanAuth(api, d.owner))
        .expect(200)
    ).body;
    expect(mine[0]).toMatchObject({ status: 'online', denylistedReason: null });
  });

  it("lifts an owner's denylisting through an appeal for one of their devices", async () => {
    const owner = Wallet.createRandom();
    const d = await pairDevice(api, 'E101', { owner });
    const other = await pairDevice(api, 'E102', { owner });
    await denylist('owner', owner.address, 'sybil owner');
    await sendEnvelope(api, other.envelope({ type: 'heartbeat' })).expect(403);
    const filed = (await appeal(d)).body;
    expect(filed.denylistReason).toBe('sybil owner');
    await decide(filed.id, 'accept').expect(200);
    await sendEnvelope(api, other.envelope({ type: 'heartbeat' })).expect(200);
  });

  it('refuses staff of another venue, unknown appeals and malformed decisions, changing nothing', async () => {
    const d = await pairDevice(api, 'S101');
    await denylist('device', d.address, 'spoofed heartbeats');
    const filed = (await appeal(d)).body;
    const elsewhere = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000b9', kind: 'account', roles: ['fan', 'staff@7c9e6679-7425-40de-944b-e07fc1f90ae7'] })}`;
    expect((await decide(filed.id, 'accept', 'looks fine', elsewhere)).status).toBe(403);
    await request(api.url).get('/api/v1/devices/appeals').query({ venueId: DEMO_VENUE_ID }).set('authorization', elsewhere).expect(403);
    expect((await request(api.url).get('/api/v1/devices/appeals').set('authorization', elsewhere).expect(200)).body).toEqual([]);
    expect((await decide('7c9e6679-7425-40de-944b-e07fc1f90ae7', 'accept')).body.code).toBe('appeal_not_found');
    for (const [body, path] of [
      [{ decision: 'maybe', note: 'hmm' }, filed.id],
      [{ decision: 'accept' }, filed.id],
      [{ decision: 'accept', note: 'ok', extra: true }, filed.id],
      [{ decision: 'accept', note: 'ok' }, 'not-a-uuid'],
    ] as const) {
      const res = await request(api.url).post(`/api/v1/devices/appeals/${path}/decision`).set('authorization', staff).send(body).expect(400);
      expect(res.body.code).toBe('validation_failed');
    }
    expect(
      (
        await request(api.url)
          .post(`/api/v1/devices/${d.address}/appeals`)
          .set('authorization', await fanAuth(api, d.owner))
          .send({ message: '' })
          .expect(400)
      ).body.code,
    ).toBe('validation_failed');
    const listed = (await request(api.url).get('/api/v1/devices/appeals').query({ venueId: DEMO_VENUE_ID }).set('authorization', staff).expect(200)).body;
    expect(listed.find((x: { id: string }) => x.id === filed.id)).toMatchObject({ status: 'open' });
    expect((await sendEnvelope(api, d.envelope({ type: 'heartbeat' })).expect(403)).body.code).toBe('denylisted');
  });
});
