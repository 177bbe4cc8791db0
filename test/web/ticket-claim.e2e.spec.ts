import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { DESKTOP, launchBrowser, newPage, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent } from '../support/tickets';
import { goodRows, ticketCsv } from '../support/ticket-lists';

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
/** The page's own content (below the shared top bar) is no wider than the viewport: no sideways scrolling. */
const fits = async (page: Page) => {
  const wide = await page.evaluate(() =>
    Array.from(document.querySelectorAll('main, main *'))
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .map((e) => `${e.tagName}.${e.className}`)
      .slice(0, 10),
  );
  if (wide.length) console.log('wider than the viewport:', wide);
  return wide.length === 0;
};

/** Issue 17, item 3 in the PWA: a venue imports its ticket list, and a fan claims a ticket by link. */
describe('ticket lists and claim links in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;
  let admin: string;
  let eventId: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-ticket-claim', { env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Derby day');
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('staff preview a list with 5 bad rows of 20, see every reason, confirm; a fan claims by link, sees the QR, and the link then says who holds it', async () => {
    const rows = goodRows(15, ['N101', 'N102']);
    const bad = [
      { order: 'BAD-1', section: 'X999', seat: '1', tier: 'standard', email: 'x@example.org' },
      { order: 'BAD-2', section: 'N101', seat: '1', tier: 'standard', email: 'y@example.org' },
      { order: 'ORD-0002', section: 'N102', seat: '50', tier: 'standard', email: 'z@example.org' },
      { order: 'BAD-4', section: 'N101', seat: '51', tier: '=HYPERLINK("http://x.io")', email: 'w@example.org' },
      { order: 'BAD-5', section: 'N101', seat: '52', tier: 'standard', email: 'nobody' },
    ];
    // the bad rows sit among the good ones, as they would in a real export
    const all = [...rows.slice(0, 5), bad[0], bad[1], ...rows.slice(5, 10), bad[2], bad[3], ...rows.slice(10), bad[4]];
    const csv = ticketCsv(all);

    // Staff, on a desktop: pick the match, upload, read the preview.
    const { page: staff } = await openSignedIn(browser, `${api.url}/venue/tickets`, DESKTOP, { role: 'staff', venueId: DEMO_VENUE_ID, admin });
    await staff.getByLabel('Match').selectOption(eventId);
    await staff.getByText('No tickets imported for this match yet.').waitFor();
    await shot(staff, 'venue-tickets-empty-desktop');
    expect(await seriousA11yViolations(staff)).toEqual([]);
    await staff.getByLabel('Ticket list (CSV, UTF-8, up to 2 MB)').setInputFiles({ name: 'derby-tickets.csv', mimeType: 'text/csv', buffer: csv });
    const badRows = staff.locator('.bad-rows > li');
    await badRows.first().waitFor({ timeout: 15_000 });
    expect(await badRows.count()).toBe(5);
    const reasons = await badRows.allInnerTexts();
    expect(reasons[0]).toMatch(/^Line 7 · BAD-1 · X999\/1\n.*Section X999 is not in this venue/s);
    expect(reasons[1]).toMatch(/^Line 8 · BAD-2 · N101\/1\n.*Seat N101\/1 is also on line 2\./s);
    expect(reasons[2]).toMatch(/^Line 14 · ORD-0002 · N102\/50\n.*Order ref ORD-0002 is also on line 3\./s);
    expect(reasons[3]).toMatch(/^Line 15 · BAD-4 · N101\/51\n.*The tier cell starts with "=", which a spreadsheet runs as a formula\./s);
    expect(reasons[4]).toMatch(/^Line 21 · BAD-5 · N101\/52\n.*The contact is neither an e-mail address nor a phone number\./s);
    expect(await staff.locator('.counts').first().innerText()).toMatch(/15\s+to import.*0\s+already imported.*5\s+with problems/s);
    // nothing is written before the confirmation
    expect((await request(api.url).get(`/api/v1/events/${eventId}/claim-links`).set('authorization', admin)).body.summary.total).toBe(0);
    await shot(staff, 'venue-tickets-preview-desktop');
    expect(await seriousA11yViolations(staff)).toEqual([]);
    await staff.setViewportSize(PHONE);
    expect(await fits(staff)).toBe(true);
    await shot(staff, 'venue-tickets-preview-phone');
    await staff.setViewportSize(DESKTOP);

    await staff.getByRole('button', { name: 'Import 15 tickets' }).click();
    await staff.getByRole('status').filter({ hasText: 'Imported 15 tickets; 5 bad rows were left out.' }).waitFor({ timeout: 15_000 });
    await staff.locator('.claim-row').first().waitFor();
    expect(await staff.locator('.claim-row').count()).toBe(15);
    expect(await staff.locator('.claim-row[data-claim="open"]').count()).toBe(15);
    await staff.locator('.claim-row[data-order="ORD-0001"]').getByRole('button', { name: 'Show QR' }).click();
    await staff.locator('.claim-qr').waitFor();
    await shot(staff, 'venue-tickets-imported-desktop');
    expect(await seriousA11yViolations(staff)).toEqual([]);

    // The export for the venue's mailer: order ref, contact, link.
    const [download] = await Promise.all([staff.waitForEvent('download'), staff.getByRole('button', { name: 'Export claim links (CSV)' }).click()]);
    const exported = readFileSync((await download.path())!, 'utf8');
    const first = exported.split('\r\n')[1];
    expect(first).toMatch(new RegExp(`^"ORD-0001","buyer\\.ord\\.1@example\\.org","N101","1","vip","open","(${api.url}/claim/[A-Za-z0-9_-]{43})"`));
    const link = /"(http[^"]+\/claim\/[^"]+)"/.exec(first)![1];

    // A fan opens the link on their phone (their own browser): one tap, and the ticket is theirs.
    const fan = await newPage(browser, PHONE);
    await fan.goto(link);
    const claimButton = fan.getByRole('button', { name: 'Claim this ticket' });
    await claimButton.waitFor({ timeout: 15_000 });
    expect(await fan.locator('.claim-page').innerText()).toMatch(/Derby day.*Section N101, seat 1 · vip/s);
    expect(await fits(fan)).toBe(true);
    await shot(fan, 'claim-open-phone');
    expect(await seriousA11yViolations(fan)).toEqual([]);
    await claimButton.click();
    const qr = fan.locator('figure.ticket-qr[data-code]');
    await qr.waitFor({ timeout: 15_000 });
    expect(await qr.getAttribute('data-code')).toMatch(/^FM1\./);
    await fan.getByRole('status').filter({ hasText: 'This ticket is yours.' }).waitFor();
    await shot(fan, 'claim-claimed-phone');
    expect(await seriousA11yViolations(fan)).toEqual([]);
    const fanAddress = (await fan.locator('section[data-address]').getAttribute('data-address'))!;
    const snapshot = (await request(api.url).get(`/api/v1/events/${eventId}/offline-snapshot`).set('authorization', admin).expect(200)).body;
    expect(snapshot.tickets.filter((t: { holder: string }) => t.holder === fanAddress)).toHaveLength(1);

    // Opening the link again: still theirs, with the code; on another phone it says who holds it, and offers no claim.
    await fan.reload();
    await fan.getByRole('status').filter({ hasText: 'This ticket is yours.' }).waitFor({ timeout: 15_000 });
    await qr.waitFor();
    const other = await newPage(browser, PHONE);
    await other.goto(link);
    const used = other.getByRole('status').filter({ hasText: 'This link was used already.' });
    await used.waitFor({ timeout: 15_000 });
    expect(await used.innerText()).toContain(`The ticket is held by ${fanAddress.slice(0, 6)}…${fanAddress.slice(-4)} now.`);
    expect(await other.getByRole('button', { name: 'Claim this ticket' }).count()).toBe(0);
    await shot(other, 'claim-used-phone');
    expect(await seriousA11yViolations(other)).toEqual([]);
    await other.setViewportSize(DESKTOP);
    await shot(other, 'claim-used-desktop');

    // The staff list shows it claimed.
    await staff.reload();
    await staff.getByLabel('Match').selectOption(eventId);
    await staff.locator('.claim-row[data-order="ORD-0001"][data-claim="claimed"]').waitFor({ timeout: 15_000 });
    await staff.setViewportSize(PHONE);
    expect(await fits(staff)).toBe(true);
    await shot(staff, 'venue-tickets-claimed-phone');

    // The fan hands the ticket on from its card; the other phone claims the transfer link.
    await fan.goto(`${api.url}/tickets`);
    await fan.getByText('Give this ticket to someone').click();
    await fan.getByRole('button', { name: 'Make a transfer link' }).click();
    const transfer = (await fan.locator('.transfer-made code.link-text').innerText({ timeout: 15_000 })).trim();
    expect(transfer).toMatch(new RegExp(`^${api.url}/claim/[A-Za-z0-9_-]{43}$`));
    await shot(fan, 'fan-transfer-link-phone');
    expect(await seriousA11yViolations(fan)).toEqual([]);
    await other.setViewportSize(PHONE);
    await other.goto(transfer);
    await other.getByRole('button', { name: 'Claim this ticket' }).waitFor({ timeout: 15_000 });
    expect(await other.locator('.claim-page').innerText()).toContain('is handing this ticket to you.');
    await other.getByRole('button', { name: 'Claim this ticket' }).click();
    await other.locator('figure.ticket-qr[data-code]').waitFor({ timeout: 15_000 });
    await fan.reload();
    await fan.getByText('No tickets yet.').waitFor({ timeout: 15_000 });
  });
});
