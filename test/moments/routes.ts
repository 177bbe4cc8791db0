import type { Audience } from '@fanmesh/common';

/** The moments context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const MOMENTS_ROUTES: Record<string, Audience[]> = {
  'GET /events/:eventId/moments': ['public'],
  'POST /moments/:id/confirm': ['staff', 'admin'],
  'POST /moments/:id/reject': ['staff', 'admin'],
  'GET /moments/:id/evidence': ['public'],
  'GET /venues/:venueId/sensor-trust': ['staff', 'admin'],
  'POST /venues/:venueId/sensors/:device/approval': ['staff', 'admin'],
  'DELETE /venues/:venueId/sensors/:device/approval': ['staff', 'admin'],
  'POST /venues/:venueId/feed-secret': ['admin'],
  'POST /feeds/:venueId/moments': ['public'],
};
