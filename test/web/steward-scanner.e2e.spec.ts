import { join } from 'node:path';
import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { encodeMerchTag, MERCH_DOMAIN, MERCH_TYPES } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { launchBrowser, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';

describe('the steward scanner in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-steward', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows a big ADMIT for a live code and a big DENY with the reason for the same code again', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Scanner night');
    await openGates(api.url, admin, eventId);
    const [ticket] = await issueTickets(api.url, admin, eventId, 1, ['N101']);

    const { page } = await openSignedIn(browser, api.url + '/steward', PHONE, { role: 'steward', venueId: DEMO_VENUE_ID, admin });
    await page.locator('select[aria-label="Gate"]').waitFor({ timeout: 15_000 });
    await page.locator('select[aria-label="Gate"]').selectOption({ label: 'N-A – North gate A' });

    const code = qrFor(ticket, ticket.wallet); // the payload the camera would read off the fan's phone
    await page.getByLabel('Ticket or merch tag code').fill(code);
    await page.getByRole('button', { name: 'Check' }).click();
    const verdict = page.getByRole('status');
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('ADMIT');
    expect(await verdict.textContent()).toContain('Section N101');
    await page.screenshot({ path: join(SCREENSHOTS, 'steward-admit-phone.png'), fullPage: true });

    await page.getByLabel('Ticket or merch tag code').fill(code);
    await page.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('Already admitted');
    expect(await verdict.textContent()).toContain('DENY');
    await page.screenshot({ path: join(SCREENSHOTS, 'steward-deny-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });

  it('checks merch tags too: GENUINE for an issuer-signed tag, FAKE for a forged one, CLONED TAG for a serial just seen at another gate', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const issuer = Wallet.createRandom();
    await request(api.url).post('/api/v1/merch/issuers').set('authorization', admin).send({ address: issuer.address, venueId: DEMO_VENUE_ID, name: 'Club shop' }).expect(201);
    const tag = async (serial: string, signer = issuer) => ({
      sku: 'SCARF-26',
      serial,
      signature: await signer.signTypedData(MERCH_DOMAIN, MERCH_TYPES, { sku: 'SCARF-26', serial }),
    });
    await request(api.url)
      .post('/api/v1/merch/items')
      .set('authorization', admin)
      .send({ items: [await tag('SC-1'), await tag('SC-2')] })
      .expect(201);

    const { page } = await openSignedIn(browser, api.url + '/steward', PHONE, { role: 'steward', venueId: DEMO_VENUE_ID, admin });
    await page.locator('select[aria-label="Gate"]').selectOption({ label: 'N-A – North gate A' }, { timeout: 15_000 });
    const check = async (code: string) => {
      await page.getByLabel('Ticket or merch tag code').fill(code);
      await page.getByRole('button', { name: 'Check' }).click();
    };
    const verdict = page.getByRole('status');
    await check(encodeMerchTag(await tag('SC-1')));
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('GENUINE');
    expect(await verdict.textContent()).toContain('serial SC-1');
    await page.screenshot({ path: join(SCREENSHOTS, 'steward-merch-genuine-phone.png'), fullPage: true });
    await check(encodeMerchTag(await tag('SC-2', Wallet.createRandom())));
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('FAKE');
    // The same genuine serial checked a moment ago by a steward of another venue: a cloned tag. The
    // place is the server's knowledge (the checker's venue), never a field the caller sends.
    const elsewhere = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000000f7', kind: 'account', roles: ['fan', 'steward@7d0c3e0a-5a43-4f0e-9a47-2f1d6c1b9e01'] })}`;
    await request(api.url)
      .post('/api/v1/merch/verifications')
      .set('authorization', elsewhere)
      .send({ ...(await tag('SC-2')), place: 'gate S-B' })
      .expect(200);
    await check(encodeMerchTag(await tag('SC-2')));
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('CLONED TAG');
    expect(await verdict.textContent()).toContain('just seen at another venue');
    await page.screenshot({ path: join(SCREENSHOTS, 'steward-merch-clone-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });
});
