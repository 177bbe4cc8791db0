import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BaseWallet, JsonRpcProvider, keccak256, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anvilDevKey, ChainService, receiptOf } from '@fanmesh/chain';
import type { EpochFile, PublishedEpochsView } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { verifyEpoch } from '../../verifier/src/epoch';
import { verifyPoll } from '../../verifier/src/poll';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { signBallot, vote } from '../polls/support';
import { playMatch, STEWARD, until, wallets } from '../rewards/support';

const run = promisify(execFile);

/**
 * The verifier (verifier/, `npm run verify`) against the embedded stack, as an outsider runs it: the
 * public API and the chain's JSON-RPC URL only (contract addresses and the RPC URL from what the API
 * publishes). Two settled epochs and a closed token-weighted poll pass; tampered copies are refused
 * with the reason.
 */
describe('the independent verifier on the embedded stack (settled epochs and a closed poll)', () => {
  let api: RunningApp;
  let rpc: string;
  let staff: string;
  let admin: string;
  const dir = mkdtempSync(join(tmpdir(), 'fanmesh-verify-'));
  const [alice, bob, carol, dave] = wallets(4);
  const epochIds: string[] = [];
  const lines: string[] = [];
  const print = (l: string) => lines.push(l);

  const fanAuth = async (w: BaseWallet) => `Bearer ${await api.tokenFor({ subject: w.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;

  /** A match of `fans`, its epoch closed, approved and published on chain; the epoch id. */
  async function settle(fans: BaseWallet[], name: string): Promise<string> {
    const eventId = await playMatch(api, admin, fans, name);
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    await request(api.url).post(`/api/v1/epochs/${closed.body.id}/approve`).set('authorization', staff).send({}).expect(200);
    const done = await until(
      async () => (await request(api.url).get(`/api/v1/epochs/${closed.body.id}/manifest`).set('authorization', staff)).body,
      (m) => m.status === 'published',
      30_000,
    );
    expect(done.status).toBe('published');
    return closed.body.id as string;
  }

  const fileOf = async (epochId: string): Promise<{ bytes: Buffer; file: EpochFile }> => {
    const res = await request(api.url)
      .get(`/api/v1/epochs/${epochId}/file.json`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const bytes = res.body as Buffer;
    return { bytes, file: JSON.parse(bytes.toString('utf8')) as EpochFile };
  };

  beforeAll(async () => {
    api = await startApp('verifier', { services: 'embedded', env: { CHAIN_EMBEDDED: 'on' } });
    rpc = (await api.app.get(ChainService).status()).rpcUrl as string;
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    epochIds.push(await settle([alice, bob, carol], 'Verifier night 1'));
    epochIds.push(await settle([alice, dave], 'Verifier night 2'));
  }, 150_000);
  afterAll(() => api?.close());

  it('lists the published epochs and serves each file as JSON (the committed bytes), CSV and pages of leaves', async () => {
    const list = (await request(api.url).get('/api/v1/epochs').expect(200)).body as PublishedEpochsView;
    expect(list.epochs.map((e) => e.id)).toEqual(epochIds);
    const { bytes, file } = await fileOf(epochIds[1]);
    const listed = list.epochs[1];
    // the four fans and the steward who scanned them in (verification rewards)
    expect(listed).toMatchObject({ root: file.root, total: file.total, accounts: 5, fileHash: keccak256(bytes) });
    expect(file.leaves.map((l) => l.account)).toEqual(
      [alice, bob, carol, dave]
        .map((w) => w.address.toLowerCase())
        .concat(STEWARD)
        .sort(),
    );
    expect(listed.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(file.previousEpochId).toBe(epochIds[0]);
    const a = file.leaves.find((l) => l.account === alice.address.toLowerCase())!;
    expect(a.byKind).toEqual({ admission: a.cumulative }); // two admissions, nothing else
    expect(BigInt(a.cumulative)).toBe(2n * BigInt(file.leaves.find((l) => l.account === bob.address.toLowerCase())!.cumulative));

    const csv = await request(api.url).get(`/api/v1/epochs/${epochIds[1]}/file.csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['x-epoch-file-hash']).toBe(listed.fileHash);
    expect(csv.text.trim().split('\n')).toEqual([
      'account,cumulative,admission,verification',
      ...file.leaves.map((l) => `${l.account},${l.cumulative},${l.byKind.admission ?? '0'},${l.byKind.verification ?? '0'}`),
    ]);

    const paged: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: { leaves: { account: string }[]; next: string | null } = (
        await request(api.url)
          .get(`/api/v1/epochs/${epochIds[1]}/leaves`)
          .query({ limit: 3, ...(cursor ? { cursor } : {}) })
          .expect(200)
      ).body;
      paged.push(...page.leaves.map((l) => l.account));
      cursor = page.next;
      if (!cursor) break;
    }
    expect(paged).toEqual(file.leaves.map((l) => l.account));

    expect((await request(api.url).get(`/api/v1/epochs/${epochIds[1]}/leaves`).query({ cursor: 'alice' }).expect(400)).body.code).toBeDefined();
    expect((await request(api.url).get(`/api/v1/epochs/${epochIds[1]}/leaves`).query({ limit: 5000 }).expect(400)).body.code).toBeDefined();
    expect((await request(api.url).get('/api/v1/epochs/999999/file.json').expect(404)).body.code).toBe('epoch_not_found');
    expect((await request(api.url).get('/api/v1/epochs/abc/file.csv').expect(400)).body.code).toBeDefined();
  });

  it('accepts both settled epochs: file hash, root, total and breakdown against the chain, and no amount lower than in the epoch before', async () => {
    for (const id of epochIds) {
      lines.length = 0;
      const report = await verifyEpoch({ api: api.url, rpc, epochId: id, print });
      expect(report.failed).toEqual([]);
      expect(report.ok).toBe(true);
      expect(lines.filter((l) => l.startsWith('PASS')).map((l) => l.split(':')[0])).toEqual([
        'PASS  on chain',
        'PASS  file hash',
        'PASS  file format',
        'PASS  leaves',
        'PASS  merkle root',
        'PASS  total',
        'PASS  breakdown',
        'PASS  previous epoch',
        ...(id === epochIds[1] ? ['PASS  never decreasing'] : []),
      ]);
      expect(lines.at(-1)).toMatch(new RegExp(`^VERDICT epoch ${id}: OK`));
    }
  });

  it('refuses a copy with one changed amount (the CLI exits 1 and says why)', async () => {
    const { file } = await fileOf(epochIds[1]);
    const tampered = structuredClone(file);
    const leaf = tampered.leaves.find((l) => l.account === dave.address.toLowerCase())!;
    leaf.cumulative = (BigInt(leaf.cumulative) + 1n).toString();
    const path = join(dir, 'changed.json');
    writeFileSync(path, JSON.stringify(tampered));
    await run(process.execPath, ['verifier/build.mjs']);
    const cli = await run(process.execPath, ['verifier/dist/verifier/src/cli.js', 'epoch', epochIds[1], '--api', api.url, '--rpc', rpc, '--file', path]).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(cli.code).toBe(1);
    const out = cli.stdout.split('\n');
    expect(out.find((l) => l.startsWith('FAIL  file hash'))).toContain('the chain committed');
    expect(out.find((l) => l.startsWith('FAIL  merkle root'))).toMatch(/the leaves rebuild root 0x[0-9a-f]{64}; the chain has 0x/);
    expect(out.find((l) => l.startsWith('FAIL  breakdown'))).toContain(`${dave.address.toLowerCase()}: kinds add up to`);
    expect(out.find((l) => l.startsWith('VERDICT'))).toMatch(/MISMATCH .*file hash, merkle root, total, breakdown/);

    // the untouched file through the same CLI exits 0
    const clean = await run(process.execPath, ['verifier/dist/verifier/src/cli.js', 'epoch', epochIds[1], '--api', api.url, '--rpc', rpc]);
    expect(clean.stdout).toMatch(new RegExp(`VERDICT epoch ${epochIds[1]}: OK`));
  }, 60_000);

  it('refuses a copy with one leaf removed, even with its totals made to agree', async () => {
    const { file } = await fileOf(epochIds[1]);
    const tampered = structuredClone(file);
    const gone = tampered.leaves.findIndex((l) => l.account === bob.address.toLowerCase());
    const [removed] = tampered.leaves.splice(gone, 1);
    tampered.accounts = tampered.leaves.length;
    tampered.total = (BigInt(tampered.total) - BigInt(removed.cumulative)).toString();
    const path = join(dir, 'removed.json');
    writeFileSync(path, JSON.stringify(tampered));
    const report = await verifyEpoch({ api: api.url, rpc, epochId: epochIds[1], file: path });
    expect(report.ok).toBe(false);
    expect(report.failed.map((c) => c.name)).toEqual(['file hash', 'merkle root', 'total', 'never decreasing']);
    expect(report.failure('total')!.detail).toBe(`the leaves add up to ${tampered.total}; the chain's total is ${file.total}`);
    expect(report.failure('never decreasing')!.detail).toContain(`${bob.address.toLowerCase()} fell from ${removed.cumulative} to 0 (its leaf is gone)`);
  });

  it('recounts a closed token-weighted poll against the tally attested on chain, and refuses a changed weight', async () => {
    // alice and bob claim their FAN (anyone may send a claim; the tokens go to the account)
    const provider = new JsonRpcProvider(rpc, undefined, { cacheTimeout: -1 });
    const sender = new Wallet(anvilDevKey(2), provider);
    for (const w of [alice, bob]) {
      const claim = (
        await request(api.url)
          .get(`/api/v1/rewards/${w.address}/claim`)
          .set('authorization', await fanAuth(w))
          .expect(200)
      ).body;
      await receiptOf(await sender.sendTransaction({ to: claim.direct.contract, data: claim.direct.data }));
    }
    const poll = (
      await request(api.url)
        .post('/api/v1/polls')
        .set('authorization', staff)
        .send({
          venueId: DEMO_VENUE_ID,
          question: 'Kit colour next season?',
          options: ['Red', 'Blue'],
          closesAt: new Date(Date.now() + 600_000).toISOString(),
          eligibility: 'holders',
          weighting: 'token_balance',
        })
        .expect(201)
    ).body;
    expect(poll.snapshot.block).toBeGreaterThan(0);
    await vote(api, poll.id, await fanAuth(alice), await signBallot(alice, poll, 0)).expect(200);
    await vote(api, poll.id, await fanAuth(bob), await signBallot(bob, poll, 1)).expect(200);
    await request(api.url).post(`/api/v1/polls/${poll.id}/close`).set('authorization', staff).expect(200);
    const closed = await until(
      async () => (await request(api.url).get(`/api/v1/polls/${poll.id}`)).body,
      (p) => !!p.result?.attestedAt,
      30_000,
    );
    expect(closed.result.attestedAt).not.toBeNull();

    lines.length = 0;
    const report = await verifyPoll({ api: api.url, rpc, pollId: poll.id, print });
    expect(report.failed).toEqual([]);
    expect(report.checks.map((c) => `${c.status} ${c.name}`)).toEqual([
      'pass attested',
      'pass signatures',
      'pass ballots',
      'pass snapshot',
      'pass weights',
      'pass recount',
      'pass tally hash',
      'pass ballots root',
      'pass PollAttestor.verify',
    ]);
    expect(lines.at(-1)).toBe(`VERDICT poll ${poll.id}: OK (9 checks passed)`);

    // a copy of the ballots where bob weighs more than he held at the snapshot
    const ballots = (await request(api.url).get(`/api/v1/polls/${poll.id}/ballots`).expect(200)).body;
    const b = ballots.ballots.find((x: { voter: string }) => x.voter === bob.address.toLowerCase());
    const held = b.weight;
    b.weight = (BigInt(b.weight) * 2n).toString();
    const path = join(dir, 'ballots.json');
    writeFileSync(path, JSON.stringify(ballots));
    const bad = await verifyPoll({ api: api.url, rpc, pollId: poll.id, ballots: path });
    expect(bad.failed.map((c) => c.name)).toEqual(['weights', 'recount', 'tally hash', 'ballots root', 'PollAttestor.verify']);
    expect(bad.failure('weights')!.detail).toBe(`1 weight(s) wrong: ${bob.address.toLowerCase()} weighs ${b.weight}, expected ${held}`);
  }, 90_000);

  it('keeps an epoch that is not published yet private', async () => {
    const eventId = await playMatch(api, admin, [carol], 'Verifier night 3');
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    for (const route of ['file.json', 'file.csv', 'leaves']) {
      const res = await request(api.url).get(`/api/v1/epochs/${closed.body.id}/${route}`).expect(404);
      expect(res.body.code).toBe('epoch_not_published');
    }
    expect(((await request(api.url).get('/api/v1/epochs').expect(200)).body as PublishedEpochsView).epochs.map((e) => e.id)).toEqual(epochIds);
    const report = await verifyEpoch({ api: api.url, rpc, epochId: closed.body.id });
    expect(report.failure('on chain')!.detail).toContain(`has published no root for epoch ${closed.body.id}`);
  }, 60_000);
});
