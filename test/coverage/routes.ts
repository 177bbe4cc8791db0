import type { Audience } from '@fanmesh/common';

/** The coverage context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const COVERAGE_ROUTES: Record<string, Audience[]> = {
  'POST /coverage/witnesses': ['fan'],
  'GET /coverage/events/:eventId/witnesses/mine': ['fan'],
  'GET /coverage/events/:eventId/policy': ['public'],
  'PUT /coverage/events/:eventId/policy': ['staff', 'admin'],
  'GET /coverage/events/:eventId/hotspots': ['staff', 'admin'],
  'GET /coverage/events/:eventId/hotspots/mine': ['fan'],
  'GET /coverage/events/:eventId/verdicts': ['staff', 'admin'],
  'POST /coverage/events/:eventId/scores': ['staff', 'admin'],
  'GET /coverage/events/:eventId/scores': ['public'],
  'GET /coverage/hotspots/:address/report': ['fan', 'staff', 'admin'],
  // denylist appeals (libs/devices, added with coverage: owners appeal what stops their hotspot)
  'GET /devices/appeals': ['staff', 'admin'],
  'POST /devices/:address/appeals': ['fan'],
  'POST /devices/appeals/:appealId/decision': ['staff', 'admin'],
};
