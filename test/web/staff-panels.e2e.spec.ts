import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { DESKTOP, launchBrowser, openSignedIn, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';
import { Sensor } from '../sensing/sensors';
import { fanAuth, pairDevice } from '../coverage/support';

/** The staff dashboard's working panels: hotspots, sensors against admissions, appeals, and the epoch's audit before payout. */
describe('the staff dashboard runs the match', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-staff-panels', { env: { WEB_DIST: 'apps/web/dist', CHAIN_EMBEDDED: 'on' } }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows hotspots and a sensor gap live, decides an appeal, and approves the epoch’s manifest to a root on chain', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Staff derby');
    await openGates(api.url, admin, eventId);
    const hotspot = await pairDevice(api, 'N101');
    const { page } = await openSignedIn(browser, api.url + '/staff', DESKTOP, { role: 'staff', venueId: DEMO_VENUE_ID, admin });
    await page.locator('select[aria-label="Event"]').selectOption(eventId);
    await page.locator(`tr[data-hotspot="${hotspot.address}"]`).waitFor({ timeout: 15_000 });

    // Fans in; a turnstile counts far more than the gates admitted.
    const tickets = await issueTickets(api.url, admin, eventId, 3, ['N102']);
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057e8', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    for (const t of tickets)
      expect(
        (
          await request(api.url)
            .post(`/api/v1/gates/${gate.id}/scans`)
            .set('authorization', steward)
            .send({ code: qrFor(t, t.wallet) })
            .expect(200)
        ).body.decision,
      ).toBe('admit');
    const turnstile = await Sensor.pair(api, DEMO_VENUE_ID, 'N102', { kind: 'gate' });
    expect((await turnstile.send(eventId, [['turnstile', Date.now() - 500, 40, 'N-A']])).status).toBe(200);
    await expect.poll(() => page.locator('section[aria-label="Alerts"]').textContent(), { timeout: 10_000 }).toContain('Section N102: turnstiles counted 40, gates admitted 3');
    await expect.poll(() => page.locator('tr[data-section="N102"]').textContent(), { timeout: 10_000 }).toContain('40');

    // The hotspot is denylisted; its owner appeals; staff lift it from the dashboard.
    await request(api.url)
      .post('/api/v1/devices/denylist')
      .set('authorization', admin)
      .send({ type: 'device', subject: hotspot.address, venueId: DEMO_VENUE_ID, reason: 'witnesses from one household' })
      .expect(204);
    await request(api.url)
      .post(`/api/v1/devices/${hotspot.address}/appeals`)
      .set('authorization', await fanAuth(api, hotspot.owner))
      .send({ message: 'Those are my neighbours in N101, real fans.' })
      .expect(201);
    await page.getByRole('button', { name: 'Lift the listing' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'staff-panels-desktop.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Lift the listing' }).click();
    await expect
      .poll(async () => (await request(api.url).get('/api/v1/devices/appeals').query({ venueId: DEMO_VENUE_ID }).set('authorization', admin)).body[0]?.status, { timeout: 10_000 })
      .toBe('accepted');
    await expect.poll(() => page.locator(`tr[data-hotspot="${hotspot.address}"]`).textContent(), { timeout: 10_000 }).not.toContain('denylisted');

    // Final whistle: audit before payout, from the dashboard.
    for (const to of ['live', 'ended']) await request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to }).expect(200);
    await page.reload();
    await page.locator('select[aria-label="Event"]').selectOption(eventId);
    await page.getByRole('button', { name: 'Close the epoch and review rewards' }).click({ timeout: 15_000 });
    const status = page.getByTestId('epoch-status');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('pending approval');
    expect(await page.locator('#epoch-title + *').count()).toBeGreaterThan(0);
    expect(await page.textContent('main')).toContain('admission');
    await page.screenshot({ path: join(SCREENSHOTS, 'staff-epoch-manifest-desktop.png'), fullPage: true });
    await page.getByRole('button', { name: 'Approve and publish' }).click();
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('published');
    await page.close();
  });
});
