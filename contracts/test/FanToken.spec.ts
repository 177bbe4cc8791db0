import { BaseWallet, Contract, ContractFactory, InterfaceAbi, MaxUint256, Signature, TypedDataEncoder, Wallet, ZeroAddress } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FanToken } from '../artifacts';
import { DEFAULT_CAP } from '../../libs/chain/src/deploy';
import { eip712Domain, PERMIT_TYPES } from '@fanmesh/protocol';
import { ROLES, signPermit } from '../../libs/chain/src/contracts';
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

const alice = () => f.others[0];
const bob = () => f.others[1];
const carol = () => f.others[2];

/** Makes the admin a second minter (the slow, AccessControl path) and opens the ceiling. */
async function adminMints(ceiling = 1_000n): Promise<void> {
  await mined(f.token.grantRole(ROLES.MINTER_ROLE, f.admin.address));
  await mined(f.token.setMintCeiling(ceiling));
}

async function give(to: Wallet, amount: bigint): Promise<void> {
  await adminMints(amount + (await f.token.totalSupply()));
  await mined(f.token.mintRewards(to.address, to.address, amount + (await f.token.rewardsOf(to.address))));
}

describe('FanToken', () => {
  shouldReportVersion(() => f.token);
  shouldExposeEip712Domain(
    () => f.token,
    'FanMesh Fan Token',
    () => f.chainId,
  );

  it('starts empty, with its name, symbol, decimals and hard cap', async () => {
    expect(await f.token.name()).toBe('FanMesh Fan Token');
    expect(await f.token.symbol()).toBe('FAN');
    expect(await f.token.decimals()).toBe(18n);
    expect(await f.token.cap()).toBe(DEFAULT_CAP);
    expect(await f.token.totalSupply()).toBe(0n);
    expect(await f.token.mintCeiling()).toBe(0n);
    expect(await f.token.rewardsMinter()).toBe(f.deployment.RewardDistributor);
    expect(await f.token.supportsInterface('0x7965db0b')).toBe(true); // IAccessControl
  });

  describe('roles', () => {
    shouldGuardWithRole(
      () => f.token,
      async () => ROLES.MINTER_ROLE,
      () => carol(),
      () => f.admin.address,
      {
        mintRewards: (c) => c.mintRewards(carol().address, carol().address, 1n),
        setMintCeiling: (c) => c.setMintCeiling(1n),
      },
    );

    it('grants MINTER_ROLE to the RewardDistributor only', async () => {
      expect(await f.token.hasRole(ROLES.MINTER_ROLE, f.deployment.RewardDistributor)).toBe(true);
      expect(await f.token.hasRole(ROLES.MINTER_ROLE, f.admin.address)).toBe(false);
    });

    it('lets only the admin grant and revoke roles', async () => {
      await expectRevert(f.as(f.token, carol()).grantRole(ROLES.MINTER_ROLE, carol().address), 'AccessControlUnauthorizedAccount', [carol().address, ROLES.DEFAULT_ADMIN_ROLE]);
      const receipt = await mined(f.token.grantRole(ROLES.MINTER_ROLE, carol().address));
      expectEvents(receipt, [{ address: f.deployment.FanToken, name: 'RoleGranted', args: { role: ROLES.MINTER_ROLE, account: carol().address, sender: f.admin.address } }]);
      await mined(f.token.revokeRole(ROLES.MINTER_ROLE, carol().address));
      expect(await f.token.hasRole(ROLES.MINTER_ROLE, carol().address)).toBe(false);
    });
  });

  describe('minting rewards', () => {
    it('mints the difference to the cumulative amount and records it beside the balance', async () => {
      await adminMints(1_000n);
      const receipt = await mined(f.token.mintRewards(alice().address, alice().address, 60n));
      expectEvents(receipt, [{ address: f.deployment.FanToken, name: 'Transfer', args: { from: ZeroAddress, to: alice().address, value: 60n } }]);
      await mined(f.token.mintRewards(alice().address, alice().address, 100n));
      expect(await f.token.balanceOf(alice().address)).toBe(100n);
      expect(await f.token.rewardsOf(alice().address)).toBe(100n);
      expect(await f.token.totalSupply()).toBe(100n);
    });

    it('returns the amount minted', async () => {
      await adminMints(1_000n);
      expect(await f.token.mintRewards.staticCall(alice().address, alice().address, 75n)).toBe(75n);
    });

    it('refuses a cumulative amount already minted, or lower', async () => {
      await adminMints(1_000n);
      await mined(f.token.mintRewards(alice().address, alice().address, 60n));
      await expectRevert(f.token.mintRewards(alice().address, alice().address, 60n), 'RewardsNothingToClaim', [alice().address, 60n, 60n]);
      await expectRevert(f.token.mintRewards(alice().address, alice().address, 59n), 'RewardsNothingToClaim', [alice().address, 59n, 60n]);
      await expectRevert(f.token.mintRewards(bob().address, bob().address, 0n), 'RewardsNothingToClaim', [bob().address, 0n, 0n]);
    });

    it('credits another recipient while the account keeps the ledger entry', async () => {
      await adminMints(1_000n);
      const receipt = await mined(f.token.mintRewards(alice().address, bob().address, 40n));
      expectEvents(receipt, [{ address: f.deployment.FanToken, name: 'Transfer', args: { from: ZeroAddress, to: bob().address, value: 40n } }]);
      expect(await f.token.balanceOf(bob().address)).toBe(40n);
      expect(await f.token.balanceOf(alice().address)).toBe(0n);
      expect(await f.token.rewardsOf(alice().address)).toBe(40n);
      expect(await f.token.rewardsOf(bob().address)).toBe(0n);
    });

    it('refuses to mint to the zero address', async () => {
      await adminMints();
      await expectRevert(f.token.mintRewards(alice().address, ZeroAddress, 1n), 'ERC20InvalidReceiver', [ZeroAddress]);
    });

    it('never mints past the ceiling', async () => {
      await adminMints(100n);
      await mined(f.token.mintRewards(alice().address, alice().address, 60n));
      await expectRevert(f.token.mintRewards(bob().address, bob().address, 41n), 'FanTokenCeilingExceeded', [101n, 100n]);
      await mined(f.token.mintRewards(bob().address, bob().address, 40n));
      expect(await f.token.totalSupply()).toBe(100n);
      await expectRevert(f.token.mintRewards(bob().address, bob().address, MaxUint256), 'Panic', [0x11n]); // supply + amount overflows
    });

    it('emits MintCeilingSet', async () => {
      await mined(f.token.grantRole(ROLES.MINTER_ROLE, f.admin.address));
      const receipt = await mined(f.token.setMintCeiling(123n));
      expectEvents(receipt, [{ address: f.deployment.FanToken, name: 'MintCeilingSet', args: { ceiling: 123n } }]);
      expect(await f.token.mintCeiling()).toBe(123n);
    });
  });

  describe('the cap', () => {
    it('mints up to the cap and not one unit more', async () => {
      await adminMints(DEFAULT_CAP);
      await mined(f.token.mintRewards(alice().address, alice().address, DEFAULT_CAP));
      expect(await f.token.totalSupply()).toBe(DEFAULT_CAP);
      await expectRevert(f.token.mintRewards(bob().address, bob().address, 1n), 'FanTokenCeilingExceeded', [DEFAULT_CAP + 1n, DEFAULT_CAP]);
    });

    it('refuses a ceiling above the cap', async () => {
      await mined(f.token.grantRole(ROLES.MINTER_ROLE, f.admin.address));
      await expectRevert(f.token.setMintCeiling(DEFAULT_CAP + 1n), 'ERC20ExceededCap', [DEFAULT_CAP + 1n, DEFAULT_CAP]);
    });

    it('refuses a zero cap, a cap beyond 120 bits and a zero admin at deployment', async () => {
      const factory = new ContractFactory(FanToken.abi as InterfaceAbi, FanToken.bytecode, f.admin);
      await expectRevert(factory.deploy('T', 'T', 0n, f.admin.address, ZeroAddress), 'ERC20InvalidCap', [0n]);
      await expectRevert(factory.deploy('T', 'T', 1n << 120n, f.admin.address, ZeroAddress), 'ERC20InvalidCap', [1n << 120n]);
      await expectRevert(factory.deploy('T', 'T', 1n, ZeroAddress, ZeroAddress), 'FanMeshZeroAddress', []);
    });
  });

  describe('ERC-20', () => {
    it('transfers, and keeps the rewards ledger where it was', async () => {
      await give(alice(), 100n);
      const receipt = await mined(f.as(f.token, alice()).transfer(bob().address, 30n));
      expectEvents(receipt, [{ address: f.deployment.FanToken, name: 'Transfer', args: { from: alice().address, to: bob().address, value: 30n } }]);
      expect([await f.token.balanceOf(alice().address), await f.token.balanceOf(bob().address)]).toEqual([70n, 30n]);
      expect([await f.token.rewardsOf(alice().address), await f.token.rewardsOf(bob().address)]).toEqual([100n, 0n]);
      expect(await f.token.totalSupply()).toBe(100n);
    });

    it('refuses to transfer more than the balance, or to the zero address', async () => {
      await give(alice(), 10n);
      await expectRevert(f.as(f.token, alice()).transfer(bob().address, 11n), 'ERC20InsufficientBalance', [alice().address, 10n, 11n]);
      await expectRevert(f.as(f.token, alice()).transfer(ZeroAddress, 1n), 'ERC20InvalidReceiver', [ZeroAddress]);
    });

    it('approves, spends allowances, and never spends an infinite one', async () => {
      await give(alice(), 100n);
      const receipt = await mined(f.as(f.token, alice()).approve(bob().address, 50n));
      expectEvents(receipt, [{ address: f.deployment.FanToken, name: 'Approval', args: { owner: alice().address, spender: bob().address, value: 50n } }]);
      await mined(f.as(f.token, bob()).transferFrom(alice().address, carol().address, 20n));
      expect(await f.token.allowance(alice().address, bob().address)).toBe(30n);
      await expectRevert(f.as(f.token, bob()).transferFrom(alice().address, carol().address, 31n), 'ERC20InsufficientAllowance', [bob().address, 30n, 31n]);
      await mined(f.as(f.token, alice()).approve(bob().address, MaxUint256));
      await mined(f.as(f.token, bob()).transferFrom(alice().address, carol().address, 5n));
      expect(await f.token.allowance(alice().address, bob().address)).toBe(MaxUint256);
      expect(await f.token.balanceOf(carol().address)).toBe(25n);
    });

    it('refuses approvals to the zero address', async () => {
      await expectRevert(f.as(f.token, alice()).approve(ZeroAddress, 1n), 'ERC20InvalidSpender', [ZeroAddress]);
    });
  });

  describe('EIP-2612 permit', () => {
    const permitOf = async (owner: BaseWallet, value: bigint, deadline: bigint, nonce?: bigint) =>
      signPermit(owner, f.chainId, f.deployment.FanToken, 'FanMesh Fan Token', {
        owner: owner.address,
        spender: bob().address,
        value,
        nonce: nonce ?? (await f.token.nonces(owner.address)),
        deadline,
      });

    it('sets an allowance from the owner’s signature, relayed by anyone, once', async () => {
      const owner = Wallet.createRandom();
      const deadline = (await f.now()) + 3600n;
      const { v, r, s } = await permitOf(owner, 5n, deadline);
      const receipt = await mined(f.as(f.token, carol()).permit(owner.address, bob().address, 5n, deadline, v, r, s));
      expectEvents(receipt, [{ address: f.deployment.FanToken, name: 'Approval', args: { owner: owner.address, spender: bob().address, value: 5n } }]);
      expect(await f.token.allowance(owner.address, bob().address)).toBe(5n);
      expect(await f.token.nonces(owner.address)).toBe(1n);
      // replayed: the nonce moved on, so the signature now recovers to someone else
      const replay = await expectRevert(f.token.permit(owner.address, bob().address, 5n, deadline, v, r, s), 'ERC2612InvalidSigner');
      expect(replay.args[1]).toBe(owner.address);
      expect(replay.args[0]).not.toBe(owner.address);
    });

    it('refuses an expired permit and another signer’s', async () => {
      const owner = Wallet.createRandom();
      const past = (await f.now()) - 1n;
      const expired = await permitOf(owner, 5n, past);
      await expectRevert(f.token.permit(owner.address, bob().address, 5n, past, expired.v, expired.r, expired.s), 'ERC2612ExpiredSignature', [past]);
      const forger = Wallet.createRandom();
      const deadline = (await f.now()) + 3600n;
      const forged: Signature = await signPermit(forger, f.chainId, f.deployment.FanToken, 'FanMesh Fan Token', {
        owner: owner.address,
        spender: bob().address,
        value: 5n,
        nonce: 0n,
        deadline,
      });
      await expectRevert(f.token.permit(owner.address, bob().address, 5n, deadline, forged.v, forged.r, forged.s), 'ERC2612InvalidSigner', [forger.address, owner.address]);
    });

    it('signs permits for a name longer than 31 bytes too (EIP-712 name kept in storage)', async () => {
      const name = 'FanMesh Fan Token of a Very Long Club Name FC';
      const factory = new ContractFactory(FanToken.abi as InterfaceAbi, FanToken.bytecode, f.admin);
      const token = (await (await factory.deploy(name, 'LONG', 1000n, f.admin.address, ZeroAddress)).waitForDeployment()) as Contract;
      const address = await token.getAddress();
      expect((await token.eip712Domain())[1]).toBe(name);
      const owner = Wallet.createRandom();
      const deadline = (await f.now()) + 3600n;
      const { v, r, s } = await signPermit(owner, f.chainId, address, name, { owner: owner.address, spender: bob().address, value: 9n, nonce: 0n, deadline });
      await mined(token.permit(owner.address, bob().address, 9n, deadline, v, r, s));
      expect(await token.allowance(owner.address, bob().address)).toBe(9n);
    });

    it('recomputes its domain separator after a chain fork (new chain id)', async () => {
      try {
        await f.provider.send('anvil_setChainId', [4321]);
        expect(await f.token.DOMAIN_SEPARATOR()).toBe(TypedDataEncoder.hashDomain(eip712Domain('FanMesh Fan Token', 4321n, f.deployment.FanToken)));
      } finally {
        await f.provider.send('anvil_setChainId', [Number(f.chainId)]);
      }
      expect(await f.token.DOMAIN_SEPARATOR()).toBe(TypedDataEncoder.hashDomain(eip712Domain('FanMesh Fan Token', f.chainId, f.deployment.FanToken)));
    });

    it('exposes the permit domain separator', async () => {
      expect(await f.token.DOMAIN_SEPARATOR()).toBe(TypedDataEncoder.hashDomain(eip712Domain('FanMesh Fan Token', f.chainId, f.deployment.FanToken)));
      expect(Object.keys(PERMIT_TYPES)).toEqual(['Permit']);
    });
  });

  it('keeps the distributor’s fast mint path in step with its MINTER_ROLE', async () => {
    // The rewards minter's mints skip the role lookup while it holds the role; granting and revoking
    // must still decide. Impersonate the distributor's address to call the token as it would.
    const distributor = f.deployment.RewardDistributor;
    await f.provider.send('anvil_impersonateAccount', [distributor]);
    await f.provider.send('anvil_setBalance', [distributor, '0xde0b6b3a7640000']);
    const asDistributor = f.token.connect(await f.provider.getSigner(distributor)) as Contract;
    await mined(asDistributor.setMintCeiling(100n));
    await mined(asDistributor.mintRewards(alice().address, alice().address, 10n));
    await mined(f.token.revokeRole(ROLES.MINTER_ROLE, distributor));
    await expectRevert(asDistributor.mintRewards(alice().address, alice().address, 20n), 'AccessControlUnauthorizedAccount', [distributor, ROLES.MINTER_ROLE]);
    await mined(f.token.grantRole(ROLES.MINTER_ROLE, distributor));
    await mined(asDistributor.mintRewards(alice().address, alice().address, 20n));
    expect(await f.token.balanceOf(alice().address)).toBe(20n);
    await f.provider.send('anvil_stopImpersonatingAccount', [distributor]);
  });
});
