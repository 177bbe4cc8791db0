import { BaseWallet, Contract, ContractFactory, InterfaceAbi, Wallet, ZeroAddress, keccak256, toUtf8Bytes } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../artifacts';
import { RegistrationMessage, ROLES, signDeviceTransfer, signRegistration } from '../../libs/chain/src/contracts';
import { shouldExposeEip712Domain, shouldGuardWithRole, shouldReportVersion } from './access.behavior';
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

const venueId = keccak256(toUtf8Bytes('venue-1'));
const owner = () => f.others[0]; // a funded wallet, so it can send its own transfer
const other = () => f.others[1];
const stranger = () => f.others[2];

async function registration(device: BaseWallet, ownerAddress = owner().address, deadline?: bigint): Promise<RegistrationMessage> {
  return { device: device.address, owner: ownerAddress, venueId, deadline: deadline ?? (await f.now()) + 3600n };
}

async function register(device: BaseWallet = Wallet.createRandom()) {
  const r = await registration(device);
  const deviceSig = await signRegistration(device, f.chainId, f.deployment.DeviceRegistry, r);
  const ownerSig = await signRegistration(owner(), f.chainId, f.deployment.DeviceRegistry, r);
  const receipt = await mined(f.registry.register(r.device, r.owner, r.venueId, r.deadline, deviceSig, ownerSig));
  return { device, r, deviceSig, ownerSig, receipt };
}

describe('DeviceRegistry', () => {
  shouldReportVersion(() => f.registry, '1.1.0');
  shouldExposeEip712Domain(
    () => f.registry,
    'FanMesh DeviceRegistry',
    () => f.chainId,
  );

  describe('roles', () => {
    shouldGuardWithRole(
      () => f.registry,
      async () => ROLES.OPERATOR_ROLE,
      stranger,
      () => f.admin.address,
      {
        register: (c) => c.register(Wallet.createRandom().address, owner().address, venueId, 0n, '0x', '0x'),
      },
    );

    it('refuses zero addresses at deployment', async () => {
      const factory = new ContractFactory(DeviceRegistry.abi as InterfaceAbi, DeviceRegistry.bytecode, f.admin);
      await expectRevert(factory.deploy(ZeroAddress, f.admin.address), 'FanMeshZeroAddress', []);
      await expectRevert(factory.deploy(f.admin.address, ZeroAddress), 'FanMeshZeroAddress', []);
    });
  });

  describe('register', () => {
    it('registers a device key to its owner with both signatures, relayed by the operator', async () => {
      const { device, receipt } = await register();
      expectEvents(receipt, [{ address: f.deployment.DeviceRegistry, name: 'DeviceRegistered', args: { device: device.address, owner: owner().address, venueId } }]);
      const d = await f.registry.deviceOf(device.address);
      expect({ owner: d.owner, nonce: d.nonce, revoked: d.revoked, venueId: d.venueId }).toEqual({ owner: owner().address, nonce: 0n, revoked: false, venueId });
      expect(await f.registry.ownerOf(device.address)).toBe(owner().address);
    });

    it('refuses a wrong device signature and a wrong owner signature', async () => {
      const device = Wallet.createRandom();
      const r = await registration(device);
      const deviceSig = await signRegistration(device, f.chainId, f.deployment.DeviceRegistry, r);
      const ownerSig = await signRegistration(owner(), f.chainId, f.deployment.DeviceRegistry, r);
      const impostor = Wallet.createRandom();
      const impostorSig = await signRegistration(impostor, f.chainId, f.deployment.DeviceRegistry, r);
      await expectRevert(f.registry.register(r.device, r.owner, venueId, r.deadline, impostorSig, ownerSig), 'DeviceInvalidSigner', [impostor.address, device.address]);
      await expectRevert(f.registry.register(r.device, r.owner, venueId, r.deadline, deviceSig, impostorSig), 'DeviceInvalidSigner', [impostor.address, owner().address]);
      // swapped: each signature is checked against its own party
      await expectRevert(f.registry.register(r.device, r.owner, venueId, r.deadline, ownerSig, deviceSig), 'DeviceInvalidSigner', [owner().address, device.address]);
    });

    it('refuses signatures over another owner, venue or deadline', async () => {
      const device = Wallet.createRandom();
      const r = await registration(device);
      const deviceSig = await signRegistration(device, f.chainId, f.deployment.DeviceRegistry, r);
      const ownerSig = await signRegistration(owner(), f.chainId, f.deployment.DeviceRegistry, r);
      // a relayer that swaps in another owner: the device signed for owner(), not other()
      const swapped = await expectRevert(f.registry.register(r.device, other().address, venueId, r.deadline, deviceSig, ownerSig), 'DeviceInvalidSigner');
      expect(swapped.args[1]).toBe(device.address);
      await expectRevert(f.registry.register(r.device, r.owner, keccak256(toUtf8Bytes('venue-2')), r.deadline, deviceSig, ownerSig), 'DeviceInvalidSigner');
      await expectRevert(f.registry.register(r.device, r.owner, venueId, r.deadline + 1n, deviceSig, ownerSig), 'DeviceInvalidSigner');
    });

    it('refuses an expired registration, zero addresses and a second registration', async () => {
      const device = Wallet.createRandom();
      const past = (await f.now()) - 1n;
      const r = await registration(device, owner().address, past);
      const sigs = [await signRegistration(device, f.chainId, f.deployment.DeviceRegistry, r), await signRegistration(owner(), f.chainId, f.deployment.DeviceRegistry, r)];
      await expectRevert(f.registry.register(r.device, r.owner, venueId, past, sigs[0], sigs[1]), 'DeviceExpiredSignature', [past]);
      await expectRevert(f.registry.register(ZeroAddress, r.owner, venueId, past, sigs[0], sigs[1]), 'FanMeshZeroAddress', []);
      await expectRevert(f.registry.register(r.device, ZeroAddress, venueId, past, sigs[0], sigs[1]), 'FanMeshZeroAddress', []);
      const first = await register();
      await expectRevert(f.registry.register(first.r.device, first.r.owner, venueId, first.r.deadline, first.deviceSig, first.ownerSig), 'DeviceAlreadyRegistered', [
        first.device.address,
      ]);
    });
  });

  describe('transfer', () => {
    it('lets the current owner hand the device over', async () => {
      const { device } = await register();
      const receipt = await mined(f.as(f.registry, owner()).transfer(device.address, other().address));
      expectEvents(receipt, [{ address: f.deployment.DeviceRegistry, name: 'DeviceTransferred', args: { device: device.address, from: owner().address, to: other().address } }]);
      expect(await f.registry.ownerOf(device.address)).toBe(other().address);
      expect(await f.registry.transferNonce(device.address)).toBe(1n);
      await expectRevert(f.as(f.registry, owner()).transfer(device.address, owner().address), 'DeviceUnauthorized', [device.address, owner().address]);
    });

    it('refuses anyone but the owner, the zero address, the same owner and unknown devices', async () => {
      const { device } = await register();
      await expectRevert(f.as(f.registry, stranger()).transfer(device.address, stranger().address), 'DeviceUnauthorized', [device.address, stranger().address]);
      await expectRevert(f.registry.transfer(device.address, f.admin.address), 'DeviceUnauthorized', [device.address, f.admin.address]); // not even the operator
      await expectRevert(f.as(f.registry, owner()).transfer(device.address, ZeroAddress), 'DeviceInvalidOwner', [ZeroAddress]);
      await expectRevert(f.as(f.registry, owner()).transfer(device.address, owner().address), 'DeviceInvalidOwner', [owner().address]);
      const unknown = Wallet.createRandom().address;
      await expectRevert(f.as(f.registry, owner()).transfer(unknown, other().address), 'DeviceUnknown', [unknown]);
    });

    it('relays an owner-signed transfer, once', async () => {
      const { device } = await register();
      const deadline = (await f.now()) + 3600n;
      const sig = await signDeviceTransfer(owner(), f.chainId, f.deployment.DeviceRegistry, { device: device.address, to: other().address, nonce: 0n, deadline });
      const receipt = await mined(f.as(f.registry, stranger()).transferBySig(device.address, other().address, deadline, sig));
      expectEvents(receipt, [{ address: f.deployment.DeviceRegistry, name: 'DeviceTransferred', args: { device: device.address, from: owner().address, to: other().address } }]);
      // replayed: the nonce moved on (and owner() no longer owns it)
      await expectRevert(f.registry.transferBySig(device.address, other().address, deadline, sig), 'DeviceInvalidSigner');
      // back to owner(), then the old signature still cannot move it again: it was for nonce 0
      await mined(f.as(f.registry, other()).transfer(device.address, owner().address));
      const replay = await expectRevert(f.registry.transferBySig(device.address, other().address, deadline, sig), 'DeviceInvalidSigner');
      expect(replay.args[1]).toBe(owner().address);
    });

    it('refuses a transfer signed by someone else, or expired', async () => {
      const { device } = await register();
      const deadline = (await f.now()) + 3600n;
      const forged = await signDeviceTransfer(stranger(), f.chainId, f.deployment.DeviceRegistry, { device: device.address, to: stranger().address, nonce: 0n, deadline });
      await expectRevert(f.registry.transferBySig(device.address, stranger().address, deadline, forged), 'DeviceInvalidSigner', [stranger().address, owner().address]);
      const past = (await f.now()) - 1n;
      const expired = await signDeviceTransfer(owner(), f.chainId, f.deployment.DeviceRegistry, { device: device.address, to: other().address, nonce: 0n, deadline: past });
      await expectRevert(f.registry.transferBySig(device.address, other().address, past, expired), 'DeviceExpiredSignature', [past]);
    });
  });

  describe('revoke', () => {
    it('lets the owner revoke, for good', async () => {
      const { device, r, deviceSig, ownerSig } = await register();
      const receipt = await mined(f.as(f.registry, owner()).revoke(device.address));
      expectEvents(receipt, [{ address: f.deployment.DeviceRegistry, name: 'DeviceRevoked', args: { device: device.address, by: owner().address } }]);
      expect((await f.registry.deviceOf(device.address)).revoked).toBe(true);
      expect(await f.registry.ownerOf(device.address)).toBe(ZeroAddress);
      await expectRevert(f.as(f.registry, owner()).revoke(device.address), 'DeviceIsRevoked', [device.address]);
      await expectRevert(f.as(f.registry, owner()).transfer(device.address, other().address), 'DeviceIsRevoked', [device.address]);
      await expectRevert(f.registry.register(r.device, r.owner, venueId, r.deadline, deviceSig, ownerSig), 'DeviceIsRevoked', [device.address]);
    });

    it('lets the operator revoke (the backend’s revocations reach the chain through it), and the admin, and no one else', async () => {
      // as on a real chain: admin, operator and deployer are three accounts
      const admin = f.others[3];
      const operator = f.others[4];
      const factory = new ContractFactory(DeviceRegistry.abi as InterfaceAbi, DeviceRegistry.bytecode, f.admin);
      const deployed = await factory.deploy(admin.address, operator.address);
      await deployed.waitForDeployment();
      const address = await deployed.getAddress();
      const registry = f.as(f.registry.attach(address) as Contract, operator);
      const registerOn = async () => {
        const device = Wallet.createRandom();
        const r = await registration(device);
        const deviceSig = await signRegistration(device, f.chainId, address, r);
        const ownerSig = await signRegistration(owner(), f.chainId, address, r);
        await mined(registry.register(r.device, r.owner, r.venueId, r.deadline, deviceSig, ownerSig));
        return device.address;
      };

      const first = await registerOn();
      for (const who of [stranger(), other(), f.admin]) {
        await expectRevert(f.as(registry, who).revoke(first), 'DeviceUnauthorized', [first, who.address]);
      }
      expect((await registry.deviceOf(first)).revoked).toBe(false);
      const byOperator = await mined(registry.revoke(first));
      expectEvents(byOperator, [{ address, name: 'DeviceRevoked', args: { device: first, by: operator.address } }]);
      expect((await registry.deviceOf(first)).revoked).toBe(true);
      expect(await registry.ownerOf(first)).toBe(ZeroAddress);
      await expectRevert(registry.revoke(first), 'DeviceIsRevoked', [first]);

      const second = await registerOn();
      const byAdmin = await mined(f.as(registry, admin).revoke(second));
      expectEvents(byAdmin, [{ address, name: 'DeviceRevoked', args: { device: second, by: admin.address } }]);

      // the owner still revokes their own
      const third = await registerOn();
      const byOwner = await mined(f.as(registry, owner()).revoke(third));
      expectEvents(byOwner, [{ address, name: 'DeviceRevoked', args: { device: third, by: owner().address } }]);

      const unknown = Wallet.createRandom().address;
      await expectRevert(registry.revoke(unknown), 'DeviceUnknown', [unknown]);
    });

    it('takes the power to revoke away with the operator role', async () => {
      const { device } = await register();
      const operator = other();
      await mined(f.registry.grantRole(ROLES.OPERATOR_ROLE, operator.address));
      await mined(f.registry.revokeRole(ROLES.OPERATOR_ROLE, operator.address));
      await expectRevert(f.as(f.registry, operator).revoke(device.address), 'DeviceUnauthorized', [device.address, operator.address]);
    });
  });
});
