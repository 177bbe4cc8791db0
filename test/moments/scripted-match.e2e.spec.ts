import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { recoverAddress } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainService, momentCommitment, OutboxSender } from '@fanmesh/chain';
import { envelopeDigest, uuidToBytes32 } from '@fanmesh/protocol';
import { AttestationService, feedSignature, MOMENT_KINDS } from '@fanmesh/moments';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';
import { eventually, Reading, Sensor } from '../sensing/sensors';
import { soundTrack } from './scene';

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

describe('a scripted match on the embedded chain', () => {
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('turns kickoff, two goals and halftime into exactly those moments, each attested once, with evidence anyone can verify', async () => {
    api = await startApp('moments-chain', { services: 'embedded', env: { CHAIN_EMBEDDED: 'on' } });
    const app = api;
    const ds = app.app.get(DataSource);
    const admin = `Bearer ${await app.tokenFor(adminPrincipal)}`;
    const staff = `Bearer ${await app.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const steward = `Bearer ${await app.tokenFor({ subject: '0x00000000000000000000000000000000000057e4', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    const gate = (await request(app.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    const eventId = await createEvent(app.url, admin, DEMO_VENUE_ID, 'Scripted derby');
    const tickets = await issueTickets(app.url, admin, eventId, 12, ['N101', 'N102']);
    await openGates(app.url, admin, eventId);
    let admittedSoFar = 0;
    const admit = async (list: IssuedTicket[]) => {
      for (const t of list)
        expect(
          (
            await request(app.url)
              .post(`/api/v1/gates/${gate.id}/scans`)
              .set('authorization', steward)
              .send({ code: qrFor(t, t.wallet) })
              .expect(200)
          ).body.decision,
        ).toBe('admit');
      admittedSoFar += list.length;
      await new Promise((r) => setTimeout(r, 300)); // admissions are written in small batches
    };
    const secret = (await request(app.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/feed-secret`).set('authorization', admin).expect(201)).body.secret as string;
    const feed = async (body: { eventId: string; ref: string; kind: string; team?: string; at: string }) => {
      const ts = String(Math.floor(Date.now() / 1000));
      return (
        await request(app.url)
          .post(`/api/v1/feeds/${DEMO_VENUE_ID}/moments`)
          .set({ 'x-fanmesh-timestamp': ts, 'x-fanmesh-signature': feedSignature(secret, ts, DEMO_VENUE_ID, body) })
          .send(body)
          .expect(200)
      ).body;
    };

    const sensors: Sensor[] = [];
    for (const section of ['N101', 'E101', 'S101', 'W101']) sensors.push(await Sensor.pair(app, DEMO_VENUE_ID, section, { approved: true }));
    const noisy = await Sensor.pair(app, DEMO_VENUE_ID, 'N102', { approved: true });
    const all = [...sensors, noisy];

    await admit(tickets.slice(0, 4));
    // before kickoff: two minutes of ambient sound; the noisy sensor fires alone three times
    const T = Date.now();
    for (const s of all) {
      const loud: [number, number][] =
        s === noisy
          ? [
              [T - 100_000, T - 99_000],
              [T - 70_000, T - 69_000],
              [T - 40_000, T - 39_000],
            ]
          : [];
      expect((await s.send(eventId, soundTrack(T - 120_000, T - 1_000, loud))).status).toBe(200);
    }

    // the script: which sensors spike; each burst 2 s, at least 7 s after the previous one (more than the 5 s window),
    // and after the admissions made since (so the attendance it records is known)
    const script: { kind: string; loud: Sensor[] }[] = [
      { kind: 'kickoff', loud: [sensors[0], sensors[1], sensors[2]] },
      { kind: 'goal', loud: [sensors[1], sensors[2], sensors[3]] },
      { kind: 'goal', loud: [sensors[0], sensors[2], sensors[3]] },
      { kind: 'halftime', loud: [sensors[0], sensors[1], sensors[3]] },
    ];
    const candidates: { id: string; at: string; attendance: number }[] = [];
    let sentUpTo = T;
    let previousEnd = T - 7_000;
    for (const [i, step] of script.entries()) {
      const at = Math.max(previousEnd + 7_000, Date.now() + 1_000);
      const end = at + 1_000;
      previousEnd = end;
      await sleepUntil(end + 50);
      for (const s of all) {
        const track: Reading[] = soundTrack(sentUpTo, end, step.loud.includes(s) ? [[at, end]] : []);
        expect((await s.send(eventId, track)).status).toBe(200);
      }
      sentUpTo = end + 1_000;
      const seen = new Set(candidates.map((c) => c.id));
      const c = await eventually(
        async () =>
          (await request(app.url).get(`/api/v1/events/${eventId}/moments`).set('authorization', staff)).body.find(
            (m: { id: string; status: string }) => m.status === 'candidate' && !seen.has(m.id),
          ),
        8_000,
        `candidate ${i}`,
      );
      expect(Math.abs(Date.parse(c.at) - at)).toBeLessThanOrEqual(1_000);
      candidates.push({ id: c.id, at: c.at, attendance: admittedSoFar });
      // decide: staff for kickoff and the second goal, the official feed for the first goal and halftime
      if (i === 0)
        expect((await request(app.url).post(`/api/v1/moments/${c.id}/confirm`).set('authorization', staff).send({}).expect(200)).body).toMatchObject({
          kind: 'kickoff',
          attendance: 4,
        });
      if (i === 1)
        expect(await feed({ eventId, ref: 'derby-goal-1', kind: 'goal', team: 'home', at: new Date(at + 400).toISOString() })).toMatchObject({
          changed: true,
          moment: { id: c.id, kind: 'goal', team: 'home' },
        });
      if (i === 2)
        expect((await request(app.url).post(`/api/v1/moments/${c.id}/confirm`).set('authorization', staff).send({ kind: 'goal', team: 'away' }).expect(200)).body).toMatchObject({
          kind: 'goal',
          team: 'away',
        });
      if (i === 3)
        expect(await feed({ eventId, ref: 'derby-ht', kind: 'halftime', at: new Date(at).toISOString() })).toMatchObject({ changed: true, moment: { id: c.id, kind: 'halftime' } });
      if (i === 0) await admit(tickets.slice(4, 7));
      if (i === 1) await admit(tickets.slice(7, 9));
    }

    // exactly those moments, in order, nothing else (no candidate from the lone noisy sensor)
    const everything = (await request(app.url).get(`/api/v1/events/${eventId}/moments`).set('authorization', staff).expect(200)).body as {
      id: string;
      kind: string;
      team: string | null;
      status: string;
      attendance: number;
      evidenceRoot: string;
    }[];
    expect(everything.map((m) => [m.kind, m.team, m.status, m.attendance])).toEqual([
      ['kickoff', null, 'confirmed', 4],
      ['goal', 'home', 'confirmed', 7],
      ['goal', 'away', 'confirmed', 9],
      ['halftime', null, 'confirmed', 9],
    ]);
    expect(everything.map((m) => m.id)).toEqual(candidates.map((c) => c.id));

    // attested through the outbox, each exactly once
    const chain = app.app.get(ChainService);
    const attestor = chain.contract('MomentAttestor');
    await eventually(
      async () => {
        const rows = (await OutboxSender.rows(ds)).filter((r) => r.kind === 'moments.attest');
        return (
          rows.length > 0 && rows.every((r) => r.status === 'confirmed') && (await Promise.all(everything.map((m) => attestor.isAttested(uuidToBytes32(m.id))))).every(Boolean)
        );
      },
      30_000,
      'attestations confirmed',
    );
    // nothing left to batch; a crash between claiming a batch and queueing it is healed without a second transaction
    const attestation = app.app.get(AttestationService);
    const outboxRows = async () => (await OutboxSender.rows(ds)).filter((r) => r.kind === 'moments.attest');
    const queued = (await outboxRows()).length;
    expect(await attestation.tick()).toBe(0);
    await ds.query(`UPDATE moment_attestations SET enqueued_at = NULL`);
    await attestation.tick(); // (or the service's own timer, whichever comes first)
    await eventually(async () => (await ds.query(`SELECT count(*)::int AS n FROM moment_attestations WHERE enqueued_at IS NULL`))[0].n === 0, 10_000, 'the batches re-queued');
    expect(await outboxRows()).toHaveLength(queued);
    const logs = await attestor.queryFilter(attestor.filters.Attested(), 0);
    for (const m of everything) expect(logs.filter((l) => 'args' in l && l.args.momentId === uuidToBytes32(m.id))).toHaveLength(1);
    const batches: { moment_ids: string[] }[] = await ds.query(`SELECT moment_ids FROM moment_attestations`);
    expect(batches.flatMap((b) => b.moment_ids).sort()).toEqual(everything.map((m) => m.id).sort());

    // anyone can verify: signatures, Merkle proofs, and the record against the chain
    for (const m of everything) {
      const ev = (await request(app.url).get(`/api/v1/moments/${m.id}/evidence`).expect(200)).body;
      expect(ev.evidenceRoot).toBe(m.evidenceRoot);
      expect(ev.envelopes.length).toBeGreaterThanOrEqual(3);
      const signers = new Set<string>();
      for (const e of ev.envelopes) {
        const digest = envelopeDigest(e.deviceId, e.seq, e.sentAt, e.body);
        expect(recoverAddress(digest, e.signature).toLowerCase()).toBe(e.deviceId.toLowerCase());
        expect(StandardMerkleTree.verify(ev.evidenceRoot, ['bytes32'], [digest], e.proof)).toBe(true);
        // a tampered body no longer fits the root
        const forged = envelopeDigest(
          e.deviceId,
          e.seq,
          e.sentAt,
          e.body.replace(/,(\d+(?:\.\d+)?)\]/, (_: string, v: string) => `,${Number(v) + 0.5}]`),
        ); // (baseline envelopes hold no spike to lower)
        expect(StandardMerkleTree.verify(ev.evidenceRoot, ['bytes32'], [forged], e.proof)).toBe(false);
        const body = JSON.parse(e.body) as { eventId: string; readings: Reading[] };
        expect(body.eventId).toBe(eventId);
        if (body.readings.some((r) => r[2] >= 100)) signers.add(e.deviceId.toLowerCase());
      }
      expect(signers.size).toBeGreaterThanOrEqual(3);
      expect(signers.has(noisy.address)).toBe(false);
      const record = { ...ev.record, timestamp: BigInt(ev.record.timestamp) };
      expect(record).toMatchObject({ momentId: uuidToBytes32(m.id), eventId: uuidToBytes32(eventId), kind: MOMENT_KINDS.indexOf(m.kind as never), attendance: m.attendance });
      expect(await attestor.commitmentOf(record.momentId)).toBe(momentCommitment(record));
      expect(ev.commitment).toBe(momentCommitment(record));
      const [attested, revoked] = await attestor.verify(record);
      expect([attested, revoked]).toEqual([true, false]);
    }
  }, 120_000);
});
