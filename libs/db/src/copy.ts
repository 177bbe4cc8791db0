import { once } from 'node:events';
import { from as copyFrom } from 'pg-copy-streams';
import type { ClientBase } from 'pg';
import type { EntityManager } from 'typeorm';
import { PgliteClient } from './pglite-pool';
import type { Queryable } from './typed-query';

/**
 * Bulk writes with `COPY … FROM STDIN (FORMAT binary)` through pg-copy-streams, for the hot write
 * paths (readings ingest, settlement proofs). COPY has no ON CONFLICT: callers either write where no
 * row can exist yet, or guard it themselves. The embedded database (PGlite) has no COPY FROM STDIN
 * over the pg protocol, so `copyClient` answers undefined there and callers keep their INSERT.
 */

/** The column types the binary encoder writes (as Postgres receives them: `*_recv`). */
export type CopyType = 'int4' | 'int8' | 'float8' | 'text' | 'bytea' | 'timestamptz' | 'uuid' | 'numeric';

export interface CopyColumn {
  name: string;
  type: CopyType;
}

/** A value for one column; null (or undefined) is SQL NULL. */
export type CopyValue = string | number | bigint | boolean | Date | Uint8Array | null | undefined;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Microseconds between the unix epoch and Postgres's (2000-01-01 UTC), in seconds. */
const PG_EPOCH_S = 946_684_800;
const CHUNK = 64 * 1024;

/** C's rint (round half to even), which Postgres's to_timestamp(float8) uses. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Unix milliseconds as Postgres's timestamptz microseconds, computed exactly as
 * `to_timestamp(ms / 1000.0)` does (float8 seconds, shifted to 2000-01-01, rounded half to even).
 */
export function pgMicros(unixMs: number): bigint {
  if (!Number.isFinite(unixMs)) throw new RangeError(`timestamp out of range: ${unixMs}`);
  return BigInt(rint((unixMs / 1000.0 - PG_EPOCH_S) * 1e6));
}

/**
 * The binary COPY stream, row by row: `row()` starts a tuple, then one call per column, in order.
 * Full chunks are handed out by `take()` as they fill, so a long COPY streams while it is encoded.
 */
export class BinaryCopyWriter {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private readonly full: Buffer[] = [];
  rows = 0;

  constructor(private readonly columns: number) {
    this.ensure(19);
    SIGNATURE.copy(this.buf, 0);
    this.buf.writeInt32BE(0, 11); // flags
    this.buf.writeInt32BE(0, 15); // header extension length
    this.pos = 19;
  }

  row(): this {
    this.ensure(2);
    this.buf.writeInt16BE(this.columns, this.pos);
    this.pos += 2;
    this.rows++;
    return this;
  }

  null(): this {
    this.ensure(4);
    this.buf.writeInt32BE(-1, this.pos);
    this.pos += 4;
    return this;
  }

  int4(v: number | null | undefined): this {
    if (v == null) return this.null();
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new RangeError(`not an int4: ${v}`);
    this.ensure(8);
    this.buf.writeInt32BE(4, this.pos);
    this.buf.writeInt32BE(v, this.pos + 4);
    this.pos += 8;
    return this;
  }

  int8(v: number | bigint | string | null | undefined): this {
    if (v == null) return this.null();
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`not a safe integer for int8: ${v}`);
    const b = BigInt(v);
    if (b < -(1n << 63n) || b >= 1n << 63n) throw new RangeError(`int8 out of range: ${v}`);
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeBigInt64BE(b, this.pos + 4);
    this.pos += 12;
    return this;
  }

  /** As node-postgres sends a JS number to a float8 parameter (its text form): -0 becomes 0. */
  float8(v: number | null | undefined): this {
    if (v == null) return this.null();
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeDoubleBE(v === 0 ? 0 : v, this.pos + 4);
    this.pos += 12;
    return this;
  }

  text(v: string | null | undefined): this {
    if (v == null) return this.null();
    const max = v.length * 3;
    this.ensure(4 + max);
    const n = this.buf.write(v, this.pos + 4, 'utf8');
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4 + n;
    return this;
  }

  bytea(v: Uint8Array | null | undefined): this {
    if (v == null) return this.null();
    return this.bytes(v);
  }

  /** Unix milliseconds or a Date, stored as `to_timestamp(ms / 1000.0)` would store them. */
  timestamptz(v: number | Date | null | undefined): this {
    if (v == null) return this.null();
    const ms = typeof v === 'number' ? v : v.getTime();
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeBigInt64BE(pgMicros(ms), this.pos + 4);
    this.pos += 12;
    return this;
  }

  uuid(v: string | null | undefined): this {
    if (v == null) return this.null();
    const hex = v.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a uuid: ${v}`);
    this.ensure(20);
    this.buf.writeInt32BE(16, this.pos);
    this.buf.write(hex, this.pos + 4, 'hex');
    this.pos += 20;
    return this;
  }

  /** An integer numeric (decimal string, bigint or safe integer), e.g. a uint256 amount in wei. */
  numeric(v: string | number | bigint | null | undefined): this {
    if (v == null) return this.null();
    return this.bytes(encodeIntegerNumeric(v), true);
  }

  /** A field encoded once (`encodeField`) and repeated in every row, e.g. a batch's constant columns. */
  field(encoded: Buffer): this {
    this.ensure(encoded.length);
    encoded.copy(this.buf, this.pos);
    this.pos += encoded.length;
    return this;
  }

  /** A value of the given column type, for generic callers. */
  value(type: CopyType, v: CopyValue): this {
    if (v == null) return this.null();
    switch (type) {
      case 'int4':
        return this.int4(Number(v));
      case 'int8':
        return this.int8(typeof v === 'bigint' || typeof v === 'string' || typeof v === 'number' ? v : Number(v));
      case 'float8':
        return this.float8(Number(v));
      case 'text':
        return this.text(String(v));
      case 'bytea':
        if (!(v instanceof Uint8Array)) throw new TypeError('bytea needs a Buffer or Uint8Array');
        return this.bytea(v);
      case 'timestamptz':
        return this.timestamptz(v instanceof Date ? v : Number(v));
      case 'uuid':
        return this.uuid(String(v));
      case 'numeric':
        return this.numeric(typeof v === 'bigint' || typeof v === 'number' ? v : String(v));
    }
  }

  /** Full chunks so far (removed from the writer). */
  take(): Buffer[] {
    return this.full.splice(0);
  }

  /** The trailer, then every chunk not yet taken. */
  end(): Buffer[] {
    this.ensure(2);
    this.buf.writeInt16BE(-1, this.pos);
    this.pos += 2;
    this.full.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return this.take();
  }

  get pending(): number {
    return this.full.length;
  }

  private bytes(v: Uint8Array, lengthIncluded = false): this {
    const n = v.length;
    if (lengthIncluded) {
      this.ensure(n);
      this.buf.set(v, this.pos);
      this.pos += n;
      return this;
    }
    this.ensure(4 + n);
    this.buf.writeInt32BE(n, this.pos);
    this.buf.set(v, this.pos + 4);
    this.pos += 4 + n;
    return this;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.full.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.pos = 0;
  }
}

/** One field (its length and bytes) encoded once, for `BinaryCopyWriter.field`. */
export function encodeField(type: CopyType, v: CopyValue): Buffer {
  const w = new BinaryCopyWriter(1);
  const chunks = w.value(type, v).end();
  const all = Buffer.concat(chunks);
  return all.subarray(19, all.length - 2);
}

/** Binary numeric of an integer: ndigits, weight, sign, dscale (int16 each), base-10000 digits. */
function encodeIntegerNumeric(v: string | number | bigint): Buffer {
  let s: string;
  if (typeof v === 'bigint') s = v.toString();
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`not a safe integer for numeric: ${v}`);
    s = String(v);
  } else s = v.trim();
  const m = /^([+-]?)0*(\d*)$/.exec(s);
  if (!m || s === '' || s === '+' || s === '-') throw new RangeError(`not an integer numeric: ${String(v)}`);
  const digits = m[2];
  const negative = m[1] === '-' && digits !== '';
  const groups: number[] = [];
  for (let end = digits.length; end > 0; end -= 4) groups.unshift(Number(digits.slice(Math.max(0, end - 4), end)));
  const weight = groups.length - 1;
  while (groups.length && groups[groups.length - 1] === 0) groups.pop();
  const out = Buffer.allocUnsafe(4 + 8 + 2 * groups.length);
  out.writeInt32BE(8 + 2 * groups.length, 0);
  out.writeInt16BE(groups.length, 4);
  out.writeInt16BE(groups.length ? weight : 0, 6);
  out.writeUInt16BE(negative ? 0x4000 : 0, 8);
  out.writeInt16BE(0, 10); // dscale: an integer
  groups.forEach((g, i) => out.writeInt16BE(g, 12 + 2 * i));
  return out;
}

interface WithQueryRunner {
  queryRunner?: { connect(): Promise<unknown>; isReleased?: boolean };
}

/**
 * The node-postgres client under a transaction's entity manager (its query runner's connection),
 * for COPY in that same transaction; undefined when there is none to COPY on: the embedded PGlite
 * (no COPY FROM STDIN over the pg protocol), or a Queryable without a query runner (a DataSource).
 */
export async function copyClient(db: Queryable): Promise<ClientBase | undefined> {
  const runner = (db as WithQueryRunner & Partial<EntityManager>).queryRunner;
  if (!runner || runner.isReleased) return undefined;
  const conn = (await runner.connect()) as { connection?: { sendCopyFromChunk?: unknown } } | undefined;
  if (!conn || conn instanceof PgliteClient) return undefined;
  if (typeof conn.connection?.sendCopyFromChunk !== 'function') return undefined;
  return conn as unknown as ClientBase;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Writes `count` rows into `table` with one binary COPY on `client`; `write(w, i)` encodes row i
 * (after `w.row()`, one call per column, in order). Chunks stream to the server as they fill.
 * Resolves with the rows Postgres reports copied. Any error (a constraint, a bad value) fails the
 * whole COPY, and with it the caller's transaction.
 */
export async function copyIn(client: ClientBase, table: string, columns: readonly string[], count: number, write: (w: BinaryCopyWriter, i: number) => void): Promise<number> {
  const stream = copyFrom(`COPY ${table.split('.').map(ident).join('.')} (${columns.map(ident).join(', ')}) FROM STDIN (FORMAT binary)`);
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  client.query(stream);
  const w = new BinaryCopyWriter(columns.length);
  try {
    for (let i = 0; i < count; i++) {
      w.row();
      write(w, i);
      if (w.pending >= 16) {
        let ok = true;
        for (const c of w.take()) ok = stream.write(c) && ok;
        if (!ok) await Promise.race([once(stream, 'drain'), done]);
      }
    }
    if (w.rows !== count) throw new Error(`copyIn: ${w.rows} rows started for ${count}`);
  } catch (err) {
    stream.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  for (const c of w.end()) stream.write(c);
  stream.end();
  await done;
  return stream.rowCount;
}

/** Generic rows (one array of values per row, in column order) by binary COPY. */
export function copyRows(client: ClientBase, table: string, columns: readonly CopyColumn[], rows: readonly (readonly CopyValue[])[]): Promise<number> {
  return copyIn(
    client,
    table,
    columns.map((c) => c.name),
    rows.length,
    (w, i) => {
      const r = rows[i];
      if (r.length !== columns.length) throw new Error(`copyRows: row ${i} has ${r.length} values for ${columns.length} columns`);
      for (let c = 0; c < columns.length; c++) w.value(columns[c].type, r[c]);
    },
  );
}
