import type { ScanResult } from './views';

/**
 * The gate lane: one persistent websocket per turnstile or scanning phone, scans pipelined over it.
 * A `scan` frame in, a `verdict` frame out, many in flight; each verdict echoes its scan's `id` and
 * verdicts come back in the order they are decided, not the order sent. The decision is the one
 * `POST /api/v1/gates/:gateId/scans` gives (the verdict's `result` is that route's body), with the
 * same checks, deny reasons, rate limit and exactly-once admission. docs/gate-lane.md has the frames.
 */
export const GATE_LANE_PATH = '/ws/gates';

/** Frames larger than this are answered `frame_too_large` (a scan frame is some 250 bytes). */
export const GATE_LANE_MAX_FRAME_BYTES = 4096;
/** The socket is closed (1009) beyond this: no frame is ever worth reading that far. */
export const GATE_LANE_HARD_MAX_BYTES = 64 * 1024;
/** Scans one connection may have waiting for their verdicts; one more is answered `too_many_in_flight`. */
export const GATE_LANE_MAX_IN_FLIGHT = 256;
/** A connection that has not been bound by a good `hello` this long after opening is closed. */
export const GATE_LANE_HELLO_TIMEOUT_MS = 10_000;
/** The longest scanned code taken (as the HTTP route's `code`). */
export const GATE_LANE_MAX_CODE_LENGTH = 400;
const MAX_TOKEN_LENGTH = 4096;
const MAX_ID_LENGTH = 64;

/** A client's frame id: a string of at most 64 characters or a safe integer; echoed in the answer. */
export type GateLaneFrameId = string | number;

// ---------------------------------------------------------------- client → server

/** First frame: who is scanning (the same bearer token as the HTTP route) and at which gate. */
export interface GateLaneHello {
  type: 'hello';
  id?: GateLaneFrameId;
  token: string;
  gateId: string;
}

/** A fresh token for the same lane, sent before the old one expires; in-flight scans are not disturbed. */
export interface GateLaneAuth {
  type: 'auth';
  id?: GateLaneFrameId;
  token: string;
}

/** One scanned code; `eventId` refuses tickets of any other event (`wrong_event`), as on the HTTP route. */
export interface GateLaneScan {
  type: 'scan';
  id: GateLaneFrameId;
  code: string;
  eventId?: string;
}

export interface GateLanePing {
  type: 'ping';
  id?: GateLaneFrameId;
}

export type GateLaneClientFrame = GateLaneHello | GateLaneAuth | GateLaneScan | GateLanePing;
export const GATE_LANE_CLIENT_TYPES = ['hello', 'auth', 'scan', 'ping'] as const satisfies readonly GateLaneClientFrame['type'][];

// ---------------------------------------------------------------- server → client

/** The answer to `hello` (and to `auth`): the lane is bound to this gate. */
export interface GateLaneWelcome {
  type: 'welcome';
  id: GateLaneFrameId | null;
  gateId: string;
  /** The gate's code (`N-A`), as verdicts name it. */
  gate: string;
  venueId: string;
  subject: string;
  /** When the token expires: send `auth` with a fresh one before then. */
  expiresAt: string;
  maxInFlight: number;
  maxFrameBytes: number;
}

/** The decision on one scan: exactly the body `POST /gates/:gateId/scans` answers. */
export interface GateLaneVerdict {
  type: 'verdict';
  id: GateLaneFrameId;
  result: ScanResult;
}

export interface GateLanePong {
  type: 'pong';
  id: GateLaneFrameId | null;
  serverTime: string;
}

/**
 * Why a frame got no verdict. The lane stays open except where the close says otherwise
 * ({@link GATE_LANE_CLOSE}): a refused credential or gate, or a lane never bound.
 */
export const GATE_LANE_ERROR_CODES = [
  /** Not JSON, not an object, no string `type`, or an `id` that is neither a short string nor a safe integer. */
  'malformed_frame',
  'frame_too_large',
  'unknown_type',
  /** A field missing or of the wrong shape (`fields` names them), or one the frame does not take. */
  'validation_failed',
  /** No good `hello` yet (the lane stays open for one), or the token is no longer valid (closes 4401). */
  'unauthenticated',
  /** The token lacks the role the HTTP route needs, or holds it at another venue (closes 4403). */
  'forbidden',
  /** A device not bound to the gate's venue (closes 4403). */
  'wrong_venue',
  /** No such gate (closes 4404). */
  'gate_not_found',
  /** A second `hello`: a lane is bound to one gate; open another connection for another. */
  'already_bound',
  /** More than GATE_LANE_MAX_IN_FLIGHT scans waiting: this one was not looked at; send it again after a verdict. */
  'too_many_in_flight',
  /** The scanner's budget (shared with the HTTP route and every instance) is spent: retry in `retryAfterSeconds`. */
  'rate_limited',
  /** The server could not decide just now (the database or Redis away): nothing was admitted; send it again. */
  'unavailable',
] as const;
export type GateLaneErrorCode = (typeof GATE_LANE_ERROR_CODES)[number];

export interface GateLaneError {
  type: 'error';
  /** The id of the frame this answers, when it could be read; null otherwise. */
  id: GateLaneFrameId | null;
  code: GateLaneErrorCode;
  detail: string;
  /** For `unauthenticated`: `token_expired`, `session_revoked`. */
  reason?: string;
  /** For `rate_limited` (and `unavailable`): when to send it again. */
  retryAfterSeconds?: number;
  /** For `rate_limited`: the budget, e.g. 100 per 1 s per scanner. */
  limit?: number;
  windowSeconds?: number;
  /** For `forbidden`: the roles that would do. */
  required?: string[];
  /** For `validation_failed`: what is wrong with which field. */
  fields?: { field: string; problems: string[] }[];
}

export type GateLaneServerFrame = GateLaneWelcome | GateLaneVerdict | GateLanePong | GateLaneError;

/** Close codes, as on /ws: 4401 authenticate again, 4403 not allowed at this gate, 4404 no such gate. */
export const GATE_LANE_CLOSE = {
  unauthenticated: 4401,
  forbidden: 4403,
  gateNotFound: 4404,
  rateLimited: 4429,
  slowConsumer: 4008,
} as const;

// ---------------------------------------------------------------- reading a client frame

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const ALLOWED: Record<GateLaneClientFrame['type'], ReadonlySet<string>> = {
  hello: new Set(['type', 'id', 'token', 'gateId']),
  auth: new Set(['type', 'id', 'token']),
  scan: new Set(['type', 'id', 'code', 'eventId']),
  ping: new Set(['type', 'id']),
};

/** A frame refused before it is looked at: the error frame to answer with. */
export type GateLaneFrameProblem = Pick<GateLaneError, 'id' | 'code' | 'detail' | 'fields'>;

const isFrameId = (v: unknown): v is GateLaneFrameId => (typeof v === 'string' && v.length <= MAX_ID_LENGTH) || (typeof v === 'number' && Number.isSafeInteger(v));

/**
 * Reads one client frame's text: the frame, or the problem to answer. Shape checks only; who may do
 * what is the server's. The checks of a scan are the HTTP route's (`code` a string of at most 400
 * characters, `eventId` a v4 uuid when given, nothing else), written out here because the
 * class-validator DTO costs some 50 µs a frame, half a core at 10,000 scans a second.
 */
export function readGateLaneFrame(text: string): GateLaneClientFrame | GateLaneFrameProblem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { id: null, code: 'malformed_frame', detail: 'Frames are JSON objects with a string "type", e.g. {"type":"scan","id":1,"code":"FM1.…"}.' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { id: null, code: 'malformed_frame', detail: 'Frames are JSON objects with a string "type", e.g. {"type":"scan","id":1,"code":"FM1.…"}.' };
  }
  const f = parsed as Record<string, unknown>;
  if (f.id !== undefined && !isFrameId(f.id)) {
    return { id: null, code: 'malformed_frame', detail: `"id" must be a string of at most ${MAX_ID_LENGTH} characters or a safe integer.` };
  }
  const id = f.id ?? null;
  if (typeof f.type !== 'string') return { id, code: 'malformed_frame', detail: 'Frames need a string "type": hello, auth, scan or ping.' };
  const type = f.type as GateLaneClientFrame['type'];
  const allowed = Object.prototype.hasOwnProperty.call(ALLOWED, type) ? ALLOWED[type] : undefined;
  if (!allowed) return { id, code: 'unknown_type', detail: `Unknown frame type "${f.type.slice(0, 32)}". Known: ${GATE_LANE_CLIENT_TYPES.join(', ')}.` };
  const fields: { field: string; problems: string[] }[] = [];
  for (const key of Object.keys(f)) if (!allowed.has(key)) fields.push({ field: key, problems: [`property ${key.slice(0, 32)} should not exist`] });
  const need = (field: string, ok: boolean, problem: string) => ok || fields.push({ field, problems: [problem] });
  switch (type) {
    case 'hello':
      need('token', typeof f.token === 'string' && f.token.length > 0 && f.token.length <= MAX_TOKEN_LENGTH, 'token must be the bearer access token (a non-empty string)');
      need('gateId', typeof f.gateId === 'string' && UUID_V4.test(f.gateId), 'gateId must be a UUID');
      break;
    case 'auth':
      need('token', typeof f.token === 'string' && f.token.length > 0 && f.token.length <= MAX_TOKEN_LENGTH, 'token must be the bearer access token (a non-empty string)');
      break;
    case 'scan':
      need('id', f.id !== undefined, 'id is needed: the verdict echoes it');
      need('code', typeof f.code === 'string', 'code must be a string');
      need('code', typeof f.code !== 'string' || f.code.length <= GATE_LANE_MAX_CODE_LENGTH, `code must be shorter than or equal to ${GATE_LANE_MAX_CODE_LENGTH} characters`);
      need('eventId', f.eventId === undefined || (typeof f.eventId === 'string' && UUID_V4.test(f.eventId)), 'eventId must be a UUID');
      break;
    case 'ping':
      break;
  }
  if (fields.length) {
    return { id, code: 'validation_failed', detail: fields.map((p) => `${p.field}: ${p.problems.join(', ')}`).join('; '), fields };
  }
  return f as unknown as GateLaneClientFrame;
}

/** True for a problem, false for a frame (a frame always has its `type`). */
export const isGateLaneProblem = (r: GateLaneClientFrame | GateLaneFrameProblem): r is GateLaneFrameProblem => !('type' in r);
