import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { DESKTOP, launchBrowser, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { Sensor } from '../sensing/sensors';

/**
 * The venue console's Sensors tab: a venue manager sees which sound sensors can raise moments and
 * approves the ones the venue installed (issue 23, property 6), from a phone or a desk.
 */
describe('sensor trust in the venue console', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-sensor-trust', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lists the sound sensors with their trust, says whether moments can be raised, and approves and withdraws with a confirmation', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const first = await Sensor.pair(api, DEMO_VENUE_ID, 'N101');
    const second = await Sensor.pair(api, DEMO_VENUE_ID, 'S101');
    const { page } = await openSignedIn(browser, `${api.url}/venue/${DEMO_VENUE_ID}/sensors`, PHONE, { role: 'staff', venueId: DEMO_VENUE_ID, admin });
    const row = (s: Sensor) => page.locator(`li[data-device="${s.address}"]`);
    await row(first).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId(`trust-${first.address}`).textContent()).toBe('Earning trust (0 of 3)');
    expect(await page.getByTestId('quorum-readiness').textContent()).toContain('Not ready for moments yet: 0 of 2 owners');
    expect(await row(first).textContent()).toContain('25%');

    for (const s of [first, second]) {
      await row(s).getByRole('button', { name: 'Approve' }).click();
      const dialog = page.getByRole('dialog');
      expect(await dialog.textContent()).toContain(`count at full trust toward moments in section ${s.section}`);
      await dialog.getByRole('button', { name: 'Approve sensor' }).click();
      await expect.poll(() => page.getByTestId(`trust-${s.address}`).textContent(), { timeout: 10_000 }).toBe('Approved');
    }
    expect(await page.getByTestId('quorum-readiness').textContent()).toBe('Ready: 2 owners have sensors with established trust.');
    await page.screenshot({ path: join(SCREENSHOTS, 'venue-sensors-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    // the server holds what the screen says
    const trust = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}/sensor-trust`).set('authorization', staff).expect(200)).body as {
      device: string;
      approved: boolean;
      weight: number;
    }[];
    expect(trust.filter((t) => t.approved).map((t) => t.device)).toEqual(expect.arrayContaining([first.address, second.address]));

    await row(second).getByRole('button', { name: 'Withdraw approval' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Withdraw approval' }).click();
    await expect.poll(() => page.getByTestId(`trust-${second.address}`).textContent(), { timeout: 10_000 }).toBe('Earning trust (0 of 3)');
    expect(await page.getByTestId('quorum-readiness').textContent()).toContain('1 of 2 owners');

    const desk = (await openSignedIn(browser, `${api.url}/venue/${DEMO_VENUE_ID}/sensors`, DESKTOP, { role: 'staff', venueId: DEMO_VENUE_ID, admin })).page;
    await desk.locator(`li[data-device="${first.address}"]`).waitFor({ timeout: 15_000 });
    await desk.screenshot({ path: join(SCREENSHOTS, 'venue-sensors-desktop.png'), fullPage: true });
    expect(await seriousA11yViolations(desk)).toEqual([]);
  });
});
