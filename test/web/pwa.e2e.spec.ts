import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { RunningApp, startApp } from '../support/app';
import { DESKTOP, launchBrowser, PHONE, SCREENSHOTS, seriousA11yViolations, newPage } from '../support/browser';

describe('the PWA in Chromium', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync('apps/web/dist/index.html')) throw new Error('the PWA is not built: run `npm run build:web` (npm test does it first)');
    [api, browser] = await Promise.all([startApp('pwa', { services: 'embedded', env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows the demo venue’s event list on a phone and on a desktop', async () => {
    for (const [name, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const page = await newPage(browser, viewport);
      await page.goto(api.url + '/');
      const list = page.getByRole('list', { name: 'Events' });
      await expect.poll(() => list.getByRole('listitem').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await list.textContent()).toContain('FanMesh FC vs Harbour City');
      expect(await list.textContent()).toContain('FanMesh Arena');
      await page.screenshot({ path: join(SCREENSHOTS, `events-${name}.png`), fullPage: true });
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.close();
    }
  });

  it('is installable: a valid manifest with icons, and a service worker that takes control', async () => {
    const page = await newPage(browser, PHONE);
    await page.goto(api.url + '/');
    const manifestHref = await page.getAttribute('link[rel="manifest"]', 'href');
    const manifest = await (await page.request.get(api.url + manifestHref)).json();
    expect(manifest).toMatchObject({ name: 'FanMesh', start_url: '/', display: 'standalone' });
    for (const size of ['192x192', '512x512']) {
      const icon = manifest.icons.find((i: { sizes: string; type: string }) => i.sizes === size && i.type === 'image/png');
      expect(icon, size).toBeTruthy();
      const res = await page.request.get(api.url + icon.src);
      expect(res.status()).toBe(200);
    }
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(api.url + '/');
    await page.close();
  });

  it('serves client routes with the app shell, but unknown API routes as problems', async () => {
    const page = await newPage(browser);
    const res = await page.goto(api.url + '/staff/dashboard');
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe('FanMesh');
    const api404 = await page.request.get(api.url + '/api/v1/nothing-here');
    expect(api404.status()).toBe(404);
    expect(api404.headers()['content-type']).toMatch(/application\/problem\+json/);
    await page.close();
  });

  it('renders every area at phone and desktop sizes with no serious accessibility violations', async () => {
    for (const [area, ready] of [
      ['tickets', 'section[data-address]'],
      ['steward', 'section[data-address], p:has(code)'],
      ['staff', 'section[data-address]'],
      ['sponsor', '#sponsor-key'],
    ] as const) {
      for (const [size, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const page = await newPage(browser, viewport);
        await page.goto(`${api.url}/${area}`);
        await page.locator(ready).first().waitFor({ timeout: 15_000 });
        await page.screenshot({ path: join(SCREENSHOTS, `area-${area}-${size}.png`), fullPage: true });
        expect(await seriousA11yViolations(page), `${area} at ${size}`).toEqual([]);
        await page.close();
      }
    }
  });
});
