import type { IncomingMessage } from 'node:http';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { ACCESS_KEY, asDomainError, Audience, CommonError, DomainError, Principal } from '@fanmesh/common';
import { clientIp, RateLimiter, TokenService, VerifiedToken } from '@fanmesh/identity';
import { WS_CONNECT_LIMIT } from '@fanmesh/realtime';
import {
  GATE_LANE_CLOSE,
  GATE_LANE_HARD_MAX_BYTES,
  GATE_LANE_HELLO_TIMEOUT_MS,
  GATE_LANE_MAX_FRAME_BYTES,
  GATE_LANE_MAX_IN_FLIGHT,
  GATE_LANE_PATH,
  GateLaneAuth,
  GateLaneError,
  GateLaneErrorCode,
  GateLaneFrameId,
  GateLaneHello,
  GateLaneScan,
  GateLaneServerFrame,
  isGateLaneProblem,
  readGateLaneFrame,
} from '@fanmesh/protocol';
import { GatesController } from './access.controller';
import { GateScanService } from './gate-scan.service';

/** A lane with more than this queued for it is not reading its verdicts; it is dropped rather than buffered without end. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Who may open a lane: exactly who may call `POST /gates/:gateId/scans`, read from that route's
 * `@Access(...)`, so the two cannot drift apart.
 */
const SCANNERS: readonly Audience[] = (() => {
  const audience = Reflect.getMetadata(ACCESS_KEY, GatesController.prototype.scan) as Audience[] | undefined;
  if (!audience?.length) throw new Error('GatesController.scan declares no @Access(...): the gate lane has no audience to copy');
  return audience;
})();

/** What each refusal does to the lane: the close code, or nothing (the lane stays open). */
const CLOSES: Record<GateLaneErrorCode, number | undefined> = {
  malformed_frame: undefined,
  frame_too_large: undefined,
  unknown_type: undefined,
  validation_failed: undefined,
  unauthenticated: GATE_LANE_CLOSE.unauthenticated,
  forbidden: GATE_LANE_CLOSE.forbidden,
  wrong_venue: GATE_LANE_CLOSE.forbidden,
  gate_not_found: GATE_LANE_CLOSE.gateNotFound,
  already_bound: undefined,
  too_many_in_flight: undefined,
  rate_limited: undefined,
  unavailable: undefined,
};

interface Lane {
  /** The connection's own checks (the per-address connection limit): true once passed. */
  opened: Promise<boolean>;
  /** The hello being checked; resolves true once the lane is bound. Unset before a hello (and after a retryable refusal). */
  binding?: Promise<boolean>;
  /** Set once bound: the bearer token every scan is judged with, and the gate. */
  token?: string;
  gateId?: string;
  inFlight: number;
  helloTimer: NodeJS.Timeout;
}

/**
 * The gate lane, `/ws/gates` (docs/gate-lane.md): a turnstile or a steward's phone keeps one
 * connection and pipelines scans over it, up to GATE_LANE_MAX_IN_FLIGHT at once. Each scan is
 * exactly a `POST /gates/:gateId/scans`: its token is checked again (expiry, sign-out, revoked
 * roles), the scanner's binding to the gate's venue and its shared budget (`gate.scans`) are taken
 * through GateScanService.authorize, and GateScanService.scan decides and admits (batched writes,
 * at most once across instances). This class only reads frames and writes answers.
 *
 * A frame that cannot be read is answered with an error frame naming its `id` and the lane goes on;
 * a refused credential or gate is answered, then closed (4401, 4403, 4404).
 */
@WebSocketGateway({ path: GATE_LANE_PATH, maxPayload: GATE_LANE_HARD_MAX_BYTES })
export class GateLaneGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(GateLaneGateway.name);
  private readonly lanes = new Map<WebSocket, Lane>();

  constructor(
    private readonly scans: GateScanService,
    private readonly tokens: TokenService,
    private readonly limiter: RateLimiter,
  ) {}

  get connections(): number {
    return this.lanes.size;
  }

  handleConnection(socket: WebSocket, req?: IncomingMessage): void {
    const ip = req ? clientIp(req) : '127.0.0.1';
    const helloTimer = setTimeout(() => {
      if (!this.lanes.get(socket)?.gateId) {
        this.refuse(socket, null, new CommonError('unauthenticated', `Send hello with your token and gate within ${GATE_LANE_HELLO_TIMEOUT_MS / 1000} s of connecting.`));
      }
    }, GATE_LANE_HELLO_TIMEOUT_MS);
    helloTimer.unref();
    const lane: Lane = { opened: this.opened(socket, ip, !!req), inFlight: 0, helloTimer };
    this.lanes.set(socket, lane);
    const onMessage = (data: unknown, isBinary: boolean) => this.onFrame(socket, lane, data as Buffer, isBinary);
    socket.on('message', onMessage);
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'lane socket error'));
    // Nest's own message listener is never added (apps/api/src/ws-adapter.ts): every frame is ours.
  }

  handleDisconnect(socket: WebSocket): void {
    const lane = this.lanes.get(socket);
    this.lanes.delete(socket);
    if (lane) clearTimeout(lane.helloTimer);
  }

  onModuleDestroy(): void {
    for (const lane of this.lanes.values()) clearTimeout(lane.helloTimer);
  }

  /** Connections per client address, the same budget as /ws (`ws.connect`). */
  private async opened(socket: WebSocket, ip: string, limited: boolean): Promise<boolean> {
    if (!limited) return true;
    const refused = await this.limiter.take(WS_CONNECT_LIMIT.name!, WS_CONNECT_LIMIT, { ip }).catch(() => undefined);
    if (!refused) return true;
    this.send(socket, {
      type: 'error',
      id: null,
      code: 'rate_limited',
      retryAfterSeconds: refused.retryAfterSeconds,
      detail: `Too many connections from your address: at most ${refused.limit} a minute. Retry in ${refused.retryAfterSeconds} s.`,
    });
    this.close(socket, GATE_LANE_CLOSE.rateLimited, `rate_limited: retry in ${refused.retryAfterSeconds} s`);
    return false;
  }

  private onFrame(socket: WebSocket, lane: Lane, data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.error(socket, { id: null, code: 'malformed_frame', detail: 'Frames are JSON text, not binary.' });
    if (data.length > GATE_LANE_MAX_FRAME_BYTES)
      return this.error(socket, { id: null, code: 'frame_too_large', detail: `Frames are limited to ${GATE_LANE_MAX_FRAME_BYTES} bytes.` });
    const frame = readGateLaneFrame(data.toString('utf8'));
    if (isGateLaneProblem(frame)) return this.error(socket, frame);
    switch (frame.type) {
      case 'scan':
        return this.scan(socket, lane, frame);
      case 'hello':
        return this.hello(socket, lane, frame);
      case 'auth':
        return void this.auth(socket, lane, frame);
      case 'ping':
        return this.send(socket, { type: 'pong', id: frame.id ?? null, serverTime: new Date().toISOString() });
    }
  }

  private hello(socket: WebSocket, lane: Lane, frame: GateLaneHello): void {
    const id = frame.id ?? null;
    if (lane.binding) return this.error(socket, { id, code: 'already_bound', detail: 'This lane is bound to a gate already; open another connection for another gate.' });
    lane.binding = (async () => {
      if (!(await lane.opened)) return false;
      try {
        const verified = await this.credential(frame.token);
        const gate = await this.scans.authorize(frame.gateId, verified.principal);
        lane.token = frame.token;
        lane.gateId = gate.id;
        clearTimeout(lane.helloTimer);
        this.welcome(socket, id, gate, verified);
        return true;
      } catch (err) {
        // A lane refused for a passing reason (its budget, the database away) may say hello again.
        if (!this.refuse(socket, id, err)) lane.binding = undefined;
        return false;
      }
    })();
  }

  /** A fresh token for a bound lane: checked as a hello would be; refused, the lane keeps its current one. */
  private async auth(socket: WebSocket, lane: Lane, frame: GateLaneAuth): Promise<void> {
    const id = frame.id ?? null;
    if (!(await lane.binding)) return this.error(socket, { id, code: 'unauthenticated', detail: 'Send hello (with a token and a gate) first.' });
    try {
      const verified = await this.credential(frame.token);
      const gate = await this.scans.authorize(lane.gateId!, verified.principal);
      lane.token = frame.token;
      this.welcome(socket, id, gate, verified);
    } catch (err) {
      this.error(socket, { id, ...this.describe(this.toDomainError(err)) });
    }
  }

  private scan(socket: WebSocket, lane: Lane, frame: GateLaneScan): void {
    if (lane.inFlight >= GATE_LANE_MAX_IN_FLIGHT) {
      return this.error(socket, {
        id: frame.id,
        code: 'too_many_in_flight',
        detail: `At most ${GATE_LANE_MAX_IN_FLIGHT} scans may wait for their verdicts; send this one again after the next verdict.`,
      });
    }
    lane.inFlight++;
    void this.decide(socket, lane, frame).finally(() => lane.inFlight--);
  }

  /** One scan, as the HTTP route judges it: the token, the scanner at this gate and its budget, then the decision. */
  private async decide(socket: WebSocket, lane: Lane, frame: GateLaneScan): Promise<void> {
    try {
      if (!lane.gateId && !(await lane.binding)) {
        if (socket.readyState === socket.OPEN) this.error(socket, { id: frame.id, code: 'unauthenticated', detail: 'Send hello (with a token and a gate) before scanning.' });
        return;
      }
      const { principal } = await this.credential(lane.token!);
      const gate = await this.scans.authorize(lane.gateId!, principal);
      const result = await this.scans.scan(gate, frame.code, principal, frame.eventId);
      this.send(socket, { type: 'verdict', id: frame.id, result });
    } catch (err) {
      this.refuse(socket, frame.id, err);
    }
  }

  /** The token as the HTTP route's access guard takes it: valid now, and holding one of the scan route's roles. */
  private async credential(token: string): Promise<VerifiedToken> {
    const verified = await this.tokens.inspect(token);
    if (!holdsAudience(verified.principal, SCANNERS)) throw new CommonError('forbidden', `Scanning needs one of the roles: ${SCANNERS.join(', ')}.`, { required: SCANNERS });
    return verified;
  }

  private welcome(socket: WebSocket, id: GateLaneFrameId | null, gate: { id: string; code: string; venueId: string }, verified: VerifiedToken): void {
    this.send(socket, {
      type: 'welcome',
      id,
      gateId: gate.id,
      gate: gate.code,
      venueId: gate.venueId,
      subject: verified.principal.subject,
      expiresAt: new Date(verified.expiresAtMs).toISOString(),
      maxInFlight: GATE_LANE_MAX_IN_FLIGHT,
      maxFrameBytes: GATE_LANE_MAX_FRAME_BYTES,
    });
  }

  /** Answers a refused frame; closes the lane when the refusal says so. True when it closed. */
  private refuse(socket: WebSocket, id: GateLaneFrameId | null, err: unknown): boolean {
    const e = this.toDomainError(err);
    const described = this.describe(e);
    this.error(socket, { id, ...described });
    const close = CLOSES[described.code];
    if (close === undefined) return false;
    this.close(socket, close, typeof e.extra.reason === 'string' ? e.extra.reason : described.code);
    return true;
  }

  /** A domain error in the lane's words: its code where the lane has one, `unavailable` for anything the server failed at. */
  private describe(e: DomainError): Omit<GateLaneError, 'type' | 'id'> {
    const x = e.extra;
    const extra = {
      ...(typeof x.reason === 'string' && x.reason !== e.code ? { reason: x.reason } : {}),
      ...(typeof x.retryAfterSeconds === 'number' ? { retryAfterSeconds: x.retryAfterSeconds } : {}),
      ...(typeof x.limit === 'number' ? { limit: x.limit } : {}),
      ...(typeof x.windowSeconds === 'number' ? { windowSeconds: x.windowSeconds } : {}),
      ...(Array.isArray(x.required) ? { required: x.required as string[] } : {}),
    };
    switch (e.code) {
      case 'unauthenticated':
      case 'forbidden':
      case 'wrong_venue':
      case 'gate_not_found':
      case 'rate_limited':
        return { code: e.code, detail: e.detail, ...extra };
      default:
        if (e.status < 500) this.logger.error({ code: e.code }, 'a lane frame failed with a code the gate lane does not map');
        return { code: 'unavailable', detail: 'The server could not decide this scan just now; nothing was admitted. Send it again.', retryAfterSeconds: 1 };
    }
  }

  private toDomainError(err: unknown): DomainError {
    if (err instanceof DomainError) return err;
    this.logger.warn({ err: (err as Error).message }, 'lane frame failed');
    return asDomainError(err);
  }

  private error(socket: WebSocket, problem: Omit<GateLaneError, 'type'>): void {
    this.send(socket, { type: 'error', ...problem });
  }

  private send(socket: WebSocket, frame: GateLaneServerFrame): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.logger.warn({ buffered: socket.bufferedAmount }, 'dropping a lane that does not read its verdicts');
      return this.close(socket, GATE_LANE_CLOSE.slowConsumer, 'slow_consumer: read the verdicts, then reconnect');
    }
    socket.send(JSON.stringify(frame));
  }

  private close(socket: WebSocket, code: number, reason: string): void {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason.slice(0, 123));
  }
}

/** The access guard's rule: some role held (at any venue) is in the audience; the venue is checked by the scanner binding. */
function holdsAudience(principal: Principal, audience: readonly Audience[]): boolean {
  return principal.roles.some((r) => audience.includes(r.split('@')[0] as Audience));
}
