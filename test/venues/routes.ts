import type { Audience } from '@fanmesh/common';

/** The venue console's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): set-up edits, invites, sponsors. */
export const VENUE_CONSOLE_ROUTES: Record<string, Audience[]> = {
  'PATCH /venues/:venueId': ['admin'],
  'PATCH /venues/:venueId/sections/:sectionCode': ['admin'],
  'PUT /venues/:venueId/sections/:sectionCode/seat-map': ['admin'],
  'DELETE /venues/:venueId/sections/:sectionCode/seat-map': ['admin'],
  'PATCH /venues/:venueId/gates/:gateCode': ['admin'],
  'POST /venues/:venueId/sections/import': ['admin'],
  'GET /sponsors': ['admin'],
  'POST /venues/:venueId/invites': ['admin'],
  'GET /venues/:venueId/invites': ['admin'],
  'DELETE /venues/:venueId/invites/:inviteId': ['admin'],
  'POST /invites/lookup': ['public'],
  'POST /invites/accept': ['fan'],
  'GET /invites/operator': ['public'],
  'POST /invites/operator/accept': ['fan'],
};

/** Path parameters for those routes in the matrix. */
export const VENUE_CONSOLE_PARAMS: Record<string, string> = {
  sectionCode: 'N101',
  gateCode: 'N-A',
  inviteId: '7c9e6679-7425-40de-944b-e07fc1f90aeb',
};
