import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encodeMerchTag } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { DESKTOP, launchBrowser, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';

/** A zone far from the venue's (Europe/Lisbon), so a time shown in the phone's zone would not pass for the venue's. */
const PHONE_ZONE = 'Asia/Tokyo';
const VENUE_ZONE = 'Europe/Lisbon';
const hhmm = (iso: string, timeZone: string) => new Date(iso).toLocaleTimeString('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' });

/** Issue 17, "the fan and the other areas, fixed where a newcomer got stuck": each fix, as a newcomer meets it. */
describe('the PWA where a newcomer got stuck', () => {
  let api: RunningApp;
  let browser: Browser;
  let admin: string;
  let staff: string;
  let eventId: string;
  let pastId: string;
  let gateId: string;
  const contexts: BrowserContext[] = [];

  /** A page in its own context (its own key), in the phone's zone and an English locale. */
  async function open(viewport = PHONE): Promise<Page> {
    const context = await browser.newContext({ viewport, timezoneId: PHONE_ZONE, locale: 'en-GB', acceptDownloads: true });
    contexts.push(context);
    return context.newPage();
  }
  /** Opens an area (which signs in with the page's own key) and returns the key's address; `grant` gives it a role at the demo venue first. */
  async function signedIn(page: Page, path: string, grant?: 'steward' | 'staff'): Promise<string> {
    await page.goto(api.url + path);
    const section = page.locator('section[data-address]');
    await section.waitFor({ timeout: 15_000 });
    const address = (await section.getAttribute('data-address'))!;
    if (grant) {
      await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`).set('authorization', admin).send({ address, role: grant }).expect(201);
      await page.reload();
      await page.locator('section[data-address]').waitFor({ timeout: 15_000 });
    }
    return address;
  }
  const issue = (holder: string, seat: string) =>
    request(api.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', admin)
      .send({ tickets: [{ holder, section: 'N101', seat, tier: 'standard' }] })
      .expect(201)
      .then((r) => r.body.tickets[0] as { id: string });
  const shoot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `newcomer-${name}.png`), fullPage: true });

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-newcomer', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    // A match that is over (for the home page's past list), then tonight's, at the gates.
    pastId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Last season’s derby');
    for (const to of ['gates_open', 'live', 'ended']) await request(api.url).post(`/api/v1/events/${pastId}/transitions`).set('authorization', admin).send({ to }).expect(200);
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Newcomer night');
    await openGates(api.url, admin, eventId);
    gateId = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A').id;
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await api?.close();
  });

  it('shows no console error on a fan’s first load (nothing settled yet is not an error)', async () => {
    const page = await open();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(api.url + '/tickets');
    await page.locator('section[data-address]').waitFor({ timeout: 15_000 });
    await page.getByText('Earn FAN by checking in').waitFor({ timeout: 15_000 });
    await page.locator('.live-open').waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1500); // whatever else the first load asks for
    expect(errors).toEqual([]);
  });

  it('goes live again when the network comes back, without a reload, and keeps what earned each token across a reload', async () => {
    const page = await open();
    const address = await signedIn(page, '/tickets');
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 15_000 });
    const ticket = await issue(address, '501');
    await page.reload();
    await page.locator('figure.ticket-qr[data-code]').waitFor({ timeout: 15_000 });

    await page.context().setOffline(true);
    await page.reload();
    await page.getByText('Offline – saved tickets').waitFor({ timeout: 15_000 });
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await page.context().setOffline(false);
    // Back online: live again within seconds (it used to stay "Offline – saved tickets" until a reload).
    await expect.poll(() => page.locator('.live').textContent(), { timeout: 10_000 }).toBe('Live');
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

    // Live updates resumed: a steward's scan turns the ticket to "Admitted" on this page.
    const code = (await page.locator('figure.ticket-qr[data-code]').getAttribute('data-code'))!;
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057f1', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    expect((await request(api.url).post(`/api/v1/gates/${gateId}/scans`).set('authorization', steward).send({ code }).expect(200)).body.decision).toBe('admit');
    await page.getByRole('status').filter({ hasText: 'Admitted' }).waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(ticket.id).toBeTruthy();

    // The check-in reward, after a reload: read from the ledger (with the match's name), not from a frame this page saw.
    await expect
      .poll(
        async () =>
          (
            await request(api.url)
              .get('/api/v1/rewards/me')
              .set('authorization', `Bearer ${await api.tokenFor({ subject: address, kind: 'account', roles: ['fan'] })}`)
          ).body.entries.length,
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    await page.reload();
    await expect.poll(() => page.locator('.feed').textContent(), { timeout: 10_000 }).toContain('FAN for checking in at the gate at Newcomer night');
    await shoot(page, 'fan-history-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('lists upcoming and past matches apart, opens a match from its card, and answers an unknown address with a not-found page', async () => {
    expect(pastId).toBeTruthy();
    for (const [size, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const page = await open(viewport);
      await page.goto(api.url + '/');
      const upcoming = page.getByRole('list', { name: 'Upcoming events' });
      const earlier = page.getByRole('list', { name: 'Past matches' });
      await expect.poll(() => earlier.getByRole('listitem').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await upcoming.textContent()).toContain('Newcomer night');
      expect(await upcoming.textContent()).not.toContain('Last season’s derby');
      expect(await earlier.textContent()).toContain('Last season’s derby');
      expect(await earlier.textContent()).not.toContain('Newcomer night');
      await shoot(page, `home-${size}`);
      expect(await seriousA11yViolations(page), `home at ${size}`).toEqual([]);

      await upcoming.getByRole('link', { name: /Newcomer night/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Newcomer night' }).waitFor({ timeout: 10_000 });
      expect(new URL(page.url()).pathname).toBe(`/events/${eventId}`);
      expect(await page.getByRole('link', { name: 'Fan polls for this match' }).getAttribute('href')).toBe(`/polls?event=${eventId}`);
      await shoot(page, `match-${size}`);
      expect(await seriousA11yViolations(page), `match at ${size}`).toEqual([]);

      for (const nowhere of ['/no-such-page', '/events/7c9e6679-7425-40de-944b-e07fc1f90aff']) {
        await page.goto(api.url + nowhere);
        await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor({ timeout: 10_000 });
        expect(await page.getByRole('link', { name: 'See the matches' }).getAttribute('href')).toBe('/');
      }
      await shoot(page, `not-found-${size}`);
      expect(await seriousA11yViolations(page), `not found at ${size}`).toEqual([]);
    }
  });

  it('shows on a phone the areas of the user’s roles, and sign-out on every page', async () => {
    const nav = (page: Page) => page.getByRole('navigation', { name: 'Areas' });
    const visibleLinks = async (page: Page) => {
      const links = nav(page).getByRole('link');
      const out: string[] = [];
      for (let i = 0; i < (await links.count()); i++) if (await links.nth(i).isVisible()) out.push((await links.nth(i).textContent())!.trim());
      return out;
    };
    const fits = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

    const fan = await open();
    await signedIn(fan, '/tickets');
    expect(await visibleLinks(fan)).toEqual(['My tickets', 'Devices']);

    const steward = await open();
    await signedIn(steward, '/steward', 'steward');
    await expect.poll(() => visibleLinks(steward), { timeout: 10_000 }).toEqual(['My tickets', 'Scan', 'Devices']);
    expect(await steward.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);

    const staffer = await open();
    await signedIn(staffer, '/staff', 'staff');
    await expect.poll(() => visibleLinks(staffer), { timeout: 10_000 }).toEqual(['My tickets', 'Scan', 'Devices', 'Staff', 'Venue']);
    expect(await fits(staffer)).toBe(true);
    await shoot(staffer, 'nav-staff-phone');
    // Off the areas too (home, a match, a page that does not exist), the same session: its areas and sign-out.
    for (const path of ['/', `/events/${eventId}`, '/nowhere']) {
      await staffer.goto(api.url + path);
      await staffer.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 10_000 });
      expect(await visibleLinks(staffer), path).toEqual(['My tickets', 'Scan', 'Devices', 'Staff', 'Venue']);
      expect(await fits(staffer), path).toBe(true);
    }
    await shoot(staffer, 'nav-staff-home-phone');
    expect(await seriousA11yViolations(staffer)).toEqual([]);
    await staffer.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => staffer.getByRole('button', { name: 'Sign out' }).count(), { timeout: 10_000 }).toBe(0);
    await staffer.goto(api.url + '/'); // signed out stays signed out off the areas
    await staffer.getByRole('list', { name: 'Upcoming events' }).waitFor({ timeout: 10_000 });
    await staffer.waitForTimeout(500);
    expect(await staffer.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  });

  it('gives a steward the merch verdict for a fake tag, times on the venue’s clock, and the offline copy in one tap', async () => {
    const page = await open();
    await signedIn(page, '/steward', 'steward');
    await page.locator('select[aria-label="Gate"]').selectOption({ label: 'N-A – North gate A' }, { timeout: 15_000 });
    const verdict = page.getByRole('status');
    const check = async (code: string) => {
      await page.getByLabel('Ticket or merch tag code').fill(code);
      await page.getByRole('button', { name: 'Check' }).click();
    };

    for (const fake of ['FMM1.bm90LWEtcmVhbC10YWc', encodeMerchTag({ sku: 'SCARF-26', serial: 'SC-404', signature: '0x1234' })]) {
      await check(fake);
      await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('FAKE');
      expect(await verdict.textContent()).toContain('Merch');
      expect(await verdict.textContent()).not.toContain('Not a FanMesh ticket');
      expect(await page.getByRole('alert').count()).toBe(0);
    }
    await shoot(page, 'steward-fake-merch-phone');

    // An admission, then the same code again: the first admission's time as the venue's clock has it, not the phone's.
    const [ticket] = await issueTickets(api.url, admin, eventId, 1, ['N101']);
    const code = qrFor(ticket, ticket.wallet);
    await check(code);
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('ADMIT');
    const [again] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/gates/${gateId}/scans`)), check(code)]);
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('Already admitted');
    const at = (await again.json()).admittedAt as string;
    const first = await page.getByTestId('first-admitted').textContent();
    expect(first).toContain(hhmm(at, VENUE_ZONE));
    if (hhmm(at, VENUE_ZONE) !== hhmm(at, PHONE_ZONE)) expect(first).not.toContain(hhmm(at, PHONE_ZONE));
    expect(first).toContain('gate N-A');

    // The offline copy: what it is for, what is on the phone, and a fresh one in one tap.
    const copy = page.getByRole('region', { name: 'Offline copy' });
    expect(await copy.textContent()).toContain('If the network drops, this phone keeps checking tickets by itself');
    await expect.poll(() => page.getByTestId('offline-copy').textContent(), { timeout: 10_000 }).toMatch(/On this phone: \d+ tickets? for Newcomer night, copied at/);
    const before = await page.getByTestId('offline-copy').textContent();
    await issueTickets(api.url, admin, eventId, 2, ['N102']);
    await copy.getByRole('button', { name: /Download a fresh offline copy/ }).click();
    await expect.poll(() => page.getByTestId('offline-copy').textContent(), { timeout: 10_000 }).not.toBe(before);
    const snap = (await page.getByTestId('offline-copy').textContent())!;
    const stored = await page.evaluate(
      (id) =>
        new Promise<number>((resolve) => {
          const req = indexedDB.open('keyval-store');
          req.onsuccess = () => {
            const get = req.result.transaction('keyval').objectStore('keyval').get(`fanmesh.snapshot.${id}`);
            get.onsuccess = () => resolve((get.result?.tickets ?? []).length);
          };
        }),
      eventId,
    );
    expect(snap).toContain(`${stored} tickets`);
    expect(await copy.textContent()).toContain(`Times are the venue’s (${VENUE_ZONE})`);
    await shoot(page, 'steward-offline-copy-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('warns a sponsor before firing a drop that would reach nobody, and says a manual drop fires when they press Fire', async () => {
    const s = await request(api.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name: 'Empty Stand Ltd' }).expect(201);
    const key = (await request(api.url).post(`/api/v1/sponsors/${s.body.id}/keys`).set('authorization', admin).expect(201)).body.key as string;
    const drop = (
      await request(api.url)
        .post('/api/v1/drops')
        .set('x-api-key', key)
        .send({
          eventId,
          content: { title: 'Scarf for the south stand', body: 'At the club shop.' },
          reward: { kind: 'collectible' },
          trigger: { kind: 'manual' },
          audience: { sections: ['S101'] }, // nobody is checked in there
          inventory: 5,
          window: { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString() },
        })
        .expect(201)
    ).body;
    await request(api.url).post(`/api/v1/drops/${drop.id}/approve`).set('authorization', staff).send({ version: drop.version }).expect(200);

    for (const [size, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const page = await open(viewport);
      await page.goto(api.url + '/sponsor');
      await page.getByLabel('Your sponsor API key').fill(key);
      await page.getByRole('button', { name: 'Open the console' }).click();
      await page.locator('label', { hasText: 'Fires' }).locator('select').selectOption('manual', { timeout: 15_000 });
      expect(await page.getByTestId('manual-hint').textContent()).toContain('It fires when you press Fire');
      const card = page.locator(`li[data-drop="${drop.id}"]`);
      await card.waitFor({ timeout: 10_000 });
      expect(await card.textContent()).toContain('fires when you press Fire');
      await card.getByRole('button', { name: 'Fire', exact: true }).click();
      const warning = card.getByTestId('reach-warning');
      await warning.waitFor({ timeout: 10_000 });
      expect(await warning.textContent()).toContain('Nobody would get this drop right now');
      expect(await warning.textContent()).toContain('S101');
      await shoot(page, `sponsor-reach-nobody-${size}`);
      expect(await seriousA11yViolations(page), `sponsor at ${size}`).toEqual([]);
      // Not fired by the warning: the sponsor decides.
      expect((await request(api.url).get(`/api/v1/drops/${drop.id}`).set('x-api-key', key).expect(200)).body.status).toBe('approved');
      await warning.getByRole('button', { name: 'Wait' }).click();
      await expect.poll(() => warning.count()).toBe(0);
      if (size === 'desktop') {
        await card.getByRole('button', { name: 'Fire', exact: true }).click();
        await card.getByRole('button', { name: 'Fire anyway' }).click();
        await expect.poll(() => card.getByTestId('drop-status').textContent(), { timeout: 10_000 }).toBe('Fired');
      }
    }
  });

  it('lets a fan download everything held about them and erase it, with what stays said first, and signs them out', async () => {
    const page = await open();
    const address = await signedIn(page, '/tickets');
    await issue(address, '777');
    await page.reload();
    await page.locator('figure.ticket-qr[data-code]').waitFor({ timeout: 15_000 });
    const card = page.getByRole('region', { name: 'My data' });

    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toBe(`fanmesh-data-${address}.json`);
    const file = readFileSync((await download.path())!, 'utf8');
    expect(file.toLowerCase()).toContain(address);
    expect(JSON.parse(file).address.toLowerCase()).toBe(address);

    await card.getByRole('button', { name: 'Erase my data…' }).click();
    const confirm = card.getByRole('group', { name: 'Erase my data?' });
    const words = (await confirm.textContent())!;
    expect(words).toContain('Erased:');
    expect(words).toContain('Kept, with your address only:');
    expect(words).toContain('rewards ledger');
    expect(words).toContain('on chain');
    expect(await confirm.getByRole('button', { name: 'Erase and sign out' }).isDisabled()).toBe(true);
    await confirm.getByLabel('I understand').check();
    await shoot(page, 'fan-erase-confirm-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await confirm.getByRole('button', { name: 'Erase and sign out' }).click();

    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await page.getByRole('status').textContent()).toContain('Your data was erased and you are signed out');
    await shoot(page, 'fan-erased-phone');
  });
});
