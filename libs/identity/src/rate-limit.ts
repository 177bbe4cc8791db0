import { BlockList, isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { applyDecorators, CanActivate, ExecutionContext, Inject, Injectable, Logger, OnApplicationShutdown, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { CommonError, Principal } from '@fanmesh/common';

/**
 * Rate limits shared by every API instance: a token bucket per (limit name, caller) kept in Redis and
 * taken in one Lua script, so N instances behind a balancer allow `limit` in total, not N × limit.
 * Without Redis (embedded mode, one process) the buckets live in memory.
 *
 * Declare one on a route with `@RateLimit({ name: 'auth.nonce', key: 'ip', limit: 60, windowMs: 60_000 })`:
 * a caller may burst `limit` requests and then gets `limit` more per `windowMs`; beyond that the answer
 * is 429 problem+json `rate_limited` with `Retry-After`. `RATE_LIMITS=auth.nonce=600/1m,ws.connect=off`
 * overrides a declaration by name (a venue whose fans share a few NAT addresses needs more per address).
 */
export interface RateLimitPolicy {
  /** Who shares a bucket: one client address, or one signed-in principal (the address when anonymous). */
  key: 'ip' | 'principal';
  limit: number;
  windowMs: number;
  /** The name RATE_LIMITS overrides and the bucket is kept under; default `Controller.handler`. */
  name?: string;
}

export const RATE_LIMIT_KEY = 'fanmesh:rate-limit';

export function RateLimit(policy: RateLimitPolicy) {
  return applyDecorators(
    SetMetadata(RATE_LIMIT_KEY, policy),
    ApiTooManyRequestsResponse({
      description: `rate_limited: at most ${policy.limit} per ${policy.windowMs / 1000} s per ${policy.key === 'ip' ? 'client address' : 'principal'} across all instances (see Retry-After)`,
    }),
  );
}

export interface RateDecision {
  allowed: boolean;
  /** Whole requests left in the bucket after this one. */
  remaining: number;
  /** When refused: how long until one request would be allowed. */
  retryAfterMs: number;
}

export interface RateLimitStore {
  readonly kind: 'redis' | 'memory';
  take(key: string, limit: number, windowMs: number): Promise<RateDecision>;
  close(): Promise<void>;
}

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

/** One process's buckets: the embedded mode's limiter, and the Redis limiter's fallback while Redis is away. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory' as const;
  private readonly buckets = new Map<string, { tokens: number; at: number; windowMs: number }>();
  private takes = 0;

  async take(key: string, limit: number, windowMs: number, now = Date.now()): Promise<RateDecision> {
    if (++this.takes % 10_000 === 0) this.prune(now);
    const b = this.buckets.get(key);
    let tokens = limit;
    if (b) tokens = Math.min(limit, b.tokens + (Math.max(0, now - b.at) * limit) / windowMs);
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.set(key, { tokens, at: now, windowMs });
    return { allowed, remaining: Math.floor(tokens), retryAfterMs: allowed ? 0 : Math.ceil(((1 - tokens) * windowMs) / limit) };
  }

  /** Full buckets carry no information: forget them. */
  private prune(now: number): void {
    for (const [key, b] of this.buckets) if (now - b.at >= b.windowMs) this.buckets.delete(key);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}

/**
 * KEYS[1] the bucket; ARGV limit, window (ms). Refills continuously at limit/window from Redis's own
 * clock (instances' clocks may disagree), takes one token if there is one, and expires an idle
 * bucket once it would be full again. Returns { allowed (0/1), whole tokens left, retry after ms }.
 */
const TAKE_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'at', 'tokens')
local tokens = limit
if b[1] then
  tokens = math.min(limit, tonumber(b[2]) + math.max(0, now - tonumber(b[1])) * limit / window)
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) * window / limit)
end
redis.call('HSET', KEYS[1], 'at', tostring(now), 'tokens', tostring(tokens))
redis.call('PEXPIRE', KEYS[1], window)
return { allowed, math.floor(tokens), retry }
`;

type RedisWithTake = Redis & { fanmeshTakeToken(key: string, limit: number, windowMs: number): Promise<[number, number, number]> };

export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis' as const;
  private readonly logger = new Logger('RateLimit');
  private readonly redis: RedisWithTake;
  private readonly fallback = new MemoryRateLimitStore();
  private lastWarning = 0;

  constructor(url: string, namespace?: string) {
    // Fail fast while Redis is away (the fallback answers), rather than queue every request behind a reconnect.
    this.redis = new Redis(url, {
      lazyConnect: true,
      keyPrefix: namespace ? `${namespace}:` : '',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
    }) as RedisWithTake;
    this.redis.on('error', () => undefined); // ioredis reconnects by itself; an unhandled 'error' would crash the process
    this.redis.defineCommand('fanmeshTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  async take(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    try {
      const [allowed, remaining, retryAfterMs] = await this.redis.fanmeshTakeToken(key, limit, windowMs);
      return { allowed: allowed === 1, remaining, retryAfterMs };
    } catch (err) {
      // Redis away: keep limiting, per instance, rather than open every door or refuse everyone.
      if (Date.now() - this.lastWarning > 30_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err: (err as Error).message }, 'Redis unavailable: rate limits are per instance until it is back');
      }
      return this.fallback.take(key, limit, windowMs);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export async function createRateLimitStore(config: AppConfig): Promise<RateLimitStore> {
  if (config.bus.kind === 'memory') return new MemoryRateLimitStore();
  const store = new RedisRateLimitStore(config.bus.url, config.bus.namespace);
  try {
    await store.connect();
  } catch (err) {
    await store.close();
    throw new Error(`cannot reach Redis at REDIS_URL for rate limits: ${(err as Error).message}. Start Redis or unset REDIS_URL for in-process mode.`);
  }
  return store;
}

@Injectable()
export class RateLimitStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

// The proxies whose X-Forwarded-For is believed: the same as the HTTP app's `trust proxy`
// ('loopback, linklocal, uniquelocal'), so a route and the websocket see one client address.
const TRUSTED_PROXIES = new BlockList();
TRUSTED_PROXIES.addSubnet('127.0.0.0', 8, 'ipv4');
TRUSTED_PROXIES.addSubnet('169.254.0.0', 16, 'ipv4');
TRUSTED_PROXIES.addSubnet('10.0.0.0', 8, 'ipv4');
TRUSTED_PROXIES.addSubnet('172.16.0.0', 12, 'ipv4');
TRUSTED_PROXIES.addSubnet('192.168.0.0', 16, 'ipv4');
TRUSTED_PROXIES.addAddress('::1', 'ipv6');
TRUSTED_PROXIES.addSubnet('fe80::', 10, 'ipv6');
TRUSTED_PROXIES.addSubnet('fc00::', 7, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const unmapped = (a: string) => (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a);
const within = (list: BlockList, a: string) => {
  const family = isIP(a);
  return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
};

/**
 * The client's address: the peer, or, while the peer is one of our own proxies, the next hop to the
 * left in X-Forwarded-For (a client can prepend anything to that header, so only trusted hops count).
 */
export function clientIp(req: { socket?: { remoteAddress?: string }; headers: IncomingHttpHeaders }): string {
  let address = unmapped(req.socket?.remoteAddress ?? '');
  const forwarded = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  while (within(TRUSTED_PROXIES, address) && hops.length) {
    const next = unmapped(hops.pop()!);
    if (!isIP(next)) break;
    address = next;
  }
  return address || 'unknown';
}

export interface RateLimitRefusal {
  name: string;
  limit: number;
  windowMs: number;
  retryAfterSeconds: number;
}

/**
 * A limit on an identity a service has verified itself (a device key from its envelope signature, a
 * scanner at its gate), rather than on a route's caller: see {@link RateLimiter.enforce}.
 */
export interface IdentityRateLimit {
  /** The name RATE_LIMITS overrides and the bucket is kept under, e.g. `device.messages`. */
  name: string;
  limit: number;
  windowMs: number;
  /** Who one bucket belongs to, in the refusal's words: `device`, `scanner`. */
  per: string;
}

/** Documents, on a route whose service enforces `policy`, the 429 it may answer. */
export function DocumentsRateLimit(policy: IdentityRateLimit) {
  return ApiTooManyRequestsResponse({
    description: `rate_limited (${policy.name}): at most ${policy.limit} per ${policy.windowMs / 1000} s per ${policy.per} across all instances (see Retry-After)`,
  });
}

/** Takes from the named bucket; the one place limits, overrides and exemptions are decided. */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Resolves with a refusal when over the limit, undefined when allowed (or not limited). */
  async take(name: string, policy: RateLimitPolicy, who: { ip: string; principal?: string }): Promise<RateLimitRefusal | undefined> {
    const override = this.config.rateLimits[name];
    if (override === 'off') return undefined;
    // Outside production, this machine's own processes (tests, the simulator, benchmarks) are not limited;
    // anything that came through a proxy is, by the address the proxy saw.
    if (this.config.env !== 'production' && within(LOOPBACK, who.ip)) return undefined;
    const caller = policy.key === 'principal' && who.principal ? `p:${who.principal}` : `ip:${who.ip}`;
    return this.takeFrom(name, override ?? policy, caller);
  }

  /**
   * Takes one from `subject`'s bucket of `policy`, shared by every instance, and throws 429
   * `rate_limited` (with Retry-After, through the problem filter) when it is empty. For limits a
   * service applies once it has verified who is asking (a device's signature, a scanner's venue):
   * no client address is involved, so no loopback exemption either, and such limits sit above every
   * honest rate, the simulator's and the benchmarks' included. RATE_LIMITS overrides them by name.
   */
  async enforce(policy: IdentityRateLimit, subject: string): Promise<void> {
    const override = this.config.rateLimits[policy.name];
    if (override === 'off') return;
    const refused = await this.takeFrom(policy.name, override ?? policy, `p:${subject.toLowerCase()}`);
    if (refused) throw rateLimited(refused, policy.per);
  }

  private async takeFrom(name: string, { limit, windowMs }: { limit: number; windowMs: number }, caller: string): Promise<RateLimitRefusal | undefined> {
    const d = await this.store.take(`ratelimit:${name}:${caller}`, limit, windowMs);
    if (d.allowed) return undefined;
    return { name, limit, windowMs, retryAfterSeconds: Math.max(1, Math.ceil(d.retryAfterMs / 1000)) };
  }
}

/** Applies `@RateLimit(...)` to HTTP routes. Runs after the access guard, so `principal` keys see who is calling. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const policy = this.reflector.getAllAndOverride<RateLimitPolicy | undefined>(RATE_LIMIT_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!policy) return true;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const name = policy.name ?? `${ctx.getClass().name}.${ctx.getHandler().name}`;
    const refused = await this.limiter.take(name, policy, { ip: clientIp(req), principal: req.principal?.subject });
    if (!refused) return true;
    ctx.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(refused.retryAfterSeconds));
    throw rateLimited(refused, policy.key === 'ip' ? 'client address' : 'account');
  }
}

export function rateLimited(r: RateLimitRefusal, per: string): CommonError {
  return new CommonError('rate_limited', `Too many requests (${r.name}): at most ${r.limit} per ${r.windowMs / 1000} s from one ${per}. Retry in ${r.retryAfterSeconds} s.`, {
    limit: r.limit,
    windowSeconds: r.windowMs / 1000,
    retryAfterSeconds: r.retryAfterSeconds,
  });
}
