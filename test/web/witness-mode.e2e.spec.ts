import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { launchBrowser, newPage, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, openGates } from '../support/tickets';
import { challenges, pairDevice, TestDevice } from '../coverage/support';

/**
 * A hotspot's captive portal, as its firmware would run it: on each request it asks the platform
 * for a fresh challenge over a signed envelope and hands it to the phone, signed with its device key.
 */
function hotspotPortal(api: RunningApp, hotspot: TestDevice, eventId: string): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    if (req.url !== '/fanmesh/challenge') return void res.writeHead(404).end();
    challenges(api, hotspot, eventId).then(
      ([challenge]) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge, signature: hotspot.sign(challenge) })),
      () => res.writeHead(503).end(),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('witness mode in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;
  let portal: Server | undefined;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-witness', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  });
  afterAll(async () => {
    portal?.close();
    await browser?.close();
    await api?.close();
  });

  it('answers the hotspot’s challenges in the background once the fan is in, and shows what it earned', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Hotspot night');
    await openGates(api.url, admin, eventId);
    const hotspot = await pairDevice(api, 'N101');
    portal = await hotspotPortal(api, hotspot, eventId);
    const portalUrl = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;

    // The captive portal opens the app with its address.
    const page = await newPage(browser, PHONE);
    await page.goto(`${api.url}/tickets?hotspot=${encodeURIComponent(portalUrl)}`);
    const section = page.locator('section[data-address]');
    await section.waitFor({ timeout: 15_000 });
    const address = (await section.getAttribute('data-address'))!;
    const witnessed = page.getByTestId('witnessed');
    // Not checked in yet: the witness is refused with the reason, and nothing is counted.
    await expect.poll(() => witnessed.textContent(), { timeout: 15_000 }).toContain('Check in at the gate first');
    expect(await witnessed.textContent()).toContain('0 witnesses counted');

    await request(api.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', admin)
      .send({ tickets: [{ holder: address, section: 'N101', seat: '44', tier: 'standard' }] })
      .expect(201);
    await page.reload();
    const qr = page.locator('figure.ticket-qr[data-code]');
    await qr.waitFor({ timeout: 15_000 });
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e7', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    expect(
      (
        await request(api.url)
          .post(`/api/v1/gates/${gate.id}/scans`)
          .set('authorization', steward)
          .send({ code: await qr.getAttribute('data-code') })
          .expect(200)
      ).body.decision,
    ).toBe('admit');
    await page.reload(); // the next challenge comes on load

    await expect.poll(() => witnessed.textContent(), { timeout: 15_000 }).toContain('1 witness counted');
    await expect.poll(() => page.locator('.feed').textContent(), { timeout: 10_000 }).toContain('FAN for witnessing a fan hotspot');
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-witness-mode-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    const mine = (
      await request(api.url)
        .get(`/api/v1/coverage/events/${eventId}/witnesses/mine`)
        .set('authorization', `Bearer ${await api.tokenFor({ subject: address, kind: 'account', roles: ['fan'] })}`)
        .expect(200)
    ).body;
    // Newest first: the counted witness after check-in, the refused ones before it; every verdict kept.
    const verdicts = mine.map((w: { verdict: string }) => w.verdict);
    expect(verdicts[0]).toBe('valid');
    expect(verdicts.slice(1).length).toBeGreaterThan(0);
    expect(new Set(verdicts.slice(1))).toEqual(new Set(['fan_not_admitted']));
    await page.close();
  });
});
