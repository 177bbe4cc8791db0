/**
 * A request that failed because a backing service is away (Postgres, Redis) is neither our bug nor
 * the client's: the problem filter answers 503 naming the dependency, with Retry-After, so a gate
 * scanner retries instead of reporting an internal error. libs/common knows no driver, so the errors
 * are recognised by their shape: what pg, TypeORM and ioredis throw when their connection is gone.
 */
export type Dependency = 'database' | 'redis';

/** How long a client should wait before retrying a request that met a dependency outage. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 2;

// SQLSTATE connection exceptions (08xxx), admin/crash shutdown and cannot-connect-now (57P01-57P03), too many connections.
const PG_STATES = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|Driver not Connected|PGlite is closed)/;
const REDIS_MESSAGES = /^(Connection is closed\.|Stream isn't writeable|Command timed out|Reached the max retries per request limit)/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** Which dependency `err` says is unavailable, if it is a connection failure at all. */
export function unavailableDependency(err: unknown, depth = 0): Dependency | undefined {
  if (!err || typeof err !== 'object' || depth > 2) return undefined;
  const e = err as { name?: unknown; message?: unknown; code?: unknown; syscall?: unknown; driverError?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.test(message)) return 'redis';
  if (PG_STATES.test(code) || PG_MESSAGES.test(message)) return 'database';
  // A raw socket error reaching a route comes from the Postgres pool's connect: ioredis reports its own
  // failures as above, and HTTP clients (the chain's RPC) wrap theirs.
  if (SOCKET_CODES.has(code) && typeof e.syscall === 'string') return 'database';
  return unavailableDependency(e.driverError, depth + 1);
}
