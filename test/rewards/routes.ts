import type { Audience } from '@fanmesh/common';

/** The rewards context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const REWARDS_ROUTES: Record<string, Audience[]> = {};
