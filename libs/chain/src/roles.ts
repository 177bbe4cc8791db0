import { Contract, ContractRunner, InterfaceAbi } from 'ethers';
import { ARTIFACTS, ROLES } from './contracts';
import type { ContractKey, Deployment } from './deployment';

/** The roles each contract checks, besides DEFAULT_ADMIN_ROLE. */
export const CONTRACT_ROLES: Record<ContractKey, readonly (keyof typeof ROLES)[]> = {
  FanToken: ['MINTER_ROLE'],
  RewardDistributor: ['OPERATOR_ROLE'],
  MomentAttestor: ['ATTESTER_ROLE'],
  DeviceRegistry: ['OPERATOR_ROLE'],
  PollAttestor: ['ATTESTER_ROLE'],
};

/** An admin power an account has over one contract. */
export interface AdminPower {
  contract: ContractKey;
  address: string;
  /** DEFAULT_ADMIN_ROLE, another role's admin role, or `pending DEFAULT_ADMIN_ROLE` (a scheduled transfer it can accept). */
  role: string;
}

const ROLE_NAMES: Record<string, string> = Object.fromEntries(Object.entries(ROLES).map(([name, id]) => [id, name]));

/**
 * Every admin role `account` holds on the deployment: DEFAULT_ADMIN_ROLE, the admin role of any role
 * the contract checks (a role-admin can grant that role, MINTER_ROLE included), and a pending
 * two-step admin transfer to it. Empty for the API's hot key on a sound deployment.
 */
export async function adminPowersOf(deployment: Deployment, runner: ContractRunner, account: string): Promise<AdminPower[]> {
  const found: AdminPower[] = [];
  for (const name of Object.keys(CONTRACT_ROLES) as ContractKey[]) {
    const address = deployment[name];
    if (!address) continue;
    const c = new Contract(address, ARTIFACTS[name].abi as unknown as InterfaceAbi, runner);
    const adminRoles = new Set<string>([ROLES.DEFAULT_ADMIN_ROLE]);
    for (const role of CONTRACT_ROLES[name]) adminRoles.add(await c.getRoleAdmin(ROLES[role]));
    for (const role of adminRoles) {
      if (await c.hasRole(role, account)) found.push({ contract: name, address, role: ROLE_NAMES[role] ?? role });
    }
    // Contracts deployed before two-step admin transfers have no pendingDefaultAdmin().
    const pending: [string, bigint] | undefined = await c.pendingDefaultAdmin().catch(() => undefined);
    if (pending && pending[0].toLowerCase() === account.toLowerCase()) found.push({ contract: name, address, role: 'pending DEFAULT_ADMIN_ROLE' });
  }
  return found;
}
