import type { Audience } from '@fanmesh/common';

/** Ticket lists and claim links: their rows of the role matrix (test/identity/role-matrix.e2e.spec.ts). */
export const TICKET_IMPORT_ROUTES: Record<string, Audience[]> = {
  'POST /events/:eventId/tickets/import': ['staff', 'admin'],
  'GET /events/:eventId/claim-links': ['staff', 'admin'],
  'GET /events/:eventId/claim-links/export': ['staff', 'admin'],
  'POST /claim-links/lookup': ['fan'],
  'POST /claim-links/claim': ['fan'],
  'POST /tickets/:ticketId/transfer-links': ['fan'],
};
