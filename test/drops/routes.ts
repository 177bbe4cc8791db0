import type { Audience } from '@fanmesh/common';

/** The drops context's rows of the role matrix (test/identity/role-matrix.e2e.spec.ts): who may call each route. */
export const DROPS_ROUTES: Record<string, Audience[]> = {
  'POST /drops': ['sponsor'],
  'GET /drops': ['sponsor', 'staff', 'admin'],
  'GET /drops/mine': ['fan'],
  'GET /drops/:dropId': ['sponsor', 'staff', 'admin'],
  'PATCH /drops/:dropId': ['sponsor'],
  'POST /drops/:dropId/codes': ['sponsor'],
  'POST /drops/:dropId/approve': ['staff', 'admin'],
  'POST /drops/:dropId/reject': ['staff', 'admin'],
  'POST /drops/:dropId/cancel': ['sponsor', 'staff', 'admin'],
  'GET /drops/:dropId/audience': ['sponsor', 'staff', 'admin'],
  'POST /drops/:dropId/fire': ['sponsor', 'staff', 'admin'],
  'POST /drops/:dropId/delivered': ['fan'],
  'POST /drops/:dropId/opened': ['fan'],
  'POST /drops/:dropId/redeem': ['fan'],
  'GET /drops/:dropId/analytics': ['sponsor', 'staff', 'admin'],
  'GET /drops/:dropId/analytics/export': ['sponsor', 'staff', 'admin'],
};
