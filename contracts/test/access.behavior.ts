import { Contract, Wallet } from 'ethers';
import { expect, it } from 'vitest';
import { expectRevert } from './fixture';

/** Shared behaviours of every FanMesh contract (after OpenZeppelin's *.behavior.js test files). */

/** version() is the pinned release string. */
export function shouldReportVersion(contract: () => Contract, version = '1.0.0'): void {
  it(`reports version ${version}`, async () => {
    expect(await contract().version()).toBe(version);
  });
}

/**
 * Each listed function is refused to an account without `role` (AccessControlUnauthorizedAccount
 * with that account and role) and the role's admin is DEFAULT_ADMIN_ROLE, held by `admin`.
 */
export function shouldGuardWithRole(
  contract: () => Contract,
  role: () => Promise<string>,
  stranger: () => Wallet,
  admin: () => string,
  calls: Record<string, (c: Contract) => Promise<unknown>>,
): void {
  for (const [name, call] of Object.entries(calls)) {
    it(`refuses ${name} to an account without the role`, async () => {
      const s = stranger();
      await expectRevert(call(contract().connect(s) as Contract), 'AccessControlUnauthorizedAccount', [s.address, await role()]);
    });
  }
  it('has DEFAULT_ADMIN_ROLE administer the role, held by the admin', async () => {
    const r = await role();
    expect(await contract().getRoleAdmin(r)).toBe(`0x${'00'.repeat(32)}`);
    expect(await contract().hasRole(`0x${'00'.repeat(32)}`, admin())).toBe(true);
    expect(await contract().hasRole(r, stranger().address)).toBe(false);
  });
}

/** ERC-5267 eip712Domain() describes the domain the contract's signatures are checked in. */
export function shouldExposeEip712Domain(contract: () => Contract, name: string, chainId: () => bigint): void {
  it('exposes its EIP-712 domain (ERC-5267)', async () => {
    const c = contract();
    const [fields, n, version, id, verifyingContract, salt, extensions] = await c.eip712Domain();
    expect({ fields, n, version, id, verifyingContract, salt, extensions: [...extensions] }).toEqual({
      fields: '0x0f',
      n: name,
      version: '1',
      id: chainId(),
      verifyingContract: await c.getAddress(),
      salt: `0x${'00'.repeat(32)}`,
      extensions: [],
    });
  });
}
