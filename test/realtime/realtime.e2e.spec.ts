import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeMessage } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { signIn } from '../support/fans';
import { WsClient } from '../support/ws-client';

/** The transport carries any JSON; these tests number and replay bare payloads, not RealtimeMessageMap messages. */
const raw = (data: object) => data as RealtimeMessage;

describe('realtime across two API instances on one Redis', () => {
  let a: RunningApp;
  let b: RunningApp;
  const clients: WsClient[] = [];
  const connect = async (api: RunningApp, token?: string) => {
    const c = await WsClient.connect(api.url, token);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('realtime');
    a = await startApp('rt-a', { databaseUrl, env: { INSTANCE_ID: 'api-a' } });
    b = await startApp('rt-b', { databaseUrl, env: { INSTANCE_ID: 'api-b' } });
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all([a?.close(), b?.close()]);
  });

  it('delivers a message published on instance A to a socket on instance B, in order, numbered', async () => {
    const channel = `event:${randomUUID()}`;
    const onB = await connect(b);
    expect((await onB.subscribe(channel)).seq).toBe(0);
    const rtA = a.app.get(RealtimeService);
    for (let i = 1; i <= 20; i++) await rtA.publish(channel, raw({ n: i }));
    const got = await onB.waitForMessages(channel, 20);
    expect(got.map((f) => f.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(got.map((f) => (f.data as { n: number }).n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('replays exactly what was missed after reconnecting to the other instance, with no gaps or duplicates', async () => {
    const channel = `event:${randomUUID()}`;
    const rtA = a.app.get(RealtimeService);
    const first = await connect(a);
    await first.subscribe(channel);
    for (let i = 1; i <= 5; i++) await rtA.publish(channel, raw({ n: i }));
    await first.waitForMessages(channel, 5);
    const lastSeq = first.messages(channel).at(-1)!.seq as number;
    first.close();

    // while disconnected, both instances publish; publishing keeps going during the resubscribe
    const rtB = b.app.get(RealtimeService);
    for (let i = 6; i <= 10; i++) await (i % 2 ? rtA : rtB).publish(channel, raw({ n: i }));
    const second = await connect(b);
    const racing = (async () => {
      for (let i = 11; i <= 30; i++) await rtA.publish(channel, raw({ n: i }));
    })();
    await second.subscribe(channel, lastSeq);
    await racing;
    const got = await second.waitForMessages(channel, 25);
    await new Promise((r) => setTimeout(r, 100));
    expect(second.messages(channel).map((f) => f.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
    expect(got.map((f) => (f.data as { n: number }).n)).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
  });

  it('tells a client further behind than the replay buffer to resync over REST', async () => {
    const channel = `event:${randomUUID()}`;
    const rtA = a.app.get(RealtimeService);
    await Promise.all(Array.from({ length: 600 }, (_, i) => rtA.publish(channel, raw({ n: i }))));
    const c = await connect(b);
    await c.subscribe(channel, 3);
    const resync = c.frames.find((f) => f.type === 'resync');
    expect(resync).toMatchObject({ channel, headSeq: 600 });
  });

  it('multicasts one message to many fan channels: each fan on either instance hears it once, in its own sequence, and nobody else does', async () => {
    const [one, two, bystander, away] = await Promise.all(Array.from({ length: 4 }, () => signIn(a.url)));
    const onA = await connect(a, one.accessToken);
    const onB = await connect(b, two.accessToken);
    const other = await connect(b, bystander.accessToken);
    await onA.subscribe(`fan:${one.address}`);
    await onB.subscribe(`fan:${two.address}`);
    await other.subscribe(`fan:${bystander.address}`);
    const rtA = a.app.get(RealtimeService);
    await rtA.publish(`fan:${one.address}`, raw({ n: 1 }));
    await onA.waitForMessages(`fan:${one.address}`, 1);
    // `away` has no socket: its channel is numbered and kept all the same
    await rtA.publishToMany([`fan:${one.address}`, `fan:${two.address}`, `fan:${away.address}`], raw({ n: 2 }));
    const [, toOne] = await onA.waitForMessages(`fan:${one.address}`, 2);
    const [toTwo] = await onB.waitForMessages(`fan:${two.address}`, 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(toOne).toMatchObject({ seq: 2, data: { n: 2 } });
    expect(toTwo).toMatchObject({ seq: 1, data: { n: 2 }, at: toOne.at });
    expect(onA.messages(`fan:${one.address}`)).toHaveLength(2);
    expect(onB.messages(`fan:${two.address}`)).toHaveLength(1);
    expect(other.frames.filter((f) => f.type === 'message')).toEqual([]);
    // The replay buffer holds the frame the multicast delivered, field for field
    const later = await connect(a, two.accessToken);
    await later.subscribe(`fan:${two.address}`, 0);
    expect(await later.waitForMessages(`fan:${two.address}`, 1)).toEqual([toTwo]);
    expect(await rtA.channelLog.head(`fan:${away.address}`)).toBe(1);
  });

  it('pushes an event status change to event and staff channels live', async () => {
    const staffToken = await a.tokenFor(staffPrincipal(DEMO_VENUE_ID));
    const adminToken = await a.tokenFor(adminPrincipal);
    const staff = await connect(b, staffToken);
    const created = await fetch(`${a.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ venueId: DEMO_VENUE_ID, name: 'Live push', startsAt: '2030-06-12T03:00:00Z' }),
    }).then((r) => r.json());
    const fan = await connect(b);
    await fan.subscribe(`event:${created.id}`);
    await staff.subscribe(`staff:${DEMO_VENUE_ID}`);
    await fetch(`${a.url}/api/v1/events/${created.id}/transitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staffToken}` },
      body: JSON.stringify({ to: 'gates_open' }),
    });
    const [onEvent] = await fan.waitForMessages(`event:${created.id}`, 1);
    expect(onEvent.data).toMatchObject({ type: 'event.status_changed', eventId: created.id, from: 'scheduled', to: 'gates_open' });
    const onStaff = await staff.next((f) => f.type === 'message' && f.channel === `staff:${DEMO_VENUE_ID}` && (f.data as { eventId: string }).eventId === created.id);
    expect(onStaff.data).toMatchObject({ to: 'gates_open' });
  });

  describe('who may listen where', () => {
    it('lets a fan hear only their own channel, staff only their venue', async () => {
      const fanA = await signIn(a.url);
      const fanB = await signIn(a.url);
      const c = await connect(a, fanA.accessToken);
      expect((await c.subscribe(`fan:${fanA.address}`)).type).toBe('subscribed');
      expect(await c.subscribe(`fan:${fanB.address}`)).toMatchObject({ type: 'error', code: 'forbidden' });
      expect(await c.subscribe(`staff:${DEMO_VENUE_ID}`)).toMatchObject({ type: 'error', code: 'forbidden' });
      expect(await c.subscribe(`sponsor:${randomUUID()}`)).toMatchObject({ type: 'error', code: 'forbidden' });
      const anon = await connect(a);
      expect(await anon.subscribe(`fan:${fanA.address}`)).toMatchObject({ type: 'error', code: 'unauthenticated' });
      const staff = await connect(a, await a.tokenFor(staffPrincipal(DEMO_VENUE_ID)));
      expect((await staff.subscribe(`staff:${DEMO_VENUE_ID}`)).type).toBe('subscribed');
      expect(await staff.subscribe(`staff:${randomUUID()}`)).toMatchObject({ type: 'error', code: 'forbidden' });
    });

    it('authenticates with an auth frame too, and refuses a bad token without closing', async () => {
      const fan = await signIn(a.url);
      const c = await connect(a);
      c.send({ type: 'auth', token: 'garbage' });
      expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'unauthenticated' });
      c.send({ type: 'auth', token: fan.accessToken, id: 1 });
      expect(await c.next((f) => f.type === 'welcome')).toMatchObject({ subject: fan.address });
      expect((await c.subscribe(`fan:${fan.address}`)).type).toBe('subscribed');
    });

    it('closes a connection that presents an invalid token in the URL, with a reason', async () => {
      const c = await connect(a, 'not-a-token');
      await new Promise((r) => setTimeout(r, 100));
      expect(c.closed).toMatchObject({ code: 4401 });
    });
  });

  it('answers bad frames with error frames and keeps the connection and server working', async () => {
    const c = await connect(a);
    const bad = [
      '{oops',
      '[]',
      '"str"',
      JSON.stringify({ type: 42 }),
      JSON.stringify({ type: 'fly' }),
      JSON.stringify({ type: 'subscribe', channel: 'nope:1' }),
      JSON.stringify({ type: 'subscribe', channel: `event:${randomUUID()}`, lastSeq: -4 }),
      JSON.stringify({ type: 'unsubscribe', channel: 'event:x' }),
      'y'.repeat(17_000),
    ];
    for (const f of bad) c.send(f);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.frames.map((f) => f.code)).toEqual([
      'malformed_frame',
      'malformed_frame',
      'malformed_frame',
      'malformed_frame',
      'unknown_type',
      'bad_channel',
      'malformed_frame',
      'not_subscribed',
      'frame_too_large',
    ]);
    c.send({ type: 'ping', id: 'still-here' });
    expect(await c.next((f) => f.type === 'pong')).toMatchObject({ id: 'still-here' });
  });

  it('drops a consumer that stops reading instead of buffering without bound', async () => {
    const channel = `event:${randomUUID()}`;
    const slow = await connect(a);
    await slow.subscribe(channel);
    const fast = await connect(a);
    await fast.subscribe(channel);
    // Stop reading on the slow socket: its kernel buffers fill, then the server's buffer grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const rtA = a.app.get(RealtimeService);
    const big = 'x'.repeat(8000);
    for (let i = 0; i < 1200; i++) await rtA.publish(channel, raw({ i, big }));
    await fast.waitForMessages(channel, 1200, 15_000);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await new Promise((r) => setTimeout(r, 500));
    expect(slow.closed?.code).toBe(4008);
    expect(fast.closed).toBeUndefined();
  });
});
