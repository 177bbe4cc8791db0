import { resolve } from 'node:path';
import { z } from 'zod';

/** Chain presets a deployment can name instead of spelling out ids and explorers. */
export const chainPresets = {
  chiliz: { chainId: 88888, explorerUrl: 'https://scan.chiliz.com' },
  spicy: { chainId: 88882, explorerUrl: 'https://testnet.chiliscan.com' },
} as const;

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`)
    .optional();

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x-prefixed 20-byte hex address');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier').default('public'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  REDIS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or -, at most 64').optional(),
  CHAIN_RPC_URL: optionalUrl(['http:', 'https:', 'ws:', 'wss:']),
  CHAIN_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex private key')
    .optional(),
  CHAIN_NETWORK: z.enum(['embedded', 'chiliz', 'spicy', 'custom']).optional(),
  CHAIN_EMBEDDED: z.enum(['on', 'off']).default('on'),
  ADMIN_ADDRESS: address.optional(),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb or 1mb').default('100kb'),
  WEB_DIST: z.string().min(1).default('apps/web/dist'),
  INSTANCE_ID: z.string().min(1).optional(),
  TICKET_ISSUER_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex private key').optional(),
  PUBLIC_ORIGIN: optionalUrl(['http:', 'https:']),
  AUTH_SECRET: z.string().min(32, 'at least 32 characters of random text').optional(),
  ACCESS_TOKEN_TTL: z.coerce.number().int().min(30).max(86_400).default(900),
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
  auth: { secret?: string; accessTokenTtlSeconds: number; refreshTokenTtlSeconds: number; publicOrigin?: string };
  db: { kind: 'postgres'; url: string; schema: string; poolSize: number } | { kind: 'pglite'; dir: string };
  bus: { kind: 'redis'; url: string; namespace?: string } | { kind: 'memory' };
  chain:
    | { kind: 'rpc'; rpcUrl: string; privateKey?: string; network: 'chiliz' | 'spicy' | 'custom' }
    | { kind: 'embedded'; stateDir: string }
    | { kind: 'off' };
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
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: expected ${i.message}, got ${JSON.stringify(source[String(i.path[0])])}`),
    );
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    const missing = [
      !e.AUTH_SECRET && 'AUTH_SECRET: expected at least 32 characters of random text in production (instances must share it)',
      !e.TICKET_ISSUER_KEY && 'TICKET_ISSUER_KEY: expected the venue ticket issuer private key in production (instances must share it)',
    ].filter((m): m is string => !!m);
    if (missing.length) throw new ConfigError(missing);
  }
  if (e.CHAIN_PRIVATE_KEY && !e.CHAIN_RPC_URL) {
    throw new ConfigError(['CHAIN_PRIVATE_KEY: expected only together with CHAIN_RPC_URL']);
  }
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
    auth: { secret: e.AUTH_SECRET, accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL, refreshTokenTtlSeconds: 30 * 86_400, publicOrigin: e.PUBLIC_ORIGIN },
    db: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, schema: e.DATABASE_SCHEMA, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dir: resolve(dataDir, 'pglite') },
    bus: e.REDIS_URL ? { kind: 'redis', url: e.REDIS_URL, ...(e.REDIS_NAMESPACE ? { namespace: e.REDIS_NAMESPACE } : {}) } : { kind: 'memory' },
    chain: e.CHAIN_RPC_URL
      ? { kind: 'rpc', rpcUrl: e.CHAIN_RPC_URL, privateKey: e.CHAIN_PRIVATE_KEY, network }
      : e.CHAIN_EMBEDDED === 'on'
        ? { kind: 'embedded', stateDir: resolve(dataDir, 'chain') }
        : { kind: 'off' },
  };
}
