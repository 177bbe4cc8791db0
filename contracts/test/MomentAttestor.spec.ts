import { AbiCoder, ContractFactory, InterfaceAbi, ZeroAddress, ZeroHash, keccak256, toUtf8Bytes } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MomentAttestor } from '../artifacts';
import { MOMENT_ABI_TYPE, MomentRecord, momentCommitment, ROLES } from '../../libs/chain/src/contracts';
import { shouldGuardWithRole, shouldReportVersion } from './access.behavior';
import { deployFixture, expectEvents, expectRevert, Fixture, mined, snapshot } from './fixture';

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

const stranger = () => f.others[1];

const moment = (n: number, over: Partial<MomentRecord> = {}): MomentRecord => ({
  momentId: keccak256(toUtf8Bytes(`moment-${n}`)),
  eventId: keccak256(toUtf8Bytes('match-1')),
  kind: 2,
  timestamp: 1_790_000_000n + BigInt(n),
  attendance: 54_321,
  evidenceRoot: keccak256(toUtf8Bytes(`evidence-${n}`)),
  ...over,
});

const attestedEvent = (m: MomentRecord) => ({
  address: f.deployment.MomentAttestor,
  name: 'Attested',
  args: { momentId: m.momentId, eventId: m.eventId, kind: BigInt(m.kind), timestamp: BigInt(m.timestamp), attendance: BigInt(m.attendance), evidenceRoot: m.evidenceRoot },
});

describe('MomentAttestor', () => {
  shouldReportVersion(() => f.attestor);

  describe('roles', () => {
    shouldGuardWithRole(
      () => f.attestor,
      async () => ROLES.ATTESTER_ROLE,
      stranger,
      () => f.admin.address,
      {
        attest: (c) => c.attest(moment(1)),
        attestBatch: (c) => c.attestBatch([moment(1)]),
        revoke: (c) => c.revoke(moment(1).momentId, 'no'),
      },
    );

    it('refuses zero addresses at deployment', async () => {
      const factory = new ContractFactory(MomentAttestor.abi as InterfaceAbi, MomentAttestor.bytecode, f.admin);
      await expectRevert(factory.deploy(ZeroAddress, f.admin.address), 'FanMeshZeroAddress', []);
      await expectRevert(factory.deploy(f.admin.address, ZeroAddress), 'FanMeshZeroAddress', []);
    });
  });

  describe('attest', () => {
    it('stores a commitment to the record and emits the full record', async () => {
      const m = moment(1);
      const receipt = await mined(f.attestor.attest(m));
      expectEvents(receipt, [attestedEvent(m)]);
      expect(await f.attestor.isAttested(m.momentId)).toBe(true);
      expect(await f.attestor.commitmentOf(m.momentId)).toBe(momentCommitment(m));
      expect(await f.attestor.commitment(m)).toBe(momentCommitment(m));
      expect([...(await f.attestor.verify(m))]).toEqual([true, false]);
    });

    it('checks any record against its commitment', async () => {
      const m = moment(1);
      await mined(f.attestor.attest(m));
      for (const forged of [{ attendance: 54_322 }, { kind: 3 }, { timestamp: 1n }, { eventId: ZeroHash }, { evidenceRoot: ZeroHash }]) {
        expect([...(await f.attestor.verify({ ...m, ...forged }))]).toEqual([false, false]);
      }
      expect([...(await f.attestor.verify(moment(2)))]).toEqual([false, false]);
    });

    it('refuses to re-attest a moment id, even with a different record', async () => {
      const m = moment(1);
      await mined(f.attestor.attest(m));
      await expectRevert(f.attestor.attest(m), 'MomentAlreadyAttested', [m.momentId]);
      await expectRevert(f.attestor.attest({ ...m, attendance: 1 }), 'MomentAlreadyAttested', [m.momentId]);
      await expectRevert(f.attestor.attestBatch([moment(2), m]), 'MomentAlreadyAttested', [m.momentId]);
      expect(await f.attestor.isAttested(moment(2).momentId)).toBe(false); // the whole batch reverted
    });

    it('refuses the zero moment id', async () => {
      await expectRevert(f.attestor.attest(moment(1, { momentId: ZeroHash })), 'MomentInvalidId', []);
    });

    it('refuses a record whose small fields are out of range (hand-encoded calldata)', async () => {
      const m = moment(1);
      const encode = (kind: bigint, timestamp: bigint, attendance: bigint) =>
        f.attestor.interface.getFunction('attest')!.selector +
        AbiCoder.defaultAbiCoder()
          .encode(['bytes32', 'bytes32', 'uint256', 'uint256', 'uint256', 'bytes32'], [m.momentId, m.eventId, kind, timestamp, attendance, m.evidenceRoot])
          .slice(2);
      const commitmentCall = (data: string) => f.attestor.interface.getFunction('commitment')!.selector + data.slice(10);
      for (const data of [encode(256n, 1n, 1n), encode(1n, 1n << 64n, 1n), encode(1n, 1n, 1n << 32n)]) {
        await expectRevert(f.admin.sendTransaction({ to: f.deployment.MomentAttestor, data }), 'MomentInvalidRecord', [m.momentId]);
        await expectRevert(f.provider.call({ to: f.deployment.MomentAttestor, data: commitmentCall(data) }), 'MomentInvalidRecord', [m.momentId]);
      }
      await mined(f.admin.sendTransaction({ to: f.deployment.MomentAttestor, data: encode(255n, (1n << 64n) - 1n, (1n << 32n) - 1n) }) as never);
      expect(await f.attestor.commitmentOf(m.momentId)).toBe(momentCommitment({ ...m, kind: 255, timestamp: (1n << 64n) - 1n, attendance: 2 ** 32 - 1 }));
    });

    it('hashes records as abi.encode of the struct', async () => {
      const m = moment(7);
      const h = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode([MOMENT_ABI_TYPE], [m]))) & ~1n;
      expect(await f.attestor.commitment(m)).toBe(`0x${h.toString(16).padStart(64, '0')}`);
    });
  });

  describe('attestBatch', () => {
    it('attests every record, one event each, in order', async () => {
      const batch = Array.from({ length: 10 }, (_, i) => moment(i + 1));
      const receipt = await mined(f.attestor.attestBatch(batch));
      expectEvents(receipt, batch.map(attestedEvent));
      for (const m of batch) expect([...(await f.attestor.verify(m))]).toEqual([true, false]);
    });

    it('refuses a batch that repeats a moment id', async () => {
      await expectRevert(f.attestor.attestBatch([moment(1), moment(2), moment(1)]), 'MomentAlreadyAttested', [moment(1).momentId]);
    });

    it('accepts an empty batch', async () => {
      const receipt = await mined(f.attestor.attestBatch([]));
      expect(receipt.logs).toHaveLength(0);
    });
  });

  describe('revoke', () => {
    it('revokes an attested moment with a reason, once', async () => {
      const m = moment(5);
      await mined(f.attestor.attest(m));
      const receipt = await mined(f.attestor.revoke(m.momentId, 'false alarm: VAR overturned'));
      expectEvents(receipt, [
        { address: f.deployment.MomentAttestor, name: 'Revoked', args: { momentId: m.momentId, attester: f.admin.address, reason: 'false alarm: VAR overturned' } },
      ]);
      expect([...(await f.attestor.verify(m))]).toEqual([true, true]);
      expect(await f.attestor.isRevoked(m.momentId)).toBe(true);
      expect(await f.attestor.isAttested(m.momentId)).toBe(true);
      await expectRevert(f.attestor.revoke(m.momentId, 'again'), 'MomentAlreadyRevoked', [m.momentId]);
      await expectRevert(f.attestor.attest(m), 'MomentAlreadyAttested', [m.momentId]); // revoked ids stay taken
    });

    it('refuses to revoke an unknown moment', async () => {
      await expectRevert(f.attestor.revoke(moment(9).momentId, 'unknown'), 'MomentUnknown', [moment(9).momentId]);
      expect([...(await f.attestor.verify(moment(9)))]).toEqual([false, false]);
    });
  });
});
