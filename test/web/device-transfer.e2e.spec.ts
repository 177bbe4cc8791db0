import { join } from 'node:path';
import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ChainService } from '@fanmesh/chain';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp, startApp } from '../support/app';
import { launchBrowser, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { pairDeviceKey } from '../support/devices';

/** The key the PWA made for itself (idb-keyval's default store), so the test can pair a device to this page's account. */
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

/** Issue 18: the owner app's "revoke and transfer": an owner hands a device to another account from the PWA, signed by the phone's key, relayed to DeviceRegistry. */
describe('transferring a device in the owner app', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    api = await startApp('pwa-device-transfer', { env: { WEB_DIST: 'apps/web/dist', CHAIN_EMBEDDED: 'on' } });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('hands a device to a 0x address after a confirmation, signed on the phone, and follows it to the registry', async () => {
    const { page, address } = await openSignedIn(browser, api.url + '/devices', PHONE);
    const key = await embeddedKey(page);
    expect(new Wallet(key).address.toLowerCase()).toBe(address.toLowerCase());
    const { device } = await pairDeviceKey(api, DEMO_VENUE_ID, 'N101', { kind: 'hotspot', owner: new Wallet(key) });
    const addr = device.address.toLowerCase();
    const owner = `Bearer ${await api.tokenFor({ subject: address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
    await expect.poll(async () => (await request(api.url).get(`/api/v1/devices/${addr}/chain`).set('authorization', owner)).body.status, { timeout: 20_000 }).toBe('confirmed');

    const card = page.locator(`li.device-card[data-device="${addr}"]`);
    await card.waitFor({ timeout: 10_000 });
    await card.getByRole('button', { name: 'Transfer this device…' }).click();
    const recipient = card.getByLabel("Recipient's address (0x…)");
    await recipient.fill('0x1234');
    expect(await card.textContent()).toContain('not an account address');
    expect(await card.getByRole('button', { name: 'Transfer', exact: true }).isDisabled()).toBe(true);
    const buyer = Wallet.createRandom();
    await recipient.fill(buyer.address);
    await card.getByRole('button', { name: 'Transfer', exact: true }).click();
    expect(await card.getByTestId('transfer-confirm').textContent()).toContain(buyer.address);
    await page.screenshot({ path: join(SCREENSHOTS, 'devices-transfer-confirm-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await card.getByRole('button', { name: 'Yes, transfer it' }).click();

    // The card leaves this owner's devices; the transfer is followed to the registry's confirmation.
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    const progress = page.locator(`li[data-transfer="${addr}"]`).getByTestId('transfer-progress');
    await expect.poll(() => progress.textContent(), { timeout: 20_000 }).toMatch(/Transferred on chain \(DeviceRegistry\), block \d+/);
    expect(await page.locator(`li[data-transfer="${addr}"]`).textContent()).toContain(`to ${buyer.address.toLowerCase()}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'devices-transferred-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    const mine = async (auth: string) =>
      (await request(api.url).get('/api/v1/devices/mine').set('authorization', auth).expect(200)).body.map((d: { address: string }) => d.address);
    expect(await mine(owner)).toEqual([]);
    expect(await mine(`Bearer ${await api.tokenFor({ subject: buyer.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`)).toEqual([addr]);
    expect((await api.app.get(ChainService).contract('DeviceRegistry').deviceOf(addr)).owner).toBe(buyer.address);
    await page.close();
  }, 90_000);
});
