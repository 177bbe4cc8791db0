import type { IncomingMessage } from 'node:http';
import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { Audience, Principal } from '@fanmesh/common';
import { TokenService } from '@fanmesh/identity';
import { Bus } from './bus';
import { BUS } from './bus.module';
import { CHANNEL_LOG, ChannelLog } from './channel-log.provider';
import { frameTopic, seqOf } from './channel-log';
import { maySubscribe, parseChannel } from './channels';

export const MAX_FRAME_BYTES = 16 * 1024;
/** A socket with more than this queued is too slow to keep up; it is dropped rather than stall the rest. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
const MAX_CHANNELS_PER_SOCKET = 32;

export type ErrorCode =
  | 'malformed_frame'
  | 'unknown_type'
  | 'frame_too_large'
  | 'unauthenticated'
  | 'forbidden'
  | 'bad_channel'
  | 'too_many_channels'
  | 'not_subscribed';

/** Every client frame type and who may send it (the role-matrix test walks this table). */
export const FRAME_ACCESS: Record<string, Audience[]> = {
  ping: ['public'],
  auth: ['public'],
  subscribe: ['public'], // the channel decides: see maySubscribe
  unsubscribe: ['public'],
};

interface Subscription {
  lastSeq: number;
  /** While a replay is being fetched, live frames wait here so nothing is lost or doubled. */
  pending?: string[];
}

interface Client {
  principal?: Principal;
  subs: Map<string, Subscription>;
}

/**
 * The one websocket endpoint, `/ws`. Authenticate with `?access_token=` or an `auth` frame; then
 * `subscribe` to channels (with `lastSeq` to get what was missed). Frames arrive in each channel's
 * sequence order with no gaps and no duplicates; a client beyond the replay buffer gets `resync`.
 */
@WebSocketGateway({ path: '/ws', maxPayload: 1024 * 1024 })
export class RealtimeGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeGateway.name);
  private readonly clients = new Map<WebSocket, Client>();
  private readonly listeners = new Map<string, { sockets: Set<WebSocket>; ready: Promise<() => Promise<void>> }>();

  constructor(
    private readonly tokens: TokenService,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CHANNEL_LOG) private readonly log: ChannelLog,
  ) {}

  get connections(): number {
    return this.clients.size;
  }

  async handleConnection(socket: WebSocket, req?: IncomingMessage): Promise<void> {
    const client: Client = { subs: new Map() };
    this.clients.set(socket, client);
    socket.on('message', (data, isBinary) => void this.onFrame(socket, client, data as Buffer, isBinary));
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'socket error'));
    const token = req?.url ? new URL(req.url, 'http://x').searchParams.get('access_token') : null;
    if (token) {
      try {
        client.principal = await this.tokens.verify(token);
        this.send(socket, { type: 'welcome', subject: client.principal.subject, roles: client.principal.roles });
      } catch {
        this.error(socket, 'unauthenticated', 'The access token is not valid or has expired; refresh it and reconnect.');
        socket.close(4401, 'unauthenticated');
      }
    }
  }

  handleDisconnect(socket: WebSocket): void {
    const client = this.clients.get(socket);
    this.clients.delete(socket);
    if (client) for (const channel of client.subs.keys()) this.detach(channel, socket);
  }

  async onModuleDestroy(): Promise<void> {
    for (const [channel, l] of this.listeners) {
      this.listeners.delete(channel);
      await (await l.ready)();
    }
  }

  private async onFrame(socket: WebSocket, client: Client, data: Buffer, isBinary: boolean): Promise<void> {
    if (data.length > MAX_FRAME_BYTES) return this.error(socket, 'frame_too_large', `Frames are limited to ${MAX_FRAME_BYTES} bytes.`);
    let frame: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = isBinary ? undefined : JSON.parse(data.toString('utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) frame = parsed as Record<string, unknown>;
    } catch {
      frame = undefined;
    }
    if (!frame || typeof frame.type !== 'string') {
      return this.error(socket, 'malformed_frame', 'Send a JSON object with a string "type", e.g. {"type":"ping"}.');
    }
    const ref = frame.id;
    try {
      switch (frame.type) {
        case 'ping':
          return this.send(socket, { type: 'pong', id: ref, serverTime: new Date().toISOString() });
        case 'auth':
          return await this.auth(socket, client, frame.token, ref);
        case 'subscribe':
          return await this.subscribe(socket, client, frame.channel, frame.lastSeq, ref);
        case 'unsubscribe':
          return this.unsubscribe(socket, client, frame.channel, ref);
        default:
          return this.error(socket, 'unknown_type', `Unknown frame type "${frame.type.slice(0, 64)}". Known: ${Object.keys(FRAME_ACCESS).join(', ')}.`, ref);
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, type: frame.type }, 'frame failed');
      this.send(socket, { type: 'error', code: 'unavailable', detail: 'The server could not handle that frame just now; try again.', ref });
    }
  }

  private async auth(socket: WebSocket, client: Client, token: unknown, ref: unknown): Promise<void> {
    if (typeof token !== 'string' || token.length > 4096) return this.error(socket, 'malformed_frame', 'auth needs a string "token".', ref);
    try {
      client.principal = await this.tokens.verify(token);
    } catch {
      return this.error(socket, 'unauthenticated', 'The access token is not valid or has expired; refresh it and send auth again.', ref);
    }
    this.send(socket, { type: 'welcome', id: ref, subject: client.principal.subject, roles: client.principal.roles });
  }

  private async subscribe(socket: WebSocket, client: Client, rawChannel: unknown, lastSeq: unknown, ref: unknown): Promise<void> {
    const parsed = parseChannel(rawChannel);
    if (!parsed) return this.error(socket, 'bad_channel', 'channel must be fan:<address>, event:<id>, staff:<venueId> or sponsor:<id>.', ref);
    if (lastSeq !== undefined && (typeof lastSeq !== 'number' || !Number.isSafeInteger(lastSeq) || lastSeq < 0)) {
      return this.error(socket, 'malformed_frame', 'lastSeq must be a non-negative integer.', ref);
    }
    const channel = rawChannel as string;
    if (!maySubscribe(client.principal, parsed.kind, parsed.id)) {
      return this.error(socket, client.principal ? 'forbidden' : 'unauthenticated', `You may not listen on ${channel}.`, ref);
    }
    if (!client.subs.has(channel) && client.subs.size >= MAX_CHANNELS_PER_SOCKET) {
      return this.error(socket, 'too_many_channels', `At most ${MAX_CHANNELS_PER_SOCKET} channels per connection.`, ref);
    }
    const sub: Subscription = { lastSeq: 0, pending: [] };
    client.subs.set(channel, sub);
    await this.attach(channel, socket); // listen first, then read: nothing published in between is lost
    if (typeof lastSeq === 'number') {
      const replay = await this.log.since(channel, lastSeq);
      if (replay.complete) {
        sub.lastSeq = lastSeq;
        for (const f of replay.frames) this.deliver(socket, sub, f, seqOf(f));
      } else {
        sub.lastSeq = replay.headSeq;
        this.send(socket, { type: 'resync', channel, headSeq: replay.headSeq, detail: 'You missed more than the replay buffer holds; reload this data over REST.' });
      }
    } else {
      sub.lastSeq = await this.log.head(channel);
    }
    const waiting = sub.pending ?? [];
    sub.pending = undefined;
    this.send(socket, { type: 'subscribed', id: ref, channel, seq: sub.lastSeq });
    for (const f of waiting) this.deliver(socket, sub, f, seqOf(f));
  }

  private unsubscribe(socket: WebSocket, client: Client, channel: unknown, ref: unknown): void {
    if (typeof channel !== 'string' || !client.subs.delete(channel)) return this.error(socket, 'not_subscribed', 'You are not subscribed to that channel.', ref);
    this.detach(channel, socket);
    this.send(socket, { type: 'unsubscribed', id: ref, channel });
  }

  private async attach(channel: string, socket: WebSocket): Promise<void> {
    let l = this.listeners.get(channel);
    if (!l) {
      const sockets = new Set<WebSocket>();
      l = { sockets, ready: this.bus.subscribeRaw(frameTopic(channel), (frame) => this.broadcast(channel, sockets, frame)) };
      this.listeners.set(channel, l);
    }
    l.sockets.add(socket);
    await l.ready;
  }

  private detach(channel: string, socket: WebSocket): void {
    const l = this.listeners.get(channel);
    if (!l) return;
    l.sockets.delete(socket);
    if (l.sockets.size === 0) {
      this.listeners.delete(channel);
      void l.ready.then((off) => off());
    }
  }

  /** One frame, serialized once, to every local socket on the channel. */
  private broadcast(channel: string, sockets: Set<WebSocket>, frame: string): void {
    const seq = seqOf(frame);
    const bytes = Buffer.from(frame);
    for (const socket of sockets) {
      const sub = this.clients.get(socket)?.subs.get(channel);
      if (!sub) continue;
      if (sub.pending) sub.pending.push(frame);
      else this.deliver(socket, sub, bytes, seq);
    }
  }

  private deliver(socket: WebSocket, sub: Subscription, frame: string | Buffer, seq: number): void {
    if (seq <= sub.lastSeq) return; // already sent (replay and live overlap)
    sub.lastSeq = seq;
    this.write(socket, frame);
  }

  private send(socket: WebSocket, frame: object): void {
    this.write(socket, JSON.stringify(frame));
  }

  private error(socket: WebSocket, code: ErrorCode, detail: string, ref?: unknown): void {
    this.send(socket, { type: 'error', code, detail, ref });
  }

  private write(socket: WebSocket, data: string | Buffer): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.logger.warn({ buffered: socket.bufferedAmount }, 'dropping a slow consumer');
      socket.close(4008, 'slow_consumer: reconnect with lastSeq to catch up');
      return;
    }
    socket.send(data, { binary: false });
  }
}
