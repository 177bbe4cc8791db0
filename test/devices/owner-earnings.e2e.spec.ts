import { randomUUID } from 'node:crypto';
import { BaseWallet, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventDispatcher } from '@fanmesh/events';
import type { DeviceEarningsView, DeviceReadingsView } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, fanAuth, pairDevice, TestDevice, transition, witness } from '../coverage/support';
import { Sensor } from '../sensing/sensors';
import { until } from '../rewards/support';

/** Issue 18, the owner app: a device's readings accepted and refused per event, and its score and earnings per epoch, for its owner only. */
describe("a device owner's readings and earnings", () => {
  let api: RunningApp;
  let admin: string;
  let eventId: string;
  let owner: BaseWallet;
  let sensor: Sensor;
  let busy: TestDevice;
  let quiet: TestDevice;

  const get = (path: string, auth: string) => request(api.url).get(`/api/v1/devices/${path}`).set('authorization', auth);

  beforeAll(async () => {
    api = await startApp('device-owner-earnings', { env: { CHAIN_EMBEDDED: 'on' } });
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Owner report night');
    await openGates(api.url, admin, eventId);
    owner = Wallet.createRandom();
    sensor = await Sensor.pair(api, DEMO_VENUE_ID, 'N101', { kind: 'sensor', owner });
    busy = await pairDevice(api, 'N101', { owner });
    quiet = await pairDevice(api, 'N101', { owner });
  }, 120_000);
  afterAll(() => api?.close());

  it('counts accepted readings and refused ones by reason, per event, from the signed messages the sensor sent', async () => {
    const now = Date.now();
    const post = (env: object) => request(api.url).post('/api/v1/devices/messages').send(env);
    const first = sensor.readingsEnvelope(eventId, [
      ['sound', now - 3000, 88.5],
      ['sound', now - 2000, 91],
      ['sound', now - 1000, 97.2],
    ]);
    expect((await post(first)).status).toBe(200);
    expect(
      (
        await post(
          sensor.readingsEnvelope(eventId, [
            ['occupancy', now - 500, 412],
            ['occupancy', now, 415],
          ]),
        )
      ).status,
    ).toBe(200);
    // Refused: a value no sound meter gives, a reading 20 minutes old, the first message again, and a clock two minutes off.
    expect(
      (
        await post(
          sensor.readingsEnvelope(eventId, [
            ['sound', now, 80],
            ['sound', now, 500],
          ]),
        )
      ).body.code,
    ).toBe('value_out_of_range');
    expect((await post(sensor.readingsEnvelope(eventId, [['sound', now - 20 * 60_000, 80]]))).body.code).toBe('reading_out_of_window');
    expect((await post(first)).body.code).toBe('replayed_seq');
    const skewed = new Date(now + 120_000).toISOString();
    expect((await post(sensor.readingsEnvelope(eventId, [['sound', now + 120_000, 80]], { sentAt: skewed }))).body.code).toBe('clock_skew');
    // Not the device's signature: not counted against it (anyone could send those).
    const forged = { ...sensor.readingsEnvelope(eventId, [['sound', now, 80]]), signature: first.signature };
    expect((await post(forged)).body.code).toBe('bad_envelope_signature');
    // A heartbeat with a bad clock names no event: it is reported apart.
    expect((await post(sensor.envelope({ type: 'heartbeat' }, { sentAt: skewed }))).body.code).toBe('clock_skew');
    await api.app.get(EventDispatcher).drain();

    const auth = await fanAuth(api, owner);
    const res = await get(`${sensor.address}/readings?eventId=${eventId}`, auth);
    expect(res.status).toBe(200);
    const view = res.body as DeviceReadingsView;
    expect(view).toMatchObject({ device: sensor.address, kind: 'sensor' });
    expect(view.events).toHaveLength(1);
    const [e] = view.events;
    expect(e).toMatchObject({ eventId, eventName: 'Owner report night', eventStatus: 'gates_open', accepted: { readings: 5, envelopes: 2 } });
    expect(Date.parse(e.accepted.lastReadingAt!)).toBe(now);
    expect(Date.parse(e.accepted.firstReadingAt!)).toBe(now - 3000);
    const reasons = Object.fromEntries(e.refused.reasons.map((r) => [r.reason, { envelopes: r.envelopes, readings: r.readings }]));
    expect(reasons).toEqual({
      value_out_of_range: { envelopes: 1, readings: 2 },
      reading_out_of_window: { envelopes: 1, readings: 1 },
      replayed_seq: { envelopes: 1, readings: 3 },
      clock_skew: { envelopes: 1, readings: 1 },
    });
    expect(e.refused).toMatchObject({ envelopes: 4, readings: 7 });
    const range = e.refused.reasons.find((r) => r.reason === 'value_out_of_range')!;
    expect(range.meaning).toMatch(/units and calibration/);
    expect(range.lastDetail).toContain('readings[1]');
    expect(view.otherRefusals).toMatchObject([{ reason: 'clock_skew', envelopes: 1, readings: 0 }]);

    // Without an event: every event it reported at, the same counts.
    const all = (await get(`${sensor.address}/readings`, auth).expect(200)).body as DeviceReadingsView;
    expect(all.events.map((x) => [x.eventId, x.accepted.readings, x.refused.readings])).toEqual([[eventId, 5, 7]]);
    // The venue's staff see it too; an admin as well.
    await get(`${sensor.address}/readings?eventId=${eventId}`, `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`).expect(200);
    await get(`${sensor.address}/readings`, admin).expect(200);
  });

  it('refuses another fan, staff of another venue, and answers bad input with problems, never a 500', async () => {
    const someone = await fanAuth(api, Wallet.createRandom());
    for (const path of [`${sensor.address}/readings`, `${sensor.address}/readings?eventId=${eventId}`, `${busy.address}/earnings`]) {
      const res = await get(path, someone);
      expect(res.status, path).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('not_device_owner');
    }
    const elsewhere = `Bearer ${await api.tokenFor(staffPrincipal(randomUUID()))}`;
    expect((await get(`${sensor.address}/earnings`, elsewhere)).status).toBe(403);
    const auth = await fanAuth(api, owner);
    expect((await get(`${Wallet.createRandom().address}/readings`, auth)).body.code).toBe('device_not_found');
    const bad = await get('not-an-address/earnings', auth);
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    expect((await get(`${sensor.address}/readings?eventId=tomorrow`, auth)).status).toBe(400);
    expect((await get(`${sensor.address}/readings?eventId=${randomUUID()}`, auth)).status).toBe(404);
    expect((await request(api.url).get(`/api/v1/devices/${sensor.address}/readings`)).status).toBe(401);
  });

  it("shows each hotspot's score and its part of the owner's coverage reward per epoch, pending, then claimable once published", async () => {
    const auth = await fanAuth(api, owner);
    const fans = await admittedFans(api, admin, eventId, 4, ['N101']);
    for (const f of fans.slice(0, 3)) expect((await witness(api, busy, f, eventId)).verdict).toBe('valid');
    expect((await witness(api, quiet, fans[3], eventId)).verdict).toBe('valid');
    const before = (await get(`${busy.address}/earnings`, auth).expect(200)).body as DeviceEarningsView;
    expect(before).toMatchObject({ earns: true, epochs: [], total: '0' });

    await transition(api, admin, eventId, 'live');
    await transition(api, admin, eventId, 'ended');
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    const ds = api.app.get(DataSource);
    const [paid] = (await ds.query(`SELECT amount::text FROM reward_entries WHERE event_id = $1 AND kind = 'coverage' AND account = $2`, [
      eventId,
      owner.address.toLowerCase(),
    ])) as { amount: string }[];
    expect(BigInt(paid.amount)).toBeGreaterThan(0n);

    const pending = {
      busy: (await get(`${busy.address}/earnings`, auth).expect(200)).body as DeviceEarningsView,
      quiet: (await get(`${quiet.address}/earnings`, auth).expect(200)).body as DeviceEarningsView,
    };
    for (const v of [pending.busy, pending.quiet]) {
      expect(v.epochs).toHaveLength(1);
      expect(v.epochs[0]).toMatchObject({
        eventId,
        eventName: 'Owner report night',
        epochId: closed.body.id,
        status: 'pending',
        final: true,
        paidTo: owner.address.toLowerCase(),
        paidToOwner: true,
      });
    }
    const [b, q] = [pending.busy.epochs[0], pending.quiet.epochs[0]];
    expect(b.uniqueWitnesses).toBe(3);
    expect(q.uniqueWitnesses).toBe(1);
    expect(b.score).toBeGreaterThan(q.score);
    // The owner's one coverage entry, split between their two hotspots by score (floor division never pays out more than it).
    expect(BigInt(b.amount!)).toBe((BigInt(paid.amount) * BigInt(b.score)) / BigInt(b.score + q.score));
    const split = BigInt(b.amount!) + BigInt(q.amount!);
    expect(split).toBeLessThanOrEqual(BigInt(paid.amount));
    expect(split).toBeGreaterThanOrEqual(BigInt(paid.amount) - 2n);
    expect(pending.busy.total).toBe(b.amount);

    await request(api.url).post(`/api/v1/epochs/${closed.body.id}/approve`).set('authorization', staff).send({}).expect(200);
    const published = await until(
      () => get(`${busy.address}/earnings`, auth),
      (r) => r.body.epochs?.[0]?.status === 'claimable',
      45_000,
    );
    const settled = published.body as DeviceEarningsView;
    expect(settled.epochs[0]).toMatchObject({ status: 'claimable', inRoot: true, amount: b.amount });
    expect(settled.claim).toMatchObject({ status: 'claimable', epochId: closed.body.id, link: '/tickets' });
    expect(settled.claim.claimable).toBe(paid.amount); // the owner earned nothing else

    // A sensor is not paid for readings, and says so.
    const sensorEarnings = (await get(`${sensor.address}/earnings`, auth).expect(200)).body as DeviceEarningsView;
    expect(sensorEarnings).toMatchObject({ kind: 'sensor', earns: false, epochs: [], total: '0' });
    expect(sensorEarnings.note).toMatch(/not paid/);
  }, 120_000);
});
