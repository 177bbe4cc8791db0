import fc from 'fast-check';
import { Contract, ContractFactory, ContractTransactionResponse, id, InterfaceAbi, Wallet, ZeroAddress, ZeroHash } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FanToken, RewardDistributor } from '../artifacts';
import { processProof, rewardLeaf, ROLES, signClaim } from '../../libs/chain/src/contracts';
import { deployAll, EMISSION_WEEK_SECONDS, emissionAllowanceAt, emissionArgs, EmissionSchedule, earliestScheduleChange, receiptOf } from '@fanmesh/chain';
import { shouldExposeEip712Domain, shouldGuardWithRole, shouldReportVersion } from './access.behavior';
import { Balances, deployFixture, expectEvents, expectRevert, Fixture, mined, proofOf, rewardTree, snapshot, sum } from './fixture';

const CAP = 10n ** 24n;
let f: Fixture;
let restore: () => Promise<void>;
beforeAll(async () => {
  // funded explicitly by the tests
  f = await deployFixture({ cap: CAP, fund: 0n });
});
afterAll(() => f?.stop());
beforeEach(async () => {
  restore = await snapshot(f.provider);
});
afterEach(() => restore());

const alice = Wallet.createRandom();
const bob = Wallet.createRandom();
const carol = Wallet.createRandom();
const relayer = () => f.others[0];
const stranger = () => f.others[1];

/** A log's decoded arguments. */
const ALL_ARGS = (log: unknown) => [...(log as { args: unknown[] }).args];

/** A stand-in for an epoch file's keccak256: the contract stores nothing about it, it only logs it. */
const fileHashOf = (epochId: number) => id(`epoch file ${epochId}`);

/** Funds what is missing and publishes `balances` as epoch `epochId` (total = their sum unless given). */
async function publish(epochId: number, balances: Balances, total = sum(balances)) {
  const funded: bigint = await f.distributor.funded();
  if (total > funded) await mined(f.distributor.fund(total - funded));
  const tree = rewardTree(balances);
  const receipt = await mined(f.distributor.publishRoot(epochId, tree.root, total, fileHashOf(epochId)));
  return { tree, receipt };
}

describe('RewardDistributor', () => {
  shouldReportVersion(() => f.distributor, '1.2.0');
  shouldExposeEip712Domain(
    () => f.distributor,
    'FanMesh RewardDistributor',
    () => f.chainId,
  );

  it('points at its token and starts with no epoch and no funding', async () => {
    expect(await f.distributor.token()).toBe(f.deployment.FanToken);
    expect(await f.distributor.merkleRoot()).toBe(ZeroHash);
    expect([...(await f.distributor.currentEpoch())]).toEqual([0n, 0n]);
    expect(await f.distributor.funded()).toBe(0n);
    expect(await f.distributor.paid()).toBe(0n);
    expect(await f.distributor.claimed(alice.address)).toBe(0n);
  });

  it('refuses zero addresses and a schedule without seasons or with a decay above 100 % at deployment', async () => {
    const factory = new ContractFactory(RewardDistributor.abi as InterfaceAbi, RewardDistributor.bytecode, f.admin);
    const a = f.admin.address;
    const schedule = [0n, 1n, 0, 1] as const;
    await expectRevert(factory.deploy(ZeroAddress, a, a, ...schedule), 'FanMeshZeroAddress', []);
    await expectRevert(factory.deploy(f.deployment.FanToken, ZeroAddress, a, ...schedule), 'FanMeshZeroAddress', []);
    await expectRevert(factory.deploy(f.deployment.FanToken, a, ZeroAddress, ...schedule), 'FanMeshZeroAddress', []);
    await expectRevert(factory.deploy(f.deployment.FanToken, a, a, 0n, 1n, 0, 0), 'RewardsInvalidSchedule', [0n, 0n]);
    await expectRevert(factory.deploy(f.deployment.FanToken, a, a, 0n, 1n, 10_001, 4), 'RewardsInvalidSchedule', [4n, 10_001n]);
  });

  describe('roles', () => {
    shouldGuardWithRole(
      () => f.distributor,
      async () => ROLES.OPERATOR_ROLE,
      stranger,
      () => f.admin.address,
      {
        publishRoot: (c) => c.publishRoot(1, ZeroHash, 0n, ZeroHash),
      },
    );
    shouldGuardWithRole(
      () => f.distributor,
      async () => ROLES.DEFAULT_ADMIN_ROLE,
      stranger,
      () => f.admin.address,
      {
        fund: (c) => c.fund(1n),
        setEmissionSchedule: (c) => c.setEmissionSchedule(2n ** 40n, 1n, 0, 1),
      },
    );
  });

  describe('funding and epochs', () => {
    it('funds up to the token’s cap', async () => {
      const receipt = await mined(f.distributor.fund(100n));
      expectEvents(receipt, [{ address: f.deployment.RewardDistributor, name: 'Funded', args: { amount: 100n, funded: 100n } }]);
      await mined(f.distributor.fund(CAP - 100n));
      expect(await f.distributor.funded()).toBe(CAP);
      await expectRevert(f.distributor.fund(1n), 'RewardsFundingExceedsCap', [CAP + 1n, CAP]);
    });

    it('publishes a root with its epoch, total and file hash, and moves the token’s mint ceiling to that total', async () => {
      await mined(f.distributor.fund(500n));
      const tree = rewardTree([
        [alice.address, 300n],
        [bob.address, 200n],
      ]);
      const fileHash = fileHashOf(1);
      const receipt = await mined(f.distributor.publishRoot(1, tree.root, 500n, fileHash));
      expectEvents(receipt, [
        { address: f.deployment.FanToken, name: 'MintCeilingSet', args: { ceiling: 500n } },
        { address: f.deployment.RewardDistributor, name: 'EpochPublished', args: { epochId: 1n, root: tree.root, total: 500n } },
        { address: f.deployment.RewardDistributor, name: 'RootPublished', args: { epochId: 1n, root: tree.root, total: 500n, fileHash } },
      ]);
      expect(await f.distributor.merkleRoot()).toBe(tree.root);
      expect([...(await f.distributor.currentEpoch())]).toEqual([1n, 500n]);
      expect(await f.token.mintCeiling()).toBe(500n);
    });

    it('publishes epochs in increasing order only (gaps allowed)', async () => {
      await publish(1, [[alice.address, 1n]]);
      await expectRevert(f.distributor.publishRoot(1, ZeroHash, 1n, ZeroHash), 'RewardsEpochNotIncreasing', [1n, 1n]);
      await expectRevert(f.distributor.publishRoot(0, ZeroHash, 1n, ZeroHash), 'RewardsEpochNotIncreasing', [0n, 1n]);
      await publish(5, [[alice.address, 2n]]);
      await expectRevert(f.distributor.publishRoot(4, ZeroHash, 2n, ZeroHash), 'RewardsEpochNotIncreasing', [4n, 5n]);
    });

    it('never publishes a total above what was funded', async () => {
      await mined(f.distributor.fund(100n));
      await expectRevert(f.distributor.publishRoot(1, ZeroHash, 101n, ZeroHash), 'RewardsEpochExceedsFunding', [1n, 101n, 100n]);
    });

    it('never publishes a total below what claims already paid', async () => {
      const { tree } = await publish(1, [
        [alice.address, 70n],
        [bob.address, 30n],
      ]);
      await mined(f.distributor.claim(alice.address, 70n, proofOf(tree, alice.address)));
      await expectRevert(f.distributor.publishRoot(2, ZeroHash, 69n, ZeroHash), 'RewardsEpochBelowPaid', [2n, 69n, 70n]);
    });
  });

  describe('the emission schedule (1.2.0): no root may total more than the schedule has released', () => {
    const WEEK = EMISSION_WEEK_SECONDS;
    const operator = () => f.others[2];
    let start: bigint;
    beforeEach(async () => {
      start = (await f.now()) + 1000n;
    });

    /**
     * A fresh deployment on the same anvil with `schedule` (funded to the cap, so only the schedule
     * binds), its admin account 0 and a separate operator, as on a real chain.
     */
    async function scheduled(schedule: Omit<EmissionSchedule, 'start'>) {
      const full = { start, ...schedule };
      const d = await deployAll(f.admin, { cap: CAP, fund: CAP, operator: operator().address, emission: full });
      const distributor = new Contract(d.RewardDistributor, RewardDistributor.abi as InterfaceAbi, f.admin);
      const token = new Contract(d.FanToken, FanToken.abi as InterfaceAbi, f.admin);
      const asOperator = distributor.connect(operator()) as Contract;
      /** The next block is mined at `t`: publishes `total` as epoch `epochId` there, as the operator. */
      const publishAt = async (t: bigint, epochId: number, total: bigint) => {
        await f.provider.send('evm_setNextBlockTimestamp', [Number(t)]);
        return asOperator.publishRoot(epochId, id(`root ${epochId}`), total, fileHashOf(epochId));
      };
      return { schedule: full, distributor, token, asOperator, publishAt };
    }

    it('is set in the constructor, announced, and readable', async () => {
      const { distributor, schedule } = await scheduled({ weekly: 100n, decayBps: 500, seasonWeeks: 13 });
      expect([...(await distributor.emissionSchedule())]).toEqual([...emissionArgs(schedule).map(BigInt), 0n]);
      const [log] = await distributor.queryFilter(distributor.filters.EmissionScheduleSet());
      expect(ALL_ARGS(log)).toEqual([start, 100n, 500n, 13n, 0n]);
      expect(await distributor.allowanceAt(start - 1n)).toBe(0n);
      expect(await distributor.allowanceAt(start)).toBe(100n);
    });

    it('refuses a root above the week’s allowance, even from the operator, and publishes one within it', async () => {
      const { distributor, token, publishAt } = await scheduled({ weekly: 100n, decayBps: 0, seasonWeeks: 4 });
      // before the schedule starts nothing is released
      await expectRevert(publishAt(start - 10n, 1, 1n), 'RewardsEpochExceedsSchedule', [1n, 1n, 0n]);
      // the first week's amount is there from its first second, and not a unit more
      await expectRevert(publishAt(start, 1, 101n), 'RewardsEpochExceedsSchedule', [1n, 101n, 100n]);
      await mined(publishAt(start + 1n, 1, 100n));
      expect([...(await distributor.currentEpoch())]).toEqual([1n, 100n]);
      expect(await token.mintCeiling()).toBe(100n);
      expect(await distributor.allowance()).toBe(100n);
      // the last second of the first week still has only the first week's amount
      await expectRevert(publishAt(start + WEEK - 1n, 2, 101n), 'RewardsEpochExceedsSchedule', [2n, 101n, 100n]);
      await mined(publishAt(start + WEEK, 2, 200n));
    });

    it('carries what an epoch left unspent over to later epochs', async () => {
      const { publishAt } = await scheduled({ weekly: 100n, decayBps: 0, seasonWeeks: 4 });
      await mined(publishAt(start, 1, 30n)); // week 1 spends 30 of its 100
      await mined(publishAt(start + WEEK, 2, 50n)); // week 2 spends 20 of its 100
      // week 3: its own 100 plus the 150 the first two weeks left
      await expectRevert(publishAt(start + 2n * WEEK, 3, 301n), 'RewardsEpochExceedsSchedule', [3n, 301n, 300n]);
      await mined(publishAt(start + 2n * WEEK + 1n, 3, 300n));
      // and nothing is left for the rest of week 3
      await expectRevert(publishAt(start + 3n * WEEK - 1n, 4, 301n), 'RewardsEpochExceedsSchedule', [4n, 301n, 300n]);
    });

    it('lowers each season’s weekly amount by the decay, as the off-chain mirror computes it', async () => {
      const { distributor, publishAt } = await scheduled({ weekly: 1000n, decayBps: 2500, seasonWeeks: 2 });
      // season 0: 1000, 1000; season 1: 750, 750; season 2: 562, 562; season 3: 421 ...
      const expected = [1000n, 2000n, 2750n, 3500n, 4062n, 4624n, 5045n];
      for (const [week, amount] of expected.entries()) {
        expect(await distributor.allowanceAt(start + BigInt(week) * WEEK + 5n)).toBe(amount);
      }
      await expectRevert(publishAt(start + 4n * WEEK, 1, 4063n), 'RewardsEpochExceedsSchedule', [1n, 4063n, 4062n]);
      await mined(publishAt(start + 4n * WEEK + 1n, 1, 4062n));
    });

    it('matches the off-chain mirror for any schedule and time (property)', async () => {
      const { distributor } = await scheduled({ weekly: 1n, decayBps: 0, seasonWeeks: 1 });
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            weekly: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
            decayBps: fc.oneof(fc.constant(0), fc.constant(10_000), fc.integer({ min: 0, max: 10_000 })),
            seasonWeeks: fc.integer({ min: 1, max: 52 }),
          }),
          fc.bigInt({ min: 0n, max: 520n * WEEK }),
          async (schedule, after) => {
            const back = await snapshot(f.provider);
            try {
              // a change takes the place of the deployment's schedule from the earliest moment it may
              const now = await f.now();
              const from = earliestScheduleChange({ start, weekly: 1n, decayBps: 0, seasonWeeks: 1 }, now + 1n);
              await f.provider.send('evm_setNextBlockTimestamp', [Number(now + 1n)]);
              await mined(distributor.setEmissionSchedule(from, schedule.weekly, schedule.decayBps, schedule.seasonWeeks));
              const [, , , , releasedBefore] = await distributor.emissionSchedule();
              const t = from + after - 1000n;
              expect(await distributor.allowanceAt(t)).toBe(emissionAllowanceAt({ start: from, ...schedule }, t, releasedBefore));
            } finally {
              await back();
            }
          },
        ),
        { numRuns: 40 },
      );
    });

    it('is the admin’s to change, never the operator’s', async () => {
      const { distributor, asOperator } = await scheduled({ weekly: 100n, decayBps: 0, seasonWeeks: 4 });
      const far = start + 10n * WEEK;
      await expectRevert(asOperator.setEmissionSchedule(far, 10n ** 24n, 0, 4), 'AccessControlUnauthorizedAccount', [operator().address, ROLES.DEFAULT_ADMIN_ROLE]);
      expect((await distributor.emissionSchedule())[1]).toBe(100n);
      await mined(distributor.setEmissionSchedule(far, 50n, 0, 4));
      expect((await distributor.emissionSchedule())[1]).toBe(50n);
    });

    it('changes only weeks that have not begun: what was released stays, and nothing more is released at once', async () => {
      const { distributor, publishAt } = await scheduled({ weekly: 100n, decayBps: 0, seasonWeeks: 4 });
      await mined(publishAt(start + 3n * WEEK + WEEK / 2n, 1, 150n)); // halfway through week 4: 400 released, 150 published
      const now = await f.now();
      const weekEnd = start + 4n * WEEK;
      expect(earliestScheduleChange({ start, weekly: 100n, decayBps: 0, seasonWeeks: 4 }, now + 1n)).toBe(weekEnd);
      // a new, generous schedule may not start now, nor in the past, nor inside the week in progress
      for (const from of [now + 1n, start, 0n, weekEnd - 1n]) {
        await expectRevert(distributor.setEmissionSchedule(from, 10n ** 24n, 0, 4), 'RewardsScheduleStartTooEarly', [from, weekEnd]);
      }
      // it may start when the week in progress ends; what the old one released is frozen, no more
      const receipt = await mined(distributor.setEmissionSchedule(weekEnd, 10n ** 20n, 0, 4));
      expectEvents(receipt, [
        { address: await distributor.getAddress(), name: 'EmissionScheduleSet', args: { start: weekEnd, weekly: 10n ** 20n, decayBps: 0n, seasonWeeks: 4n, releasedBefore: 400n } },
      ]);
      expect(await distributor.allowance()).toBe(400n);
      await expectRevert(publishAt(weekEnd - 1n, 2, 401n), 'RewardsEpochExceedsSchedule', [2n, 401n, 400n]);
      // a second change in the same week cannot start earlier than the first one did (no week twice)
      const later = (await f.now()) + 1n;
      await expectRevert(distributor.setEmissionSchedule(later, 10n ** 24n, 0, 4), 'RewardsScheduleStartTooEarly', [later, weekEnd]);
      await mined(publishAt(weekEnd, 2, 400n + 10n ** 20n));
    });

    it('can stop emission from the next week on, and never takes back what was released', async () => {
      const { distributor, publishAt } = await scheduled({ weekly: 100n, decayBps: 0, seasonWeeks: 4 });
      await mined(publishAt(start + WEEK, 1, 120n)); // week 2: 200 released
      await mined(distributor.setEmissionSchedule(start + 2n * WEEK, 0n, 0, 4));
      expect((await distributor.emissionSchedule())[4]).toBe(200n);
      await expectRevert(publishAt(start + 30n * WEEK, 2, 201n), 'RewardsEpochExceedsSchedule', [2n, 201n, 200n]);
      await mined(publishAt(start + 30n * WEEK + 1n, 2, 200n)); // the unspent 80 is still there
      await expectRevert(distributor.setEmissionSchedule(start, 100n, 0, 0), 'RewardsScheduleStartTooEarly');
      await expectRevert(distributor.setEmissionSchedule(start + 31n * WEEK, 100n, 0, 0), 'RewardsInvalidSchedule', [0n, 0n]);
    });
  });

  describe('claim', () => {
    it('pays the cumulative amount to the account, whoever sends it', async () => {
      const { tree } = await publish(1, [
        [alice.address, 100n],
        [bob.address, 50n],
      ]);
      const proof = proofOf(tree, alice.address);
      expect(await f.as(f.distributor, stranger()).claim.staticCall(alice.address, 100n, proof)).toBe(100n);
      const receipt = await mined(f.as(f.distributor, stranger()).claim(alice.address, 100n, proof));
      expectEvents(receipt, [
        { address: f.deployment.FanToken, name: 'Transfer', args: { from: ZeroAddress, to: alice.address, value: 100n } },
        { address: f.deployment.RewardDistributor, name: 'Claimed', args: { account: alice.address, cumulativeAmount: 100n } },
      ]);
      expect(await f.token.balanceOf(alice.address)).toBe(100n);
      expect(await f.token.balanceOf(stranger().address)).toBe(0n);
      expect(await f.distributor.claimed(alice.address)).toBe(100n);
      expect(await f.distributor.paid()).toBe(100n);
    });

    it('reverts a double claim instead of paying zero', async () => {
      const { tree } = await publish(1, [
        [alice.address, 100n],
        [bob.address, 50n],
      ]);
      await mined(f.distributor.claim(alice.address, 100n, proofOf(tree, alice.address)));
      await expectRevert(f.distributor.claim(alice.address, 100n, proofOf(tree, alice.address)), 'RewardsNothingToClaim', [alice.address, 100n, 100n]);
      expect(await f.token.balanceOf(alice.address)).toBe(100n);
    });

    it('pays only the difference in a later epoch, and everything at once after skipped epochs', async () => {
      const e1 = await publish(1, [
        [alice.address, 100n],
        [bob.address, 50n],
      ]);
      await mined(f.distributor.claim(alice.address, 100n, proofOf(e1.tree, alice.address)));
      await publish(2, [
        [alice.address, 180n],
        [bob.address, 90n],
      ]);
      const e3 = await publish(3, [
        [alice.address, 250n],
        [bob.address, 120n],
      ]);
      const receipt = await mined(f.distributor.claim(alice.address, 250n, proofOf(e3.tree, alice.address)));
      expectEvents(receipt, [
        { address: f.deployment.FanToken, name: 'Transfer', args: { from: ZeroAddress, to: alice.address, value: 150n } },
        { address: f.deployment.RewardDistributor, name: 'Claimed', args: { account: alice.address, cumulativeAmount: 250n } },
      ]);
      await mined(f.distributor.claim(bob.address, 120n, proofOf(e3.tree, bob.address)));
      expect([await f.token.balanceOf(alice.address), await f.token.balanceOf(bob.address)]).toEqual([250n, 120n]);
    });

    it('refuses a wrong amount, another account’s proof, a truncated or empty proof, and an old epoch’s leaf', async () => {
      const e1 = await publish(1, [
        [alice.address, 100n],
        [bob.address, 50n],
        [carol.address, 25n],
      ]);
      const proof = proofOf(e1.tree, alice.address);
      await expectRevert(f.distributor.claim(alice.address, 101n, proof), 'RewardsInvalidProof', [alice.address, 101n]);
      await expectRevert(f.distributor.claim(bob.address, 100n, proof), 'RewardsInvalidProof', [bob.address, 100n]);
      await expectRevert(f.distributor.claim(alice.address, 100n, proofOf(e1.tree, bob.address)), 'RewardsInvalidProof', [alice.address, 100n]);
      await expectRevert(f.distributor.claim(alice.address, 100n, proof.slice(1)), 'RewardsInvalidProof', [alice.address, 100n]);
      await expectRevert(f.distributor.claim(alice.address, 100n, []), 'RewardsInvalidProof', [alice.address, 100n]);
      await publish(2, [
        [alice.address, 120n],
        [bob.address, 60n],
        [carol.address, 25n],
      ]);
      await expectRevert(f.distributor.claim(alice.address, 100n, proof), 'RewardsInvalidProof', [alice.address, 100n]);
    });

    it('verifies @openzeppelin/merkle-tree proofs exactly as the off-chain helpers compute them', async () => {
      const balances: Balances = Array.from({ length: 37 }, (_, i) => [Wallet.createRandom().address, BigInt(i + 1) * 10n ** 18n] as const);
      const { tree } = await publish(1, balances);
      for (const [account, amount] of [balances[0], balances[36]]) {
        expect(processProof(rewardLeaf(account, amount), proofOf(tree, account))).toBe(tree.root);
        await mined(f.distributor.claim(account, amount, proofOf(tree, account)));
        expect(await f.token.balanceOf(account)).toBe(amount);
      }
    });

    it('never pays past the epoch’s total, whatever the root’s leaves add up to', async () => {
      // a faulty settlement: the leaves add up to 150 but the epoch was published (and funded) for 100
      const { tree } = await publish(
        1,
        [
          [alice.address, 90n],
          [bob.address, 60n],
        ],
        100n,
      );
      await mined(f.distributor.claim(alice.address, 90n, proofOf(tree, alice.address)));
      await expectRevert(f.distributor.claim(bob.address, 60n, proofOf(tree, bob.address)), 'FanTokenCeilingExceeded', [150n, 100n]);
      expect(await f.distributor.paid()).toBe(90n);
    });

    it('stops paying when its minter role is revoked', async () => {
      const { tree } = await publish(1, [[alice.address, 10n]]);
      await mined(f.token.revokeRole(ROLES.MINTER_ROLE, f.deployment.RewardDistributor));
      await expectRevert(f.distributor.claim(alice.address, 10n, proofOf(tree, alice.address)), 'AccessControlUnauthorizedAccount', [
        f.deployment.RewardDistributor,
        ROLES.MINTER_ROLE,
      ]);
    });
  });

  describe('claimFor (relayed, with the fan’s EIP-712 signature)', () => {
    const fan = Wallet.createRandom();
    const wallet = Wallet.createRandom().address; // where the fan wants the tokens

    async function setup() {
      const { tree } = await publish(1, [
        [fan.address, 70n],
        [bob.address, 1n],
      ]);
      const deadline = (await f.now()) + 3600n;
      const auth = { account: fan.address, cumulativeAmount: 70n, recipient: wallet, deadline };
      const signature = await signClaim(fan, f.chainId, f.deployment.RewardDistributor, auth);
      return { tree, deadline, auth, signature, proof: proofOf(tree, fan.address), relayed: f.as(f.distributor, relayer()) };
    }

    it('pays the recipient the fan signed for; the relayer pays the gas', async () => {
      const { deadline, signature, proof, relayed } = await setup();
      const receipt = await mined(relayed.claimFor(fan.address, 70n, wallet, deadline, signature, proof));
      expectEvents(receipt, [
        { address: f.deployment.FanToken, name: 'Transfer', args: { from: ZeroAddress, to: wallet, value: 70n } },
        { address: f.deployment.RewardDistributor, name: 'Claimed', args: { account: fan.address, cumulativeAmount: 70n } },
      ]);
      expect(await f.token.balanceOf(wallet)).toBe(70n);
      expect(await f.distributor.claimed(fan.address)).toBe(70n);
    });

    it('cannot be replayed: the signed cumulative amount is spent', async () => {
      const { deadline, signature, proof, relayed } = await setup();
      await mined(relayed.claimFor(fan.address, 70n, wallet, deadline, signature, proof));
      await expectRevert(relayed.claimFor(fan.address, 70n, wallet, deadline, signature, proof), 'RewardsNothingToClaim', [fan.address, 70n, 70n]);
      expect(await f.token.balanceOf(wallet)).toBe(70n);
    });

    it('refuses another signer, a changed recipient or amount, and a signature for another distributor', async () => {
      const { deadline, auth, proof, relayed, signature } = await setup();
      const forger = Wallet.createRandom();
      const forged = await signClaim(forger, f.chainId, f.deployment.RewardDistributor, auth);
      await expectRevert(relayed.claimFor(fan.address, 70n, wallet, deadline, forged, proof), 'RewardsInvalidSigner', [forger.address, fan.address]);
      const redirected = await expectRevert(relayed.claimFor(fan.address, 70n, relayer().address, deadline, signature, proof), 'RewardsInvalidSigner');
      expect(redirected.args[1]).toBe(fan.address);
      await expectRevert(relayed.claimFor(fan.address, 69n, wallet, deadline, signature, proof), 'RewardsInvalidSigner');
      const elsewhere = await signClaim(fan, f.chainId, f.deployment.DeviceRegistry, auth);
      await expectRevert(relayed.claimFor(fan.address, 70n, wallet, deadline, elsewhere, proof), 'RewardsInvalidSigner');
      await expectRevert(relayed.claimFor(fan.address, 70n, wallet, deadline, '0x1234', proof), 'ECDSAInvalidSignatureLength', [2n]);
    });

    it('refuses an expired signature', async () => {
      const { proof, relayed } = await setup();
      const past = (await f.now()) - 1n;
      const signature = await signClaim(fan, f.chainId, f.deployment.RewardDistributor, { account: fan.address, cumulativeAmount: 70n, recipient: wallet, deadline: past });
      await expectRevert(relayed.claimFor(fan.address, 70n, wallet, past, signature, proof), 'RewardsExpiredSignature', [past]);
    });

    it('still needs a valid proof', async () => {
      const { deadline, relayed } = await setup();
      const signature = await signClaim(fan, f.chainId, f.deployment.RewardDistributor, { account: fan.address, cumulativeAmount: 71n, recipient: wallet, deadline });
      await expectRevert(relayed.claimFor(fan.address, 71n, wallet, deadline, signature, []), 'RewardsInvalidProof', [fan.address, 71n]);
    });
  });

  it('never lets an account take more than its latest cumulative amount, nor all accounts more than was funded (property)', async () => {
    const accounts = Array.from({ length: 4 }, () => Wallet.createRandom().address);
    const epochArb = fc.record({
      // what each account earned this epoch (cumulative amounts never go down)
      earned: fc.array(fc.bigInt({ min: 0n, max: 1_000n }), { minLength: 4, maxLength: 4 }),
      // a faulty settlement may publish (and fund) less than its leaves add up to
      shortfall: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 500n })),
      // who claims, and whether with a stale proof from the previous epoch
      claims: fc.array(fc.record({ who: fc.nat({ max: 3 }), stale: fc.boolean() }), { maxLength: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(epochArb, { minLength: 1, maxLength: 3 }), async (epochs) => {
        const back = await snapshot(f.provider);
        try {
          const cumulative = accounts.map(() => 0n);
          const claimed = accounts.map(() => 0n); // the model of what each account was paid
          const paid = () => claimed.reduce((a, b) => a + b, 0n);
          let previous: { tree: ReturnType<typeof rewardTree>; amounts: bigint[] } | undefined;
          for (const [e, epoch] of epochs.entries()) {
            epoch.earned.forEach((earned, i) => (cumulative[i] += earned));
            const balances = accounts.map((a, i) => [a, cumulative[i]] as const);
            const wanted = sum(balances) - epoch.shortfall;
            const total = wanted < paid() ? paid() : wanted; // never below what was paid (that reverts)
            const { tree } = await publish(e + 1, balances, total);
            for (const { who, stale } of epoch.claims) {
              const old = stale ? previous : undefined;
              const amount = old ? old.amounts[who] : cumulative[who];
              const proof = proofOf(old ? old.tree : tree, accounts[who]);
              const ok = await f.distributor.claim(accounts[who], amount, proof).then(
                (tx: ContractTransactionResponse) => receiptOf(tx).then((r) => r.status === 1),
                () => false,
              );
              // a claim succeeds exactly when it proves the current root, adds something and fits the total
              expect(ok).toBe(!old && amount > claimed[who] && paid() + amount - claimed[who] <= total);
              if (ok) claimed[who] = amount;
            }
            previous = { tree, amounts: [...cumulative] };
            for (const [i, a] of accounts.entries()) {
              const balance: bigint = await f.token.balanceOf(a);
              expect(balance).toBe(claimed[i]);
              expect(balance).toBeLessThanOrEqual(cumulative[i]);
              expect(await f.distributor.claimed(a)).toBe(balance);
            }
            const supply: bigint = await f.token.totalSupply();
            expect(supply).toBe(paid());
            expect(supply).toBeLessThanOrEqual(total);
            expect(supply).toBeLessThanOrEqual(await f.distributor.funded());
          }
        } finally {
          await back();
        }
      }),
      { numRuns: 25 },
    );
  }, 180_000); // 25 runs of up to three epochs on anvil: seconds alone, but a busy machine stretches it past the default
});
