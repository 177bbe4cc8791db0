import { resolve } from 'node:path';
import { z } from 'zod';
import { devKeyReason, weakSecretReason } from './production';

/** Chain presets a deployment can name instead of spelling out ids and explorers. */
export const chainPresets = {
  chiliz: { chainId: 88888, name: 'Chiliz Chain', currency: 'CHZ', publicRpcUrl: 'https://rpc.chiliz.com', explorerUrl: 'https://scan.chiliz.com' },
  spicy: { chainId: 88882, name: 'Chiliz Spicy Testnet', currency: 'CHZ', publicRpcUrl: 'https://spicy-rpc.chiliz.com', explorerUrl: 'https://testnet.chiliscan.com' },
} as const;

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    )
    .optional();

/** `auth.nonce=60/10s,ws.connect=off`: per-route overrides of the limits declared with @RateLimit. */
const RATE_LIMIT_ENTRY = String.raw`[a-z][\w.-]*=(?:off|\d+/\d+(?:ms|s|m|h))`;
const RATE_LIMITS = new RegExp(`^${RATE_LIMIT_ENTRY}(?:,${RATE_LIMIT_ENTRY})*$`, 'i');
const WINDOW_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export type RateLimitOverride = { limit: number; windowMs: number } | 'off';

function parseRateLimits(spec: string | undefined): Record<string, RateLimitOverride> {
  const out: Record<string, RateLimitOverride> = {};
  for (const entry of spec ? spec.split(',') : []) {
    const [name, value] = entry.split('=');
    const m = /^(\d+)\/(\d+)(ms|s|m|h)$/i.exec(value);
    out[name] = m ? { limit: Number(m[1]), windowMs: Number(m[2]) * WINDOW_UNIT_MS[m[3].toLowerCase() as keyof typeof WINDOW_UNIT_MS] } : 'off';
  }
  return out;
}

/** `http://10.0.0.2:8080 https://*.portal.example`: origins (a port may be `*`), or `none`. */
const CONNECT_SOURCE = String.raw`(?:https?|wss?)://(?:\*\.)?[A-Za-z0-9.[\]:-]+(?::(?:\d+|\*))?`;
const CONNECT_SOURCES = new RegExp(`^(?:none|${CONNECT_SOURCE}(?:[ ,]+${CONNECT_SOURCE})*)$`, 'i');

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x-prefixed 20-byte hex address');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
    .default('public'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  REDIS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or -, at most 64')
    .optional(),
  CHAIN_RPC_URL: optionalUrl(['http:', 'https:', 'ws:', 'wss:']),
  CHAIN_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex private key')
    .optional(),
  CHAIN_NETWORK: z.enum(['embedded', 'chiliz', 'spicy', 'custom']).optional(),
  CHAIN_ID: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 53 - 1)
    .optional(),
  CHAIN_EMBEDDED: z.enum(['on', 'off']).default('on'),
  CHAIN_PUBLIC_RPC_URL: optionalUrl(['http:', 'https:', 'ws:', 'wss:']),
  CHAIN_EXPLORER_URL: optionalUrl(['http:', 'https:']),
  ADMIN_ADDRESS: address.optional(),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb or 1mb')
    .default('100kb'),
  WEB_DIST: z.string().min(1).default('apps/web/dist'),
  INSTANCE_ID: z.string().min(1).optional(),
  TICKET_ISSUER_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex private key')
    .optional(),
  PUBLIC_ORIGIN: optionalUrl(['http:', 'https:']).refine(
    (v) => v === undefined || /^[a-z]+:\/\/[^/?#]+\/?$/i.test(v),
    'an origin only, such as https://fans.example.com (no path)',
  ),
  AUTH_SECRET: z.string().min(32, 'at least 32 characters of random text').optional(),
  FEED_SECRET: z.string().min(32, 'at least 32 characters of random text').optional(),
  METRICS_ACCESS: z.enum(['public', 'restricted']).optional(),
  METRICS_TOKEN: z.string().min(32, 'at least 32 characters of random text').optional(),
  API_DOCS: z.enum(['public', 'admin', 'off']).optional(),
  CSP_CONNECT_SRC: z.string().regex(CONNECT_SOURCES, "'none' or origins separated by spaces or commas, such as https://portal.example.com http://10.0.0.2:*").optional(),
  ACCESS_TOKEN_TTL: z.coerce.number().int().min(30).max(86_400).default(900),
  RETENTION_SCAN_LOG_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  RETENTION_HEARTBEAT_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  EMISSION_WEEKLY_FAN: z
    .string()
    .regex(/^\d{1,10}(\.\d{1,18})?$/, 'an amount of FAN such as 2000000 or 1500.5 (at most 10 digits before the point, 18 after)')
    .optional(),
  EMISSION_DECAY_BPS: z.coerce.number().int().min(0).max(10_000).optional(),
  EMISSION_SEASON_WEEKS: z.coerce.number().int().min(1).max(65_535).optional(),
  EMISSION_START: z.iso.datetime({ offset: true }).optional(),
  SEASON_CAPS: z
    .string()
    .regex(/^[a-z]+=\d{1,12}(\.\d{1,18})?(,[a-z]+=\d{1,12}(\.\d{1,18})?)*$/, 'comma-separated kind=<FAN>, such as admission=400,coverage=50000')
    .optional(),
  RATE_LIMITS: z.string().regex(RATE_LIMITS, 'comma-separated name=<count>/<window> or name=off, such as auth.nonce=60/10s,ws.connect=off').optional(),
});

export type Env = z.infer<typeof schema>;

export interface AppConfig {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  instanceId: string;
  bodyLimit: string;
  webDist: string;
  adminAddress?: string;
  ticketIssuerKey?: string;
  /** Key root that seals the venues' official-feed secrets at rest (FEED_SECRET; outside production generated into the data dir). Never AUTH_SECRET. */
  feedSecret?: string;
  /** What the HTTP edge shows and to whom. */
  edge: {
    /** `restricted`: /metrics answers only `Authorization: Bearer <metricsToken>` or an admin's token (the production default). */
    metrics: 'public' | 'restricted';
    metricsToken?: string;
    /** /api/docs: open, admin tokens only, or not served (the production default). */
    apiDocs: 'public' | 'admin' | 'off';
    /** Strict-Transport-Security (and upgrade-insecure-requests when the public origin is https). */
    hsts: boolean;
    /** Origins the PWA may fetch besides its own: hotspot portals and device status pages (CSP connect-src). */
    connectSources: string[];
  };
  auth: {
    secret?: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    /** The origin fans open (PUBLIC_ORIGIN); sign-in messages must name it. Unset outside production: loopback origins only. */
    publicOrigin?: string;
    /** The chain id sign-in messages must name: CHAIN_ID, else the network preset's, else the embedded chain's 31337. */
    chainId: number;
  };
  /** Per-name overrides of the @RateLimit declarations (RATE_LIMITS). */
  rateLimits: Record<string, RateLimitOverride>;
  /** How long personal data that only serves audits is kept, in days; a job deletes older rows (docs/privacy.md). */
  retention: {
    /** Gate scan verdicts (scan_log): RETENTION_SCAN_LOG_DAYS, default 90. */
    scanLogDays: number;
    /** Device heartbeats (telemetry): RETENTION_HEARTBEAT_DAYS, default 30. */
    heartbeatDays: number;
  };
  db: { kind: 'postgres'; url: string; schema: string; poolSize: number } | { kind: 'pglite'; dir: string };
  bus: { kind: 'redis'; url: string; namespace?: string } | { kind: 'memory' };
  chain: { kind: 'rpc'; rpcUrl: string; privateKey?: string; network: 'chiliz' | 'spicy' | 'custom' } | { kind: 'embedded'; stateDir: string } | { kind: 'off' };
  /**
   * What GET /chain tells wallets and verifiers: CHAIN_PUBLIC_RPC_URL (CHAIN_RPC_URL may carry a
   * provider key, so it is never published; a preset's public RPC otherwise) and CHAIN_EXPLORER_URL
   * (else the preset's explorer).
   */
  chainPublic: { rpcUrl?: string; explorerUrl?: string };
  /**
   * RewardDistributor's first emission schedule, used when the contracts are deployed (later changes
   * are the admin's `setEmissionSchedule`). Unset fields take the chain's defaults (docs/economics.md).
   */
  /** SEASON_CAPS: per-kind overrides of the most one account earns in a season, in FAN (decimal strings; docs/economics.md). */
  seasonCaps: Record<string, string>;
  emission: {
    /** EMISSION_WEEKLY_FAN: FAN released each week of the first season, as a decimal string. */
    weeklyFan?: string;
    /** EMISSION_DECAY_BPS: each season's weekly amount this many basis points below the last. */
    decayBps?: number;
    /** EMISSION_SEASON_WEEKS: weeks per season. */
    seasonWeeks?: number;
    /** EMISSION_START: unix seconds the first week begins (default: the deploy's block). */
    start?: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `FanMesh cannot start: the environment has ${problems.length} bad value(s):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nFix or unset them (see README "Configuration") and start again.',
    );
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once; throws a ConfigError naming each bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable means unset, so `FOO= npm start` falls back to the default.
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: expected ${i.message}, got ${JSON.stringify(source[String(i.path[0])])}`));
  }
  const e = parsed.data;
  const problems = e.NODE_ENV === 'production' ? productionProblems(e) : [];
  if (e.CHAIN_PRIVATE_KEY && !e.CHAIN_RPC_URL) problems.push('CHAIN_PRIVATE_KEY: expected only together with CHAIN_RPC_URL');
  const preset = e.CHAIN_NETWORK === 'chiliz' || e.CHAIN_NETWORK === 'spicy' ? chainPresets[e.CHAIN_NETWORK] : undefined;
  if (preset && e.CHAIN_ID !== undefined && e.CHAIN_ID !== preset.chainId) {
    problems.push(`CHAIN_ID: expected ${preset.chainId} for CHAIN_NETWORK=${e.CHAIN_NETWORK}, got ${e.CHAIN_ID} (unset it, or set CHAIN_NETWORK=custom)`);
  }
  if (problems.length) throw new ConfigError(problems);
  const dataDir = resolve(e.DATA_DIR);
  const network = e.CHAIN_NETWORK === 'embedded' ? 'custom' : (e.CHAIN_NETWORK ?? 'custom');
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    dataDir,
    instanceId: e.INSTANCE_ID ?? `api-${process.pid}`,
    bodyLimit: e.BODY_LIMIT,
    webDist: resolve(e.WEB_DIST),
    adminAddress: e.ADMIN_ADDRESS?.toLowerCase(),
    ticketIssuerKey: e.TICKET_ISSUER_KEY,
    feedSecret: e.FEED_SECRET,
    edge: edgeConfig(e),
    auth: {
      secret: e.AUTH_SECRET,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL,
      refreshTokenTtlSeconds: 30 * 86_400,
      publicOrigin: e.PUBLIC_ORIGIN ? new URL(e.PUBLIC_ORIGIN).origin : undefined,
      chainId: e.CHAIN_ID ?? preset?.chainId ?? 31337,
    },
    rateLimits: parseRateLimits(e.RATE_LIMITS),
    retention: { scanLogDays: e.RETENTION_SCAN_LOG_DAYS, heartbeatDays: e.RETENTION_HEARTBEAT_DAYS },
    db: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL, schema: e.DATABASE_SCHEMA, poolSize: e.DATABASE_POOL_SIZE } : { kind: 'pglite', dir: resolve(dataDir, 'pglite') },
    bus: e.REDIS_URL ? { kind: 'redis', url: e.REDIS_URL, ...(e.REDIS_NAMESPACE ? { namespace: e.REDIS_NAMESPACE } : {}) } : { kind: 'memory' },
    chain: e.CHAIN_RPC_URL
      ? { kind: 'rpc', rpcUrl: e.CHAIN_RPC_URL, privateKey: e.CHAIN_PRIVATE_KEY, network }
      : e.CHAIN_EMBEDDED === 'on'
        ? { kind: 'embedded', stateDir: resolve(dataDir, 'chain') }
        : { kind: 'off' },
    chainPublic: {
      rpcUrl: e.CHAIN_PUBLIC_RPC_URL ?? (e.CHAIN_RPC_URL ? preset?.publicRpcUrl : undefined),
      explorerUrl: e.CHAIN_EXPLORER_URL ?? (e.CHAIN_RPC_URL ? preset?.explorerUrl : undefined),
    },
    seasonCaps: Object.fromEntries(
      (e.SEASON_CAPS ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => kv.split('=', 2) as [string, string]),
    ),
    emission: {
      weeklyFan: e.EMISSION_WEEKLY_FAN,
      decayBps: e.EMISSION_DECAY_BPS,
      seasonWeeks: e.EMISSION_SEASON_WEEKS,
      start: e.EMISSION_START ? Math.floor(Date.parse(e.EMISSION_START) / 1000) : undefined,
    },
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Production keeps operations endpoints to operators and the PWA's fetches to its own origin (an
 * https app cannot reach http devices anyway); outside production they stay open, and the PWA may
 * reach agents and portals running on this machine.
 */
function edgeConfig(e: Env): AppConfig['edge'] {
  const production = e.NODE_ENV === 'production';
  const https = e.PUBLIC_ORIGIN?.startsWith('https:') ?? false;
  const connect = e.CSP_CONNECT_SRC ?? (production ? 'none' : 'http://localhost:* http://127.0.0.1:*');
  return {
    metrics: e.METRICS_ACCESS ?? (production ? 'restricted' : 'public'),
    metricsToken: e.METRICS_TOKEN,
    apiDocs: e.API_DOCS ?? (production ? 'off' : 'public'),
    hsts: production || https,
    connectSources: connect.toLowerCase() === 'none' ? [] : connect.split(/[ ,]+/).filter(Boolean),
  };
}

/**
 * Everything production must not run on, all at once (a deployer fixes the lot in one go): the
 * embedded stand-ins (PGlite, the in-process bus, the local chain), published dev keys, a guessable
 * AUTH_SECRET or FEED_SECRET, no admin, and no public origin to check sign-in messages against.
 */
function productionProblems(e: Env): string[] {
  const problems: string[] = [];
  const need = (name: string, what: string, why: string) => problems.push(`${name}: expected ${what} in production; ${why}`);
  if (!e.DATABASE_URL) need('DATABASE_URL', 'a postgres:// URL', "the embedded PGlite database lives in one process's data folder");
  if (!e.REDIS_URL) need('REDIS_URL', 'a redis:// URL', 'the in-process bus and rate limits do not reach the other instances');
  if (!e.CHAIN_RPC_URL) need('CHAIN_RPC_URL', "the chain's JSON-RPC URL", 'the embedded chain is a local dev node whose keys are public');
  if (e.CHAIN_RPC_URL && (!e.CHAIN_NETWORK || e.CHAIN_NETWORK === 'custom' || e.CHAIN_NETWORK === 'embedded') && e.CHAIN_ID === undefined) {
    need('CHAIN_ID', 'the numeric id of the chain at CHAIN_RPC_URL (or CHAIN_NETWORK=chiliz|spicy)', 'sign-in messages must name it');
  }
  if (e.CHAIN_RPC_URL && !e.CHAIN_PRIVATE_KEY)
    need('CHAIN_PRIVATE_KEY', "the API's hot key (the contracts' operator and attester, never their admin)", 'without it no moment, poll or reward epoch is attested');
  for (const name of ['CHAIN_PRIVATE_KEY', 'TICKET_ISSUER_KEY'] as const) {
    const why = e[name] ? devKeyReason(e[name]) : undefined;
    if (why) problems.push(`${name}: expected a key of your own in production, but ${why}; generate one (e.g. \`cast wallet new\`) and keep it secret`);
  }
  if (!e.TICKET_ISSUER_KEY) need('TICKET_ISSUER_KEY', 'the venue ticket issuer private key', 'instances must share it');
  if (!e.AUTH_SECRET) need('AUTH_SECRET', 'at least 32 characters of random text', 'instances must share it; make one with `openssl rand -base64 48`');
  else {
    const why = weakSecretReason(e.AUTH_SECRET);
    if (why) problems.push(`AUTH_SECRET: expected at least 32 characters of random text in production, but ${why}; set e.g. \`openssl rand -base64 48\``);
  }
  if (!e.FEED_SECRET)
    need('FEED_SECRET', 'at least 32 characters of random text', "it seals the venues' feed secrets and instances must share it; make one with `openssl rand -base64 48`");
  else {
    const why = weakSecretReason(e.FEED_SECRET);
    if (why) problems.push(`FEED_SECRET: expected at least 32 characters of random text in production, but ${why}; set e.g. \`openssl rand -base64 48\``);
    if (e.FEED_SECRET === e.AUTH_SECRET)
      problems.push('FEED_SECRET: expected a secret of its own in production, not AUTH_SECRET again (a leaked session key must not open the feed secrets)');
  }
  if (e.METRICS_TOKEN) {
    const why = weakSecretReason(e.METRICS_TOKEN);
    if (why) problems.push(`METRICS_TOKEN: expected at least 32 characters of random text in production, but ${why}`);
  }
  if (!e.ADMIN_ADDRESS) need('ADMIN_ADDRESS', "the 0x address of the operator's admin account", 'production makes no admin key of its own');
  if (!e.PUBLIC_ORIGIN) need('PUBLIC_ORIGIN', 'the https:// origin fans open, such as https://fans.example.com', 'sign-in messages are checked against it');
  else {
    const url = new URL(e.PUBLIC_ORIGIN);
    if (url.protocol !== 'https:' && !LOOPBACK_HOSTS.has(url.hostname)) need('PUBLIC_ORIGIN', 'an https:// origin', `${url.origin} would carry sessions in clear`);
  }
  return problems;
}
