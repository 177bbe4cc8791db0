import { BaseWallet, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedSignature } from '@fanmesh/moments';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans } from '../coverage/support';
import { eventually, Reading, Sensor } from '../sensing/sensors';
import { soundTrack } from '../moments/scene';

const FAN = 10n ** 18n;

interface TrustRow {
  device: string;
  agree: number;
  disagree: number;
  weight: number;
  established: boolean;
  approved: boolean;
}

/**
 * Issue 23, property 6: sensors earn trust, they do not start with it. The attacks: two free
 * wallets pair three sensors in two sections and roar (a new sensor used to start at full trust, so
 * that was a quorum); and keys that re-sign another sensor's exact readings add up to a quorum of
 * one source. The honest baseline: the venue's approved sensors hear a real goal, staff confirm it,
 * and the admitted fans are paid for being there. A new sensor earns its trust by hearing what the
 * official feed confirms. The sensors whose spikes raised a confirmed moment earn their owners
 * 1 FAN each at full trust (a quarter of it for a new sensor's weight).
 */
describe('fraud: sensors earn trust, they do not start with it', () => {
  let api: RunningApp;
  let ds: DataSource;
  let admin: string;
  let staff: string;
  let eventId: string;
  let fans: BaseWallet[];
  /** the venue's own sensors, approved by its staff: four owners in four sections */
  let venueSensors: Sensor[];

  const candidates = async () =>
    (
      (await request(api.url).get(`/api/v1/events/${eventId}/moments`).set('authorization', staff).expect(200)).body as {
        id: string;
        status: string;
        signal?: { devices?: string[] };
      }[]
    ).filter((m) => m.status === 'candidate');
  const momentCount = async () => (await ds.query(`SELECT count(*)::int AS n FROM moments WHERE event_id = $1`, [eventId]))[0].n as number;
  const trust = async () => (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/sensor-trust`).set('authorization', staff).expect(200)).body as TrustRow[];
  /** The FAN an account earned at the event (of one kind, or all), as the ledger holds it. */
  const earned = async (account: string, kind?: string): Promise<bigint> => {
    const [{ total }] = await ds.query(
      `SELECT coalesce(sum(amount), 0)::text AS total FROM reward_entries WHERE event_id = $1 AND account = $2 AND ($3::text IS NULL OR kind = $3)`,
      [eventId, account.toLowerCase(), kind ?? null],
    );
    return BigInt(total);
  };
  /** `baselineMs` of each sensor's own ambient sound, loud over [at, at + 1 s]: what a real roar looks like to the rule. */
  const roar = (at: number, baselineMs = 60_000): Reading[] => soundTrack(at - baselineMs, at + 1_000, [[at, at + 1_000]]);
  /** Waits until detection has seen the readings (and would have raised a candidate from them). */
  const settle = () => new Promise((r) => setTimeout(r, 2_500));

  beforeAll(async () => {
    api = await startApp('fraud-sensor-trust');
    ds = api.app.get(DataSource);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Trust derby');
    await openGates(api.url, admin, eventId);
    fans = await admittedFans(api, admin, eventId, 3, ['N101']);
    venueSensors = [];
    for (const section of ['N101', 'E101', 'S101', 'W101']) venueSensors.push(await Sensor.pair(api, DEMO_VENUE_ID, section, { approved: true }));
  });
  afterAll(() => api?.close());

  it('a new sensor starts low and unestablished; staff approval gives it full trust, and lapses when the device passes to someone else', async () => {
    const fresh = await Sensor.pair(api, DEMO_VENUE_ID, 'N102');
    const rows = await trust();
    expect(rows.find((r) => r.device === fresh.address)).toMatchObject({ weight: 0.25, established: false, approved: false });
    expect(rows.find((r) => r.device === venueSensors[0].address)).toMatchObject({ weight: 1, established: true, approved: true });

    // only the venue's staff approve, and only sensors of their venue
    const otherStaff = `Bearer ${await api.tokenFor(staffPrincipal('00000000-0000-4000-8000-000000000009'))}`;
    const url = `/api/v1/venues/${DEMO_VENUE_ID}/sensors/${fresh.address}/approval`;
    expect((await request(api.url).post(url).set('authorization', otherStaff).expect(403)).body.code).toBe('forbidden');
    const fan = `Bearer ${await api.tokenFor({ subject: fans[0].address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
    await request(api.url).post(url).set('authorization', fan).expect(403);
    const bad = await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/sensors/not-an-address/approval`).set('authorization', staff).expect(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const unknown = Wallet.createRandom().address;
    expect((await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/sensors/${unknown}/approval`).set('authorization', staff).expect(404)).body.code).toBe('sensor_not_found');
    const hotspot = await Sensor.pair(api, DEMO_VENUE_ID, 'N102', { kind: 'hotspot' });
    expect((await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/sensors/${hotspot.address}/approval`).set('authorization', staff).expect(422)).body.code).toBe(
      'not_a_sensor',
    );

    expect((await request(api.url).post(url).set('authorization', staff).expect(200)).body).toMatchObject({ weight: 1, established: true, approved: true });
    expect((await request(api.url).delete(url).set('authorization', staff).expect(200)).body).toMatchObject({ weight: 0.25, established: false, approved: false });
    await request(api.url).post(url).set('authorization', staff).expect(200);
    // the device passes to another owner: the approval was given under the old one
    await ds.query(`UPDATE devices SET owner = $2 WHERE address = $1`, [fresh.address, Wallet.createRandom().address.toLowerCase()]);
    expect((await trust()).find((r) => r.device === fresh.address)).toMatchObject({ weight: 0.25, established: false, approved: false });
  });

  it('fresh sensors of free wallets raise no candidate, however they roar; the venue’s approved sensors do, and the admitted fans are paid for the real moment', async () => {
    // the attack: two wallets with no ticket, three sensors in two sections, roaring together
    const [w1, w2] = [Wallet.createRandom(), Wallet.createRandom()];
    const fakes = [
      await Sensor.pair(api, DEMO_VENUE_ID, 'N103', { owner: w1 }),
      await Sensor.pair(api, DEMO_VENUE_ID, 'N103', { owner: w1 }),
      await Sensor.pair(api, DEMO_VENUE_ID, 'S102', { owner: w2 }),
    ];
    const fakeAt = Date.now() - 200_000;
    for (const s of fakes) expect((await s.send(eventId, roar(fakeAt))).status).toBe(200);
    await settle();
    expect(await momentCount()).toBe(0);
    // under the old rule (every sensor at full trust) this was a quorum: 3 sensors, 2 owners, 2 sections, weight 3
    const rows = await trust();
    for (const f of fakes) expect(rows.find((r) => r.device === f.address)).toMatchObject({ weight: 0.25, established: false });

    // the honest baseline: the venue's sensors hear a real goal
    const goalAt = Date.now() - 1_000; // after the fans' admissions: they were there
    for (const s of venueSensors.slice(0, 3)) expect((await s.send(eventId, roar(goalAt))).status).toBe(200);
    const [goal] = await eventually(
      async () => {
        const c = await candidates();
        return c.length ? c : undefined;
      },
      10_000,
      'the real goal as a candidate',
    );
    expect(goal.signal?.devices).toEqual(
      venueSensors
        .slice(0, 3)
        .map((s) => s.address)
        .sort(),
    );
    await request(api.url).post(`/api/v1/moments/${goal.id}/confirm`).set('authorization', staff).send({ kind: 'goal', team: 'home' }).expect(200);
    for (const f of fans) await eventually(async () => (await earned(f.address, 'moment')) === 2n * FAN, 15_000, `2 FAN for ${f.address} at the goal`);
    for (const w of [w1, w2]) expect(await earned(w.address)).toBe(0n);
    // the owners of the sensors that heard it are paid for the readings, at their full trust; the quiet fourth earns nothing
    for (const s of venueSensors.slice(0, 3)) await eventually(async () => (await earned(s.owner.address, 'sensing')) === FAN, 15_000, `1 FAN for ${s.address}'s owner`);
    expect(await earned(venueSensors[3].owner.address, 'sensing')).toBe(0n);
  });

  it('counts a copied series once: two established keys re-signing one sensor’s lone spike make no quorum, and lose trust for it', async () => {
    // the premise: the attacker's two keys already hold established trust (here: approved)
    const copiers = [await Sensor.pair(api, DEMO_VENUE_ID, 'S103', { approved: true }), await Sensor.pair(api, DEMO_VENUE_ID, 'W102', { approved: true })];
    const before = await momentCount();
    // one venue sensor hears a drum band next to it, alone; the copiers re-sign its readings, 200 ms later
    const at = Date.now() - 40_000;
    const lone = roar(at);
    expect((await venueSensors[3].send(eventId, lone)).status).toBe(200);
    for (const c of copiers)
      expect(
        (
          await c.send(
            eventId,
            lone.map(([k, t, v]) => [k, t + 200, v] as Reading),
          )
        ).status,
      ).toBe(200);
    await settle();
    // three sensors, three owners, three sections, all established: a quorum, if copies counted
    expect(await momentCount()).toBe(before);
    const rows = await eventually(
      async () => {
        const r = await trust();
        return copiers.every((c) => r.find((x) => x.device === c.address)!.disagree >= 1) ? r : undefined;
      },
      10_000,
      'the copiers’ disagreement',
    );
    for (const c of copiers) expect(rows.find((r) => r.device === c.address)).toMatchObject({ disagree: 1, weight: 0.75, established: false });
    // the copies are blamed, never the sensor they copied (which may still lose a little for spiking alone)
    const copyVotes = (await ds.query(`SELECT device, cause FROM sensor_trust_votes WHERE cause LIKE 'copy:%'`)) as { device: string; cause: string }[];
    expect(copyVotes.map((v) => v.device).sort()).toEqual(copiers.map((c) => c.address).sort());
    for (const v of copyVotes) expect(v.cause).toBe(`copy:${eventId}:${venueSensors[3].address}`);
  });

  it('a new sensor earns its trust by hearing what the official feed confirms: established after three moments, never by its own roar', async () => {
    const secret = (await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/feed-secret`).set('authorization', admin).expect(201)).body.secret as string;
    const feed = async (ref: string, at: number) => {
      const body = { eventId, ref, kind: 'big_moment', at: new Date(at).toISOString() };
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await request(api.url)
        .post(`/api/v1/feeds/${DEMO_VENUE_ID}/moments`)
        .set({ 'x-fanmesh-timestamp': ts, 'x-fanmesh-signature': feedSignature(secret, ts, DEMO_VENUE_ID, body) })
        .send(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    const newcomer = await Sensor.pair(api, DEMO_VENUE_ID, 'E102');
    const mine = async () => (await trust()).find((r) => r.device === newcomer.address)!;
    // nine minutes ago, a hundred seconds apart (readings are taken up to ten minutes old)
    const base = Date.now() - 540_000;
    // heard first, then the feed confirms: the feed's decision votes
    expect((await newcomer.send(eventId, roar(base, 30_000))).status).toBe(200);
    await settle();
    await feed('trust-1', base + 500);
    expect(await eventually(async () => ((await mine()).agree === 1 ? mine() : undefined), 10_000, 'one agreement')).toMatchObject({ weight: 0.5, established: false });
    // the feed first, then the readings: detection votes
    await feed('trust-2', base + 100_500);
    expect((await newcomer.send(eventId, roar(base + 100_000, 30_000))).status).toBe(200);
    await eventually(async () => (await mine()).agree === 2, 10_000, 'two agreements');
    await feed('trust-3', base + 200_500);
    expect((await newcomer.send(eventId, roar(base + 200_000, 30_000))).status).toBe(200);
    expect(await eventually(async () => ((await mine()).agree === 3 ? mine() : undefined), 10_000, 'three agreements')).toMatchObject({
      weight: 1,
      established: true,
      approved: false,
    });
  });
});
