import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { AbiCoder, keccak256, parseEther, verifyTypedData, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxSender } from '@fanmesh/chain';
import { BALLOT_TYPES } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { DataSource } from 'typeorm';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { signIn } from '../support/fans';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';
import { WsClient } from '../support/ws-client';
import { fanAuth, nowS, signBallot, TestChain, vote } from './support';

const FAN = (n: string) => parseEther(n);
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe('fan polls on the embedded chain', () => {
  let api: RunningApp;
  let chain: TestChain;
  let admin: string;
  let staff: string;
  let eventId: string;
  const alice = Wallet.createRandom();
  const bob = Wallet.createRandom();
  const carol = Wallet.createRandom(); // never held tokens
  const aliceSecond = Wallet.createRandom(); // where alice moves tokens after the snapshot

  const createPoll = async (over: Record<string, unknown> = {}) =>
    (
      await request(api.url)
        .post('/api/v1/polls')
        .set('authorization', staff)
        .send({
          venueId: DEMO_VENUE_ID,
          eventId,
          question: 'Player of the match?',
          options: ['Keeper', 'Striker', 'Winger'],
          closesAt: inSeconds(600),
          eligibility: 'holders',
          weighting: 'token_balance',
          ...over,
        })
        .expect(201)
    ).body;

  beforeAll(async () => {
    api = await startApp('polls', { env: { CHAIN_EMBEDDED: 'on' } });
    chain = new TestChain(api);
    await chain.init();
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Poll derby');
    await chain.reward([
      [alice.address, FAN('100')],
      [bob.address, FAN('40')],
    ]);
  }, 60_000);
  afterAll(() => api?.close());

  it('weights ballots by FanToken balance at the snapshot block; tokens moved after it gain nothing', async () => {
    const ws = await WsClient.connect(api.url);
    await ws.subscribe(`event:${eventId}`);
    const poll = await createPoll();
    expect(poll.status).toBe('open');
    const snapshotBlock: number = poll.snapshot.block;
    expect(poll.snapshot).toMatchObject({ token: await chain.token.getAddress(), holders: 2 });

    // After the snapshot alice sends 60 of her 100 FAN to a second address, and bob gets 500 more.
    const movedAt = await chain.transfer(alice, aliceSecond.address, FAN('60'));
    await chain.reward([[bob.address, FAN('500')]]);
    expect(movedAt).toBeGreaterThan(snapshotBlock);
    expect(await chain.token.balanceOf(alice.address)).toBe(FAN('40'));
    expect(await chain.token.balanceOf(bob.address)).toBe(FAN('540'));

    const a = await vote(api, poll.id, await fanAuth(api, alice), await signBallot(alice, poll, 0)).expect(200);
    expect(a.body).toMatchObject({ voter: alice.address.toLowerCase(), option: 0, weight: FAN('100').toString(), counted: true });
    const second = await vote(api, poll.id, await fanAuth(api, aliceSecond), await signBallot(aliceSecond, poll, 1)).expect(403);
    expect(second.body.code).toBe('not_token_holder');
    const b = await vote(api, poll.id, await fanAuth(api, bob), await signBallot(bob, poll, 1)).expect(200);
    expect(b.body.weight).toBe(FAN('40').toString());

    // The weights are what an archive read of balanceOf at the snapshot block says (another way to the same numbers).
    expect(await chain.balanceAt(alice.address, snapshotBlock)).toBe(FAN('100'));
    expect(await chain.balanceAt(bob.address, snapshotBlock)).toBe(FAN('40'));
    expect(await chain.balanceAt(aliceSecond.address, snapshotBlock)).toBe(0n);

    const view = (await request(api.url).get(`/api/v1/polls/${poll.id}`).expect(200)).body;
    expect(view.options.map((o: { total: string; ballots: number }) => [o.total, o.ballots])).toEqual([
      [FAN('100').toString(), 1],
      [FAN('40').toString(), 1],
      ['0', 0],
    ]);
    const live = await ws.next(
      (f) => f.type === 'message' && (f.data as { type: string; pollId: string; voters: number }).type === 'poll.tally' && (f.data as { voters: number }).voters === 2,
    );
    expect((live.data as { totals: string[] }).totals).toEqual([FAN('100').toString(), FAN('40').toString(), '0']);
    ws.close();
  });

  it('lets a later ballot replace the earlier one, and refuses the earlier one replayed', async () => {
    const poll = await createPoll({ weighting: 'one_per_fan' });
    const auth = await fanAuth(api, alice);
    const first = await signBallot(alice, poll, 0, nowS() - 10);
    await vote(api, poll.id, auth, first).expect(200);
    await vote(api, poll.id, auth, first).expect(200); // the same ballot again changes nothing
    await vote(api, poll.id, auth, await signBallot(alice, poll, 2, nowS() - 5)).expect(200);
    const replay = await vote(api, poll.id, auth, first).expect(409);
    expect(replay.body.code).toBe('stale_ballot');
    const view = (await request(api.url).get(`/api/v1/polls/${poll.id}`).expect(200)).body;
    expect(view.options.map((o: { total: string }) => o.total)).toEqual(['0', '0', '1']);
    expect(view.voters).toBe(1);
  });

  it('refuses every bad ballot with its reason, and a refused ballot changes nothing', async () => {
    const poll = await createPoll();
    const other = await createPoll({ question: 'Best chant?', options: ['One', 'Two'] });
    const aliceAuth = await fanAuth(api, alice);
    await vote(api, poll.id, aliceAuth, await signBallot(alice, poll, 1)).expect(200);
    const before = (await request(api.url).get(`/api/v1/polls/${poll.id}/ballots`).expect(200)).body.ballots;

    const refusals: [string, number, Promise<request.Response>][] = [
      ['wrong_poll', 422, vote(api, poll.id, aliceAuth, await signBallot(alice, other, 0))],
      ['signer_mismatch', 403, vote(api, poll.id, aliceAuth, { ...(await signBallot(alice, other, 0)), pollId: poll.key })],
      ['signer_mismatch', 403, vote(api, poll.id, aliceAuth, await signBallot(bob, poll, 0))],
      ['bad_signature', 422, vote(api, poll.id, aliceAuth, { ...(await signBallot(alice, poll, 0)), signature: '0x' + '00'.repeat(65) })],
      ['bad_option', 422, vote(api, poll.id, aliceAuth, await signBallot(alice, poll, 3))],
      ['issued_in_future', 422, vote(api, poll.id, aliceAuth, await signBallot(alice, poll, 0, nowS() + 120))],
      ['poll_closed', 409, vote(api, poll.id, aliceAuth, await signBallot(alice, poll, 0, nowS() + 601))],
      ['not_token_holder', 403, vote(api, poll.id, await fanAuth(api, carol), await signBallot(carol, poll, 0))],
      ['stale_ballot', 409, vote(api, poll.id, aliceAuth, await signBallot(alice, poll, 0, nowS() - 60))],
      ['poll_not_found', 404, vote(api, '7c9e6679-7425-40de-944b-e07fc1f90ae7', aliceAuth, await signBallot(alice, poll, 0))],
      ['validation_failed', 400, vote(api, poll.id, aliceAuth, { ...(await signBallot(alice, poll, 0)), extra: 1 })],
      ['validation_failed', 400, vote(api, poll.id, aliceAuth, { ...(await signBallot(alice, poll, 0)), option: '1' })],
      ['validation_failed', 400, vote(api, 'not-a-uuid', aliceAuth, await signBallot(alice, poll, 0))],
    ];
    for (const [code, status, pending] of refusals) {
      const res = await pending;
      expect({ code: res.body.code, status: res.status, type: res.headers['content-type'] }).toEqual({ code, status, type: expect.stringContaining('application/problem+json') });
    }

    const scheduled = await createPoll({ opensAt: inSeconds(300), closesAt: inSeconds(900) });
    expect(scheduled.status).toBe('scheduled');
    expect((await vote(api, scheduled.id, aliceAuth, await signBallot(alice, scheduled, 0))).body.code).toBe('poll_not_open');

    // checked-in eligibility: a ticket holder who is not admitted, then admitted but without tokens
    const checkedIn = await createPoll({ eligibility: 'checked_in', weighting: 'token_balance' });
    const [ticket] = await issueTickets(api.url, admin, eventId, 1, ['N101']);
    const fan = await signIn(api.url, ticket.wallet);
    const ballot = await signBallot(ticket.wallet, checkedIn, 0);
    expect((await vote(api, checkedIn.id, `Bearer ${fan.accessToken}`, ballot)).body.code).toBe('not_checked_in');
    await openGates(api.url, admin, eventId);
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057ea', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    expect(
      (
        await request(api.url)
          .post(`/api/v1/gates/${gate.id}/scans`)
          .set('authorization', steward)
          .send({ code: qrFor(ticket, ticket.wallet) })
          .expect(200)
      ).body.decision,
    ).toBe('admit');
    expect((await vote(api, checkedIn.id, `Bearer ${fan.accessToken}`, ballot)).body.code).toBe('no_voting_power');
    // ... and with one fan one vote the admitted fan counts
    const perFan = await createPoll({ eligibility: 'checked_in', weighting: 'one_per_fan' });
    expect((await vote(api, perFan.id, `Bearer ${fan.accessToken}`, await signBallot(ticket.wallet, perFan, 2)).expect(200)).body.weight).toBe('1');
    // both: admitted but no tokens
    const both = await createPoll({ eligibility: 'both', weighting: 'one_per_fan' });
    expect((await vote(api, both.id, `Bearer ${fan.accessToken}`, await signBallot(ticket.wallet, both, 0))).body.code).toBe('not_token_holder');

    // after close
    await request(api.url).post(`/api/v1/polls/${other.id}/close`).set('authorization', staff).expect(200);
    expect((await vote(api, other.id, aliceAuth, await signBallot(alice, other, 0))).body.code).toBe('poll_closed');
    expect((await request(api.url).post(`/api/v1/polls/${other.id}/close`).set('authorization', staff).expect(409)).body.code).toBe('already_closed');

    const after = (await request(api.url).get(`/api/v1/polls/${poll.id}/ballots`).expect(200)).body.ballots;
    expect(after).toEqual(before);
    expect(after).toHaveLength(1);
  });

  it('refuses bad polls with a reason, and only staff of the venue may create or close one', async () => {
    const send = (body: Record<string, unknown>, auth = staff) =>
      request(api.url)
        .post('/api/v1/polls')
        .set('authorization', auth)
        .send({
          venueId: DEMO_VENUE_ID,
          eventId,
          question: 'Who wins?',
          options: ['Home', 'Away'],
          closesAt: inSeconds(600),
          eligibility: 'holders',
          weighting: 'one_per_fan',
          ...body,
        });
    const otherVenue = (
      await request(api.url).post('/api/v1/venues').set('authorization', admin).send({ name: 'Away Ground', city: 'Porto', timezone: 'Europe/Lisbon' }).expect(201)
    ).body.id;
    const cases: [string, number, Record<string, unknown>, string?][] = [
      ['bad_schedule', 422, { opensAt: inSeconds(700), closesAt: inSeconds(600) }],
      ['bad_schedule', 422, { opensAt: inSeconds(-7200), closesAt: inSeconds(-3600) }],
      ['duplicate_options', 422, { options: ['Home', ' home '] }],
      ['needs_event', 422, { eventId: undefined, eligibility: 'checked_in' }],
      ['event_not_at_venue', 422, { venueId: otherVenue }, admin],
      ['event_not_found', 404, { eventId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }],
      ['forbidden', 403, { venueId: otherVenue }],
      ['validation_failed', 400, { options: ['Only one'] }],
      ['validation_failed', 400, { weighting: 'quadratic' }],
      ['validation_failed', 400, { closesAt: 'tomorrow' }],
      ['validation_failed', 400, { sneaky: true }],
      ['validation_failed', 400, { question: '     ' }],
      ['validation_failed', 400, { options: ['Home', '   '] }],
    ];
    const before = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/polls`).expect(200)).body.length;
    for (const [code, status, body, auth] of cases) {
      const res = await send(body, auth);
      expect({ code: res.body.code, status: res.status }, JSON.stringify(body)).toEqual({ code, status });
    }
    expect((await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/polls`).expect(200)).body).toHaveLength(before);
    expect((await request(api.url).get(`/api/v1/venues/${otherVenue}/polls`).expect(200)).body).toHaveLength(0);

    const clubPoll = (await send({ eventId: undefined }).expect(201)).body;
    expect(clubPoll.eventId).toBeNull();
    const outsider = `Bearer ${await api.tokenFor(staffPrincipal(otherVenue))}`;
    expect((await request(api.url).post(`/api/v1/polls/${clubPoll.id}/close`).set('authorization', outsider).expect(403)).body.code).toBe('forbidden');
    expect((await request(api.url).get(`/api/v1/polls/${clubPoll.id}`).expect(200)).body.status).toBe('open');
  });

  it('closes by itself at closesAt and refuses ballots after', async () => {
    const poll = await createPoll({ weighting: 'one_per_fan', closesAt: inSeconds(3) });
    await vote(api, poll.id, await fanAuth(api, bob), await signBallot(bob, poll, 1)).expect(200);
    await expect.poll(async () => (await request(api.url).get(`/api/v1/polls/${poll.id}`)).body.result?.closedBy, { timeout: 10_000, interval: 250 }).toBe('schedule');
    const closed = (await request(api.url).get(`/api/v1/polls/${poll.id}`)).body;
    expect(closed.options.map((o: { ballots: number }) => o.ballots)).toEqual([0, 1, 0]);
    expect((await vote(api, poll.id, await fanAuth(api, alice), await signBallot(alice, poll, 0, nowS() - 10))).body.code).toBe('poll_closed');
  });

  it('takes the snapshot when a scheduled poll opens, not when it is created', async () => {
    const dave = Wallet.createRandom();
    const poll = await createPoll({ opensAt: inSeconds(2), closesAt: inSeconds(600) });
    expect(poll.status).toBe('scheduled');
    expect(poll.snapshot).toBeNull();
    await chain.reward([[dave.address, FAN('7')]]); // after creation, before opening: it counts
    const created = await chain.provider.getBlockNumber();
    await expect.poll(async () => (await request(api.url).get(`/api/v1/polls/${poll.id}`)).body.snapshot?.block ?? null, { timeout: 10_000, interval: 250 }).not.toBeNull();
    const opened = (await request(api.url).get(`/api/v1/polls/${poll.id}`)).body;
    expect(opened.snapshot.block).toBeGreaterThanOrEqual(created);
    expect((await vote(api, poll.id, await fanAuth(api, dave), await signBallot(dave, opened, 2)).expect(200)).body.weight).toBe(FAN('7').toString());
  });

  it('counts or refuses each ballot racing a close: every ballot answered 200 is in the tally, every other was refused as poll_closed', async () => {
    const racers = Array.from({ length: 24 }, () => Wallet.createRandom());
    await chain.reward(racers.map((w) => [w.address, FAN('1')] as [string, bigint]));
    const poll = await createPoll({ weighting: 'one_per_fan' });
    const ballots = await Promise.all(racers.map(async (w, i) => ({ w, auth: await fanAuth(api, w), ballot: await signBallot(w, poll, i % 3) })));
    // One ballot every 30 ms and the close in the middle: ballots land before, during and after it.
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const closing = wait(250).then(() => request(api.url).post(`/api/v1/polls/${poll.id}/close`).set('authorization', staff));
    const answers = await Promise.all(ballots.slice(0, 20).map((b, i) => wait(i * 30).then(() => vote(api, poll.id, b.auth, b.ballot))));
    expect((await closing).status).toBe(200);
    // ... and those sent after the close answered are all refused
    answers.push(...(await Promise.all(ballots.slice(20).map((b) => vote(api, poll.id, b.auth, b.ballot)))));
    const accepted = new Set<string>();
    answers.forEach((res, i) => {
      if (res.status === 200) accepted.add(racers[i].address.toLowerCase());
      else expect(res.body.code).toBe('poll_closed');
      if (i >= 20) expect(res.status).toBe(409);
    });
    console.log(`racing a close: ${accepted.size} of ${racers.length} ballots counted, the rest refused as poll_closed`);
    const published = (await request(api.url).get(`/api/v1/polls/${poll.id}/ballots`).expect(200)).body;
    expect(new Set(published.ballots.map((b: { voter: string }) => b.voter))).toEqual(accepted);
    const closed = (await request(api.url).get(`/api/v1/polls/${poll.id}`).expect(200)).body;
    expect(closed.voters).toBe(accepted.size);
    expect(closed.options.reduce((n: number, o: { total: string }) => n + Number(o.total), 0)).toBe(accepted.size);
  });

  it('attests the tally and ballots root on chain at close, and a recount from the published ballots equals it', async () => {
    const poll = await createPoll();
    const voters = [alice, bob];
    await vote(api, poll.id, await fanAuth(api, alice), await signBallot(alice, poll, 2, nowS() - 20)).expect(200);
    await vote(api, poll.id, await fanAuth(api, alice), await signBallot(alice, poll, 1, nowS() - 10)).expect(200); // replaces
    await vote(api, poll.id, await fanAuth(api, bob), await signBallot(bob, poll, 1)).expect(200);
    const closed = (await request(api.url).post(`/api/v1/polls/${poll.id}/close`).set('authorization', staff).expect(200)).body;
    expect(closed.status).toBe('closed');

    const ds = api.app.get(DataSource);
    const deadline = Date.now() + 20_000;
    while ((await OutboxSender.backlog(ds)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await OutboxSender.rows(ds)).find((r) => r.idempotencyKey === `poll-attest:${poll.id}`)).toMatchObject({ status: 'confirmed' });

    // The recount uses only public data: the published ballots, the attestor's own domain, and archive reads of the token.
    const published = (await request(api.url).get(`/api/v1/polls/${poll.id}/ballots`).expect(200)).body;
    const [, name, version, chainId, verifyingContract] = await chain.attestor.eip712Domain();
    const domain = { name, version, chainId, verifyingContract };
    expect(published.ballots).toHaveLength(voters.length);
    const counted = [];
    for (const b of published.ballots) {
      const signer = verifyTypedData(domain, BALLOT_TYPES, { pollId: poll.key, option: b.option, issuedAt: b.issuedAt }, b.signature);
      expect(signer.toLowerCase()).toBe(b.voter);
      expect(await chain.attestor.ballotSigner({ pollId: poll.key, option: b.option, issuedAt: b.issuedAt }, b.signature)).toBe(signer);
      const weight: bigint = await chain.balanceAt(b.voter, published.snapshot.block);
      expect(weight.toString()).toBe(b.weight);
      counted.push({ ...b, weight });
    }
    const totals = [0n, 0n, 0n];
    const counts = [0, 0, 0];
    for (const b of counted) {
      totals[b.option] += b.weight;
      counts[b.option]++;
    }
    // this poll's snapshot is after the first test's moves: alice holds 40, bob 540
    expect(totals).toEqual([0n, FAN('40') + FAN('540'), 0n]);
    const tallyHash = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ['tuple(bytes32 pollId, uint64 snapshotBlock, uint256[] totals, uint256[] ballots)'],
        [{ pollId: poll.key, snapshotBlock: published.snapshot.block, totals, ballots: counts }],
      ),
    );
    const root = StandardMerkleTree.of(
      counted.map((b) => [b.voter, b.option, b.issuedAt, b.weight.toString(), keccak256(b.signature)]),
      ['address', 'uint8', 'uint64', 'uint256', 'bytes32'],
    ).root;
    expect({ tallyHash, root }).toEqual({ tallyHash: published.tallyHash, root: published.ballotsRoot });
    expect(await chain.attestor.verify(poll.key, tallyHash, root)).toBe(true);
    const [event] = await chain.attestor.queryFilter(chain.attestor.filters.PollAttested(poll.key));
    expect((event as unknown as { args: unknown[] }).args.slice(0, 3)).toEqual([poll.key, tallyHash, root]);
    // a recount with one vote changed does not match the chain
    expect(await chain.attestor.verify(poll.key, keccak256(AbiCoder.defaultAbiCoder().encode(['uint256'], [1])), root)).toBe(false);

    await expect.poll(async () => (await request(api.url).get(`/api/v1/polls/${poll.id}`)).body.result.attestedAt, { timeout: 10_000, interval: 250 }).not.toBeNull();
    const listed = (await request(api.url).get(`/api/v1/events/${eventId}/polls`).expect(200)).body;
    expect(listed.find((p: { id: string }) => p.id === poll.id)).toMatchObject({ status: 'closed', result: { tallyHash, ballotsRoot: root } });
  });
});

describe('fan polls without a chain', () => {
  let api: RunningApp;
  beforeAll(async () => {
    api = await startApp('polls-nochain');
  });
  afterAll(() => api?.close());

  it('refuses token polls as chain_unavailable, and runs one-fan-one-vote polls of checked-in fans', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Offline cup');
    const base = { venueId: DEMO_VENUE_ID, eventId, question: 'Kit colour?', options: ['Red', 'Blue'], closesAt: inSeconds(600) };
    const refused = await request(api.url)
      .post('/api/v1/polls')
      .set('authorization', admin)
      .send({ ...base, eligibility: 'holders', weighting: 'one_per_fan' })
      .expect(503);
    expect(refused.body.code).toBe('chain_unavailable');
    const poll = (
      await request(api.url)
        .post('/api/v1/polls')
        .set('authorization', admin)
        .send({ ...base, eligibility: 'checked_in', weighting: 'one_per_fan' })
        .expect(201)
    ).body;
    expect(poll.snapshot).toBeNull();
    expect(poll.ballot.domain).toEqual({ name: 'FanMesh Polls', version: '1' });
    const fan = Wallet.createRandom();
    expect((await vote(api, poll.id, await fanAuth(api, fan), await signBallot(fan, poll, 0))).body.code).toBe('not_checked_in');
  });
});
