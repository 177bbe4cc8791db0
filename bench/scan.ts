// bench/scan: admit decisions per second end to end on one API instance (real Postgres + Redis),
// distinct tickets and every code sent twice at once; p50/p99; p99 at a steady 1,000 scans/s; and
// side by side the naive way (TypeORM save per scan + ethers signature recovery) and the raw
// one-core verification rates. Usage: npm run bench -- scan
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { getBytes, hashMessage, recoverAddress, Signature } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { decodeQr, encodeQr, qrDigest, qrMessageHash, windowAt } from '@fanmesh/protocol';
import { recoverSigner } from '../libs/access/src';
import { DEMO_VENUE_ID, demoGates } from '../libs/venues/src';
import { BENCH_REDIS_URL, benchDatabase, fmt, onceMessage, startApi, target, writeResults } from './_support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const secp = require('secp256k1') as {
  publicKeyCreate(k: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(m: Uint8Array, k: Uint8Array): { signature: Uint8Array; recid: number };
};

interface Fan {
  key: Uint8Array;
  address: string;
}
interface Ticket {
  id: string;
  version: number;
  section: string;
  holder: string;
  fan: Fan;
  gateId: string;
}

const fan = (): Fan => {
  const key = randomBytes(32);
  const pub = secp.publicKeyCreate(key, false);
  return { key, address: '0x' + Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString('hex') };
};

/** The code a fan's phone shows right now. */
function code(t: Ticket, at = Date.now()): string {
  const window = windowAt(at);
  const { signature, recid } = secp.ecdsaSign(getBytes(hashMessage(getBytes(qrDigest(t.id, t.version, window)))), t.fan.key);
  const sig = new Uint8Array(65);
  sig.set(signature);
  sig[64] = 27 + recid;
  return encodeQr({ ticketId: t.id, version: t.version, window, signature: sig });
}

async function post(url: string, path: string, auth: string, body: unknown) {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

interface Load {
  codes: { path: string; body: string }[];
  connections: number;
  overallRate?: number;
  tokens: string[];
}

const LOAD_PROCS = 2;

/**
 * Runs one load phase from separate processes (autocannon), so the load generator does not starve
 * the API of the machine's cores any more than it must; counts verdicts from the answers.
 */
async function load(url: string, l: Load) {
  const requests = l.codes.map((c, i) => ({ ...c, auth: l.tokens[i % l.tokens.length] }));
  const per = Math.ceil(requests.length / LOAD_PROCS);
  const started = performance.now();
  const parts = await Promise.all(
    Array.from({ length: LOAD_PROCS }, (_, i) => {
      const child = fork(join(__dirname, '_load.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const done = onceMessage<{ verdicts: Record<string, number>; errors: number; histogram: { p50: number; p99: number } }>(child, 'done');
      child.send({
        url,
        requests: requests.slice(i * per, (i + 1) * per),
        connections: Math.ceil(l.connections / LOAD_PROCS),
        overallRate: l.overallRate && l.overallRate / LOAD_PROCS,
      });
      return done;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const verdicts: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.verdicts)) verdicts[k] = (verdicts[k] ?? 0) + v;
  return {
    rate: l.codes.length / seconds,
    p50: Math.max(...parts.map((p) => p.histogram.p50)),
    p99: Math.max(...parts.map((p) => p.histogram.p99)),
    verdicts,
    errors: parts.reduce((n, p) => n + p.errors, 0),
  };
}

@Entity('admissions')
class NaiveAdmission {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'ticket_id' }) ticketId: string;
  @Column('uuid', { name: 'event_id' }) eventId: string;
  @Column('uuid', { name: 'gate_id' }) gateId: string;
  @Column('text', { name: 'section_code' }) section: string;
  @Column('text') holder: string;
  @Column('text') scanner: string;
}
@Entity('tickets')
class NaiveTicket {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'event_id' }) eventId: string;
  @Column('text') holder: string;
  @Column('text', { name: 'section_code' }) section: string;
  @Column('int') version: number;
  @Column('text') status: string;
}

/** The naive way: look the ticket up, recover with ethers, check and save through TypeORM, one scan at a time per connection. */
async function naive(databaseUrl: string, tickets: Ticket[], gateBySection: Map<string, string>, concurrency: number) {
  const ds = await new DataSource({ type: 'postgres', url: databaseUrl, entities: [NaiveAdmission, NaiveTicket], extra: { max: concurrency } }).initialize();
  const codes = tickets.map((t) => code(t));
  let admitted = 0;
  let i = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < codes.length) {
        const qr = decodeQr(codes[i++])!;
        const ticket = await ds.getRepository(NaiveTicket).findOneBy({ id: qr.ticketId });
        const signer = recoverAddress(qrMessageHash(qr.ticketId, qr.version, qr.window), Signature.from('0x' + Buffer.from(qr.signature).toString('hex')));
        if (!ticket || signer.toLowerCase() !== ticket.holder || ticket.status !== 'valid') continue;
        if (await ds.getRepository(NaiveAdmission).findOneBy({ ticketId: ticket.id })) continue;
        await ds
          .getRepository(NaiveAdmission)
          .save({ ticketId: ticket.id, eventId: ticket.eventId, gateId: gateBySection.get(ticket.section)!, section: ticket.section, holder: ticket.holder, scanner: 'naive' });
        admitted++;
      }
    }),
  );
  const rate = codes.length / ((performance.now() - started) / 1000);
  await ds.destroy();
  return { rate, admitted };
}

function oneCore(label: string, fn: () => void) {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    fn();
    n++;
  }
  return { label, perSecond: n / ((performance.now() - start) / 1000) };
}

async function main() {
  const PHASE_A = 10_000;
  const PHASE_BATCH = 20_000;
  const BATCH = 25;
  const PHASE_B = 5_000;
  const PHASE_C = 10_000;
  const NAIVE = 2_000;
  const total = PHASE_A + PHASE_BATCH + PHASE_B + PHASE_C + NAIVE;

  const db = await benchDatabase('scan');
  const api = await startApi({
    DATABASE_URL: db.url,
    REDIS_URL: BENCH_REDIS_URL,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-scan-')),
    AUTH_SECRET: randomBytes(32).toString('hex'),
  });
  try {
    const admin = `Bearer ${await api.token({ subject: '0x' + 'a'.repeat(40), kind: 'account', roles: ['admin'] })}`;
    const stewards = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        api.token({ subject: `0x${(0x5000 + i).toString(16).padStart(40, '0')}`, kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] }).then((t) => `Bearer ${t}`),
      ),
    );
    const venue = await (await fetch(`${api.url}/api/v1/venues/${DEMO_VENUE_ID}`)).json();
    const gateIdByCode = new Map<string, string>(venue.gates.map((g: { code: string; id: string }) => [g.code, g.id]));
    const gateBySection = new Map<string, string>();
    for (const g of demoGates()) for (const s of g.sectionCodes) if (!gateBySection.has(s)) gateBySection.set(s, gateIdByCode.get(g.code)!);
    const sections = [...gateBySection.keys()];
    const event = await post(api.url, '/api/v1/events', admin, { venueId: DEMO_VENUE_ID, name: 'Bench night', startsAt: new Date().toISOString() });

    process.stdout.write(`issuing ${fmt(total)} tickets… `);
    const fans = Array.from({ length: total }, fan);
    const tickets: Ticket[] = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i += 5000) {
      const slice = fans.slice(i, i + 5000).map((f, k) => ({ holder: f.address, section: sections[(i + k) % sections.length], seat: String(i + k), tier: 'standard' }));
      const { tickets: issued } = await post(api.url, `/api/v1/events/${event.id}/tickets`, admin, { tickets: slice });
      issued.forEach((t: { id: string; version: number; section: string; holder: string }, k: number) =>
        tickets.push({ id: t.id, version: t.version, section: t.section, holder: t.holder, fan: fans[i + k], gateId: gateBySection.get(t.section)! }),
      );
    }
    console.log(`${fmt((performance.now() - t0) / 1000, 1)} s (${fmt(total / ((performance.now() - t0) / 1000))} tickets/s, signed EIP-712)`);
    await post(api.url, `/api/v1/events/${event.id}/transitions`, admin, { to: 'gates_open' });

    const request = (t: Ticket) => ({ path: `/api/v1/gates/${t.gateId}/scans`, body: JSON.stringify({ code: code(t) }) });
    // warm the caches and the JIT with a few scans that are not measured
    await load(api.url, { codes: tickets.slice(total - 200).map(request), connections: 16, tokens: stewards });

    const a = tickets.slice(0, PHASE_A);
    const phaseA = await load(api.url, { codes: a.map(request), connections: 64, tokens: stewards });
    // A gate device sends what it scanned in the last moment as one request.
    const batchTickets = tickets.slice(PHASE_A, PHASE_A + PHASE_BATCH);
    const byGate = new Map<string, Ticket[]>();
    for (const t of batchTickets) byGate.set(t.gateId, [...(byGate.get(t.gateId) ?? []), t]);
    const batchRequests: { path: string; body: string }[] = [];
    for (const [gateId, list] of byGate) {
      for (let i = 0; i < list.length; i += BATCH)
        batchRequests.push({ path: `/api/v1/gates/${gateId}/scans/batch`, body: JSON.stringify({ codes: list.slice(i, i + BATCH).map((t) => code(t)) }) });
    }
    const batchStarted = performance.now();
    const phaseBatch = await load(api.url, { codes: batchRequests, connections: 16, tokens: stewards });
    const batchRate = PHASE_BATCH / ((performance.now() - batchStarted) / 1000);
    const b = tickets.slice(PHASE_A + PHASE_BATCH, PHASE_A + PHASE_BATCH + PHASE_B);
    const twice = b.flatMap((t) => {
      const r = request(t);
      return [r, r];
    });
    const phaseB = await load(api.url, { codes: twice, connections: 64, tokens: stewards });
    const c = tickets.slice(PHASE_A + PHASE_BATCH + PHASE_B, PHASE_A + PHASE_BATCH + PHASE_B + PHASE_C);
    const phaseC = await load(api.url, { codes: c.map(request), connections: 64, overallRate: 1000, tokens: stewards });
    const rss = await api.rss();
    const naiveRun = await naive(db.url, tickets.slice(PHASE_A + PHASE_BATCH + PHASE_B + PHASE_C, total - 200), gateBySection, 16);

    const sample = code(tickets[0]);
    const qr = decodeQr(sample)!;
    const hash = qrMessageHash(qr.ticketId, qr.version, qr.window);
    const sigHex = '0x' + Buffer.from(qr.signature).toString('hex');
    const ethersRecover = oneCore('ethers recoverAddress', () => recoverAddress(hash, Signature.from(sigHex)));
    const nativeRecover = oneCore('native libsecp256k1 recover + address', () => recoverSigner(hash, qr.signature));

    console.log('\nphase                                   scans/s    p50 ms  p99 ms  verdicts');
    const row = (name: string, r: Awaited<ReturnType<typeof load>>) =>
      console.log(
        `${name.padEnd(38)} ${fmt(r.rate).padStart(8)}  ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)}  ${JSON.stringify(r.verdicts)}${r.errors ? ` errors=${r.errors}` : ''}`,
      );
    row(`distinct valid tickets (${fmt(PHASE_A)})`, phaseA);
    console.log(
      `${`batches of ${BATCH} per request (${fmt(PHASE_BATCH)})`.padEnd(38)} ${fmt(batchRate).padStart(8)}  ${String(phaseBatch.p50).padStart(7)} ${String(phaseBatch.p99).padStart(7)}  (per request; ${phaseBatch.errors} errors)`,
    );
    row(`every code twice at once (${fmt(PHASE_B)}×2)`, phaseB);
    row(`steady 1,000/s (${fmt(PHASE_C)})`, phaseC);
    console.log(`naive: TypeORM save per scan + ethers    ${fmt(naiveRun.rate).padStart(8)}  (${naiveRun.admitted} admitted, in-process, no HTTP)`);
    console.log(`\none core: ${ethersRecover.label} ${fmt(ethersRecover.perSecond)}/s; ${nativeRecover.label} ${fmt(nativeRecover.perSecond)}/s`);
    console.log(`API memory after ${fmt(total)} tickets and ${fmt(PHASE_A + PHASE_BATCH + 2 * PHASE_B + PHASE_C)} scans: ${fmt(rss / 1024 / 1024)} MB RSS`);
    console.log(
      `\nratios: single scans / naive = ${(phaseA.rate / naiveRun.rate).toFixed(1)}x, batched / naive = ${(batchRate / naiveRun.rate).toFixed(1)}x (target >= 8x); batched / ethers recovery alone = ${(batchRate / ethersRecover.perSecond).toFixed(1)}x; ` +
        `duplicates admitted exactly once: ${phaseB.verdicts.admit === PHASE_B ? 'yes' : `NO (${phaseB.verdicts.admit})`}; ` +
        `targets: >= 5,000/s (single ${phaseA.rate >= 5000 ? 'met' : 'missed'}, batched ${batchRate >= 5000 ? 'met' : 'missed'}), p99 < 50 ms at 1,000/s (${phaseC.p99 < 50 ? 'met' : 'missed'})`,
    );
    writeResults(
      'scan',
      { phases: { single: phaseA, batched: { ...phaseBatch, rate: batchRate }, twice: phaseB, steady: phaseC }, naive: naiveRun.rate, rssMb: rss / 1024 / 1024 },
      [
        target('single scans over HTTP, scans/s', phaseA.rate, '>=', 5000),
        target('batched scans over HTTP, scans/s', batchRate, '>=', 5000),
        target('p99 ms at a steady 1,000 scans/s', phaseC.p99, '<', 50),
        target('batched / naive', batchRate / naiveRun.rate, '>=', 8),
        target('duplicate codes admitted more than once', PHASE_B - (phaseB.verdicts.admit ?? 0), '<=', 0),
      ],
    );
  } finally {
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
