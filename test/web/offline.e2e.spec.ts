import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { launchBrowser, newPage, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { writeQrVideo } from '../support/fake-camera';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';

/** The gate without a network, and the camera: what a fan and a steward see when the stadium's WiFi is down. */
describe('the PWA offline and with a camera', () => {
  let api: RunningApp;
  let browser: Browser;
  let admin: string;
  let eventId: string;
  let gateId: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-offline', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Floodlight failure');
    await openGates(api.url, admin, eventId);
    gateId = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A').id;
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const controlled = (page: Page) => page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 15_000 });

  /** A signed-in steward's scanner on gate N-A (the page's own key is granted the role). */
  async function stewardPage(b: Browser): Promise<Page> {
    const { page } = await openSignedIn(b, api.url + '/steward', PHONE, { role: 'steward', venueId: DEMO_VENUE_ID, admin });
    await page.locator('select[aria-label="Gate"]').selectOption({ label: 'N-A – North gate A' }, { timeout: 15_000 });
    return page;
  }

  it('opens a loaded ticket with a live, valid code when the phone has no network', async () => {
    const page = await newPage(browser, PHONE);
    await page.goto(api.url + '/tickets');
    const section = page.locator('section[data-address]');
    await section.waitFor({ timeout: 15_000 });
    const address = (await section.getAttribute('data-address'))!;
    await controlled(page);
    await request(api.url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', admin)
      .send({ tickets: [{ holder: address, section: 'N101', seat: '99', tier: 'standard' }] })
      .expect(201);
    await page.reload();
    await page.locator('figure.ticket-qr[data-code]').waitFor({ timeout: 15_000 });

    await page.context().setOffline(true);
    await page.reload();
    await page.getByText('Offline – saved tickets').waitFor({ timeout: 15_000 });
    const qr = page.locator('figure.ticket-qr[data-code]');
    await qr.waitFor({ timeout: 15_000 });
    const code = (await qr.getAttribute('data-code'))!;
    await page.screenshot({ path: join(SCREENSHOTS, 'fan-offline-ticket-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The code the phone signed offline gets in at the gate.
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e1', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    const scan = await request(api.url).post(`/api/v1/gates/${gateId}/scans`).set('authorization', steward).send({ code }).expect(200);
    expect(scan.body.decision).toBe('admit');
    await page.close();
  });

  it('lets a steward keep admitting offline, refuses a second entry locally, and syncs with conflicts flagged when back online', async () => {
    const [first, second] = await issueTickets(api.url, admin, eventId, 2, ['N101']);
    const page = await stewardPage(browser);
    const sync = page.getByTestId('sync');
    await expect.poll(() => sync.textContent(), { timeout: 15_000 }).not.toContain('no offline copy');

    await page.context().setOffline(true);
    const check = async (code: string) => {
      await page.getByLabel('Ticket or merch tag code').fill(code);
      await page.getByRole('button', { name: 'Check' }).click();
    };
    const verdict = page.getByRole('status');
    await check(qrFor(first, first.wallet));
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('ADMIT');
    expect(await verdict.textContent()).toContain('offline');
    await check(qrFor(second, second.wallet));
    await expect.poll(() => sync.textContent(), { timeout: 10_000 }).toContain('2 scans waiting to sync');
    await check(qrFor(first, first.wallet));
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('Already admitted');
    await check(qrFor(first, Wallet.createRandom()));
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toContain('Not signed by the ticket holder');
    await page.screenshot({ path: join(SCREENSHOTS, 'steward-offline-queue-phone.png'), fullPage: true });

    // Meanwhile another gate, online, admitted the second ticket: the upload must flag it, not admit it twice.
    const other = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e2', kind: 'account', roles: [`steward@${DEMO_VENUE_ID}`] })}`;
    expect(
      (
        await request(api.url)
          .post(`/api/v1/gates/${gateId}/scans`)
          .set('authorization', other)
          .send({ code: qrFor(second, second.wallet) })
          .expect(200)
      ).body.decision,
    ).toBe('admit');

    await page.context().setOffline(false);
    await expect.poll(() => sync.textContent(), { timeout: 20_000 }).toContain('all scans synced');
    expect(await page.getByTestId('last-sync').textContent()).toContain('1 accepted, 1 conflicts');
    await page.screenshot({ path: join(SCREENSHOTS, 'steward-synced-phone.png'), fullPage: true });
    const stats = (await request(api.url).get(`/api/v1/events/${eventId}/admissions`).set('authorization', admin).expect(200)).body;
    expect(stats.conflicts.map((c: { ticketId: string }) => c.ticketId)).toEqual([second.id]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });

  it('admits a ticket read through the camera', async () => {
    const [ticket] = await issueTickets(api.url, admin, eventId, 1, ['N102']);
    const video = join(tmpdir(), `fanmesh-qr-${ticket.id}.y4m`);
    const cameraBrowser = await launchBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
    try {
      const page = await stewardPage(cameraBrowser);
      const verdict = page.getByRole('status');
      // Chromium opens the video when the camera starts, so the code filmed is the live one of that moment.
      const film = async () => {
        writeQrVideo(video, qrFor(ticket, ticket.wallet));
        await page.getByRole('button', { name: 'Scan with camera' }).click();
        return expect
          .poll(() => verdict.count(), { timeout: 30_000 })
          .toBeGreaterThan(0)
          .then(
            () => true,
            () => false,
          );
      };
      // Decoding frames is CPU-bound: on a busy machine the first camera start may see nothing; start it once more.
      if (!(await film())) {
        await page.reload();
        await page.locator('select[aria-label="Gate"]').selectOption({ label: 'N-A – North gate A' }, { timeout: 15_000 });
        expect(await film(), 'the camera decoded no code on two starts').toBe(true);
      }
      expect(await verdict.textContent()).toContain('ADMIT');
      expect(await verdict.textContent()).toContain('Section N102');
      await page.screenshot({ path: join(SCREENSHOTS, 'steward-camera-phone.png'), fullPage: true });
    } finally {
      await cameraBrowser.close();
    }
  }, 120_000);
});
