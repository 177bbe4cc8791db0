import { Contract, InterfaceAbi, Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TRANSFER_DELAY, adminPowersOf, deployAll, ROLES } from '@fanmesh/chain';
import { DeviceRegistry, FanToken, MomentAttestor, PollAttestor, RewardDistributor } from '@fanmesh/contracts';
import { deployFixture, expectRevert, Fixture, mined, snapshot } from './fixture';

/**
 * Every contract has one admin, set in its constructor, who moves in two steps with a delay
 * (OpenZeppelin AccessControlDefaultAdminRules): the operator key is never an admin, and no key,
 * stolen or not, can take the admin role over at once.
 */
const ARTIFACTS = { FanToken, RewardDistributor, MomentAttestor, DeviceRegistry, PollAttestor } as const;
type Name = keyof typeof ARTIFACTS;
const NAMES = Object.keys(ARTIFACTS) as Name[];

let f: Fixture;
let restore: () => Promise<void>;
const admin = () => f.others[3];
const operator = () => f.others[4];
const successor = () => f.others[5];
const stranger = () => f.others[6];

/** The five contracts deployed by account 0 with `admin()` as admin and `operator()` as operator, as on a real chain. */
let deployed: Record<Name, string>;
beforeAll(async () => {
  f = await deployFixture();
  deployed = await deployAll(f.admin, { admin: admin().address, operator: operator().address });
});
afterAll(() => f?.stop());
beforeEach(async () => {
  restore = await snapshot(f.provider);
});
afterEach(() => restore());

const at = (name: Name, signer: Wallet = admin()) => new Contract(deployed[name], ARTIFACTS[name].abi as InterfaceAbi, signer);
const advance = async (seconds: number) => {
  await f.provider.send('evm_increaseTime', [seconds]);
  await f.provider.send('evm_mine', []);
};

describe.each(NAMES)('%s administration', (name) => {
  it('has the constructor’s admin as its only admin, with a two-day transfer delay, and nothing for the deployer or the operator', async () => {
    const c = at(name);
    expect(await c.defaultAdmin()).toBe(admin().address);
    expect(await c.owner()).toBe(admin().address);
    expect(await c.defaultAdminDelay()).toBe(BigInt(ADMIN_TRANSFER_DELAY));
    for (const who of [f.admin.address, operator().address]) expect(await c.hasRole(ROLES.DEFAULT_ADMIN_ROLE, who)).toBe(false);
    expect(await adminPowersOf(deployed, f.provider, operator().address)).toEqual([]);
    expect(await adminPowersOf(deployed, f.provider, f.admin.address)).toEqual([]);
  });

  it('refuses to grant or revoke DEFAULT_ADMIN_ROLE in one step, even to the admin', async () => {
    const c = at(name);
    await expectRevert(c.grantRole(ROLES.DEFAULT_ADMIN_ROLE, successor().address), 'AccessControlEnforcedDefaultAdminRules', []);
    await expectRevert(c.revokeRole(ROLES.DEFAULT_ADMIN_ROLE, admin().address), 'AccessControlEnforcedDefaultAdminRules', []);
  });

  it('moves the admin role in two steps: begun by the admin, accepted by the successor only after the delay', async () => {
    await expectRevert(at(name, stranger()).beginDefaultAdminTransfer(stranger().address), 'AccessControlUnauthorizedAccount', [stranger().address, ROLES.DEFAULT_ADMIN_ROLE]);
    const receipt = await mined(at(name).beginDefaultAdminTransfer(successor().address));
    const schedule = BigInt((await f.provider.getBlock(receipt.blockNumber))!.timestamp) + BigInt(ADMIN_TRANSFER_DELAY);
    expect([...(await at(name).pendingDefaultAdmin())]).toEqual([successor().address, schedule]);
    // the successor's pending power is visible to the boot audit
    expect(await adminPowersOf(deployed, f.provider, successor().address)).toEqual([{ contract: name, address: deployed[name], role: 'pending DEFAULT_ADMIN_ROLE' }]);
    await expectRevert(at(name, successor()).acceptDefaultAdminTransfer(), 'AccessControlEnforcedDefaultAdminDelay', [schedule]);
    await expectRevert(at(name, stranger()).acceptDefaultAdminTransfer(), 'AccessControlInvalidDefaultAdmin', [stranger().address]);
    await advance(ADMIN_TRANSFER_DELAY + 1);
    await mined(at(name, successor()).acceptDefaultAdminTransfer());
    expect(await at(name).defaultAdmin()).toBe(successor().address);
    expect(await at(name).hasRole(ROLES.DEFAULT_ADMIN_ROLE, admin().address)).toBe(false);
    expect(await adminPowersOf(deployed, f.provider, successor().address)).toEqual([{ contract: name, address: deployed[name], role: 'DEFAULT_ADMIN_ROLE' }]);
  });

  it('lets the admin cancel a transfer it began', async () => {
    await mined(at(name).beginDefaultAdminTransfer(successor().address));
    await mined(at(name).cancelDefaultAdminTransfer());
    await advance(ADMIN_TRANSFER_DELAY + 1);
    await expectRevert(at(name, successor()).acceptDefaultAdminTransfer(), 'AccessControlInvalidDefaultAdmin', [successor().address]);
    expect(await at(name).defaultAdmin()).toBe(admin().address);
  });

  it('reports its version', async () => {
    expect(await at(name).version()).toBe({ DeviceRegistry: '1.1.0', RewardDistributor: '1.2.0' }[name as string] ?? '1.0.0');
  });
});

describe('the hot key', () => {
  it('gets its day-to-day roles only, and the admin (not the hot key) can fund the distributor', async () => {
    const hot = operator().address;
    expect(await at('RewardDistributor').hasRole(ROLES.OPERATOR_ROLE, hot)).toBe(true);
    expect(await at('DeviceRegistry').hasRole(ROLES.OPERATOR_ROLE, hot)).toBe(true);
    expect(await at('MomentAttestor').hasRole(ROLES.ATTESTER_ROLE, hot)).toBe(true);
    expect(await at('PollAttestor').hasRole(ROLES.ATTESTER_ROLE, hot)).toBe(true);
    expect(await at('FanToken').hasRole(ROLES.MINTER_ROLE, deployed.RewardDistributor)).toBe(true);
    // what a stolen hot key could otherwise do: make itself a minter, or fund past the approved amount
    await expectRevert(at('FanToken', operator()).grantRole(ROLES.MINTER_ROLE, hot), 'AccessControlUnauthorizedAccount', [hot, ROLES.DEFAULT_ADMIN_ROLE]);
    await expectRevert(at('RewardDistributor', operator()).fund(1n), 'AccessControlUnauthorizedAccount', [hot, ROLES.DEFAULT_ADMIN_ROLE]);
    expect(await at('RewardDistributor').funded()).toBe(0n);
    await mined(at('RewardDistributor').fund(5n));
    expect(await at('RewardDistributor').funded()).toBe(5n);
  });
});
