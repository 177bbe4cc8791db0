import { execFile } from 'node:child_process';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { getBytes, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainService } from '@fanmesh/chain';
import {
  envelopeDigest,
  momentContextDigest,
  uuidToBytes32,
  type ChainInfoView,
  type MomentContextDevice,
  type MomentEvidenceContext,
  type MomentEvidenceView,
} from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { verifyMoment, verifyMomentReport } from '../../verifier/src/moment';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { eventually, Sensor } from '../sensing/sensors';
import { soundTrack } from '../moments/scene';
import type { Reading } from '../sensing/sensors';

const run = promisify(execFile);
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
type Evidence = MomentEvidenceView;

/**
 * `verify moment` (verifier/src/moment.ts) on the embedded stack: a moment raised by three sensors of
 * two owners, confirmed by staff and attested, passes every check from the public API and the RPC
 * URL GET /chain publishes; tampered evidence (served by a little proxy in front of the API) is
 * refused with the reason.
 */
describe('verify moment: a sensor moment checked from public data alone', () => {
  let api: RunningApp;
  let rpc: string;
  let momentId: string;
  let evidence: Evidence;
  let proxy: Server;
  let proxyUrl: string;
  let tamper: ((e: Evidence) => Evidence) | undefined;

  beforeAll(async () => {
    api = await startApp('verify-moment', { services: 'embedded', env: { CHAIN_EMBEDDED: 'on' } });
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Verified derby');
    await openGates(api.url, admin, eventId);
    const owner = Wallet.createRandom();
    const sensors = [
      await Sensor.pair(api, DEMO_VENUE_ID, 'N101', { owner, approved: true }),
      await Sensor.pair(api, DEMO_VENUE_ID, 'E101', { owner, approved: true }),
      await Sensor.pair(api, DEMO_VENUE_ID, 'S101', { approved: true }),
      await Sensor.pair(api, DEMO_VENUE_ID, 'W101', { approved: true }),
    ];
    // a minute and a half of ambient sound, then three sensors (two owners, three sections) roar; the fourth stays quiet
    const T = Date.now();
    for (const s of sensors) expect((await s.send(eventId, soundTrack(T - 90_000, T - 1_000))).status).toBe(200);
    const at = Date.now() + 1_000;
    await sleepUntil(at + 1_050);
    for (const [i, s] of sensors.entries()) expect((await s.send(eventId, soundTrack(T, at + 1_000, i < 3 ? [[at, at + 1_000]] : []))).status).toBe(200);
    const candidate = await eventually(
      async () => (await request(api.url).get(`/api/v1/events/${eventId}/moments`).set('authorization', staff)).body.find((m: { status: string }) => m.status === 'candidate'),
      10_000,
      'a candidate',
    );
    momentId = candidate.id;
    await request(api.url).post(`/api/v1/moments/${momentId}/confirm`).set('authorization', staff).send({ kind: 'goal', team: 'home' }).expect(200);
    const attestor = api.app.get(ChainService).contract('MomentAttestor');
    await eventually(async () => (await attestor.isAttested(uuidToBytes32(momentId))) as boolean, 30_000, 'the moment attested');
    rpc = ((await request(api.url).get('/api/v1/chain').expect(200)).body as ChainInfoView).rpcUrl!;
    evidence = (await request(api.url).get(`/api/v1/moments/${momentId}/evidence`).expect(200)).body;

    // a proxy in front of the API that serves the evidence as `tamper` changes it
    proxy = createServer((req, res) => {
      void (async () => {
        const upstream = await fetch(`${api.url}${req.url}`);
        let body = Buffer.from(await upstream.arrayBuffer());
        if (tamper && req.url === `/api/v1/moments/${momentId}/evidence`) body = Buffer.from(JSON.stringify(tamper(JSON.parse(body.toString()) as Evidence)));
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(body);
      })().catch((err: Error) => res.writeHead(502).end(err.message));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await new Promise((r) => proxy?.close(r));
    await api?.close();
  });

  const verifyVia = async (change: (e: Evidence) => Evidence) => {
    tamper = change;
    const lines: string[] = [];
    const report = await verifyMomentReport({ api: proxyUrl, rpc, momentId, print: (l) => lines.push(l) });
    tamper = undefined;
    return { report, lines };
  };
  const clone = (e: Evidence): Evidence => JSON.parse(JSON.stringify(e)) as Evidence;

  it('publishes the baseline, each sensor’s section, owner and weight, and the rule with its version, under the attested root', () => {
    const c = JSON.parse(evidence.context!) as MomentEvidenceContext;
    expect(c.rule).toMatchObject({
      name: 'sound-quorum',
      version: 2,
      windowMs: 5000,
      spikeDb: 12,
      floorDb: 85,
      minDevices: 3,
      minOwners: 2,
      minSections: 2,
      minWeight: 2.5,
      minEstablishedOwners: 2,
    });
    expect(c.devices.map((d) => d.section).sort()).toEqual(['E101', 'N101', 'S101']);
    expect(new Set(c.devices.map((d) => d.owner)).size).toBe(2);
    for (const d of c.devices) {
      expect(d.ambientDb).toBeGreaterThanOrEqual(68);
      expect(d.ambientDb).toBeLessThanOrEqual(72);
      expect(d.thresholdDb).toBe(Math.max(85, d.ambientDb + 12));
      expect(d.readings).toBeGreaterThan(60); // the baseline, not only the spikes
      expect(d.weight).toBe(1);
      expect(d.established).toBe(true); // approved by the venue's staff
    }
    // the baseline envelopes are evidence too, and the context is a leaf of the root
    expect(new Set(evidence.envelopes.map((e) => e.deviceId)).size).toBe(3);
    expect(evidence.envelopes.length).toBe(6);
    expect(evidence.contextDigest).toBe(momentContextDigest(evidence.context!));
    expect(StandardMerkleTree.verify(evidence.evidenceRoot, ['bytes32'], [evidence.contextDigest!], evidence.contextProof!)).toBe(true);
    expect(evidence.kindNumber).toBe(1); // goal
  });

  it('accepts the attested moment: signatures, root, the rule re-run on the published readings, and the chain', async () => {
    const lines: string[] = [];
    expect(await verifyMoment({ api: api.url, rpc, momentId, log: (l) => lines.push(l) })).toBe(true);
    for (const check of ['record', 'signatures', 'evidence root', 'rule', 'baseline', 'copies', 'burst', 'quorum', 'time', 'chain'])
      expect(
        lines.some((l) => l.startsWith(`PASS  ${check}:`)),
        check,
      ).toBe(true);
    expect(lines.at(-1)).toMatch(/^VERDICT moment .*: OK/);
  });

  it('answers `npm run verify -- moment <id>` with exit 0, and 1 with the reason for tampered evidence', async () => {
    await run(process.execPath, ['verifier/build.mjs']);
    const ok = await run(process.execPath, ['verifier/dist/verifier/src/cli.js', 'moment', momentId, '--api', api.url]);
    expect(ok.stdout).toMatch(/VERDICT moment .*: OK/);
    tamper = (e) => ({
      ...clone(e),
      envelopes: e.envelopes.map((x, i) => (i === 0 ? { ...x, body: x.body.replace(/,(\d+(?:\.\d+)?)\]/, (_: string, v: string) => `,${Number(v) + 0.5}]`) } : x)),
    });
    const bad = await run(process.execPath, ['verifier/dist/verifier/src/cli.js', 'moment', momentId, '--api', proxyUrl, '--rpc', rpc]).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    tamper = undefined;
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}signatures: 1 of \d+ envelopes fail/);
    expect(bad.stdout).toMatch(/VERDICT moment .*: MISMATCH/);
  }, 60_000);

  it('refuses a swapped reading: the device did not sign that, and the root no longer holds', async () => {
    const { report, lines } = await verifyVia((e) => {
      const t = clone(e);
      const env = t.envelopes.find((x) => x.body.includes(',101]'))!;
      const body = JSON.parse(env.body) as { readings: [string, number, number][] };
      const loud = body.readings.findIndex((r) => r[2] === 101);
      [body.readings[0][2], body.readings[loud][2]] = [body.readings[loud][2], body.readings[0][2]]; // one quiet and one loud reading swap values
      env.body = JSON.stringify(body);
      return t;
    });
    expect(report.ok).toBe(false);
    expect(report.failure('signatures')?.detail).toMatch(/signature recovers 0x[0-9a-f]{40}, not the device: the body or a field was changed after signing/);
    expect(report.failure('evidence root')?.detail).toMatch(/rebuild 0x[0-9a-f]{64}, not the attested root/);
    expect(lines.at(-1)).toMatch(/MISMATCH/);
  });

  it('refuses an inflated trust weight or a dropped baseline envelope (the root commits to both)', async () => {
    const weight = await verifyVia((e) => {
      const t = clone(e);
      const c = JSON.parse(t.context!) as MomentEvidenceContext;
      c.devices[0].weight = 0.99;
      t.context = JSON.stringify(c);
      return t;
    });
    expect(weight.report.failure('evidence root')?.detail).toMatch(/context differs from what was attested/);
    const dropped = await verifyVia((e) => {
      const t = clone(e);
      t.envelopes.splice(
        t.envelopes.findIndex((x) => !x.body.includes(',101]')),
        1,
      ); // one sensor's ambient minute
      return t;
    });
    expect(dropped.report.failure('evidence root')).toBeDefined();
    expect(dropped.report.failure('baseline')?.detail).toMatch(/no readings published|published readings give ambient/);
  });

  it('refuses a record that is not the attested one', async () => {
    const { report } = await verifyVia((e) => ({ ...clone(e), record: { ...e.record, attendance: e.record.attendance + 1000 } }));
    expect(report.failure('chain')?.detail).toMatch(/not the published record's commitment/);
  });

  /**
   * Evidence forged by someone with device keys of their own, one key per series: signatures, root and
   * baselines hold (each context device's ambient and threshold are computed from its readings), so
   * only the rule can refuse it.
   */
  const forged = (series: Reading[][], device: (i: number) => Partial<MomentContextDevice> = () => ({})) => {
    // listed as the rule orders spikes at the same instant: by address
    const keys = series.map(() => Wallet.createRandom()).sort((a, b) => a.address.toLowerCase().localeCompare(b.address.toLowerCase()));
    const c = JSON.parse(evidence.context!) as MomentEvidenceContext;
    const at = c.burst.atMs;
    const envelopes = keys.map((k, i) => {
      const body = JSON.stringify({ type: 'readings', eventId: c.eventId, readings: series[i] });
      const sentAt = new Date(at + 1_000).toISOString();
      const digest = envelopeDigest(k.address.toLowerCase(), 1, sentAt, body);
      return { deviceId: k.address.toLowerCase(), seq: 1, sentAt, body, signature: k.signingKey.sign(getBytes(digest)).serialized, digest, proof: [] as string[] };
    });
    const context = JSON.stringify({
      ...c,
      samples: { kind: 'sound', fromMs: at - 30_000, toMs: at + 1_000 },
      burst: { fromMs: at, toMs: at + 1_000, atMs: at, peakDb: 101 },
      devices: keys.map((k, i) => {
        const values = series[i].map((r) => r[2]).sort((a, b) => a - b);
        const ambientDb = values[Math.floor((values.length - 1) * 0.2)];
        return {
          device: k.address.toLowerCase(),
          section: `S${i}`,
          owner: `0x${String(i).repeat(40)}`,
          weight: 1,
          established: true,
          ambientDb,
          thresholdDb: Math.max(85, ambientDb + 12),
          readings: values.length,
          firstSpikeMs: at,
          ...device(i),
        };
      }),
    } satisfies MomentEvidenceContext);
    const tree = StandardMerkleTree.of([...envelopes.map((e) => [e.digest]), [momentContextDigest(context)]], ['bytes32']);
    envelopes.forEach((e, i) => (e.proof = tree.getProof(i)));
    return (e: Evidence): Evidence => ({
      ...clone(e),
      envelopes,
      context,
      contextDigest: momentContextDigest(context),
      contextProof: tree.getProof(envelopes.length),
      evidenceRoot: tree.root,
      record: { ...e.record, evidenceRoot: tree.root },
    });
  };
  const atOfBurst = () => (JSON.parse(evidence.context!) as MomentEvidenceContext).burst.atMs;
  const roar = (db = 101) => soundTrack(atOfBurst() - 30_000, atOfBurst() + 1_000, [[atOfBurst(), atOfBurst() + 1_000]], db);

  it('re-runs the rule itself: self-consistent evidence whose readings never met the quorum is refused by the rule, not only by the chain', async () => {
    // the third "spike" is below the floor
    const { report } = await verifyVia(forged([roar(), roar(), roar(80)]));
    expect(report.checks.find((x) => x.name === 'signatures')?.status).toBe('pass');
    expect(report.checks.find((x) => x.name === 'evidence root')?.status).toBe('pass');
    expect(report.checks.find((x) => x.name === 'baseline')?.status).toBe('pass');
    expect(report.failure('burst')?.detail).toMatch(/sensors are/);
    expect(report.failure('chain')).toBeDefined();
  });

  it('counts a copied series once: two keys that signed the same readings are refused as one source', async () => {
    const copied = roar();
    const { report } = await verifyVia(forged([copied, copied, roar()]));
    expect(report.checks.find((x) => x.name === 'signatures')?.status).toBe('pass');
    expect(report.checks.find((x) => x.name === 'baseline')?.status).toBe('pass');
    expect(report.failure('copies')?.detail).toMatch(/identical series from different sensors counted separately: 0x[0-9a-f]{6}… = 0x[0-9a-f]{6}…/);
  });

  it('needs two owners with established trust, and refuses a sensor marked established without full trust', async () => {
    const fresh = await verifyVia(forged([roar(), roar(), roar()], () => ({ established: false })));
    expect(fresh.report.failure('quorum')?.detail).toMatch(/not met: .*0 with established trust \(≥ 2\)/);
    const inflated = await verifyVia(forged([roar(), roar(), roar(), roar()], (i) => (i === 0 ? { weight: 0.5 } : {})));
    expect(inflated.report.failure('quorum')?.detail).toMatch(/a sensor marked established without full trust/);
  });
});
