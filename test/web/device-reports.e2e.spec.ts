import { join } from 'node:path';
import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { launchBrowser, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, TestDevice, transition, witness } from '../coverage/support';
import { pairDeviceKey } from '../support/devices';
import { Sensor } from '../sensing/sensors';
import { until } from '../rewards/support';

/** The key the PWA made for itself (idb-keyval's default store), so the test can pair devices to this page's account. */
const embeddedKey = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('keyval').objectStore('keyval').get('fanmesh.embedded-key');
          get.onsuccess = () => resolve(get.result as string);
          get.onerror = () => reject(get.error);
        };
      }),
  );

/** Issue 18, the owner app: each device card shows readings per match and earnings per reward round, on a phone. */
describe("the owner app's readings and earnings on a device card", () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-device-reports', { env: { WEB_DIST: 'apps/web/dist', CHAIN_EMBEDDED: 'on' } }), launchBrowser()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows a sensor’s accepted and refused readings with the reason, and a hotspot’s earnings from counting to ready to claim', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Cup quarter-final');
    await openGates(api.url, admin, eventId);
    const { page } = await openSignedIn(browser, api.url + '/devices', PHONE);
    const owner = new Wallet(await embeddedKey(page));
    const sensor = await Sensor.pair(api, DEMO_VENUE_ID, 'N101', { kind: 'sensor', owner });
    const paired = await pairDeviceKey(api, DEMO_VENUE_ID, 'N101', { kind: 'hotspot', owner });
    const hotspot = new TestDevice(paired.device, owner, 'N101');

    const now = Date.now();
    expect(
      (
        await sensor.send(eventId, [
          ['sound', now - 2000, 92],
          ['sound', now - 1000, 95],
          ['occupancy', now, 1200],
        ])
      ).status,
    ).toBe(200);
    expect((await sensor.send(eventId, [['sound', now, 250]])).body.code).toBe('value_out_of_range');
    const fans = await admittedFans(api, admin, eventId, 2, ['N101']);
    for (const f of fans) expect((await witness(api, hotspot, f, eventId)).verdict).toBe('valid');

    const card = (address: string) => page.locator(`li.device-card[data-device="${address}"]`);
    const readings = card(sensor.address).getByTestId('device-readings');
    await expect.poll(() => readings.textContent(), { timeout: 20_000 }).toContain('3 accepted');
    const match = readings.locator(`li[data-event="${eventId}"]`);
    expect(await match.textContent()).toContain('Cup quarter-final');
    expect(await match.textContent()).toContain('1 refused');
    const reason = match.locator('li[data-reason="value_out_of_range"]');
    expect(await reason.textContent()).toContain('outside what this kind of sensor can measure');
    expect(await card(sensor.address).getByTestId('device-earnings').textContent()).toContain('not paid for their readings');
    const earnings = card(hotspot.address).getByTestId('device-earnings');
    expect(await earnings.textContent()).toContain('Nothing yet');

    // Final whistle: the round closes and the venue checks it; then it is published and ready to claim.
    await transition(api, admin, eventId, 'live');
    await transition(api, admin, eventId, 'ended');
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    const round = earnings.locator(`li[data-epoch="${closed.body.id}"]`);
    await expect.poll(() => round.textContent(), { timeout: 20_000 }).toContain('Venue is checking');
    await request(api.url).post(`/api/v1/epochs/${closed.body.id}/approve`).set('authorization', staff).send({}).expect(200);
    await expect.poll(() => round.getAttribute('data-status'), { timeout: 45_000 }).toBe('claimable');
    expect(await round.textContent()).toContain('Ready to claim');
    expect(await round.textContent()).toMatch(/2 fans checked it/);
    expect(await round.textContent()).toMatch(/[\d,.]+ FAN/);
    expect(await earnings.getByRole('link', { name: 'Claim it in your rewards' }).getAttribute('href')).toBe('/tickets');
    expect(await card(sensor.address).getByRole('link', { name: 'Claim it in your rewards' }).count()).toBe(0); // the sensor earned none of it

    // It fits a 390 px phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await card(hotspot.address).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'devices-readings-earnings-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  }, 150_000);
});
