import { Wallet } from 'ethers';
import request from 'supertest';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { DENY_REASONS } from '@fanmesh/access';
import { TokenService } from '@fanmesh/identity';
import { decodeQr, encodeQr, GATE_LANE_MAX_FRAME_BYTES, GATE_LANE_MAX_IN_FLIGHT, GATE_LANE_PATH } from '@fanmesh/protocol';
import type { GateLaneFrameId, GateLaneServerFrame, ScanResult } from '@fanmesh/protocol';
import { adminPrincipal, fanPrincipal, RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { signIn } from '../support/fans';
import { clearOfWindowEdge, createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';

type Answer = Extract<GateLaneServerFrame, { type: 'verdict' | 'error' | 'welcome' }>;

/** A gate lane as a turnstile holds it: one socket, frames matched to their answers by id. */
class Lane {
  readonly frames: GateLaneServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiting = new Map<GateLaneFrameId, (f: Answer) => void>();
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as GateLaneServerFrame;
      this.frames.push(f);
      const resolve = f.id !== null && f.type !== 'pong' ? this.waiting.get(f.id) : undefined;
      if (resolve && f.type !== 'pong') {
        this.waiting.delete(f.id!);
        resolve(f);
      }
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static async open(api: RunningApp): Promise<Lane> {
    const ws = new WebSocket(api.url.replace(/^http/, 'ws') + GATE_LANE_PATH);
    const lane = new Lane(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    lanes.push(lane);
    return lane;
  }

  /** A lane bound to a gate: hello, and its welcome. */
  static async bound(api: RunningApp, token: string, gateId: string): Promise<Lane> {
    const lane = await Lane.open(api);
    const welcome = await lane.hello(token, gateId);
    if (welcome.type !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(welcome)}`);
    return lane;
  }

  hello(token: string, gateId: string): Promise<Answer> {
    return this.ask({ type: 'hello', token, gateId });
  }

  /** Sends a frame with a fresh id (unless it has one) and resolves with the frame that answers it. */
  ask(frame: Record<string, unknown>, timeoutMs = 10_000): Promise<Answer> {
    const id = (frame.id as GateLaneFrameId | undefined) ?? this.nextId++;
    const answered = new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(frame).slice(0, 200)}; last: ${JSON.stringify(this.frames.slice(-3))}`)), timeoutMs);
      this.waiting.set(id, (f) => (clearTimeout(timer), resolve(f)));
    });
    this.ws.send(JSON.stringify({ ...frame, id }));
    return answered;
  }

  async scan(code: string, eventId?: string): Promise<ScanResult> {
    const answer = await this.ask({ type: 'scan', code, ...(eventId ? { eventId } : {}) });
    if (answer.type !== 'verdict') throw new Error(`no verdict: ${JSON.stringify(answer)}`);
    return answer.result;
  }

  /** The next frame with id null (answers to frames whose id could not be read). */
  async anonymous(after: number): Promise<GateLaneServerFrame> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const f = this.frames.slice(after).find((x) => x.id === null);
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`no anonymous answer; last: ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  send(raw: string | Buffer): void {
    this.ws.send(raw);
  }

  async ping(): Promise<boolean> {
    const n = this.frames.length;
    this.ws.send(JSON.stringify({ type: 'ping', id: 'ping' }));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (this.frames.slice(n).some((f) => f.type === 'pong' && f.id === 'ping')) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
}

const lanes: Lane[] = [];

/** The close a lane gets within `ms`, or undefined. */
const closeOf = (lane: Lane, ms = 5000) => Promise.race([lane.closed, new Promise<undefined>((r) => setTimeout(r, ms))]);

describe('the gate lane: scans pipelined over one websocket, judged as the HTTP route judges them', () => {
  let a: RunningApp;
  let b: RunningApp;
  let admin: string;
  let stewardToken: string;
  let gates: Record<string, { id: string; sectionCodes: string[] }>;
  let eventId: string;
  let tickets: IssuedTicket[];
  const adminWallet = Wallet.createRandom();
  const reasonsSeen = new Set<string>();

  const http = async (api: RunningApp, gate: string, code: string, extra: Record<string, unknown> = {}, token = stewardToken): Promise<ScanResult> =>
    (
      await request(api.url)
        .post(`/api/v1/gates/${gates[gate].id}/scans`)
        .set('authorization', `Bearer ${token}`)
        .send({ code, ...extra })
        .expect(200)
    ).body;

  /** The lane's verdict, checked against the HTTP route's answer for the same code: the same decision and reason. */
  const both = async (lane: Lane, api: RunningApp, gate: string, code: string, eventIdToExpect?: string, token = stewardToken) => {
    const overLane = await lane.scan(code, eventIdToExpect);
    const overHttp = await http(api, gate, code, eventIdToExpect ? { eventId: eventIdToExpect } : {}, token);
    const shape = (r: ScanResult) => ({ decision: r.decision, reason: r.decision === 'deny' ? r.reason : undefined, ticketId: r.ticketId });
    expect(shape(overLane)).toEqual(shape(overHttp));
    if (overLane.decision === 'deny') reasonsSeen.add(overLane.reason);
    return overLane;
  };

  const steward = (n: number, venueId = DEMO_VENUE_ID) =>
    a.tokenFor({ subject: `0x${(0x1a0e00 + n).toString(16).padStart(40, '0')}`, kind: 'account', roles: ['fan', `steward@${venueId}`] });

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('gate-lane');
    // As in the HTTP spec: each scanner's budget (gate.scans, shared by both instances and by HTTP
    // and lanes) lowered from 100 a second to 200 a minute, so a runaway lane outruns the refill.
    const env = { RATE_LIMITS: 'gate.scans=200/1m', ADMIN_ADDRESS: adminWallet.address };
    a = await startApp('lane-a', { databaseUrl, env });
    b = await startApp('lane-b', { databaseUrl, env });
    admin = `Bearer ${await a.tokenFor(adminPrincipal)}`;
    stewardToken = await steward(0);
    const venue = (await request(a.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
    gates = Object.fromEntries(venue.gates.map((g: { code: string; id: string; sectionCodes: string[] }) => [g.code, g]));
    eventId = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Lane night');
    tickets = await issueTickets(a.url, admin, eventId, 140, ['N103', 'N203']); // both north gates serve block 3
  });
  afterAll(async () => {
    lanes.forEach((l) => l.ws.terminate());
    await Promise.all([a?.close(), b?.close()]);
  });

  describe('the same verdicts as POST /gates/:gateId/scans', () => {
    let onA: Lane;
    let onB: Lane;
    beforeAll(async () => {
      onA = await Lane.bound(a, stewardToken, gates['N-A'].id);
      onB = await Lane.bound(b, stewardToken, gates['N-A'].id);
    });

    it('welcomes a steward at a gate of their venue, naming the gate and the limits', () => {
      expect(onA.frames[0]).toMatchObject({ type: 'welcome', id: 1, gateId: gates['N-A'].id, gate: 'N-A', venueId: DEMO_VENUE_ID, maxInFlight: GATE_LANE_MAX_IN_FLIGHT });
    });

    it('refuses scans before the gates open (gates_closed)', async () => {
      const t = tickets[0];
      expect(await both(onA, a, 'N-A', qrFor(t, t.wallet))).toMatchObject({ decision: 'deny', reason: 'gates_closed' });
      await openGates(a.url, admin, eventId);
    });

    it('admits a valid ticket once, with the HTTP body, and says where and when on a lane to the other instance (already_admitted)', async () => {
      const t = tickets[0];
      const first = await onA.scan(qrFor(t, t.wallet));
      expect(first).toMatchObject({ decision: 'admit', ticketId: t.id, section: t.section, seat: t.seat, tier: t.tier, gate: 'N-A' });
      expect(Object.keys(first).sort()).toEqual(['admissionId', 'admittedAt', 'decision', 'gate', 'seat', 'section', 'ticketId', 'tier']);
      const again = await both(onB, b, 'N-A', qrFor(t, t.wallet));
      expect(again).toMatchObject({ decision: 'deny', reason: 'already_admitted', gate: 'N-A', admittedAt: first.decision === 'admit' ? first.admittedAt : '' });
    });

    it('takes the previous window but not older (expired_code) nor windows ahead (future_code)', async () => {
      const [t1, t2] = [tickets[2], tickets[4]];
      await clearOfWindowEdge();
      expect((await onA.scan(qrFor(t1, t1.wallet, -1))).decision).toBe('admit');
      expect(await both(onA, a, 'N-A', qrFor(t2, t2.wallet, -2))).toMatchObject({ decision: 'deny', reason: 'expired_code' });
      expect(await both(onA, a, 'N-A', qrFor(t2, t2.wallet, +3))).toMatchObject({ decision: 'deny', reason: 'future_code' });
    });

    it('refuses a code signed by someone else (bad_signature), garbage (malformed_code) and an unknown ticket (unknown_ticket)', async () => {
      const t = tickets[6];
      expect(await both(onA, a, 'N-A', qrFor(t, Wallet.createRandom()))).toMatchObject({ decision: 'deny', reason: 'bad_signature' });
      expect(await both(onA, a, 'N-A', 'hello')).toMatchObject({ decision: 'deny', reason: 'malformed_code' });
      expect(await both(onA, a, 'N-A', qrFor(t, t.wallet).slice(0, -10))).toMatchObject({ decision: 'deny', reason: 'malformed_code' });
      const p = decodeQr(qrFor(t, t.wallet))!;
      expect(await both(onA, a, 'N-A', encodeQr({ ...p, ticketId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }))).toMatchObject({ decision: 'deny', reason: 'unknown_ticket' });
      expect((await onB.scan(qrFor(t, t.wallet))).decision).toBe('admit');
    });

    it('refuses a ticket at a gate that does not serve its section (wrong_gate)', async () => {
      const t = tickets[8];
      expect(gates['S-A'].sectionCodes).not.toContain(t.section);
      const south = await Lane.bound(a, stewardToken, gates['S-A'].id);
      expect(await both(south, a, 'S-A', qrFor(t, t.wallet))).toMatchObject({ decision: 'deny', reason: 'wrong_gate' });
    });

    it('refuses a ticket of another event when the scan names its event (wrong_event)', async () => {
      const other = await createEvent(a.url, admin, DEMO_VENUE_ID, 'Other lane night');
      const t = tickets[10];
      expect(await both(onA, a, 'N-A', qrFor(t, t.wallet), other)).toMatchObject({ decision: 'deny', reason: 'wrong_event' });
      expect((await onA.scan(qrFor(t, t.wallet), eventId)).decision).toBe('admit');
    });

    it('refuses a fan already in at an overlapping match of another venue (admitted_elsewhere)', async () => {
      const t = tickets[11];
      expect((await onA.scan(qrFor(t, t.wallet))).decision).toBe('admit');
      const away = (
        await request(a.url)
          .post('/api/v1/venues')
          .set('authorization', admin)
          .send({
            name: 'Same night lane ground',
            city: 'Braga',
            timezone: 'Europe/Lisbon',
            sections: [{ code: 'L1', name: 'Block L1', stand: 'east', tier: 1, capacity: 50 }],
            gates: [{ code: 'L-A', name: 'Gate L-A', sectionCodes: ['L1'] }],
          })
          .expect(201)
      ).body;
      const here = (await request(a.url).get(`/api/v1/events/${eventId}`).expect(200)).body;
      const there = (await request(a.url).post('/api/v1/events').set('authorization', admin).send({ venueId: away.id, name: 'Same night', startsAt: here.startsAt }).expect(201))
        .body;
      const [twin] = (
        await request(a.url)
          .post(`/api/v1/events/${there.id}/tickets`)
          .set('authorization', admin)
          .send({ tickets: [{ holder: t.holder, section: 'L1', seat: '1', tier: 'standard' }] })
          .expect(201)
      ).body.tickets;
      await openGates(a.url, admin, there.id);
      const awaySteward = await steward(1, away.id);
      gates['L-A'] = away.gates[0];
      const lane = await Lane.bound(b, awaySteward, away.gates[0].id);
      expect(await both(lane, b, 'L-A', qrFor(twin, t.wallet), undefined, awaySteward)).toMatchObject({ decision: 'deny', reason: 'admitted_elsewhere', ticketId: twin.id });
    });

    it('voids old codes on transfer and refuses revoked tickets (revoked), on a lane to the other instance', async () => {
      const t = tickets[12];
      const fan = `Bearer ${await a.tokenFor({ subject: t.holder, kind: 'account', roles: ['fan'] })}`;
      const friend = Wallet.createRandom();
      await request(a.url).post(`/api/v1/tickets/${t.id}/transfer`).set('authorization', fan).send({ to: friend.address }).expect(200);
      expect(await both(onB, b, 'N-A', qrFor(t, t.wallet))).toMatchObject({ decision: 'deny', reason: 'revoked' });
      expect((await onB.scan(qrFor({ id: t.id, version: 2 }, friend))).decision).toBe('admit');
      const r = tickets[14];
      await request(a.url).post(`/api/v1/tickets/${r.id}/revoke`).set('authorization', admin).expect(204);
      await new Promise((res) => setTimeout(res, 100));
      expect(await both(onB, b, 'N-A', qrFor(r, r.wallet))).toMatchObject({ decision: 'deny', reason: 'revoked' });
    });

    it('has given every deny reason of the HTTP route, the same over the lane', () => {
      expect([...reasonsSeen].sort()).toEqual([...DENY_REASONS].sort());
    });
  });

  describe('exactly once across instances', () => {
    it('admits each of 100 tickets exactly once when 1,000 duplicate scans are pipelined on 20 lanes to two instances at once', async () => {
      const batch = tickets.slice(20, 120);
      const stewards = await Promise.all(Array.from({ length: 10 }, (_, i) => steward(100 + i)));
      // each steward holds a lane on each instance, at alternating north gates (both serve block 3)
      const pool = await Promise.all(stewards.flatMap((s, i) => [Lane.bound(a, s, gates[i % 2 ? 'N-A' : 'N-B'].id), Lane.bound(b, s, gates[i % 2 ? 'N-B' : 'N-A'].id)]));
      const codes = batch.map((t) => qrFor(t, t.wallet));
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => pool[i % pool.length].scan(codes[(i * 7) % 100])));
      const admits = results.filter((r) => r.decision === 'admit');
      expect(admits).toHaveLength(100);
      expect(new Set(admits.map((r) => r.ticketId)).size).toBe(100);
      expect(results.filter((r) => r.decision === 'deny' && r.reason === 'already_admitted')).toHaveLength(900);
      const ds = a.app.get((await import('typeorm')).DataSource);
      const ids = batch.map((t) => t.id);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM admissions WHERE ticket_id = ANY($1::uuid[])`, [ids]);
      expect(n).toBe(100);
      const [{ e }] = await ds.query(`SELECT count(*)::int AS e FROM domain_events WHERE name = 'access.admitted' AND payload->>'ticketId' = ANY($1::text[])`, [ids]);
      expect(e).toBe(100);
    });

    it('admits a ticket once when lanes and the HTTP route race for it on both instances', async () => {
      const t = tickets[130];
      const code = qrFor(t, t.wallet);
      const s = await steward(120);
      const [la, lb] = await Promise.all([Lane.bound(a, s, gates['N-A'].id), Lane.bound(b, s, gates['N-B'].id)]);
      const results = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => (i % 2 ? la : lb).scan(code)),
        ...Array.from({ length: 10 }, (_, i) => http(i % 2 ? a : b, 'N-A', code, {}, s)),
      ]);
      expect(results.filter((r) => r.decision === 'admit')).toHaveLength(1);
      expect(results.filter((r) => r.decision === 'deny' && r.reason === 'already_admitted')).toHaveLength(49);
    });

    it('reads scans sent right behind hello, before the welcome, with the hello’s principal', async () => {
      const lane = await Lane.open(b);
      const hello = lane.hello(await steward(121), gates['N-A'].id);
      const scans = tickets.slice(131, 136).map((t) => lane.scan(qrFor(t, t.wallet)));
      expect((await hello).type).toBe('welcome');
      expect((await Promise.all(scans)).map((r) => r.decision)).toEqual(Array(5).fill('admit'));
      expect(lane.frames[0].type).toBe('welcome');
    });
  });

  describe('bad frames', () => {
    let lane: Lane;
    beforeAll(async () => {
      lane = await Lane.bound(a, await steward(200), gates['N-A'].id);
    });

    it('answers every unreadable or invalid frame with an error frame carrying its code and id, and keeps the lane', async () => {
      const errorOf = async (raw: string | Buffer) => {
        const n = lane.frames.length;
        lane.send(raw);
        return lane.anonymous(n);
      };
      expect(await errorOf('not json {')).toMatchObject({ type: 'error', id: null, code: 'malformed_frame' });
      expect(await errorOf('[1,2,3]')).toMatchObject({ type: 'error', id: null, code: 'malformed_frame' });
      expect(await errorOf('"scan"')).toMatchObject({ type: 'error', id: null, code: 'malformed_frame' });
      expect(await errorOf(JSON.stringify({ type: 'scan', id: { x: 1 }, code: 'x' }))).toMatchObject({ type: 'error', id: null, code: 'malformed_frame' });
      expect(await errorOf(JSON.stringify({ type: 'scan', id: 'x'.repeat(65), code: 'x' }))).toMatchObject({ type: 'error', id: null, code: 'malformed_frame' });
      expect(await errorOf(Buffer.from([1, 2, 3]))).toMatchObject({ type: 'error', id: null, code: 'malformed_frame' });
      expect(await errorOf(JSON.stringify({ type: 'scan', id: 1, code: 'x'.repeat(GATE_LANE_MAX_FRAME_BYTES) }))).toMatchObject({
        type: 'error',
        id: null,
        code: 'frame_too_large',
      });
      expect(await errorOf(JSON.stringify({ type: 'scan', code: 'FM1.x' }))).toMatchObject({ type: 'error', id: null, code: 'validation_failed', fields: [{ field: 'id' }] });

      expect(await lane.ask({ id: 'no-type' })).toMatchObject({ type: 'error', id: 'no-type', code: 'malformed_frame' });
      expect(await lane.ask({ type: 'admit', id: 'unknown' })).toMatchObject({ type: 'error', id: 'unknown', code: 'unknown_type' });
      expect(await lane.ask({ type: '__proto__', id: 'proto' })).toMatchObject({ type: 'error', id: 'proto', code: 'unknown_type' });
      expect(await lane.ask({ type: 'scan', id: 'no-code' })).toMatchObject({ type: 'error', id: 'no-code', code: 'validation_failed', fields: [{ field: 'code' }] });
      expect(await lane.ask({ type: 'scan', id: 42, code: 42 })).toMatchObject({ type: 'error', id: 42, code: 'validation_failed', fields: [{ field: 'code' }] });
      expect(await lane.ask({ type: 'scan', id: 'long', code: 'x'.repeat(401) })).toMatchObject({ type: 'error', id: 'long', code: 'validation_failed' });
      expect(await lane.ask({ type: 'scan', id: 'bad-event', code: 'x', eventId: 'nope' })).toMatchObject({ code: 'validation_failed', fields: [{ field: 'eventId' }] });
      expect(await lane.ask({ type: 'scan', id: 'extra', code: 'x', gateId: gates['S-A'].id })).toMatchObject({ code: 'validation_failed', fields: [{ field: 'gateId' }] });
      expect(await lane.ask({ type: 'hello', id: 'again', token: stewardToken, gateId: gates['N-B'].id })).toMatchObject({ type: 'error', id: 'again', code: 'already_bound' });

      // the HTTP route refuses the same bodies the same way
      for (const body of [{ code: 42 }, {}, { code: 'x'.repeat(401) }, { code: 'x', eventId: 'nope' }, { code: 'x', gateId: gates['S-A'].id }]) {
        const res = await request(a.url).post(`/api/v1/gates/${gates['N-A'].id}/scans`).set('authorization', `Bearer ${stewardToken}`).send(body).expect(400);
        expect(res.body.code).toBe('validation_failed');
      }

      expect(lane.open).toBe(true);
      expect(await lane.ping()).toBe(true);
      const t = tickets[136];
      expect(await lane.scan(qrFor(t, t.wallet))).toMatchObject({ decision: 'admit', ticketId: t.id });
    });

    it('caps scans in flight (too_many_in_flight) and rate-limits a runaway lane like the HTTP route (rate_limited), answering every frame by id', async () => {
      const runaway = await Lane.bound(b, await steward(201), gates['N-A'].id);
      const answers = await Promise.all(Array.from({ length: 1000 }, () => runaway.ask({ type: 'scan', code: 'x' })));
      const count = (p: (f: Answer) => boolean) => answers.filter(p).length;
      expect(count((f) => f.type === 'error' && f.code === 'too_many_in_flight')).toBeGreaterThan(0);
      expect(count((f) => f.type === 'verdict')).toBeLessThanOrEqual(200);
      const limited = answers.find((f) => f.type === 'error' && f.code === 'rate_limited');
      expect(limited).toMatchObject({ code: 'rate_limited', limit: 200, windowSeconds: 60 });
      expect((limited as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(answers.every((f) => f.type === 'verdict' || (f.type === 'error' && ['too_many_in_flight', 'rate_limited'].includes(f.code)))).toBe(true);
      // the budget is the scanner's, shared with the HTTP route on the other instance
      await request(a.url)
        .post(`/api/v1/gates/${gates['N-A'].id}/scans`)
        .set('authorization', `Bearer ${await steward(201)}`)
        .send({ code: 'x' })
        .expect(429);
      expect(runaway.open).toBe(true);
      expect(await runaway.ping()).toBe(true);
    });
  });

  describe('who may open a lane', () => {
    const refusal = async (api: RunningApp, token: string, gateId: string) => {
      const lane = await Lane.open(api);
      const answer = await lane.hello(token, gateId);
      return { answer, close: await closeOf(lane) };
    };

    it('refuses a bad token (4401), a fan (4403), a steward of another venue (4403) and an unknown gate (4404)', async () => {
      const gate = gates['N-A'].id;
      expect(await refusal(a, 'not-a-token', gate)).toMatchObject({ answer: { type: 'error', code: 'unauthenticated' }, close: { code: 4401 } });
      expect(await refusal(a, await a.tokenFor(fanPrincipal), gate)).toMatchObject({ answer: { type: 'error', code: 'forbidden' }, close: { code: 4403 } });
      const outsider = await steward(300, '7c9e6679-7425-40de-944b-e07fc1f90ae7');
      expect(await refusal(b, outsider, gate)).toMatchObject({ answer: { type: 'error', code: 'forbidden' }, close: { code: 4403 } });
      expect(await refusal(b, stewardToken, '7c9e6679-7425-40de-944b-e07fc1f90ae7')).toMatchObject({ answer: { type: 'error', code: 'gate_not_found' }, close: { code: 4404 } });
      // the same answers as the HTTP route
      await request(a.url).post(`/api/v1/gates/${gate}/scans`).set('authorization', 'Bearer not-a-token').send({ code: 'x' }).expect(401);
      await request(a.url)
        .post(`/api/v1/gates/${gate}/scans`)
        .set('authorization', `Bearer ${await a.tokenFor(fanPrincipal)}`)
        .send({ code: 'x' })
        .expect(403);
      await request(a.url).post(`/api/v1/gates/${gate}/scans`).set('authorization', `Bearer ${outsider}`).send({ code: 'x' }).expect(403);
    });

    it('takes a device bound to the venue by its role, and refuses one bound elsewhere (wrong_venue, 4403)', async () => {
      const device = (roles: string[]) => a.tokenFor({ subject: Wallet.createRandom().address.toLowerCase(), kind: 'device', roles });
      const turnstile = await Lane.bound(a, await device([`device@${DEMO_VENUE_ID}`]), gates['N-A'].id);
      const t = tickets[137];
      expect(await turnstile.scan(qrFor(t, t.wallet))).toMatchObject({ decision: 'admit', ticketId: t.id });
      expect(await refusal(a, await device(['device@7c9e6679-7425-40de-944b-e07fc1f90ae7']), gates['N-A'].id)).toMatchObject({
        answer: { type: 'error', code: 'wrong_venue' },
        close: { code: 4403 },
      });
    });

    it('answers a scan before hello with unauthenticated and keeps the lane for a hello', async () => {
      const lane = await Lane.open(a);
      expect(await lane.ask({ type: 'scan', code: 'x' })).toMatchObject({ type: 'error', code: 'unauthenticated' });
      expect(await lane.ask({ type: 'auth', token: stewardToken })).toMatchObject({ type: 'error', code: 'unauthenticated' });
      expect((await lane.hello(stewardToken, gates['N-A'].id)).type).toBe('welcome');
      expect((await lane.scan('x')).decision).toBe('deny');
    });

    it('judges every scan with the token as it is now: an expired one is refused (4401 token_expired), a fresh one sent with auth keeps the lane', async () => {
      const tokens = a.app.get(TokenService);
      const who = { subject: `0x${(0x1a0f00).toString(16).padStart(40, '0')}`, kind: 'account' as const, roles: [`steward@${DEMO_VENUE_ID}`] };
      const short = await Lane.bound(a, (await tokens.issue(who, 1)).token, gates['N-A'].id);
      const renewed = await Lane.bound(b, (await tokens.issue(who, 1)).token, gates['N-A'].id);
      expect(await renewed.ask({ type: 'auth', token: (await tokens.issue(who, 60)).token, id: 'renew' })).toMatchObject({ type: 'welcome', id: 'renew' });
      expect(await renewed.ask({ type: 'auth', token: await a.tokenFor(fanPrincipal), id: 'as-fan' })).toMatchObject({ type: 'error', id: 'as-fan', code: 'forbidden' });
      await new Promise((r) => setTimeout(r, 2100));
      expect(await short.ask({ type: 'scan', code: 'x' })).toMatchObject({ type: 'error', code: 'unauthenticated', reason: 'token_expired' });
      expect(await closeOf(short)).toEqual({ code: 4401, reason: 'token_expired' });
      expect((await renewed.scan('x')).decision).toBe('deny');
      expect(renewed.open).toBe(true);
    });

    it('refuses the next scan of a steward whose role is revoked, on another instance (4403)', async () => {
      const admin = await signIn(a.url, adminWallet);
      const staff = await signIn(a.url);
      await request(a.url)
        .post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`)
        .set('authorization', `Bearer ${admin.accessToken}`)
        .send({ address: staff.address, role: 'steward' })
        .expect(201);
      const session = (await request(a.url).post('/api/v1/auth/refresh').send({ refreshToken: staff.refreshToken }).expect(200)).body;
      const lane = await Lane.bound(b, session.accessToken, gates['N-A'].id);
      expect((await lane.scan('x')).decision).toBe('deny');
      await request(a.url).delete(`/api/v1/venues/${DEMO_VENUE_ID}/roles/${staff.address}/steward`).set('authorization', `Bearer ${admin.accessToken}`).expect(204);
      await expect.poll(async () => (await lane.ask({ type: 'scan', code: 'x' })).type, { timeout: 5000, interval: 200 }).toBe('error');
      expect(lane.frames.at(-1)).toMatchObject({ type: 'error', code: 'forbidden' });
      expect((await closeOf(lane))?.code).toBe(4403);
    });
  });
});
