import { BaseWallet, Contract, InterfaceAbi, JsonRpcProvider, parseEther, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { anvilDevKey, ARTIFACTS, ChainService, OutboxSender, signClaim, receiptOf } from '@fanmesh/chain';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { ledgerTotals, playMatch, STEWARD, until, wallets } from './support';

describe('epochs, settlement and claims on the embedded chain', () => {
  let api: RunningApp;
  let admin: string;
  let staff: string;
  let ds: DataSource;
  let provider: JsonRpcProvider;
  let token: Contract;
  const fans = wallets(3);

  const manifest = async (id: string) => (await request(api.url).get(`/api/v1/epochs/${id}/manifest`).set('authorization', staff).expect(200)).body;
  // a claim is the address's own business: asked with its own session
  const ownAuth = async (address: string) => `Bearer ${await api.tokenFor({ subject: address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
  const claim = async (address: string) =>
    (
      await request(api.url)
        .get(`/api/v1/rewards/${address}/claim`)
        .set('authorization', await ownAuth(address))
        .expect(200)
    ).body;
  const fanAuth = async (w: BaseWallet) => `Bearer ${await api.tokenFor({ subject: w.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
  const balance = async (w: BaseWallet) =>
    (
      await request(api.url)
        .get('/api/v1/rewards/me')
        .set('authorization', await fanAuth(w))
        .expect(200)
    ).body.balance as string;
  const settle = async (eventId: string) => {
    // the final whistle closed the epoch by itself; closing again by hand answers the same epoch
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    expect(closed.body).toMatchObject({ eventId, status: 'pending_approval' });
    await request(api.url).post(`/api/v1/epochs/${closed.body.id}/approve`).set('authorization', staff).send({ note: 'looks right' }).expect(200);
    const done = await until(
      () => manifest(closed.body.id),
      (m) => m.status === 'published',
      30_000,
    );
    expect(done.status).toBe('published');
    return done;
  };
  const outboxIdle = () =>
    until(
      () => OutboxSender.backlog(ds),
      (n) => n === 0,
      20_000,
    );

  beforeAll(async () => {
    api = await startApp('rewards-chain', { databaseUrl: await createTestDatabase('rewards-chain'), env: { CHAIN_EMBEDDED: 'on' } });
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    ds = api.app.get(DataSource);
    const chain = api.app.get(ChainService);
    provider = chain.provider!;
    token = new Contract(chain.deployment!.FanToken, ARTIFACTS.FanToken.abi as unknown as InterfaceAbi, provider);
  });
  afterAll(() => api?.close());

  it('closes at the final whistle, shows a manifest, and a rejected manifest publishes nothing', async () => {
    const eventId = await playMatch(api, admin, wallets(2), 'Rejected night');
    const epoch = await until(
      async () => (await ds.query(`SELECT id::text FROM reward_epochs WHERE event_id = $1`, [eventId]))[0]?.id as string | undefined,
      (v) => !!v,
    );
    const m = await manifest(epoch!);
    expect(m.status).toBe('pending_approval');
    expect(m.manifest.byKind.map((k: { kind: string }) => k.kind)).toEqual(['admission', 'verification']);
    expect(m.manifest.largestMovers[0]).toMatchObject({ account: expect.stringMatching(/^0x/) });
    expect(Array.isArray(m.manifest.anomalies)).toBe(true);
    const rejected = await request(api.url).post(`/api/v1/epochs/${epoch}/reject`).set('authorization', staff).send({ note: 'steward under review' }).expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: 'steward under review' });
    const again = await request(api.url).post(`/api/v1/epochs/${epoch}/approve`).set('authorization', staff).send({}).expect(409);
    expect(again.body.code).toBe('epoch_not_pending');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await ds.query(`SELECT 1 FROM chain_outbox WHERE kind = 'rewards.publishRoot'`)).toHaveLength(0);
    expect(
      (
        await request(api.url)
          .get(`/api/v1/rewards/${STEWARD}/claim`)
          .set('authorization', await ownAuth(STEWARD))
          .expect(404)
      ).body.code,
    ).toBe('not_settled');
  });

  it('settles an approved epoch to a root every fan can claim directly, exactly the ledger total; a second claim pays 0', async () => {
    const eventId = await playMatch(api, admin, fans, 'Claim night');
    const done = await settle(eventId);
    // the root on chain is the tree of the ledger's totals, as @openzeppelin/merkle-tree builds it
    const totals = await ledgerTotals(ds, done.id);
    const oz = StandardMerkleTree.of(
      [...totals].map(([a, v]) => [a, v.toString()]),
      ['address', 'uint256'],
    );
    expect(done.root).toBe(oz.root);
    const distributor = api.app.get(ChainService).contract('RewardDistributor');
    expect(await distributor.merkleRoot()).toBe(oz.root);
    // the venues context settles the event when it hears rewards.epoch_settled (delivered after commit)
    const event = await until(
      () => request(api.url).get(`/api/v1/events/${eventId}`),
      (r) => r.body.status === 'settled',
      10_000,
    );
    expect(event.body.status).toBe('settled');

    const fan = fans[0].connect(provider);
    const c = await claim(fan.address);
    expect(c).toMatchObject({ cumulativeAmount: await balance(fans[0]), claimed: '0', claimable: c.cumulativeAmount, epochId: done.id });
    expect(c.proof).toEqual(oz.getProof([fan.address.toLowerCase(), c.cumulativeAmount]));
    // the fan pays gas: give them some, then send what the API says
    const faucet = new Wallet(anvilDevKey(1), provider);
    await receiptOf(await faucet.sendTransaction({ to: fan.address, value: parseEther('1') }));
    await receiptOf(await fan.sendTransaction({ to: c.direct.contract, data: c.direct.data }));
    expect((await token.balanceOf(fan.address)).toString()).toBe(await balance(fans[0]));
    expect(await claim(fan.address)).toMatchObject({ claimed: c.cumulativeAmount, claimable: '0' });
    // a second claim in the same epoch pays nothing: the contract refuses it and so does the relay
    await expect(fan.sendTransaction({ to: c.direct.contract, data: c.direct.data })).rejects.toThrow(/RewardsNothingToClaim|revert/i);
    const deadline = Math.floor(Date.now() / 1000) + 3600;
    const signature = await signClaim(fans[0], c.gasless.domain.chainId, c.direct.contract, {
      account: fan.address,
      cumulativeAmount: BigInt(c.cumulativeAmount),
      recipient: fan.address,
      deadline: BigInt(deadline),
    });
    const twice = await request(api.url)
      .post('/api/v1/rewards/claims/relay')
      .set('authorization', await fanAuth(fans[0]))
      .send({ cumulativeAmount: c.cumulativeAmount, deadline, signature })
      .expect(409);
    expect(twice.body.code).toBe('nothing_to_claim');
    expect((await token.balanceOf(fan.address)).toString()).toBe(await balance(fans[0]));
  });

  it('relays a gasless claim signed by the fan, and refuses bad ones with a code', async () => {
    const fan = fans[1];
    const auth = await fanAuth(fan);
    const c = await claim(fan.address);
    const deadline = Math.floor(Date.now() / 1000) + 3600;
    const sign = (w: BaseWallet, amount: bigint, d = deadline) =>
      signClaim(w, c.gasless.domain.chainId, c.direct.contract, { account: fan.address, cumulativeAmount: amount, recipient: fan.address, deadline: BigInt(d) });
    const relay = (body: object) => request(api.url).post('/api/v1/rewards/claims/relay').set('authorization', auth).send(body);
    const amount = BigInt(c.cumulativeAmount);
    expect((await relay({ cumulativeAmount: c.cumulativeAmount, deadline, signature: await sign(Wallet.createRandom(), amount) })).body.code).toBe('bad_claim_signature');
    expect((await relay({ cumulativeAmount: (amount + 1n).toString(), deadline, signature: await sign(fan, amount + 1n) })).body.code).toBe('stale_claim');
    const soon = Math.floor(Date.now() / 1000) + 10;
    expect((await relay({ cumulativeAmount: c.cumulativeAmount, deadline: soon, signature: await sign(fan, amount, soon) })).body.code).toBe('deadline_passed');
    expect((await relay({ cumulativeAmount: 12, deadline, signature: '0x00' })).status).toBe(400);
    expect(await ds.query(`SELECT 1 FROM chain_outbox WHERE kind = 'rewards.claimFor'`)).toHaveLength(0);

    const ok = await relay({ cumulativeAmount: c.cumulativeAmount, deadline, signature: await sign(fan, amount) }).expect(202);
    expect(ok.body).toMatchObject({ queued: true, amount: c.cumulativeAmount });
    await outboxIdle();
    expect((await token.balanceOf(fan.address)).toString()).toBe(await balance(fan));
    expect(await claim(fan.address)).toMatchObject({ claimable: '0' });
  });

  it('lets a fan with rewards in several epochs claim them all at once, against the contract’s claimed amount', async () => {
    // fans[0] and fans[1] claimed epoch 1; fans[2] never did. All three earn again in a second match.
    const eventId = await playMatch(api, admin, fans, 'Second night');
    const done = await settle(eventId);
    for (const w of fans) {
      const c = await claim(w.address);
      expect(c.epochId).toBe(done.id);
      expect(c.cumulativeAmount).toBe(await balance(w));
      const before = BigInt(await token.balanceOf(w.address));
      expect(BigInt(c.claimable)).toBe(BigInt(c.cumulativeAmount) - before);
      const deadline = Math.floor(Date.now() / 1000) + 3600;
      const signature = await signClaim(w, c.gasless.domain.chainId, c.direct.contract, {
        account: w.address,
        cumulativeAmount: BigInt(c.cumulativeAmount),
        recipient: w.address,
        deadline: BigInt(deadline),
      });
      await request(api.url)
        .post('/api/v1/rewards/claims/relay')
        .set('authorization', await fanAuth(w))
        .send({ cumulativeAmount: c.cumulativeAmount, deadline, signature })
        .expect(202);
    }
    await outboxIdle();
    for (const w of fans) expect((await token.balanceOf(w.address)).toString()).toBe(await balance(w));
    // fans[2] got both matches in one claim
    expect(BigInt(await balance(fans[2]))).toBe(2n * 10n * 10n ** 18n);
  });
});
