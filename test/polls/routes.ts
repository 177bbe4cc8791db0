import type { Audience } from '@fanmesh/common';

/** The polls context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const POLLS_ROUTES: Record<string, Audience[]> = {
  'POST /polls': ['staff', 'admin'],
  'GET /events/:eventId/polls': ['public'],
  'GET /venues/:venueId/polls': ['public'],
  'GET /polls/:id': ['public'],
  'POST /polls/:id/ballots': ['fan'],
  'GET /polls/:id/ballots': ['public'],
  'POST /polls/:id/open': ['staff', 'admin'],
  'POST /polls/:id/close': ['staff', 'admin'],
};
