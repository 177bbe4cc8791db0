import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { launchBrowser, PHONE, SCREENSHOTS, seriousA11yViolations, newPage } from '../support/browser';
import { createEvent, openGates } from '../support/tickets';

describe('a fan’s ticket in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-fan', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('signs in with an embedded key, shows a rotating QR, and turns to “Admitted” live when a steward scans it', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e9', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Cup final');
    await openGates(api.url, admin, eventId);
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');

    const page = await newPage(browser, PHONE);
    await page.goto(api.url + '/tickets');
    const section = page.locator('section[data-address]');
    await section.waitFor({ timeout: 15_000 });
    const address = (await section.getAttribute('data-address'))!;
    expect(address).toMatch(/^0x[0-9a-f]{40}$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-no-tickets-phone.png'), fullPage: true });

    await request(api.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', admin)
      .send({ tickets: [{ holder: address, section: 'N101', seat: '7', tier: 'standard' }] })
      .expect(201);
    await page.reload(); // the same key comes back from IndexedDB: same address, now with a ticket
    const qr = page.locator('figure.ticket-qr[data-code]');
    await qr.waitFor({ timeout: 15_000 });
    const first = (await qr.getAttribute('data-code'))!;
    expect(first).toMatch(/^FM1\./);
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-ticket-qr-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await expect.poll(() => qr.getAttribute('data-code'), { timeout: 17_000, interval: 500 }).not.toBe(first);
    const rotated = (await qr.getAttribute('data-code'))!;

    // The steward's scanner reads the code off the fan's screen.
    const scan = await request(api.url).post(`/api/v1/gates/${gate.id}/scans`).set('authorization', steward).send({ code: rotated }).expect(200);
    expect(scan.body.reason ?? 'admit').toBe('admit');
    await page.getByRole('status').filter({ hasText: 'Admitted' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.feed').textContent()).toContain('Checked in to section N101');
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-admitted-phone.png'), fullPage: true });

    // A screenshot of the first code does not get in.
    const replay = await request(api.url).post(`/api/v1/gates/${gate.id}/scans`).set('authorization', steward).send({ code: first }).expect(200);
    expect(replay.body.decision).toBe('deny');
    await page.close();
  });
});
