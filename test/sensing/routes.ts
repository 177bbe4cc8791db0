import type { Audience } from '@fanmesh/common';

/** The sensing context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const SENSING_ROUTES: Record<string, Audience[]> = {
  'GET /events/:eventId/attendance': ['staff', 'admin'],
};
