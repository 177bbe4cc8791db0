import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ChainService } from '@fanmesh/chain';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { launchBrowser, newPage, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, openGates } from '../support/tickets';
import { until } from '../rewards/support';

/** Issue 10's first flow: from an embedded key to fan tokens on the embedded chain, all in the PWA. */
describe('a fan earns at the gate and claims on chain, in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-rewards', { env: { WEB_DIST: 'apps/web/dist', CHAIN_EMBEDDED: 'on' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('signs in with an embedded key, shows a rotating QR, is admitted by a steward, sees the reward arrive live, and claims it gasless', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e5', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Derby day');
    await openGates(api.url, admin, eventId);
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');

    const page = await newPage(browser, PHONE);
    await page.goto(api.url + '/tickets');
    const section = page.locator('section[data-address]');
    await section.waitFor({ timeout: 15_000 });
    const address = (await section.getAttribute('data-address'))!;
    await request(api.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', admin)
      .send({ tickets: [{ holder: address, section: 'N101', seat: '12', tier: 'standard' }] })
      .expect(201);
    await page.reload();
    const qr = page.locator('figure.ticket-qr[data-code]');
    await qr.waitFor({ timeout: 15_000 });
    const first = (await qr.getAttribute('data-code'))!;
    await expect.poll(() => qr.getAttribute('data-code'), { timeout: 17_000, interval: 500 }).not.toBe(first);
    const balance = page.getByTestId('balance');
    expect(await balance.textContent()).toContain('0');

    // The steward's scanner reads the live code off the phone; the reward comes over the socket.
    const scan = await request(api.url)
      .post(`/api/v1/gates/${gate.id}/scans`)
      .set('authorization', steward)
      .send({ code: await qr.getAttribute('data-code') })
      .expect(200);
    expect(scan.body.decision).toBe('admit');
    await page.getByRole('status').filter({ hasText: 'Admitted' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('.feed').textContent(), { timeout: 10_000 }).toContain('FAN for checking in at the gate');
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toContain('10');
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-reward-live-phone.png'), fullPage: true });

    // Final whistle: the epoch closes, staff approve the manifest, the root is published on chain.
    for (const to of ['live', 'ended']) await request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to }).expect(200);
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    await request(api.url).post(`/api/v1/epochs/${closed.body.id}/approve`).set('authorization', staff).send({}).expect(200);
    const published = await until(
      () => request(api.url).get(`/api/v1/epochs/${closed.body.id}/manifest`).set('authorization', staff),
      (r) => r.body.status === 'published',
      30_000,
    );
    expect(published.body.status).toBe('published');

    await page.reload();
    await page.getByText('FAN ready to claim').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-claim-ready-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Claim (free)' }).click();
    await page.getByRole('status').filter({ hasText: 'Claimed: 10 FAN' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-claimed-phone.png'), fullPage: true });

    // The chain agrees with the ledger.
    const token = api.app.get(ChainService).contract('FanToken');
    expect((await token.balanceOf(address)) as bigint).toBe(10n * 10n ** 18n);
    await page.close();
  });
});
