import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { RunningApp, startApp } from '../support/app';
import { createTempDataDir } from '../support/databases';
import { DESKTOP, launchBrowser, newPage, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';

/** What sticks out past the right edge of a phone's screen (outside the page's own scroll boxes), as `tag.class` lines. */
const sticksOut = (page: Page) =>
  page.evaluate(() => {
    if (document.documentElement.scrollWidth <= window.innerWidth) return [];
    return Array.from(document.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.parentElement?.closest('.table-wrap, .seat-grid, .tabs'))
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
      .slice(0, 8);
  });

/** The page at phone and desktop size, for the docs and for review; a phone never scrolls sideways. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    await page.setViewportSize(viewport);
    await expect.poll(() => page.evaluate(() => window.innerWidth), { timeout: 10_000 }).toBe(viewport.width);
    if (size === 'phone') await expect.poll(() => sticksOut(page), { timeout: 10_000, message: `${name} scrolls sideways on a phone` }).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, `venue-console-${name}-${size}.png`), fullPage: true });
  }
}

const a11y = async (page: Page, name: string) => expect(await seriousA11yViolations(page), name).toEqual([]);
const text = (page: Page, selector: string) => page.locator(selector).first().textContent();

/** Presses a lifecycle button and says yes in its confirmation. */
async function confirmMove(page: Page, button: string) {
  await page.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: /^Yes, / }).click();
  await dialog.waitFor({ state: 'detached' });
}

describe('the venue console, from an empty data folder, through the UI only', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-venue-console', { dataDir: createTempDataDir('venue-console'), env: { WEB_DIST: 'apps/web/dist' } }), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('first run → venue with 4 sections (one from a CSV) and 2 gates → match → steward by link, then revoked → sponsor key shown once, then revoked → poll → match day with confirmations and a refusal in words', async () => {
    const started = Date.now();
    const admin = await newPage(browser, DESKTOP);

    // First run: the home page points the operator to the console, which says they are the first admin.
    await admin.goto(api.url + '/');
    await admin.getByRole('link', { name: 'Open the venue console' }).click();
    await admin.getByRole('heading', { name: 'Welcome to your FanMesh' }).waitFor({ timeout: 15_000 });
    expect(await text(admin, '.first-run')).toContain('you are its first admin');
    await a11y(admin, 'first run');
    await shoot(admin, '01-first-run');

    // Set up my venue: the venue, 4 sections (with neighbours and a seat map), 2 gates.
    await admin.getByRole('button', { name: /Set up my venue/ }).click();
    await admin.getByLabel('Venue name').fill('Riverside Stadium');
    await admin.getByLabel('City').fill('Porto');
    await admin.getByLabel('Time zone').fill('Europe/Lisbon');
    await a11y(admin, 'new venue');
    await shoot(admin, '02-new-venue');
    await admin.getByRole('button', { name: 'Create venue' }).click();
    await admin.getByRole('heading', { name: 'Riverside Stadium' }).waitFor();
    expect(await admin.getByRole('link', { name: 'Venue', exact: true }).count()).toBe(1);

    // Three sections by hand (with neighbours), the fourth from a CSV below.
    const sections = [
      { code: 'N1', name: 'North lower', stand: 'north', capacity: '1200', next: [] },
      { code: 'N2', name: 'North upper', stand: 'north', capacity: '900', next: ['N1'] },
      { code: 'S1', name: 'South lower', stand: 'south', capacity: '1100', next: ['N1'] },
    ];
    const addSection = admin.getByRole('form', { name: 'Add a section' });
    for (const s of sections) {
      await addSection.getByLabel('Section code').fill(s.code);
      await addSection.getByLabel('Section name').fill(s.name);
      await addSection.getByLabel('Stand').selectOption(s.stand);
      await addSection.getByLabel('Capacity').fill(s.capacity);
      for (const n of s.next) await addSection.getByLabel(n, { exact: true }).check();
      await addSection.getByRole('button', { name: 'Add section' }).click();
      await admin.getByRole('list', { name: 'Sections' }).getByText(s.name).waitFor();
    }
    expect(await text(admin, 'ul[aria-label="Sections"]')).toContain('next to N1');

    // A seat map for N2: a 10 × 20 grid with one aisle place; its seats become the capacity.
    await admin.getByRole('button', { name: 'Edit N2' }).click();
    await admin.getByRole('button', { name: 'Draw the grid' }).click();
    await admin.getByRole('button', { name: 'Seat A10', exact: true }).click();
    await expect.poll(() => admin.getByTestId('seats-N2').textContent(), { timeout: 10_000 }).toBe('199');
    await admin.getByRole('button', { name: 'Save the seat map' }).click();
    await admin.getByText('Seat map saved: 199 seats.').waitFor();
    expect(await text(admin, 'ul[aria-label="Sections"]')).toContain('199 seats (seat map)');
    expect(await admin.getByRole('form', { name: 'Edit section N2' }).getByLabel('Capacity').inputValue()).toBe('199');
    await a11y(admin, 'sections and seat map');
    await shoot(admin, '03-sections-seat-map');
    await admin.getByRole('button', { name: 'Close' }).click();

    // Sections from a CSV: the dry run lists the refused row and why, and writes nothing; the fixed file imports.
    const csvBox = admin.getByLabel('Or paste it here');
    await csvBox.fill('code,name,stand,tier,capacity,neighbours\nS2,South upper,south,2,800,S1\nE1,East lower,upper,1,500,S9\n');
    await admin.getByRole('button', { name: 'Preview the import' }).click();
    const preview = admin.getByRole('region', { name: 'Import preview' });
    await preview.waitFor();
    expect(await preview.getByRole('status').textContent()).toMatch(/^1 new · 0 changed · 0 unchanged · 1 refused\. Nothing is written yet\.$/);
    const refused = await preview.locator('tr.refused').textContent();
    expect(refused).toContain('stand: "upper" is not a stand');
    expect(refused).toContain('neighbours: no section S9');
    expect(await preview.getByRole('button', { name: /^Import/ }).count()).toBe(0);
    await a11y(admin, 'section import preview');
    await shoot(admin, '04-section-import-preview');
    expect(await admin.getByRole('list', { name: 'Sections' }).getByText('South upper').count()).toBe(0);
    await csvBox.fill('code,name,stand,tier,capacity,neighbours\nS2,South upper,south,2,800,S1\n');
    await admin.getByRole('button', { name: 'Preview the import' }).click();
    await admin.getByRole('button', { name: 'Import 1 section' }).click();
    await admin.getByText('Imported: 1 new, 0 changed, 0 unchanged.').waitFor();
    await admin.getByRole('list', { name: 'Sections' }).getByText('South upper').waitFor();

    const addGate = admin.getByRole('form', { name: 'Add a gate' });
    for (const g of [
      { code: 'G-N', name: 'North gate', serves: ['N1', 'N2'] },
      { code: 'G-S', name: 'South gate', serves: ['S1', 'S2'] },
    ]) {
      await addGate.getByLabel('Gate code').fill(g.code);
      await addGate.getByLabel('Gate name').fill(g.name);
      for (const c of g.serves) await addGate.getByLabel(c, { exact: true }).check();
      await addGate.getByRole('button', { name: 'Add gate' }).click();
      await admin.getByRole('list', { name: 'Gates' }).getByText(g.name).waitFor();
    }
    expect(await text(admin, 'ul[aria-label="Gates"]')).toContain('serves S1, S2');
    const setUpSeconds = (Date.now() - started) / 1000;
    await a11y(admin, 'set-up');
    await shoot(admin, '05-setup-done');

    // A match.
    await admin.getByRole('link', { name: 'Match day' }).click();
    await admin.getByLabel('Home team').fill('Riverside FC');
    await admin.getByLabel('Away team').fill('Harbour City');
    await admin.getByRole('button', { name: 'Create match' }).click();
    await admin.getByRole('heading', { name: 'Riverside FC vs Harbour City' }).waitFor();
    expect(await admin.getByTestId('current-status').textContent()).toBe('Scheduled');
    await a11y(admin, 'match day');
    await shoot(admin, '06-match-created');

    // The match's ticket list is imported on its own page (/venue/tickets), which the console opens on this match.
    const ticketsHref = await admin.getByRole('link', { name: 'Tickets', exact: true }).getAttribute('href');
    const eventId = /^\/venue\/tickets\?event=([0-9a-f-]{36})$/.exec(ticketsHref ?? '')?.[1];
    expect(eventId, ticketsHref ?? 'no Tickets link').toBeTruthy();
    await admin.getByRole('link', { name: 'Tickets', exact: true }).click();
    await expect.poll(() => admin.getByLabel('Match').inputValue(), { timeout: 15_000 }).toBe(eventId);
    await admin.goBack();
    await admin.getByTestId('current-status').waitFor({ timeout: 15_000 });

    // A steward, invited by link: a second phone opens it, accepts, and is in the steward area.
    await admin.getByRole('link', { name: 'People' }).click();
    await admin.getByLabel('Who it is for').fill('Maria, north gate');
    await admin.getByRole('button', { name: 'Create invite link' }).click();
    const link = await admin.getByRole('textbox', { name: 'Invite link' }).inputValue();
    expect(link).toMatch(/\/venue\/join#fmiv_[A-Za-z0-9_-]{43}$/);
    await admin.getByRole('img', { name: /QR code of the invite link/ }).waitFor();
    await a11y(admin, 'people with an invite');
    await shoot(admin, '07-invite-link');

    const steward = await newPage(browser, PHONE);
    await steward.goto(link);
    await steward.getByRole('heading', { name: 'Become steward at Riverside Stadium' }).waitFor({ timeout: 15_000 });
    await a11y(steward, 'join');
    await shoot(steward, '08-join-invite');
    await steward.getByRole('button', { name: 'Accept: become steward' }).click();
    await steward.getByRole('heading', { name: 'You are steward at Riverside Stadium' }).waitFor();
    await shoot(steward, '09-joined');
    await steward.getByRole('link', { name: 'Open the gate scanner' }).click();
    const scanner = steward.locator('section.scanner[data-address]');
    await scanner.getByRole('heading', { name: 'Gate scanner' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => scanner.textContent(), { timeout: 15_000 }).toContain('North gate');
    const stewardAddress = await scanner.getAttribute('data-address');

    // The link is taken: opened again elsewhere it says so and grants nothing.
    const stranger = await newPage(browser, PHONE);
    await stranger.goto(link);
    await stranger.getByText(`${stewardAddress} is steward from it`).waitFor({ timeout: 15_000 });
    await stranger.context().close();

    await admin.reload();
    await admin.getByRole('list', { name: 'Roles at this venue' }).getByText(stewardAddress!).waitFor();
    expect(await text(admin, 'ul[aria-label="Invites"]')).toContain('Accepted');

    // Revoking asks first, then the role is gone from the list (and from the server: the steward's next sign-in has no role).
    await admin.getByRole('button', { name: `Revoke steward from ${stewardAddress}` }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Yes, revoke' }).click();
    await admin.getByText('Nobody yet: invite your staff and stewards above.').waitFor();
    await steward.reload();
    await steward.getByText('You are not a steward at any venue yet.').waitFor({ timeout: 15_000 });

    // A sponsor and its API key, shown once.
    await admin.getByRole('link', { name: 'Sponsors' }).click();
    await admin.getByLabel('Sponsor name').fill('Porto Lager');
    await admin.getByRole('button', { name: 'Add sponsor' }).click();
    await admin.getByRole('button', { name: 'New API key' }).click();
    const key = await admin.getByTestId('sponsor-key').inputValue();
    expect(key).toMatch(/^fmsk_/);
    await a11y(admin, 'sponsor key');
    await shoot(admin, '10-sponsor-key-once');
    await admin.getByRole('button', { name: 'Done, I have stored it' }).click();
    await admin
      .getByRole('list', { name: 'API keys of Porto Lager' })
      .getByText(`${key.slice(0, 9)}…`)
      .waitFor();
    await admin.reload();
    const sponsorAsks = async () => (await fetch(`${api.url}/api/v1/drops`, { headers: { 'x-api-key': key } })).status;
    expect(await sponsorAsks()).toBe(200);
    const keys = admin.getByRole('list', { name: 'API keys of Porto Lager' });
    await keys.waitFor();
    expect(await admin.content()).not.toContain(key);
    await keys.getByRole('button', { name: `Revoke key ${key.slice(0, 9)}` }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Yes, revoke the key' }).click();
    await keys.getByText('Revoked', { exact: true }).waitFor();
    expect(await sponsorAsks()).toBe(401);

    // A poll: create it, open it, close it.
    await admin.getByRole('link', { name: 'Polls' }).click();
    await admin.getByLabel('Question').fill('Player of the match?');
    await admin.getByLabel('Options, one per line').fill('Keeper\nStriker\nCaptain');
    await admin.getByRole('button', { name: 'Create poll' }).click();
    const poll = admin.getByRole('list', { name: 'Polls' }).locator('li').first();
    await poll.getByText('Not open yet').waitFor();
    await poll.getByRole('button', { name: 'Open now' }).click();
    await poll.getByText('Open', { exact: true }).waitFor();
    await a11y(admin, 'polls');
    await shoot(admin, '11-poll-open');
    await poll.getByRole('button', { name: 'Close now' }).click();
    await poll.getByText('Closed', { exact: true }).waitFor();

    // Match day: every move asks first; a second tab on the same console follows each move live.
    await admin.getByRole('link', { name: 'Match day' }).click();
    const watcher = await admin.context().newPage();
    await watcher.goto(admin.url());
    await watcher.getByTestId('current-status').waitFor({ timeout: 15_000 });
    const follows = async (label: string) => {
      await expect.poll(() => admin.getByTestId('current-status').textContent(), { timeout: 10_000 }).toBe(label);
      await expect.poll(() => watcher.getByTestId('current-status').textContent(), { timeout: 10_000 }).toBe(label);
    };

    await admin.getByRole('button', { name: 'Open gates', exact: true }).click();
    await admin.getByRole('dialog').waitFor();
    await a11y(admin, 'confirmation');
    await shoot(admin, '12-confirm-open-gates');
    await admin.getByRole('dialog').getByRole('button', { name: 'Not now' }).click();
    expect(await admin.getByTestId('current-status').textContent()).toBe('Scheduled');
    await confirmMove(admin, 'Open gates');
    await follows('Gates open');
    await confirmMove(admin, 'Kick off');
    await follows('Live');
    await confirmMove(admin, 'End the match');
    await follows('Full time');
    expect(await watcher.locator('ul[aria-label="Matches"]').textContent()).toContain('Full time');

    // Out of order: kick-off after full time is refused, and the refusal reads as a sentence.
    await confirmMove(admin, 'Kick off');
    const refusal = admin.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe('“Kick off” is not possible now: the match is over (full time). What it can do next: settle rewards.');
    expect(await admin.getByTestId('current-status').textContent()).toBe('Full time');
    await a11y(admin, 'match day refusal');
    await shoot(admin, '13-refused-in-words');
    await watcher.close();

    // The console's home lists the operator's venue and the demo stadium beside it.
    await admin.getByRole('link', { name: 'Venue console', exact: true }).click();
    const venues = admin.getByRole('list', { name: 'Your venues' });
    await venues.getByText('Riverside Stadium').waitFor();
    expect(await venues.textContent()).toContain('FanMesh Arena');
    await a11y(admin, 'venue list');
    await shoot(admin, '14-venues');
    await venues.getByRole('link', { name: /FanMesh Arena/ }).click();
    await admin.getByRole('heading', { name: 'FanMesh Arena' }).waitFor();
    await expect.poll(() => text(admin, 'ol[aria-label="Set-up steps"]'), { timeout: 15_000 }).toContain('Sections (40)');

    const journeySeconds = (Date.now() - started) / 1000;
    console.log(
      `venue console by the clock: set-up (first run → venue, 4 sections, a seat map, 2 gates) ${setUpSeconds.toFixed(1)} s; whole journey ${journeySeconds.toFixed(1)} s`,
    );
    expect(setUpSeconds).toBeLessThan(600);
  }, 180_000);
});
