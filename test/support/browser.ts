import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots land here on every run (not committed). */
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

/** Headless Debian Chromium; `args` adds flags (a fake camera, say). */
export async function launchBrowser(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}; install it with: apt-get install -y chromium  (or set CHROMIUM_PATH)`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...args,
    ],
  });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/** Serious and critical accessibility violations on the page (axe-core), as `rule: target` lines. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${v.help})`));
}

/** A page in its own context (axe-core needs one; it also keeps IndexedDB keys apart between tests). */
export async function newPage(browser: import('playwright-core').Browser, viewport?: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext(viewport ? { viewport } : {});
  return context.newPage();
}

/**
 * Opens an area of the PWA, which signs in with the page's own embedded key, and returns that key's
 * address; with `grant`, an admin first gives the address a role at a venue and the page reloads.
 */
export async function openSignedIn(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number },
  grant?: { role: 'staff' | 'steward'; venueId: string; admin: string },
): Promise<{ page: Page; address: string }> {
  const page = await newPage(browser, viewport);
  await page.goto(url);
  const section = page.locator('section[data-address]');
  await section.waitFor({ timeout: 15_000 });
  const address = (await section.getAttribute('data-address'))!;
  if (grant) {
    const res = await fetch(`${new URL(url).origin}/api/v1/venues/${grant.venueId}/roles`, {
      method: 'POST',
      headers: { authorization: grant.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ address, role: grant.role }),
    });
    if (res.status !== 201) throw new Error(`granting ${grant.role} failed: ${res.status} ${await res.text()}`);
    await page.reload();
  }
  return { page, address };
}
