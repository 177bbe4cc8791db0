import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Audience, Principal } from '@fanmesh/common';
import { AccessAudit } from '@fanmesh/identity';
import { FRAME_ACCESS } from '@fanmesh/realtime';
import { DEMO_EVENT_ID, DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp, startApp } from '../support/app';
import { COVERAGE_ROUTES } from '../coverage/routes';
import { SENSING_ROUTES } from '../sensing/routes';
import { MOMENTS_ROUTES } from '../moments/routes';
import { REWARDS_ROUTES } from '../rewards/routes';
import { DROPS_ROUTES } from '../drops/routes';
import { POLLS_ROUTES } from '../polls/routes';
import { TICKET_IMPORT_ROUTES } from '../access/ticket-routes';
import { VENUE_CONSOLE_PARAMS, VENUE_CONSOLE_ROUTES } from '../venues/routes';
import { DEVICE_OWNER_ROUTES } from '../devices/owner-routes';

/**
 * Every route × every role. The table is the reviewed statement of who may call what: a route that
 * is not in it fails this test until someone decides its audience here.
 */
const MATRIX: Record<string, Audience[]> = {
  'GET /health': ['public'],
  'GET /metrics': ['public'],
  'GET /chain': ['public'],
  'GET /venues': ['public'],
  'POST /venues': ['admin'],
  'GET /venues/:venueId': ['public'],
  'POST /venues/:venueId/sections': ['admin'],
  'POST /venues/:venueId/gates': ['admin'],
  'GET /events': ['public'],
  'POST /events': ['staff', 'admin'],
  'GET /events/:eventId': ['public'],
  'POST /events/:eventId/transitions': ['staff', 'admin'],
  'POST /auth/nonce': ['public'],
  'POST /auth/siwe': ['public'],
  'POST /auth/refresh': ['public'],
  'POST /auth/logout': ['public'],
  'POST /auth/sponsor-session': ['sponsor'],
  'GET /auth/me': ['fan', 'steward', 'staff', 'sponsor', 'admin'],
  // a fan's own data (issue 19): every account, for its own address only (there is no address to name)
  'GET /me/data': ['fan'],
  'POST /me/data/erase': ['fan'],
  'GET /venues/:venueId/roles': ['staff', 'admin'],
  'POST /venues/:venueId/roles': ['admin'],
  'DELETE /venues/:venueId/roles/:address/:role': ['admin'],
  'POST /sponsors': ['admin'],
  'POST /sponsors/:sponsorId/keys': ['admin'],
  'DELETE /sponsors/:sponsorId/keys/:keyId': ['admin'],
  'POST /events/:eventId/tickets': ['staff', 'admin'],
  'GET /tickets/issuer': ['public'],
  'GET /tickets/mine': ['fan'],
  'POST /tickets/:ticketId/transfer': ['fan'],
  'POST /tickets/:ticketId/revoke': ['staff', 'admin'],
  'POST /gates/:gateId/scans': ['steward', 'staff', 'device', 'admin'],
  'POST /gates/:gateId/scans/batch': ['steward', 'staff', 'device', 'admin'],
  'GET /events/:eventId/offline-snapshot': ['steward', 'staff', 'device', 'admin'],
  'POST /gates/:gateId/offline-scans': ['steward', 'staff', 'device', 'admin'],
  'GET /events/:eventId/admissions': ['staff', 'admin'],
  'GET /events/:eventId/admissions/throughput': ['staff', 'admin'],
  'POST /events/:eventId/offline-reviews/:reviewId/decision': ['staff', 'admin'],
  'POST /merch/issuers': ['admin'],
  'POST /merch/items': ['staff', 'admin'],
  'POST /merch/verifications': ['fan', 'steward', 'staff', 'admin'],
  'POST /merch/claims': ['fan'],
  'GET /devices/pairing-domains': ['public'],
  'POST /devices/pairings': ['fan'],
  'GET /devices/mine': ['fan'],
  'GET /devices/:address/chain': ['fan'],
  'GET /devices': ['staff', 'admin'],
  'POST /devices/messages': ['public'],
  'POST /devices/:address/revoke': ['fan', 'staff', 'admin'],
  'POST /devices/denylist': ['staff', 'admin'],
  'GET /devices/:address/transfer': ['fan'],
  'POST /devices/:address/transfer': ['fan'],
  'GET /devices/transfers/mine': ['fan'],
  ...DEVICE_OWNER_ROUTES,
  ...COVERAGE_ROUTES,
  ...SENSING_ROUTES,
  ...MOMENTS_ROUTES,
  ...REWARDS_ROUTES,
  ...DROPS_ROUTES,
  ...POLLS_ROUTES,
  ...TICKET_IMPORT_ROUTES,
  ...VENUE_CONSOLE_ROUTES,
};

const CALLERS: Record<string, Principal | undefined> = {
  none: undefined,
  fan: { subject: '0x00000000000000000000000000000000000000f1', kind: 'account', roles: ['fan'] },
  steward: { subject: '0x00000000000000000000000000000000000000f2', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] },
  staff: { subject: '0x00000000000000000000000000000000000000f3', kind: 'account', roles: ['fan', `staff@${DEMO_VENUE_ID}`] },
  sponsor: { subject: '7c9e6679-7425-40de-944b-e07fc1f90ae7', kind: 'sponsor', roles: [`sponsor@${DEMO_VENUE_ID}`] },
  // a gate device of the demo venue: scans and snapshots are refused to devices of other venues
  device: { subject: '0x00000000000000000000000000000000000000f5', kind: 'device', roles: [`device@${DEMO_VENUE_ID}`] },
  admin: { subject: '0x00000000000000000000000000000000000000f6', kind: 'account', roles: ['fan', 'admin'] },
};

/**
 * Routes that need a particular credential, not just a role: the matrix's callers hold bearer
 * tokens, so these refuse an allowed role with 401 and this code.
 */
const CREDENTIAL_BOUND: Record<string, { caller: string; code: string }> = {
  // a sponsor session is minted from the API key only (a session renewing itself would outlive its key)
  'POST /auth/sponsor-session': { caller: 'sponsor', code: 'api_key_required' },
};

/**
 * Routes answered only for the caller's own `:address` (or an admin). The matrix's address is none
 * of its callers', so an allowed caller that is not an admin is refused with 403 and this code.
 */
const OWN_ADDRESS: Record<string, string> = {
  'GET /rewards/:address/claim': 'not_your_address',
};

const PARAMS: Record<string, string> = {
  venueId: DEMO_VENUE_ID,
  eventId: DEMO_EVENT_ID,
  address: '0x00000000000000000000000000000000000000f9',
  role: 'steward',
  sponsorId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  keyId: '7c9e6679-7425-40de-944b-e07fc1f90ae8',
  ticketId: '7c9e6679-7425-40de-944b-e07fc1f90ae9',
  gateId: '7c9e6679-7425-40de-944b-e07fc1f90aea',
  reviewId: '7c9e6679-7425-40de-944b-e07fc1f90aeb',
  ...VENUE_CONSOLE_PARAMS,
};

describe('the role matrix', () => {
  let api: RunningApp;
  let routes: { method: string; path: string; audience: Audience[] | undefined }[];

  beforeAll(async () => {
    api = await startApp('matrix');
    routes = api.app.get(AccessAudit).routes();
  });
  afterAll(() => api?.close());

  it('has every route in the table, with the audience the code declares', () => {
    const declared = Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, r.audience]));
    for (const key of Object.keys(declared)) expect(MATRIX[key], `${key} is not in the role matrix: decide who may call it`).toBeDefined();
    expect(declared).toEqual(MATRIX);
  });

  it('declares an audience for every websocket frame type', () => {
    for (const [type, audience] of Object.entries(FRAME_ACCESS)) expect(audience.length, type).toBeGreaterThan(0);
  });

  it('allows and denies each route for each caller as declared', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, (_, name: string) => PARAMS[name]);
      const url = route.path === '/health' || route.path === '/metrics' ? path : `/api/v1${path}`;
      for (const [caller, principal] of Object.entries(CALLERS)) {
        let req = request(api.url)[route.method.toLowerCase() as 'get' | 'post' | 'delete'](url);
        if (principal) req = req.set('authorization', `Bearer ${await api.tokenFor(principal)}`);
        if (route.method !== 'GET') req = req.send({});
        const res = await req;
        const audience = route.audience ?? [];
        // An account holds several roles (every signed-in account is also a fan).
        const held = (principal?.roles ?? []).map((r) => r.split('@')[0] as Audience);
        const allowed = audience.includes('public') || held.some((r) => audience.includes(r));
        const denied = res.status === 401 || res.status === 403;
        const bound = CREDENTIAL_BOUND[`${route.method} ${route.path}`];
        const ownOnly = OWN_ADDRESS[`${route.method} ${route.path}`];
        const notOwner = !!ownOnly && allowed && !held.includes('admin');
        const expected = bound?.caller === caller ? `401 ${bound.code}` : notOwner ? `403 ${ownOnly}` : allowed ? 'allowed' : principal ? '403' : '401';
        const got = !denied ? 'allowed' : bound?.caller === caller || notOwner ? `${res.status} ${res.body?.code}` : String(res.status);
        if (got !== expected) failures.push(`${route.method} ${route.path} as ${caller}: expected ${expected}, got ${res.status} ${res.body?.code ?? ''}`);
        expect(res.status, `${route.method} ${url} as ${caller}`).toBeLessThan(500);
      }
    }
    expect(failures).toEqual([]);
  });
});
