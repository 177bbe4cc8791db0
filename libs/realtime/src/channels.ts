import { hasRole, isAdmin, Principal } from '@fanmesh/common';

export type ChannelKind = 'fan' | 'event' | 'staff' | 'sponsor';

const PATTERN = /^(fan|event|staff|sponsor):([0-9a-zA-Z-]{1,64})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

export function parseChannel(channel: unknown): { kind: ChannelKind; id: string } | undefined {
  if (typeof channel !== 'string') return undefined;
  const m = PATTERN.exec(channel);
  if (!m) return undefined;
  const kind = m[1] as ChannelKind;
  const id = m[2];
  const ok = kind === 'fan' ? ADDRESS.test(id) : UUID.test(id);
  return ok ? { kind, id } : undefined;
}

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
