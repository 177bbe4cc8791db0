import { existsSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { RunningApp, startApp } from '../support/app';
import { launchBrowser, newPage, PHONE } from '../support/browser';

/** Issue 20: the PWA's files are sent compressed and hashed ones cached for good; the fan route stays small. */
describe('the PWA assets: compression, caching and the fan route’s weight', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync('apps/web/dist/index.html')) throw new Error('the PWA is not built: run `npm run build:web`');
    [api, browser] = await Promise.all([startApp('web-assets', { services: 'embedded', env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('sends a JS asset as brotli or gzip as asked, plain otherwise, and keeps hashed files for a year', async () => {
    const shell = await request(api.url).get('/').set('accept-encoding', 'br').expect(200);
    expect(shell.headers['content-encoding']).toBe('br');
    expect(shell.headers['cache-control']).toBe('no-cache');
    const asset = shell.text.match(/\/assets\/[^"']+\.js/)![0];
    const plain = await request(api.url).get(asset).set('accept-encoding', 'identity').expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const [asked, sent] of [
      ['br, gzip', 'br'],
      ['gzip', 'gzip'],
    ]) {
      const res = await request(api.url).get(asset).set('accept-encoding', asked).expect(200);
      expect(res.headers['content-encoding'], asked).toBe(sent);
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers.vary).toMatch(/accept-encoding/i);
      expect(res.text, 'the same script, decompressed').toBe(plain.text);
      expect(Number(res.headers['content-length'])).toBeLessThan(plain.text.length / 2);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const route = await request(api.url).get('/tickets').set('accept', 'text/html').set('accept-encoding', 'gzip').expect(200);
    expect(route.headers['content-encoding']).toBe('gzip');
    expect(route.headers['cache-control']).toBe('no-cache');
    const sw = await request(api.url).get('/sw.js').set('accept-encoding', 'br').expect(200);
    expect(sw.headers['cache-control']).toBe('no-cache');
    expect(sw.headers['content-encoding']).toBe('br');
  });

  it('loads at most 200 KiB of compressed JavaScript on the fan route', async () => {
    const page = await newPage(browser, PHONE);
    const sizes: Promise<number>[] = [];
    page.on('response', (res) => {
      if (/\.js(\?|$)/.test(res.url()) && !res.url().endsWith('/sw.js'))
        sizes.push(
          res
            .request()
            .sizes()
            .then((s) => s.responseBodySize),
        );
    });
    await page.goto(api.url + '/tickets');
    await page.locator('section[data-address]').waitFor({ timeout: 15_000 });
    await page.waitForLoadState('networkidle');
    const total = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    expect(sizes.length).toBeGreaterThan(1);
    expect(total, `${total} bytes of JavaScript`).toBeLessThanOrEqual(200 * 1024);
    expect(total).toBeGreaterThan(20 * 1024);
    await page.close();
  });

  it('keeps ZXing off the steward route until the page has been idle, then fetches it for the offline copy', async () => {
    const page = await newPage(browser, PHONE);
    const scripts: { url: string; size: Promise<number> }[] = [];
    page.on('response', (res) => {
      if (/\.js(\?|$)/.test(res.url()) && !res.url().endsWith('/sw.js'))
        scripts.push({
          url: res.url(),
          size: res
            .request()
            .sizes()
            .then((s) => s.responseBodySize),
        });
    });
    await page.goto(api.url + '/steward');
    await page.waitForLoadState('networkidle');
    const atLoad = scripts.length;
    const total = (await Promise.all(scripts.map((s) => s.size))).reduce((a, b) => a + b, 0);
    // the scanner's area with ZXing in it sent 197.7 KiB; without it about 112 KiB
    expect(total, `${total} bytes of JavaScript at load`).toBeLessThanOrEqual(150 * 1024);
    await expect.poll(() => scripts.length, { timeout: 15_000 }).toBeGreaterThan(atLoad); // the idle prefetch
    await page.close();
  });
});
