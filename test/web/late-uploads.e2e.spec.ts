import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { DESKTOP, launchBrowser, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, issueTickets, openGates, qrFor } from '../support/tickets';

/**
 * Issue 23 in the PWA: staff decide late offline uploads from the dashboard (property 7), and the
 * venue console says in words why a match cannot be created over another (property 5).
 */
describe('late uploads and overlapping matches, in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;
  let admin: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-late-uploads', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lists the offline decisions uploaded after full time; staff admit the fan who came and reject the one who did not', async () => {
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Late derby');
    const [came, ghost] = await issueTickets(api.url, admin, eventId, 2, ['N101']);
    await openGates(api.url, admin, eventId);
    const during = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    for (const to of ['live', 'ended']) await request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to }).expect(200);
    // the steward's phone was offline all match and syncs after the final whistle
    const steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057eb', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    const gate = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates.find((g: { code: string }) => g.code === 'N-A');
    const synced = await request(api.url)
      .post(`/api/v1/gates/${gate.id}/offline-scans`)
      .set('authorization', steward)
      .send({ scans: [came, ghost].map((t, i) => ({ code: qrFor(t, t.wallet, 0, during + 10 * (i + 1)), scannedAt: new Date(during + 10 * (i + 1)).toISOString() })) })
      .expect(200);
    expect(synced.body.results.map((r: { reason: string }) => r.reason)).toEqual(['held_for_review', 'held_for_review']);

    const { page } = await openSignedIn(browser, `${api.url}/staff`, PHONE, { role: 'staff', venueId: DEMO_VENUE_ID, admin });
    await page.locator('select[aria-label="Event"]').selectOption(eventId);
    const panel = page.getByRole('region', { name: 'Late offline uploads' });
    await expect.poll(() => panel.textContent(), { timeout: 15_000 }).toContain('2 gate decisions arrived after full time');
    expect(await panel.textContent()).toContain(`Ticket ${came.id.slice(0, 8)} at ${gate.name}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'staff-late-uploads-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    const card = (ticketId: string) => panel.locator('li', { hasText: ticketId.slice(0, 8) });
    await card(came.id).getByRole('button', { name: 'They came in: admit' }).click();
    await expect.poll(() => card(came.id).textContent(), { timeout: 10_000 }).toContain('Approved: admitted at the time of the scan');
    await card(ghost.id).getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => card(ghost.id).textContent(), { timeout: 10_000 }).toContain('Rejected: not admitted');
    expect(await panel.textContent()).toContain('Every late upload has been decided.');
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const after = (await request(api.url).get(`/api/v1/events/${eventId}/admissions`).set('authorization', staff).expect(200)).body;
    expect(after.admitted).toBe(1);
    expect(after.heldForReview.map((h: { ticketId: string; decision: string }) => [h.ticketId, h.decision]).sort()).toEqual(
      [
        [came.id, 'approved'],
        [ghost.id, 'rejected'],
      ].sort(),
    );
  });

  it('says which match is in the way when a new match would overlap it at the venue', async () => {
    const startsAt = new Date(Date.UTC(2031, 4, 1, 18)).toISOString();
    await request(api.url).post('/api/v1/events').set('authorization', admin).send({ venueId: DEMO_VENUE_ID, name: 'Cup final', startsAt }).expect(201);
    const { page } = await openSignedIn(browser, `${api.url}/venue/${DEMO_VENUE_ID}/match-day`, DESKTOP, { role: 'staff', venueId: DEMO_VENUE_ID, admin });
    const form = page.getByRole('region', { name: 'New match' });
    await form.getByLabel('Match name').waitFor({ timeout: 15_000 });
    await form.getByLabel('Match name').fill('Clashing friendly');
    // an hour into the final, on the page's own clock
    const local = await page.evaluate((iso) => {
      const d = new Date(new Date(iso).getTime() + 3600_000);
      return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    }, startsAt);
    await form.getByLabel('Kick-off (your clock)').fill(local);
    await form.getByRole('button', { name: 'Create match' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent(), { timeout: 10_000 })
      .toMatch(/^“Cup final” already runs from .+ to .+ at this venue: pick a time after it ends or before it starts\.$/);
  });
});
