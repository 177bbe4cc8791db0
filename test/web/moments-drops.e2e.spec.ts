import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { DESKTOP, launchBrowser, newPage, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, openGates } from '../support/tickets';
import { Sensor } from '../sensing/sensors';
import { soundTrack } from '../moments/scene';

/** Issue 10's second flow: staff confirm a moment, the fan sees it, a sponsor's drop fires on it and the fan redeems it. */
describe('moments and sponsor drops across the staff dashboard, the sponsor console and the fan app', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-moments', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const signedIn = async (path: string, viewport: { width: number; height: number }, role?: 'staff') =>
    openSignedIn(browser, api.url + path, viewport, role && { role, venueId: DEMO_VENUE_ID, admin: `Bearer ${await api.tokenFor(adminPrincipal)}` });

  it('confirms a sensor candidate as a goal in the dashboard; the fan sees it and redeems the sponsor drop it fired', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Goal fest');
    await openGates(api.url, admin, eventId);
    await request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to: 'live' }).expect(200);

    // The sponsor creates a goal-triggered coupon drop in the console.
    const sponsor = (await request(api.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name: 'Lisbon Lager' }).expect(201)).body;
    const key = (await request(api.url).post(`/api/v1/sponsors/${sponsor.id}/keys`).set('authorization', admin).expect(201)).body.key;
    const console_ = await newPage(browser, DESKTOP);
    await console_.goto(api.url + '/sponsor');
    await console_.getByLabel('Your sponsor API key').fill(key);
    await console_.getByRole('button', { name: 'Open the console' }).click();
    // the console opens once the key's session is minted; on a loaded machine that can take a while, and if it does not, say what the page says
    await console_
      .getByRole('heading', { name: 'New drop' })
      .waitFor({ timeout: 30_000 })
      .catch(async (err: Error) => {
        throw new Error(
          `the sponsor console did not open: ${(
            await console_
              .locator('main')
              .innerText()
              .catch(() => '?')
          ).slice(0, 500)}`,
          { cause: err },
        );
      });
    // not an exact label: once the matches load, the select's name includes its chosen option ("Match FanMesh FC vs …")
    await console_.getByLabel(/^Match\b/).selectOption(eventId, { timeout: 30_000 });
    await console_.getByLabel('Title', { exact: true }).fill('GOAL! Half-price pint');
    await console_.getByLabel('Message', { exact: true }).fill('Show this code at any Lisbon Lager bar in the next 20 minutes.');
    await console_.getByLabel('Coupon codes, one per line').fill('PINT-001\nPINT-002\nPINT-003');
    await console_.getByRole('button', { name: 'Create and send for approval' }).click();
    await expect.poll(() => console_.getByTestId('drop-status').first().textContent(), { timeout: 10_000 }).toContain('Waiting for venue approval');

    // Staff approve it from the dashboard.
    const { page: staff } = await signedIn('/staff', DESKTOP, 'staff');
    await staff.locator('select[aria-label="Event"]').selectOption(eventId);
    await staff.getByRole('button', { name: 'Approve' }).click({ timeout: 15_000 });
    await expect.poll(() => console_.getByTestId('drop-status').first().textContent(), { timeout: 10_000 }).toContain('Approved');

    // A fan is in the stadium.
    const { page: fan, address } = await signedIn('/tickets', PHONE);
    const tickets = (
      await request(api.url)
        .post(`/api/v1/events/${eventId}/tickets`)
        .set('authorization', admin)
        .send({ tickets: [{ holder: address, section: 'N101', seat: '3', tier: 'standard' }] })
        .expect(201)
    ).body;
    await fan.reload();
    const qr = fan.locator('figure.ticket-qr[data-code]');
    await qr.waitFor({ timeout: 15_000 });
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e6', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    expect(
      (
        await request(api.url)
          .post(`/api/v1/gates/${gate.id}/scans`)
          .set('authorization', steward)
          .send({ code: await qr.getAttribute('data-code') })
          .expect(200)
      ).body.decision,
    ).toBe('admit');
    await fan.getByRole('status').filter({ hasText: 'Admitted' }).waitFor({ timeout: 10_000 });
    expect(tickets.count).toBe(1);

    // The crowd roars in three sections: independent sensors make a candidate, live on the dashboard.
    const sensors = [];
    for (const section of ['N101', 'E101', 'S101']) sensors.push(await Sensor.pair(api, DEMO_VENUE_ID, section, { approved: true }));
    await new Promise((r) => setTimeout(r, 1_500));
    const now = Date.now();
    for (const s of sensors) expect((await s.send(eventId, soundTrack(now - 30_000, now, [[now - 1_000, now]]))).status).toBe(200);
    const candidate = staff.locator('li.candidate');
    await candidate.waitFor({ timeout: 15_000 });
    await staff.screenshot({ path: join(SCREENSHOTS, 'staff-moment-candidate-desktop.png'), fullPage: true });
    expect(await seriousA11yViolations(staff)).toEqual([]);
    await candidate.getByLabel('What was it?').selectOption('goal');
    await candidate.getByRole('button', { name: 'Confirm' }).click();

    // The fan's feed shows the goal, and the drop it fired.
    await expect.poll(() => fan.locator('.feed').textContent(), { timeout: 10_000 }).toContain('GOAL!');
    const drop = fan.locator('li.drop-card');
    await drop.waitFor({ timeout: 10_000 });
    expect(await drop.textContent()).toContain('GOAL! Half-price pint');
    await drop.getByRole('button', { name: 'Open' }).click();
    await drop.getByRole('button', { name: 'Redeem' }).click();
    await expect.poll(() => drop.getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/Your code: PINT-00[123]/);
    await fan.screenshot({ path: join(SCREENSHOTS, 'fan-goal-drop-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(fan)).toEqual([]);

    // The sponsor watches it land: delivered, opened, redeemed, without seeing who.
    await console_.getByRole('button', { name: 'GOAL! Half-price pint' }).click();
    await expect.poll(() => console_.getByTestId('kpi-redeemed').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await console_.getByTestId('kpi-delivered').textContent()).toBe('1');
    expect(await console_.textContent('main')).not.toContain(address);
    await console_.screenshot({ path: join(SCREENSHOTS, 'sponsor-console-desktop.png'), fullPage: true });
    expect(await seriousA11yViolations(console_)).toEqual([]);
    const download = console_.waitForEvent('download');
    await console_.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await (await download).path();
    expect(csv).toBeTruthy();
  });
});
