import { join } from 'node:path';
import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { launchBrowser, newPage, PHONE, SCREENSHOTS } from '../support/browser';
import { createEvent, openGates, qrFor } from '../support/tickets';

/** Every request URL the page's origin keeps in Cache Storage (any cache: the worker's or the page's). */
const cachedUrls = (page: Page) =>
  page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(`${name} ${new URL(req.url).pathname}${new URL(req.url).search}`);
    return urls;
  });
/** Per-user API answers: anything under /api/ but the public venue and event catalog. */
const perUser = (urls: string[]) => urls.filter((u) => / \/api\//.test(u) && !/ \/api\/v1\/(venues|events)(\/[0-9a-f-]{36})?(\?|$)/.test(u));

/** Puts `key` where the PWA keeps its embedded key (idb-keyval's store), as importing a backed-up key would. */
const useKey = (page: Page, key: string) =>
  page.evaluate(
    (privateKey) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onupgradeneeded = () => open.result.createObjectStore('keyval');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('keyval', 'readwrite');
          tx.objectStore('keyval').put(privateKey, 'fanmesh.embedded-key');
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
    key,
  );
const savedKeys = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('keyval').objectStore('keyval').getAllKeys();
          req.onsuccess = () => (open.result.close(), resolve(req.result.map(String)));
          req.onerror = () => reject(req.error);
        };
      }),
  );

/**
 * Issue 19: two people on one phone. Fan A sees their ticket and coupon code, signs out; fan B signs
 * in on the same browser, offline and online: B never sees A's answers, and no cache holds them.
 */
describe('signing out on a shared phone', () => {
  let api: RunningApp;
  let browser: Browser;
  const a = Wallet.createRandom();
  const b = Wallet.createRandom();
  let couponCode: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-sign-out', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Shared phone cup');
    await openGates(api.url, admin, eventId);

    // Fan A holds a ticket, is admitted, and redeems a sponsor's coupon: a code only A may see.
    const [ticket] = (
      await request(api.url)
        .post(`/api/v1/events/${eventId}/tickets`)
        .set('authorization', admin)
        .send({ tickets: [{ holder: a.address, section: 'N101', seat: '41', tier: 'standard' }] })
        .expect(201)
    ).body.tickets;
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e9', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    expect(
      (
        await request(api.url)
          .post(`/api/v1/gates/${gate.id}/scans`)
          .set('authorization', steward)
          .send({ code: qrFor(ticket, a) })
          .expect(200)
      ).body.decision,
    ).toBe('admit');

    const sponsor = (await request(api.url).post('/api/v1/sponsors').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name: 'Shared Lager' }).expect(201)).body;
    const key = (await request(api.url).post(`/api/v1/sponsors/${sponsor.id}/keys`).set('authorization', admin).expect(201)).body.key;
    const drop = (
      await request(api.url)
        .post('/api/v1/drops')
        .set('x-api-key', key)
        .send({
          eventId,
          content: { title: 'Pint on us', body: 'Show this code at the bar.' },
          reward: { kind: 'coupon' },
          trigger: { kind: 'manual' },
          inventory: 2,
          window: { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() },
        })
        .expect(201)
    ).body;
    await request(api.url)
      .post(`/api/v1/drops/${drop.id}/codes`)
      .set('x-api-key', key)
      .send({ codes: ['SECRET-A-0001', 'SECRET-A-0002'] })
      .expect(200);
    await request(api.url)
      .post(`/api/v1/drops/${drop.id}/approve`)
      .set('authorization', `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`)
      .send({ version: drop.version })
      .expect(200);
    expect((await request(api.url).post(`/api/v1/drops/${drop.id}/fire`).set('x-api-key', key).expect(200)).body.targeted).toBe(1);
    const fanA = `Bearer ${await api.tokenFor({ subject: a.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
    couponCode = (await request(api.url).post(`/api/v1/drops/${drop.id}/redeem`).set('authorization', fanA).expect(200)).body.code;
    expect(couponCode).toMatch(/^SECRET-A-000[12]$/);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows fan B none of fan A’s tickets or coupon codes, offline or online, and keeps no per-user answer in any cache', async () => {
    const page = await newPage(browser, PHONE);
    await page.goto(api.url + '/');
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 15_000 });

    // Fan A signs in, sees their ticket and their coupon code.
    await useKey(page, a.privateKey);
    await page.goto(api.url + '/tickets');
    await expect.poll(() => page.locator('section[data-address]').getAttribute('data-address'), { timeout: 15_000 }).toBe(a.address.toLowerCase());
    await expect.poll(() => page.locator('li.ticket-card').textContent(), { timeout: 15_000 }).toContain('seat 41');
    await expect.poll(() => page.locator('li.drop-card').textContent(), { timeout: 15_000 }).toContain(couponCode);
    await page.waitForTimeout(500); // let the worker finish anything it would store
    expect(perUser(await cachedUrls(page)), 'per-user answers cached while A is signed in').toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    expect(perUser(await cachedUrls(page)), 'per-user answers cached after sign-out').toEqual([]);
    expect(
      (await savedKeys(page)).filter((k) => k.startsWith('fanmesh.tickets.')),
      'saved tickets after sign-out',
    ).toEqual([]);

    // Fan B, on the same phone, with no network: the app opens from the shell, with B's (no) tickets.
    await useKey(page, b.privateKey);
    await page.context().setOffline(true);
    await page.reload();
    await page.getByText('Offline – saved tickets').waitFor({ timeout: 15_000 });
    expect(await page.locator('section[data-address]').getAttribute('data-address')).toBe(b.address.toLowerCase());
    await page.getByText('No tickets yet').waitFor({ timeout: 10_000 });
    let main = (await page.textContent('main'))!;
    expect(main).not.toContain('seat 41');
    expect(main).not.toContain(couponCode);
    expect(await page.locator('li.ticket-card').count()).toBe(0);

    // Online again, and A's old answers unreachable (the drops API fails for B): still nothing of A's.
    await page.context().setOffline(false);
    await page.context().route('**/api/v1/drops/mine*', (route) => route.abort());
    await page.reload();
    await expect.poll(() => page.locator('.live').textContent(), { timeout: 15_000 }).toBe('Live');
    expect(await page.locator('section[data-address]').getAttribute('data-address')).toBe(b.address.toLowerCase());
    await page.getByText('No tickets yet').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    main = (await page.textContent('main'))!;
    expect(main).not.toContain('seat 41');
    expect(main).not.toContain(couponCode);
    expect(await page.locator('li.drop-card').count()).toBe(0);
    expect(perUser(await cachedUrls(page)), 'per-user answers cached while B is signed in').toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-b-after-sign-out-phone.png'), fullPage: true });
    await page.context().close();
  });
});
