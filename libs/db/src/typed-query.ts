import type { DataSource, EntityManager } from 'typeorm';

/** Anything that runs SQL: the data source, or the manager of a transaction in progress. */
export type Queryable = Pick<DataSource | EntityManager, 'query'>;

/**
 * A query whose rows are of a declared shape. Repositories describe each result with a row
 * interface, so no `any` leaves them; the SQL stays hand-written where it is a hot path.
 */
export async function rows<T>(db: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)) as T[];
}

/** The first row, or undefined. */
export async function row<T>(db: Queryable, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const [first] = await rows<T>(db, sql, params);
  return first;
}

/** A statement run for its effect; resolves with the rows it returned (e.g. `RETURNING`), typed. */
export async function exec<T = never>(db: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = (await db.query(sql, params)) as unknown;
  // UPDATE/DELETE come back from the pg driver as [rows, affected]; INSERT … RETURNING as rows.
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return (Array.isArray(result) ? result : []) as T[];
}

/** Session-level advisory locks, held on one connection (a query runner) until released. */
export const advisoryLocks = {
  async tryLock(session: Queryable, key: number): Promise<boolean> {
    return !!(await row<{ ok: boolean }>(session, 'SELECT pg_try_advisory_lock($1) AS ok', [key]))?.ok;
  },
  async lock(session: Queryable, key: number): Promise<void> {
    await session.query('SELECT pg_advisory_lock($1)', [key]);
  },
  async unlock(session: Queryable, key: number): Promise<void> {
    await session.query('SELECT pg_advisory_unlock($1)', [key]);
  },
};

/** One round trip: is the database there? */
export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
