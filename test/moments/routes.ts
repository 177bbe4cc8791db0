import type { Audience } from '@fanmesh/common';

/** The moments context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const MOMENTS_ROUTES: Record<string, Audience[]> = {};
