import type { IncomingMessage } from 'node:http';
import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { RawData, WebSocket } from 'ws';
import { Audience, DomainError, Principal } from '@fanmesh/common';
import { clientIp, RateLimiter, RateLimitPolicy, Revocation, Revocations, TokenService, VerifiedToken } from '@fanmesh/identity';
import { Bus } from './bus';
import { BUS } from './bus.module';
import { CHANNEL_LOG, ChannelLog } from './channel-log.provider';
import { frameTopic, MULTICAST_TOPIC, readMulticast, seqOf } from './channel-log';
import { parseChannel } from '@fanmesh/protocol';
import { maySubscribe } from './channels';

export const MAX_FRAME_BYTES = 16 * 1024;
/** A socket with more than this queued is too slow to keep up; it is dropped rather than stall the rest. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
const MAX_CHANNELS_PER_SOCKET = 32;
/** Frames waiting for the ones before them (a slow replay, the connection's own authentication); beyond this, refused. */
const MAX_QUEUED_FRAMES = 64;
/** Connections per client address per minute, across all instances (RATE_LIMITS=ws.connect=… overrides). */
export const WS_CONNECT_LIMIT: RateLimitPolicy = { name: 'ws.connect', key: 'ip', limit: 120, windowMs: 60_000 };
/** Subscriptions per principal (per address when anonymous) per minute, across all instances: each costs a replay read. */
export const WS_SUBSCRIBE_LIMIT: RateLimitPolicy = { name: 'ws.subscribe', key: 'principal', limit: 120, windowMs: 60_000 };

/**
 * Why the server closes a socket (close code, reason). 4401: authenticate again (refresh the token,
 * reconnect with it); 4403: the role this socket listened with was revoked; 4429: connecting too
 * often, wait Retry-After seconds (the reason says how many).
 */
export const CLOSE = {
  unauthenticated: 4401,
  tokenExpired: 4401,
  sessionRevoked: 4401,
  roleRevoked: 4403,
  rateLimited: 4429,
  slowConsumer: 4008,
} as const;

export type ErrorCode =
  | 'malformed_frame'
  | 'unknown_type'
  | 'frame_too_large'
  | 'unauthenticated'
  | 'forbidden'
  | 'bad_channel'
  | 'too_many_channels'
  | 'too_many_frames'
  | 'not_subscribed'
  | 'rate_limited';

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
  /** The token the principal came from: when it expires and what revoking ends it. */
  token?: VerifiedToken;
  subs: Map<string, Subscription>;
  /** Frames are handled one at a time, in arrival order, after the connection's own checks. */
  work: Promise<void>;
  queued: number;
  expiry?: NodeJS.Timeout;
  /** The client's address as the balancer saw it (rate limits). */
  ip: string;
}

/**
 * The one websocket endpoint, `/ws`. Authenticate with an `auth` frame (the PWA's way: a token in a
 * URL ends up in proxy logs) or `?access_token=`; then `subscribe` to channels (with `lastSeq` to get
 * what was missed). Frames arrive in each channel's sequence order with no gaps and no duplicates; a
 * client beyond the replay buffer gets `resync`.
 *
 * A client's frames are handled in order, and only after the connection's own checks (rate limit,
 * the URL token): a `subscribe` sent right after `open` is judged with the principal it came with.
 * A socket is closed when its token expires (send `auth` with a fresh one before that to stay), when
 * its session is signed out or its sponsor key revoked, or when a role it holds is revoked.
 */
@WebSocketGateway({ path: '/ws', maxPayload: 1024 * 1024 })
export class RealtimeGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeGateway.name);
  private readonly clients = new Map<WebSocket, Client>();
  private readonly listeners = new Map<string, { sockets: Set<WebSocket>; ready: Promise<() => Promise<void>> }>();
  /** The one subscription to multicasts, taken with the first channel. */
  private multicast?: Promise<() => Promise<void>>;
  /** Authenticated sockets by subject, for revocations. */
  private readonly bySubject = new Map<string, Set<WebSocket>>();
  private readonly offRevoked: () => void;
  /** One listener for every socket (`this` is the socket), not a closure per connection: they cost more than the socket's own state. */
  private readonly onMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onError: (this: WebSocket, err: Error) => void;

  constructor(
    private readonly tokens: TokenService,
    private readonly limiter: RateLimiter,
    revocations: Revocations,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CHANNEL_LOG) private readonly log: ChannelLog,
  ) {
    this.offRevoked = revocations.onRevoked((r) => this.revoked(r));
    const received = (socket: WebSocket, data: RawData, isBinary: boolean) => {
      const client = this.clients.get(socket);
      if (client) this.enqueue(socket, client, () => this.onFrame(socket, client, data as Buffer, isBinary));
    };
    const logger = this.logger;
    this.onMessage = function (data, isBinary) {
      received(this, data, isBinary);
    };
    this.onError = (err) => logger.debug({ err: err.message }, 'socket error');
  }

  get connections(): number {
    return this.clients.size;
  }

  handleConnection(socket: WebSocket, req?: IncomingMessage): void {
    const client: Client = { subs: new Map(), work: Promise.resolve(), queued: 0, ip: req ? clientIp(req) : '127.0.0.1' };
    this.clients.set(socket, client);
    // Only what the checks need, not `req`: a closure over it would keep the whole request alive with the socket.
    const limited = !!req;
    const token = req?.url ? new URL(req.url, 'http://x').searchParams.get('access_token') : null;
    // First the connection's own checks, then each frame in turn: nothing is read before the token is.
    this.enqueue(socket, client, () => this.opened(socket, client, limited, token));
    socket.on('message', this.onMessage);
    socket.on('error', this.onError);
  }

  handleDisconnect(socket: WebSocket): void {
    const client = this.clients.get(socket);
    this.clients.delete(socket);
    if (!client) return;
    clearTimeout(client.expiry);
    this.forget(socket, client);
    for (const channel of client.subs.keys()) this.detach(channel, socket);
  }

  private enqueue(socket: WebSocket, client: Client, step: () => Promise<void>): void {
    if (client.queued >= MAX_QUEUED_FRAMES) {
      return this.error(socket, 'too_many_frames', `At most ${MAX_QUEUED_FRAMES} frames may wait for an answer; wait for replies before sending more.`);
    }
    client.queued++;
    client.work = client.work
      .then(step)
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'frame failed'))
      .finally(() => client.queued--);
  }

  private async opened(socket: WebSocket, client: Client, limited: boolean, token: string | null): Promise<void> {
    if (limited) {
      const refused = await this.limiter.take(WS_CONNECT_LIMIT.name!, WS_CONNECT_LIMIT, { ip: client.ip });
      if (refused) {
        this.send(socket, {
          type: 'error',
          code: 'rate_limited',
          retryAfterSeconds: refused.retryAfterSeconds,
          detail: `Too many connections from your address: at most ${refused.limit} a minute. Retry in ${refused.retryAfterSeconds} s.`,
        });
        return this.close(socket, CLOSE.rateLimited, `rate_limited: retry in ${refused.retryAfterSeconds} s`);
      }
    }
    if (!token) return;
    const verified = await this.inspect(token);
    if (typeof verified === 'string') {
      this.error(socket, 'unauthenticated', 'The access token is not valid or has expired; refresh it and reconnect.', undefined, verified);
      return this.close(socket, CLOSE.unauthenticated, verified);
    }
    this.authenticated(socket, client, verified);
    this.send(socket, { type: 'welcome', subject: verified.principal.subject, roles: verified.principal.roles });
  }

  /** The verified token, or why it was refused (`unauthenticated`, `token_expired`, `session_revoked`). */
  private async inspect(token: string): Promise<VerifiedToken | string> {
    try {
      return await this.tokens.inspect(token);
    } catch (err) {
      if (err instanceof DomainError) return typeof err.extra.reason === 'string' ? err.extra.reason : 'unauthenticated';
      throw err;
    }
  }

  /** Takes a (new) token: re-arms the expiry and drops channels the new principal may not hear. */
  private authenticated(socket: WebSocket, client: Client, token: VerifiedToken): void {
    this.forget(socket, client);
    client.token = token;
    client.principal = token.principal;
    let subject = this.bySubject.get(token.principal.subject);
    if (!subject) this.bySubject.set(token.principal.subject, (subject = new Set()));
    subject.add(socket);
    clearTimeout(client.expiry);
    const left = token.expiresAtMs - Date.now();
    client.expiry = setTimeout(
      () =>
        this.end(
          socket,
          'unauthenticated',
          CLOSE.tokenExpired,
          'token_expired',
          'The access token expired: refresh it and reconnect (or send auth with a fresh token before it expires).',
        ),
      Math.min(Math.max(left, 0), 2 ** 31 - 1),
    );
    client.expiry.unref();
    for (const channel of [...client.subs.keys()]) {
      const parsed = parseChannel(channel);
      if (parsed && maySubscribe(token.principal, parsed.kind, parsed.id)) continue;
      client.subs.delete(channel);
      this.detach(channel, socket);
      this.send(socket, { type: 'unsubscribed', channel, reason: 'forbidden' });
    }
  }

  private forget(socket: WebSocket, client: Client): void {
    const subject = client.token && this.bySubject.get(client.token.principal.subject);
    if (!subject) return;
    subject.delete(socket);
    if (!subject.size) this.bySubject.delete(client.token!.principal.subject);
  }

  /** A family signed out, a sponsor key or a role revoked, here or on another instance: close the sockets it admitted. */
  private revoked(r: Revocation): void {
    if (!r.subject) return;
    for (const socket of [...(this.bySubject.get(r.subject) ?? [])]) {
      const t = this.clients.get(socket)?.token;
      if (!t) continue;
      if ((r.kind === 'family' && t.familyId === r.ref) || (r.kind === 'sponsor_key' && t.keyId === r.ref)) {
        this.end(socket, 'unauthenticated', CLOSE.sessionRevoked, 'session_revoked', 'This session was signed out or its key revoked; sign in again.');
      } else if (r.kind === 'role' && r.atMs >= t.issuedAtMs && t.principal.roles.includes(r.ref)) {
        this.end(socket, 'forbidden', CLOSE.roleRevoked, 'role_revoked', `The role ${r.ref} was revoked; sign in again to listen with the roles you hold now.`);
      }
    }
  }

  /** Says why, then closes. */
  private end(socket: WebSocket, code: ErrorCode, closeCode: number, reason: string, detail: string): void {
    this.error(socket, code, detail, undefined, reason);
    this.close(socket, closeCode, reason);
  }

  private close(socket: WebSocket, code: number, reason: string): void {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason.slice(0, 123));
  }

  async onModuleDestroy(): Promise<void> {
    this.offRevoked();
    for (const client of this.clients.values()) clearTimeout(client.expiry);
    if (this.multicast) await (await this.multicast)();
    for (const [channel, l] of this.listeners) {
      this.listeners.delete(channel);
      await (
        await l.ready
      )();
    }
  }

  private async onFrame(socket: WebSocket, client: Client, data: Buffer, isBinary: boolean): Promise<void> {
    if (socket.readyState !== socket.OPEN) return; // closed by the checks before this frame
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
    const verified = await this.inspect(token);
    if (typeof verified === 'string') {
      return this.error(socket, 'unauthenticated', 'The access token is not valid or has expired; refresh it and send auth again.', ref, verified);
    }
    this.authenticated(socket, client, verified);
    this.send(socket, { type: 'welcome', id: ref, subject: verified.principal.subject, roles: verified.principal.roles });
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
    const refused = await this.limiter.take(WS_SUBSCRIBE_LIMIT.name!, WS_SUBSCRIBE_LIMIT, { ip: client.ip, principal: client.principal?.subject });
    if (refused) {
      return this.send(socket, {
        type: 'error',
        id: ref,
        code: 'rate_limited',
        retryAfterSeconds: refused.retryAfterSeconds,
        detail: `Too many subscriptions: at most ${refused.limit} a minute. Retry in ${refused.retryAfterSeconds} s.`,
      });
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
    // A channel's frames come on its own topic (publish) or in a multicast (publishToMany): listen to both.
    this.multicast ??= this.bus.subscribeRaw(MULTICAST_TOPIC, (raw) =>
      readMulticast(
        raw,
        (c) => this.listeners.has(c),
        (c, frame, seq) => this.broadcast(c, this.listeners.get(c)!.sockets, frame, seq),
      ),
    );
    await Promise.all([l.ready, this.multicast]);
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
  private broadcast(channel: string, sockets: Set<WebSocket>, frame: string, seq = seqOf(frame)): void {
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

  private error(socket: WebSocket, code: ErrorCode, detail: string, ref?: unknown, reason?: string): void {
    this.send(socket, { type: 'error', code, detail, ref, ...(reason && reason !== code ? { reason } : {}) });
  }

  private write(socket: WebSocket, data: string | Buffer): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.logger.warn({ buffered: socket.bufferedAmount }, 'dropping a slow consumer');
      socket.close(CLOSE.slowConsumer, 'slow_consumer: reconnect with lastSeq to catch up');
      return;
    }
    socket.send(data, { binary: false });
  }
}
