import type { Audience } from '@fanmesh/common';

/** The rewards context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const REWARDS_ROUTES: Record<string, Audience[]> = {
  'GET /rewards/me': ['fan'],
  'GET /rewards/:address/claim': ['public'],
  'POST /rewards/claims/relay': ['fan'],
  'GET /events/:eventId/reward-pools': ['public'],
  'PUT /events/:eventId/reward-pools': ['admin'],
  'GET /events/:eventId/reward-totals': ['staff', 'admin'],
  'POST /events/:eventId/epochs/close': ['staff', 'admin'],
  'GET /epochs/:epochId/manifest': ['staff', 'admin'],
  'POST /epochs/:epochId/approve': ['staff', 'admin'],
  'POST /epochs/:epochId/reject': ['staff', 'admin'],
};
