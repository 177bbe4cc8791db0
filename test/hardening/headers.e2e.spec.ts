import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, fanPrincipal, RunningApp, startApp } from '../support/app';
import { DESKTOP, launchBrowser, newPage, PHONE } from '../support/browser';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';

/** The directives of a Content-Security-Policy header, each with its sources. */
function directives(header: string | undefined): Record<string, string[]> {
  expect(header, 'a Content-Security-Policy header').toBeTruthy();
  return Object.fromEntries(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

/**
 * Every CSP violation a page reports: the `securitypolicyviolation` events of its documents (hooked
 * in before any script of the page runs) and the console errors Chromium prints for blocked loads.
 */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|connect|apply|frame|evaluate|create)/i.test(m.text())) console.push(m.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = ((window as unknown as { __csp: string[] }).__csp = []);
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} in ${e.documentURI}`));
  });
  return async () => [...console, ...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []))];
}

/** Issue 19: the web edge's headers, and the PWA working under its strict CSP. */
describe('security headers and the PWA under its Content-Security-Policy', () => {
  let api: RunningApp;
  let https: RunningApp;
  let browser: Browser;
  let admin: string;
  let eventId: string;

  beforeAll(async () => {
    if (!existsSync('apps/web/dist/index.html')) throw new Error('the PWA is not built: run `npm run build:web`');
    [api, https, browser] = await Promise.all([
      startApp('headers', { env: { WEB_DIST: 'apps/web/dist' } }),
      // As production is configured: an https public origin, and no device origins to fetch from.
      startApp('headers-https', { services: 'embedded', env: { WEB_DIST: 'apps/web/dist', PUBLIC_ORIGIN: 'https://fans.example.com', CSP_CONNECT_SRC: 'none' } }),
      launchBrowser(),
    ]);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Header derby');
    await openGates(api.url, admin, eventId);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([api?.close(), https?.close()]);
  });

  it('puts the security headers on the app shell, its assets, the service worker and API answers', async () => {
    const shell = await request(api.url).get('/').expect(200);
    const asset = shell.text.match(/\/assets\/[^"']+\.js/)![0];
    const answers: [string, request.Response][] = [
      ['GET /', shell],
      ['GET /tickets', await request(api.url).get('/tickets').set('accept', 'text/html').expect(200)],
      [`GET ${asset}`, await request(api.url).get(asset).expect(200)],
      ['GET /sw.js', await request(api.url).get('/sw.js').expect(200)],
      ['GET /api/v1/venues/:id', await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`).expect(200)],
      ['GET /api/v1/nothing-here', await request(api.url).get('/api/v1/nothing-here').expect(404)],
      ['POST /api/v1/auth/nonce (415)', await request(api.url).post('/api/v1/auth/nonce').set('content-type', 'text/plain').send('x').expect(415)],
      ['GET /health', await request(api.url).get('/health')],
    ];
    const host = new URL(api.url).host;
    for (const [where, res] of answers) {
      const csp = directives(res.headers['content-security-policy']);
      expect(csp['script-src'], where).toEqual(["'self'"]);
      expect(csp['default-src'], where).toEqual(["'self'"]);
      expect(csp['style-src'], where).toEqual(["'self'"]);
      expect(csp['object-src'], where).toEqual(["'none'"]);
      expect(csp['base-uri'], where).toEqual(["'none'"]);
      expect(csp['frame-ancestors'], where).toEqual(["'none'"]);
      expect(csp['img-src'], where).toEqual(["'self'", 'data:', 'blob:']);
      // Its own origin and websocket; outside production also the agents and portals on this machine.
      expect(csp['connect-src'], where).toEqual(["'self'", `ws://${host}`, 'http://localhost:*', 'http://127.0.0.1:*']);
      expect(res.headers['content-security-policy'], where).not.toMatch(/unsafe-inline|unsafe-eval|\*;|\s\*\s/);
      expect(res.headers['x-content-type-options'], where).toBe('nosniff');
      expect(res.headers['referrer-policy'], where).toBe('no-referrer');
      expect(res.headers['x-frame-options'], where).toBe('DENY');
      expect(res.headers['cross-origin-opener-policy'], where).toBe('same-origin');
      expect(res.headers['permissions-policy'], where).toContain('camera=(self)');
      expect(res.headers['strict-transport-security'], `${where}: no HSTS over plain http in dev`).toBeUndefined();
      expect(res.headers['x-powered-by'], where).toBeUndefined();
    }
  });

  it('marks answers to a signed-in caller as not to be stored by any cache', async () => {
    const fan = `Bearer ${await api.tokenFor(fanPrincipal)}`;
    expect((await request(api.url).get('/api/v1/tickets/mine').set('authorization', fan).expect(200)).headers['cache-control']).toBe('private, no-store');
    expect((await request(api.url).get('/api/v1/drops/mine').set('authorization', fan).expect(200)).headers['cache-control']).toBe('private, no-store');
  });

  it('sends HSTS and upgrades insecure requests once the public origin is https; fetches go to its own origin and wss only', async () => {
    for (const path of ['/', '/api/v1/venues', '/health']) {
      const res = await request(https.url).get(path);
      expect(res.headers['strict-transport-security'], path).toBe('max-age=31536000; includeSubDomains');
      const csp = directives(res.headers['content-security-policy']);
      expect(csp['connect-src'], path).toEqual(["'self'", 'wss://fans.example.com']);
      expect(csp['upgrade-insecure-requests'], path).toEqual([]);
    }
  });

  it('runs every area of the PWA, signed in, with no CSP violation', async () => {
    const [ticket] = await issueTickets(api.url, admin, eventId, 1, ['N101']);
    const pages: { area: string; page: Page; violations: () => Promise<string[]> }[] = [];
    const open = async (area: string, url: string, viewport = PHONE, grant?: 'staff' | 'steward') => {
      const page = await newPage(browser, viewport);
      const violations = await watchCsp(page);
      await page.goto(url);
      let address: string | undefined;
      if (area !== 'home' && area !== 'sponsor') {
        const section = page.locator('section[data-address]');
        await section.waitFor({ timeout: 15_000 });
        address = (await section.getAttribute('data-address'))!;
      }
      if (grant) {
        await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`).set('authorization', admin).send({ address, role: grant }).expect(201);
        await page.reload();
      }
      pages.push({ area, page, violations });
      return { page, address: address! };
    };

    // Home: the public event list (fetched, and kept by the service worker).
    const { page: home } = await open('home', api.url + '/', DESKTOP);
    await expect.poll(() => home.getByRole('list', { name: 'Events' }).getByRole('listitem').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await home.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 15_000 });

    // Tickets: signs in with the embedded key, opens the websocket, draws a ticket's QR (a data: image).
    const { page: fan, address } = await open('tickets', api.url + '/tickets');
    await request(api.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', admin)
      .send({ tickets: [{ holder: address, section: 'N102', seat: '7', tier: 'standard' }] })
      .expect(201);
    await fan.reload();
    await fan.locator('figure.ticket-qr[data-code]').waitFor({ timeout: 15_000 });
    await expect.poll(() => fan.locator('.live').textContent(), { timeout: 15_000 }).toBe('Live');
    await fan.getByText('Back up your key').click();
    await fan.getByRole('button', { name: 'Show my key' }).click();
    await fan.locator('code.key').waitFor();

    // Steward: picks a gate, checks a code, admits.
    const { page: steward } = await open('steward', api.url + '/steward', PHONE, 'steward');
    await steward.locator('select[aria-label="Gate"]').selectOption({ label: 'N-A – North gate A' }, { timeout: 15_000 });
    await steward.getByLabel('Ticket or merch tag code').fill(qrFor(ticket, ticket.wallet));
    await steward.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => steward.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain('ADMIT');

    // Staff: the dashboard's live counters and charts (canvas) for the event.
    const { page: staff } = await open('staff', api.url + '/staff', DESKTOP, 'staff');
    await staff.locator('select[aria-label="Event"]').selectOption(eventId, { timeout: 15_000 });
    await expect.poll(() => staff.getByTestId('admitted').textContent(), { timeout: 10_000 }).toBe('1');
    await staff.locator('canvas').first().waitFor();

    // Sponsor: the console opened with an API key.
    const sponsor = (await request(api.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name: 'Header Brew' }).expect(201)).body;
    const key = (await request(api.url).post(`/api/v1/sponsors/${sponsor.id}/keys`).set('authorization', admin).expect(201)).body.key;
    const { page: console_ } = await open('sponsor', api.url + '/sponsor', DESKTOP);
    await console_.getByLabel('Your sponsor API key').fill(key);
    await console_.getByRole('button', { name: 'Open the console' }).click();
    await console_.locator('section[data-sponsor]').waitFor({ timeout: 15_000 });

    // Polls and devices render signed in.
    const { page: polls } = await open('polls', `${api.url}/polls?event=${eventId}`);
    await polls.getByRole('heading', { name: 'Polls' }).waitFor({ timeout: 15_000 });
    await open('devices', api.url + '/devices');

    for (const { area, page, violations } of pages) {
      await page.waitForTimeout(200);
      expect(await violations(), area).toEqual([]);
    }
    await Promise.all(pages.map(({ page }) => page.context().close()));
  }, 120_000);

  it('refuses an injected inline script, a foreign script and a foreign image, and the watch above reports each', async () => {
    const page = await newPage(browser, PHONE);
    const violations = await watchCsp(page);
    await page.goto(api.url + '/');
    await page.getByRole('list', { name: 'Events' }).waitFor({ timeout: 10_000 });
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { injected?: boolean };
      const inline = document.createElement('script');
      inline.textContent = 'window.injected = true';
      document.body.append(inline);
      const foreign = document.createElement('script');
      foreign.src = 'https://evil.example/steal.js';
      document.body.append(foreign);
      const img = document.createElement('img');
      img.src = 'https://evil.example/pixel.gif';
      document.body.append(img);
      await new Promise((r) => setTimeout(r, 300));
      return !!w.injected;
    });
    // (eval is not tried here: code Playwright evaluates is exempt; the header test checks there is no 'unsafe-eval'.)
    expect(ran, 'the injected script ran').toBe(false);
    const seen = (await violations()).join('\n');
    for (const what of [
      /script-src(-elem)? blocked \(inline\)|script-src(-elem)? blocked inline/,
      /script-src(-elem)? blocked https:\/\/evil\.example\/steal\.js/,
      /img-src blocked https:\/\/evil\.example/,
    ]) {
      expect(seen).toMatch(what);
    }
    await page.context().close();
  });

  it('cannot be framed by another site', async () => {
    // Another origin on this machine (another port), so only our headers can stop the frame.
    const framer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>framer</title><iframe src="${api.url}/tickets"></iframe>`));
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    try {
      const page = await newPage(browser, DESKTOP);
      await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
      await page.waitForLoadState('load');
      const frame = page.frames().find((f) => f !== page.mainFrame())!;
      // Chromium refuses the frame (frame-ancestors 'none', X-Frame-Options: DENY): an error page, none of our document.
      await expect.poll(() => frame.url(), { timeout: 10_000 }).toMatch(/^chrome-error:/);
      expect(await frame.locator('#root').count()).toBe(0);
      await page.context().close();
    } finally {
      framer.close();
    }
  });

  it('renders the API docs (Swagger UI) under their own policy, scoped to /api/docs, with no violation', async () => {
    const docs = await request(api.url).get('/api/docs/').expect(200);
    const csp = directives(docs.headers['content-security-policy']);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    const page = await newPage(browser, DESKTOP);
    const violations = await watchCsp(page);
    await page.goto(api.url + '/api/docs');
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'FanMesh API' }).waitFor({ timeout: 15_000 });
    await page.locator('.opblock').first().waitFor();
    expect(await violations()).toEqual([]);
    await page.context().close();
  });
});
