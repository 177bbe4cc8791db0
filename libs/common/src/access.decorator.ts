import { CommonError } from './domain-error';
import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';

/** The roles a caller can hold. `public` means anyone, signed in or not. */
export const ROLES = ['fan', 'steward', 'staff', 'sponsor', 'device', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type Audience = Role | 'public';

export const ACCESS_KEY = 'fanmesh:access';

/**
 * Every route declares who may call it: `@Access('public')`, `@Access('staff', 'admin')`.
 * The access guard refuses any route without this declaration, so a forgotten one fails closed.
 */
export function Access(...audience: [Audience, ...Audience[]]) {
  const decorators: Array<ClassDecorator & MethodDecorator> = [SetMetadata(ACCESS_KEY, audience)];
  // Every signed-in route takes a bearer token; a sponsor's routes also take the sponsor's API key
  // (x-api-key). OpenAPI lists the two as alternatives, so a client knows either one will do.
  if (!audience.includes('public')) decorators.push(ApiBearerAuth());
  if (audience.includes('sponsor')) decorators.push(ApiSecurity('sponsor-key'));
  return applyDecorators(...decorators);
}

/** Who is calling, as the access guard established it. Roles may be scoped to a venue: `staff@<venueId>`. */
export interface Principal {
  subject: string;
  kind: 'account' | 'sponsor' | 'device';
  roles: string[];
}

export function hasRole(principal: Principal | undefined, role: Role, venueId?: string): boolean {
  if (!principal) return false;
  return principal.roles.some((r) => r === role || (venueId ? r === `${role}@${venueId}` : r.startsWith(`${role}@`)));
}

export const isAdmin = (principal: Principal | undefined) => !!principal?.roles.includes('admin');

/**
 * For venue-scoped actions: passes when the caller is an admin or holds one of `roles` at this venue.
 * The route's `@Access` already checked the role exists somewhere; this checks it is *here*.
 */
export function requireVenueRole(principal: Principal | undefined, roles: Role[], venueId: string): void {
  if (isAdmin(principal)) return;
  if (roles.some((r) => principal?.roles.includes(`${r}@${venueId}`))) return;
  throw new CommonError('forbidden', `You need the ${roles.join(' or ')} role at venue ${venueId}.`, { venueId, required: roles });
}
