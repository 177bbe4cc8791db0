import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';

/**
 * A `pg.Pool` look-alike over one embedded PGlite database, for TypeORM's postgres driver.
 *
 * PGlite is a single session: two transactions started at once would interleave their statements
 * in one session and see (or roll back) each other's rows. So this pool hands out its only client to
 * one query runner at a time and queues the rest, which makes every transaction serial and isolated.
 * Code must therefore never wait on a second query runner while it holds one (that would deadlock
 * here, and it wastes a pooled connection on real Postgres too).
 */
export class PglitePool extends EventEmitter {
  private readonly db: Promise<PGlite>;
  private busy = false;
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(dataDir: string) {
    super();
    if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
    // Match node-postgres: int8 and numeric come back as strings, never as lossy JS numbers.
    this.db = PGlite.create(dataDir, {
      parsers: { [types.INT8]: (v: string) => v, [types.NUMERIC]: (v: string) => v },
    });
  }

  /** For callers that need PGlite itself (tests, tooling). */
  instance(): Promise<PGlite> {
    return this.db;
  }

  connect(callback?: (err: Error | null, client?: PgliteClient, release?: (err?: unknown) => void) => void): Promise<PgliteClient> | void {
    const acquire = this.acquire().then(async () => {
      const client = new PgliteClient(await this.db, () => this.release());
      return client;
    });
    if (!callback) return acquire;
    acquire.then(
      (client) => callback(null, client, () => client.release()),
      (err: Error) => callback(err),
    );
  }

  /** A query outside any transaction still waits its turn. */
  async query(text: string, params?: unknown[]): Promise<PgResult> {
    const client = (await this.connect()) as PgliteClient;
    try {
      return await client.query(text, params);
    } finally {
      client.release();
    }
  }

  end(callback?: (err?: Error | null) => void): Promise<void> | void {
    this.closed = true;
    const done = this.db.then((db) => db.close());
    if (!callback) return done;
    done.then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }

  get totalCount(): number {
    return 1;
  }
  get idleCount(): number {
    return this.busy ? 0 : 1;
  }
  get waitingCount(): number {
    return this.waiting.length;
  }

  private acquire(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the embedded database is closed'));
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number;
  command: string;
  fields: { name: string; dataTypeID: number }[];
}

export class PgliteClient extends EventEmitter {
  private released = false;

  constructor(
    private readonly db: PGlite,
    private readonly onRelease: () => void,
  ) {
    super();
  }

  async query(text: string | { text: string; values?: unknown[] }, params?: unknown[], callback?: (err: unknown, res?: PgResult) => void): Promise<PgResult> {
    if (typeof text === 'object') {
      params = text.values;
      text = text.text;
    }
    if (typeof params === 'function') {
      callback = params as never;
      params = undefined;
    }
    try {
      let result: PgResult;
      if (params && params.length > 0) {
        const r = await this.db.query<Record<string, unknown>>(text, params.map(serialize));
        result = toPgResult(text, r.rows, r.affectedRows, r.fields);
      } else {
        // exec runs several statements (migrations); TypeORM wants the last statement's result.
        const all = await this.db.exec(text);
        const last = all[all.length - 1];
        result = toPgResult(text, last?.rows ?? [], last?.affectedRows, last?.fields ?? []);
      }
      callback?.(null, result);
      return result;
    } catch (err) {
      callback?.(err);
      throw err;
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
}

function serialize(value: unknown): unknown {
  // node-postgres sends objects (jsonb) as JSON text; PGlite needs the same.
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value) && !Array.isArray(value)) {
    return JSON.stringify(value);
  }
  return value;
}

function toPgResult(text: string, rows: Record<string, unknown>[], affected: number | undefined, fields: { name: string; dataTypeID: number }[]): PgResult {
  const command = text.trimStart().split(/\s+/, 1)[0]?.toUpperCase() ?? '';
  return { rows, rowCount: affected ?? rows.length, command, fields };
}
