import { recoverAddress } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeDigest } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { Sensor } from './sensors';

describe('signed sensor readings', () => {
  let api: RunningApp;
  let admin: string;
  let eventId: string;
  let ds: DataSource;
  const count = async (device: string) => (await ds.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE device = $1`, [device]))[0].n as number;
  const post = (env: object) => request(api.url).post('/api/v1/devices/messages').send(env);

  beforeAll(async () => {
    api = await startApp('sensing-readings');
    ds = api.app.get(DataSource);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Readings night');
    await openGates(api.url, admin, eventId);
  });
  afterAll(() => api?.close());

  it('stores a batch of readings under one signature, once, and keeps the envelope as signed', async () => {
    const s = await Sensor.pair(api, DEMO_VENUE_ID, 'N101');
    const t = Date.now() - 5_000;
    const readings: [string, number, number, string?][] = Array.from({ length: 500 }, (_, i) => [i % 2 ? 'sound' : 'occupancy', t + i, i % 2 ? 70 + (i % 20) : 100 + i, undefined]);
    readings.push(['generic', t, -3.5, 'temp.c'], ['turnstile', t, 4, 'N-A']);
    const env = s.readingsEnvelope(eventId, readings.map((r) => (r[3] === undefined ? r.slice(0, 3) : r)) as never);
    expect((await post(env).expect(200)).body).toEqual({ accepted: true, seq: 1, readings: 502 });
    expect(await count(s.address)).toBe(502);
    // the same envelope again: refused by the envelope rules, nothing stored twice
    expect((await post(env).expect(409)).body.code).toBe('replayed_seq');
    expect(await count(s.address)).toBe(502);
    const [stored] = await ds.query(`SELECT device, seq, sent_at AS "sentAt", body, signature FROM sensor_envelopes WHERE device = $1`, [s.address]);
    expect(recoverAddress(envelopeDigest(env.deviceId, Number(stored.seq), stored.sentAt, stored.body), stored.signature).toLowerCase()).toBe(s.address);
    const [row] = await ds.query(`SELECT kind, value, label, section_code AS section, extract(epoch FROM at) * 1000 AS at FROM sensor_readings WHERE device = $1 AND idx = 501`, [
      s.address,
    ]);
    expect(row).toMatchObject({ kind: 'turnstile', value: 4, label: 'N-A', section: 'N101' });
    expect(Math.round(Number(row.at))).toBe(t);
  });

  it('refuses out-of-range values, bad shapes, stale or future readings and wrong kinds with a 4xx, storing nothing and keeping seq', async () => {
    const s = await Sensor.pair(api, DEMO_VENUE_ID, 'N102');
    const now = Date.now();
    const cases: [unknown[], number, string][] = [
      [[['sound', now, 250]], 422, 'value_out_of_range'],
      [[['sound', now, -1]], 422, 'value_out_of_range'],
      [[['turnstile', now, 2.5]], 422, 'value_out_of_range'],
      [[['occupancy', now, 100_001]], 422, 'value_out_of_range'],
      [
        [
          ['sound', now, 80],
          ['sound', now, Number.MAX_VALUE],
        ],
        422,
        'value_out_of_range',
      ],
      [[['sound', now - 11 * 60_000, 80]], 422, 'reading_out_of_window'],
      [[['sound', now + 60_000, 80]], 422, 'reading_out_of_window'],
      [[['smell', now, 1]], 422, 'bad_readings'],
      [[['generic', now, 1]], 422, 'bad_readings'],
      [[['sound', 'now', 80]], 422, 'bad_readings'],
      [[], 422, 'bad_readings'],
    ];
    for (const [readings, status, code] of cases) {
      const res = await post(s.envelope({ type: 'readings', eventId, readings }));
      expect([res.status, res.body.code], JSON.stringify(readings)).toEqual([status, code]);
      expect(res.headers['content-type']).toContain('application/problem+json');
      s.seq--; // nothing advanced: the next good envelope may reuse this seq
    }
    expect((await post(s.envelope({ type: 'readings', eventId, readings: [['sound', now, 80]], extra: 1 })).expect(422)).body.code).toBe('bad_readings');
    s.seq--;
    expect((await post(s.envelope({ type: 'readings', eventId: 'nope', readings: [['sound', now, 80]] })).expect(422)).body.code).toBe('bad_readings');
    s.seq--;
    expect((await post(s.envelope({ type: 'readings', eventId: '00000000-0000-4000-8000-000000000000', readings: [['sound', now, 80]] })).expect(404)).body.code).toBe(
      'event_not_found',
    );
    s.seq--;
    expect(await count(s.address)).toBe(0);
    expect((await post(s.envelope({ type: 'readings', eventId, readings: [['sound', now, 80]] })).expect(200)).body).toMatchObject({ seq: 1, readings: 1 });
  });

  it('takes readings only from sensors and gates paired to the event venue, turnstile counts only from gates', async () => {
    const hotspot = await Sensor.pair(api, DEMO_VENUE_ID, 'N103', { kind: 'hotspot' });
    expect((await hotspot.send(eventId, [['sound', Date.now(), 80]])).body.code).toBe('device_kind_not_allowed');
    const gate = await Sensor.pair(api, DEMO_VENUE_ID, 'N103', { kind: 'gate' });
    expect((await gate.send(eventId, [['sound', Date.now(), 80]])).body.code).toBe('kind_not_allowed');
    gate.seq--;
    expect((await gate.send(eventId, [['turnstile', Date.now(), 3]])).status).toBe(200);

    // a sensor of another venue cannot report for this one
    const venue = (
      await request(api.url)
        .post('/api/v1/venues')
        .set('authorization', admin)
        .send({ name: 'Other ground', city: 'Elsewhere', timezone: 'UTC', sections: [{ code: 'A1', name: 'A1', stand: 'north', tier: 1, capacity: 100 }], gates: [] })
    ).body;
    expect(venue.id).toBeDefined();
    const stranger = await Sensor.pair(api, venue.id, 'A1');
    const res = await stranger.send(eventId, [['sound', Date.now(), 80]]);
    expect([res.status, res.body.code]).toEqual([403, 'sensor_not_at_venue']);
    expect(await count(stranger.address)).toBe(0);
    expect(await count(hotspot.address)).toBe(0);
  });

  it('refuses readings for an event whose gates are not open', async () => {
    const closed = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Not yet');
    const s = await Sensor.pair(api, DEMO_VENUE_ID, 'N104');
    const res = await s.send(closed, [['sound', Date.now(), 80]]);
    expect([res.status, res.body.code]).toEqual([409, 'event_not_open']);
  });
});
