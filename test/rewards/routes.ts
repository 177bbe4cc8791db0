import type { Audience } from '@fanmesh/common';

/** The rewards context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const REWARDS_ROUTES: Record<string, Audience[]> = {
  'GET /rewards/me': ['fan'],
  'GET /rewards/:address/claim': ['fan', 'admin'],
  'POST /rewards/claims/relay': ['fan'],
  'GET /rewards/rates': ['public'],
  // the season's fairness report (issue 22): aggregates only, for any token holder
  'GET /rewards/economics': ['public'],
  'GET /events/:eventId/reward-pools': ['public'],
  'PUT /events/:eventId/reward-pools': ['admin'],
  'GET /events/:eventId/reward-totals': ['staff', 'admin'],
  'POST /events/:eventId/epochs/close': ['staff', 'admin'],
  'GET /epochs/:epochId/manifest': ['staff', 'admin'],
  'POST /epochs/:epochId/approve': ['staff', 'admin'],
  'POST /epochs/:epochId/reject': ['staff', 'admin'],
  'POST /epochs/:epochId/retry': ['staff', 'admin'],
  // public epoch files (issue 21): anyone may check every payout
  'GET /epochs': ['public'],
  'GET /epochs/:epochId/file.json': ['public'],
  'GET /epochs/:epochId/file.csv': ['public'],
  'GET /epochs/:epochId/leaves': ['public'],
};
