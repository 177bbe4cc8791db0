import { hasRole, isAdmin, Principal } from '@fanmesh/common';
import type { ChannelKind } from '@fanmesh/protocol';

// Channel names and parseChannel are the wire contract's (@fanmesh/protocol); who may subscribe is the API's.

/**
 * Who may listen where: a fan only to their own channel, staff to their venue's, a sponsor to its
 * own; event channels carry public match facts (moments, status) and are open to anyone.
 */
export function maySubscribe(principal: Principal | undefined, kind: ChannelKind, id: string): boolean {
  if (kind === 'event') return true;
  if (!principal) return false;
  if (isAdmin(principal)) return true;
  switch (kind) {
    case 'fan':
      return principal.kind === 'account' && principal.subject === id;
    case 'staff':
      return hasRole(principal, 'staff', id);
    case 'sponsor':
      return principal.kind === 'sponsor' && principal.subject === id;
  }
}
