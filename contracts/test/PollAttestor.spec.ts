import fc from 'fast-check';
import { AbiCoder, Contract, ContractFactory, Interface, InterfaceAbi, TypedDataEncoder, Wallet, ZeroAddress, ZeroHash, keccak256, toUtf8Bytes } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PollAttestor } from '../artifacts';
import { BALLOT_TYPES, DOMAIN_NAMES, eip712Domain } from '@fanmesh/protocol';
import { ROLES } from '../../libs/chain/src/contracts';
import { shouldExposeEip712Domain, shouldGuardWithRole, shouldReportVersion } from './access.behavior';
import { deployFixture, expectRevert, Fixture, mined, minedIfSent, snapshot } from './fixture';

let f: Fixture;
let restore: () => Promise<void>;
beforeAll(async () => {
  f = await deployFixture();
});
afterAll(() => f?.stop());
beforeEach(async () => {
  restore = await snapshot(f.provider);
});
afterEach(() => restore());

const polls = () => new Contract(f.deployment.PollAttestor, PollAttestor.abi as InterfaceAbi, f.admin);
const stranger = () => f.others[1];
const iface = new Interface(PollAttestor.abi as InterfaceAbi);
const abi = AbiCoder.defaultAbiCoder();

const pollId = (n: number) => keccak256(toUtf8Bytes(`poll-${n}`));
const tally = (n: number) => keccak256(toUtf8Bytes(`tally-${n}`));
const root = (n: number) => keccak256(toUtf8Bytes(`root-${n}`));
const commitment = (t: string, r: string) => keccak256(abi.encode(['bytes32', 'bytes32'], [t, r]));

/** PollAttested events of a receipt, decoded with this contract's ABI. */
function attestedEvents(receipt: { logs: readonly { address: string; topics: readonly string[]; data: string }[] }) {
  return receipt.logs.flatMap((log) => {
    const parsed = iface.parseLog(log);
    return parsed ? [{ address: log.address, name: parsed.name, args: parsed.args.toObject() }] : [];
  });
}

/** Reverts decoded with this contract's ABI (its errors are declared in PollAttestor.sol, not Common.sol). */
async function expectPollRevert(p: Promise<unknown>, name: string, args: unknown[]): Promise<void> {
  try {
    await minedIfSent(await p);
  } catch (err) {
    const e = err as { data?: string; info?: { error?: { data?: string } } };
    const data = e.data ?? e.info?.error?.data;
    const parsed = data ? iface.parseError(data) : null;
    expect(parsed?.name).toBe(name);
    expect([...parsed!.args]).toEqual(args);
    return;
  }
  throw new Error(`expected revert ${name}, but it succeeded`);
}

describe('PollAttestor', () => {
  shouldReportVersion(polls);
  shouldExposeEip712Domain(polls, DOMAIN_NAMES.PollAttestor, () => f.chainId);

  describe('roles', () => {
    shouldGuardWithRole(
      polls,
      async () => ROLES.ATTESTER_ROLE,
      stranger,
      () => f.admin.address,
      {
        attest: (c) => c.attest(pollId(1), tally(1), root(1)),
      },
    );

    it('refuses zero addresses at deployment', async () => {
      const factory = new ContractFactory(PollAttestor.abi as InterfaceAbi, PollAttestor.bytecode, f.admin);
      await expectRevert(factory.deploy(ZeroAddress, f.admin.address), 'FanMeshZeroAddress', []);
      await expectRevert(factory.deploy(f.admin.address, ZeroAddress), 'FanMeshZeroAddress', []);
    });
  });

  describe('attest', () => {
    it('stores a commitment to tally and ballots root and emits both', async () => {
      const receipt = await mined(polls().attest(pollId(1), tally(1), root(1)));
      expect(attestedEvents(receipt)).toEqual([
        { address: f.deployment.PollAttestor, name: 'PollAttested', args: { pollId: pollId(1), tallyHash: tally(1), ballotsRoot: root(1) } },
      ]);
      expect(await polls().isAttested(pollId(1))).toBe(true);
      expect(await polls().commitmentOf(pollId(1))).toBe(commitment(tally(1), root(1)));
      expect(await polls().verify(pollId(1), tally(1), root(1))).toBe(true);
    });

    it('verifies only the attested values', async () => {
      await mined(polls().attest(pollId(1), tally(1), root(1)));
      expect(await polls().verify(pollId(1), tally(2), root(1))).toBe(false);
      expect(await polls().verify(pollId(1), tally(1), root(2))).toBe(false);
      expect(await polls().verify(pollId(1), root(1), tally(1))).toBe(false);
      expect(await polls().verify(pollId(2), tally(1), root(1))).toBe(false);
      expect(await polls().isAttested(pollId(2))).toBe(false);
    });

    it('accepts a zero ballots root (a poll that closed without ballots)', async () => {
      await mined(polls().attest(pollId(3), tally(3), ZeroHash));
      expect(await polls().verify(pollId(3), tally(3), ZeroHash)).toBe(true);
    });

    it('refuses to re-attest a poll, even with other values', async () => {
      await mined(polls().attest(pollId(1), tally(1), root(1)));
      await expectPollRevert(polls().attest(pollId(1), tally(1), root(1)), 'PollAlreadyAttested', [pollId(1)]);
      await expectPollRevert(polls().attest(pollId(1), tally(2), root(2)), 'PollAlreadyAttested', [pollId(1)]);
      expect(await polls().verify(pollId(1), tally(1), root(1))).toBe(true);
    });

    it('refuses the zero poll id and the zero tally hash', async () => {
      await expectPollRevert(polls().attest(ZeroHash, tally(1), root(1)), 'PollInvalidId', []);
      await expectPollRevert(polls().attest(pollId(1), ZeroHash, root(1)), 'PollInvalidTally', [pollId(1)]);
      expect(await polls().isAttested(pollId(1))).toBe(false);
    });

    it('costs under 50,000 gas per poll', async () => {
      const receipt = await mined(polls().attest(pollId(9), tally(9), root(9)));
      console.log(`PollAttestor.attest gas: ${receipt.gasUsed}`);
      expect(receipt.gasUsed).toBeLessThan(50_000n);
    });

    it('commits to keccak256(abi.encode(tallyHash, ballotsRoot)) for any values (property)', async () => {
      const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => '0x' + Buffer.from(b).toString('hex'));
      await fc.assert(
        fc.asyncProperty(bytes32, bytes32, async (t, r) => {
          expect(await polls().commitment(t, r)).toBe(commitment(t, r));
        }),
        { numRuns: 40 },
      );
    });
  });

  describe('ballots', () => {
    const ballot = (over: Partial<{ pollId: string; option: number; issuedAt: bigint }> = {}) => ({ pollId: pollId(1), option: 2, issuedAt: 1_790_000_000n, ...over });
    const domain = () => eip712Domain(DOMAIN_NAMES.PollAttestor, f.chainId, f.deployment.PollAttestor);

    it('hashes a ballot exactly as ethers signs it, and recovers the fan who signed it', async () => {
      const fan = Wallet.createRandom();
      const b = ballot();
      const signature = await fan.signTypedData(domain(), BALLOT_TYPES, b);
      expect(await polls().ballotDigest(b)).toBe(TypedDataEncoder.hash(domain(), BALLOT_TYPES, b));
      expect(await polls().ballotSigner(b, signature)).toBe(fan.address);
    });

    it('recovers someone else for a signature over another poll, option, time or domain', async () => {
      const fan = Wallet.createRandom();
      const signature = await fan.signTypedData(domain(), BALLOT_TYPES, ballot());
      for (const other of [ballot({ pollId: pollId(2) }), ballot({ option: 1 }), ballot({ issuedAt: 1n })]) {
        expect(await polls().ballotSigner(other, signature)).not.toBe(fan.address);
      }
      const elsewhere = await fan.signTypedData({ ...domain(), verifyingContract: f.deployment.MomentAttestor }, BALLOT_TYPES, ballot());
      expect(await polls().ballotSigner(ballot(), elsewhere)).not.toBe(fan.address);
    });
  });
});
