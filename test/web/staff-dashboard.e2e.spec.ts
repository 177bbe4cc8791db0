import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { DESKTOP, launchBrowser, SCREENSHOTS, seriousA11yViolations, newPage } from '../support/browser';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';

describe('the staff dashboard in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-staff', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows live attendance rising as fans are admitted, without a reload', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Dashboard derby');
    await openGates(api.url, admin, eventId);
    const page = await newPage(browser, DESKTOP);
    await page.goto(api.url + '/staff');
    const section = page.locator('section[data-address]');
    await section.waitFor({ timeout: 15_000 });
    const address = (await section.getAttribute('data-address'))!;
    expect(await page.textContent('main')).toContain('not staff at any venue');

    await request(api.url).post(`/api/v1/venues/${DEMO_VENUE_ID}/roles`).set('authorization', admin).send({ address, role: 'staff' }).expect(201);
    await page.reload();
    await page.locator('select[aria-label="Event"]').selectOption(eventId);
    await expect.poll(() => page.getByTestId('admitted').textContent(), { timeout: 10_000 }).toBe('0');

    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057ea', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    const tickets = await issueTickets(api.url, admin, eventId, 12, ['N101', 'N102', 'N103']);
    for (const t of tickets) {
      const res = await request(api.url)
        .post(`/api/v1/gates/${gate.id}/scans`)
        .set('authorization', steward)
        .send({ code: qrFor(t, t.wallet) })
        .expect(200);
      expect(res.body.decision).toBe('admit');
    }
    await expect.poll(() => page.getByTestId('admitted').textContent(), { timeout: 10_000 }).toBe('12');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SCREENSHOTS, 'staff-dashboard-desktop.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });
});
