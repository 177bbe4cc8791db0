// bench/ingest: signed device readings persisted per second over HTTP through the real API (batched
// envelopes of 1,000 readings under one device signature, real Postgres, every signature checked),
// beside raw paths into the same table in the same run: COPY FROM STDIN (driven through pg's
// protocol), one unnest INSERT per 1,000 rows, and the naive way (one INSERT per reading).
// Usage: npm run bench -- ingest
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseWallet, getBytes, hexlify, SigningKey, Wallet } from 'ethers';
import { Client } from 'pg';
import { envelopeDigest, PAIRING_DOMAIN, PAIRING_OFFER_TYPES, REGISTRATION_TYPES, uuidToBytes32 } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '../libs/venues/src';
import { BENCH_REDIS_URL, benchDatabase, fmt, startApi, target, writeResults } from './_support';

const DEVICES = 8; // concurrent senders, each its own device with its own strictly increasing seq
const PER_ENVELOPE = 1_000;
const ROUNDS = 5;
const ENVELOPES_PER_ROUND = 200; // 5 × 200 × 1,000 = 1,000,000 readings over HTTP
const NAIVE_ROWS = 20_000;

async function post(url: string, path: string, auth: string | undefined, body: unknown) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** `COPY ... FROM STDIN` through pg's own protocol handling (a query "submittable"), no extra package. */
class CopyIn {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (e: Error) => void;
  private error?: Error;
  constructor(
    private readonly text: string,
    private readonly chunks: Buffer[],
  ) {
    this.done = new Promise((res, rej) => ((this.resolve = res), (this.reject = rej)));
  }
  submit(connection: { query(text: string): void }) {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }) {
    for (const c of this.chunks) connection.sendCopyFromChunk(c);
    connection.endCopyFrom();
  }
  handleCommandComplete() {}
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleError(err: Error) {
    this.error = err;
  }
  handleReadyForQuery() {
    if (this.error) this.reject(this.error);
    else this.resolve();
  }
}

interface Row {
  device: string;
  seq: number;
  idx: number;
  at: number;
  value: number;
}
const rowsFor = (device: string, seq: number, base: number): Row[] =>
  Array.from({ length: PER_ENVELOPE }, (_, idx) => ({ device, seq, idx, at: base + idx * 50, value: 1000 + ((seq * 7 + idx) % 500) }));

async function main() {
  const db = await benchDatabase('ingest');
  const api = await startApi({
    DATABASE_URL: db.url,
    REDIS_URL: BENCH_REDIS_URL,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-ingest-')),
    AUTH_SECRET: randomBytes(32).toString('hex'),
  });
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const admin = `Bearer ${await api.token({ subject: '0x' + 'a'.repeat(40), kind: 'account', roles: ['admin'] })}`;
    const event = await post(api.url, '/api/v1/events', admin, { venueId: DEMO_VENUE_ID, name: 'Ingest night', startsAt: new Date().toISOString() });
    await post(api.url, `/api/v1/events/${event.id}/transitions`, admin, { to: 'gates_open' });
    const domain = (await (await fetch(`${api.url}/api/v1/devices/pairing-domains`)).json()).registration;
    const sections = ['N101', 'E101', 'S101', 'W101', 'N201', 'E201', 'S201', 'W201'];
    const devices: { wallet: BaseWallet; key: SigningKey; seq: number }[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const device = Wallet.createRandom();
      const owner = Wallet.createRandom();
      const offer = { device: device.address, kind: 'sensor', nonce: hexlify(randomBytes(32)), expiresAt: Math.floor(Date.now() / 1000) + 300 };
      const registration = { device: device.address, owner: owner.address, venueId: uuidToBytes32(DEMO_VENUE_ID), deadline: Math.floor(Date.now() / 1000) + 3600 };
      const fan = `Bearer ${await api.token({ subject: owner.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
      await post(api.url, '/api/v1/devices/pairings', fan, {
        offer: { ...offer, signature: await device.signTypedData(PAIRING_DOMAIN, PAIRING_OFFER_TYPES, offer) },
        venueId: DEMO_VENUE_ID,
        sectionCode: sections[i % sections.length],
        deadline: registration.deadline,
        deviceSignature: await device.signTypedData(domain, REGISTRATION_TYPES, registration),
        ownerSignature: await owner.signTypedData(domain, REGISTRATION_TYPES, registration),
      });
      devices.push({ wallet: device, key: new SigningKey(device.privateKey), seq: 0 });
    }

    /** One round's envelopes per device, signed just before sending (the envelope clock check allows 30 s). */
    const sign = () => {
      const sentAt = new Date().toISOString();
      const base = Date.now() - 60_000;
      return devices.map((d) =>
        Array.from({ length: ENVELOPES_PER_ROUND / DEVICES }, () => {
          const seq = ++d.seq;
          const body = JSON.stringify({ type: 'readings', eventId: event.id, readings: rowsFor(d.wallet.address, seq, base).map((r) => ['occupancy', r.at, r.value]) });
          const signature = d.key.sign(getBytes(envelopeDigest(d.wallet.address, seq, sentAt, body))).serialized;
          return JSON.stringify({ deviceId: d.wallet.address, seq, sentAt, body, signature });
        }),
      );
    };
    // warm-up round, not measured
    const warm = sign();
    await Promise.all(
      warm.map(async (list) => {
        for (const e of list) await post(api.url, '/api/v1/devices/messages', undefined, e);
      }),
    );

    // The paths take turns, one round each, so that they see the same machine load and table size.
    const ROUND_ROWS = ENVELOPES_PER_ROUND * PER_ENVELOPE;
    const rawBase = Date.now() - 60_000;
    let rawSeq = 0;
    const rawRows = (prefix: string, total: number) => {
      const out: Row[][] = [];
      const seq0 = ++rawSeq * 1000;
      for (let e = 0; e < total / PER_ENVELOPE; e++) out.push(rowsFor(`raw-${prefix}-${e % DEVICES}`, seq0 + Math.floor(e / DEVICES), rawBase));
      return out;
    };
    const times = { http: 0, copy: 0, unnest: 0 };
    let httpRows = 0;
    for (let r = 0; r < ROUNDS; r++) {
      // signed envelopes over HTTP
      const round = sign();
      let started = performance.now();
      await Promise.all(
        round.map(async (list) => {
          for (const e of list) {
            const res = await post(api.url, '/api/v1/devices/messages', undefined, e);
            httpRows += res.readings;
          }
        }),
      );
      times.http += performance.now() - started;

      // COPY FROM STDIN, text format, one chunk per 1,000 rows
      const chunks = rawRows('copy', ROUND_ROWS).map((rows) =>
        Buffer.from(rows.map((x) => `${x.device}\t${x.seq}\t${x.idx}\t${event.id}\tN101\toccupancy\t${new Date(x.at).toISOString()}\t${x.value}\t\\N\n`).join('')),
      );
      started = performance.now();
      const copy = new CopyIn(`COPY sensor_readings (device, seq, idx, event_id, section_code, kind, at, value, label) FROM STDIN`, chunks);
      pg.query(copy as never);
      await copy.done;
      times.copy += performance.now() - started;

      // one unnest INSERT per 1,000 rows (the statement the API runs, without HTTP, JSON or signatures), one connection
      const batches = rawRows('unnest', ROUND_ROWS);
      started = performance.now();
      for (const rows of batches) {
        await pg.query(
          `INSERT INTO sensor_readings (device, seq, idx, event_id, section_code, kind, at, value, label)
           SELECT $1, $2, u.ord - 1, $3, 'N101', u.kind, to_timestamp(u.t / 1000.0), u.value, u.label
           FROM unnest($4::text[], $5::float8[], $6::float8[], $7::text[]) WITH ORDINALITY AS u(kind, t, value, label, ord) ON CONFLICT DO NOTHING`,
          [rows[0].device, rows[0].seq, event.id, rows.map(() => 'occupancy'), rows.map((x) => x.at), rows.map((x) => x.value), rows.map(() => null)],
        );
      }
      times.unnest += performance.now() - started;
    }
    const ROWS = ROUNDS * ROUND_ROWS;
    const httpRate = httpRows / (times.http / 1000);
    const copyRate = ROWS / (times.copy / 1000);
    const unnestRate = ROWS / (times.unnest / 1000);
    const [{ n: stored }] = (await pg.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE device LIKE '0x%'`)).rows;

    // naive: one INSERT per reading, one connection
    const naive = rawRows('naive', NAIVE_ROWS).flat();
    const started = performance.now();
    for (const r of naive) {
      await pg.query(`INSERT INTO sensor_readings (device, seq, idx, event_id, section_code, kind, at, value) VALUES ($1, $2, $3, $4, 'N101', 'occupancy', $5, $6)`, [
        r.device,
        r.seq,
        r.idx,
        event.id,
        new Date(r.at),
        r.value,
      ]);
    }
    const naiveRate = NAIVE_ROWS / ((performance.now() - started) / 1000);
    const [{ n: total }] = (await pg.query(`SELECT count(*)::int AS n FROM sensor_readings`)).rows;

    console.log(`\npath                                                        rows/s`);
    console.log(
      `signed envelopes over HTTP (${DEVICES} devices, ${fmt(PER_ENVELOPE)}/envelope)   ${fmt(httpRate).padStart(10)}   (${fmt(httpRows)} readings, ${fmt(httpRows / PER_ENVELOPE)} signatures checked)`,
    );
    console.log(`raw COPY FROM STDIN, same table                           ${fmt(copyRate).padStart(10)}`);
    console.log(`raw unnest INSERT per 1,000 rows, same table              ${fmt(unnestRate).padStart(10)}`);
    console.log(`naive: one INSERT per reading                             ${fmt(naiveRate).padStart(10)}   (${fmt(NAIVE_ROWS)} rows)`);
    console.log(
      `\nload average while it ran: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${cpus().length} cores; the paths took turns round by round, so each saw the same load`,
    );
    console.log(`rows stored: ${fmt(stored)} through the API (expected ${fmt(httpRows + ENVELOPES_PER_ROUND * PER_ENVELOPE)} with warm-up), ${fmt(total)} in all`);
    console.log(
      `ratios: HTTP / COPY = ${((100 * httpRate) / copyRate).toFixed(0)}% (target >= 80%: ${httpRate >= 0.8 * copyRate ? 'met' : 'missed'}); ` +
        `HTTP / unnest = ${((100 * httpRate) / unnestRate).toFixed(0)}%; HTTP / naive = ${(httpRate / naiveRate).toFixed(1)}x`,
    );
    writeResults('ingest', { rowsPerSecond: { http: httpRate, copy: copyRate, unnest: unnestRate, naive: naiveRate }, stored }, [
      target('signed readings over HTTP / raw COPY', httpRate / copyRate, '>=', 0.8),
      target('readings lost or stored twice through the API', Math.abs(stored - (httpRows + ENVELOPES_PER_ROUND * PER_ENVELOPE)), '<=', 0),
    ]);
  } finally {
    await pg.end();
    await api.stop();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
