import type { Audience } from '@fanmesh/common';

/**
 * The device owner app's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): the role
 * lets a caller ask; the service then answers only the device's owner, staff of its venue and admins.
 */
export const DEVICE_OWNER_ROUTES: Record<string, Audience[]> = {
  'GET /devices/:address/readings': ['fan', 'staff', 'admin'],
  'GET /devices/:address/earnings': ['fan', 'staff', 'admin'],
};
