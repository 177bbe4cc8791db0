import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { DESKTOP, launchBrowser, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';
import { runDemo } from '../../venue-sim/src/demo';

/** The page's own width: nothing may make a 390 px phone scroll sideways. */
const scrollWidth = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollWidth);
const barWidth = async (page: Page, section: string) => (await page.getByTestId(`section-bar-${section}`).boundingBox())?.width ?? 0;

/**
 * The staff dashboard where a newcomer found it broken (issue 17): a phone, a section 1 % full, a
 * reload in the middle of the gates opening, and an epoch's anomalies.
 */
describe('the staff dashboard, fixed where a newcomer found it broken', () => {
  let api: RunningApp;
  let browser: Browser;
  let admin: string;
  let steward: string;
  let gates: { id: string; code: string; sectionCodes: string[] }[];
  let reloadEventId: string | undefined;
  let demoEventId: string | undefined;

  const scan = async (t: IssuedTicket, gateCode: string) => {
    const gate = gates.find((g) => g.code === gateCode)!;
    const res = await request(api.url)
      .post(`/api/v1/gates/${gate.id}/scans`)
      .set('authorization', steward)
      .send({ code: qrFor(t, t.wallet) })
      .expect(200);
    expect(res.body.decision).toBe('admit');
  };
  const admittedByApi = async (eventId: string) =>
    (await request(api.url).get(`/api/v1/events/${eventId}/admissions`).set('authorization', admin).expect(200)).body.admitted as number;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-staff-fixes', { env: { WEB_DIST: 'apps/web/dist', CHAIN_EMBEDDED: 'on' } }), launchBrowser()]);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057eb', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
    gates = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body.gates;
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('fits a 390 px phone, shows a 1 %-full section, and keeps the admitted count and gate throughput across a reload mid-stream', async () => {
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Reload derby');
    reloadEventId = eventId;
    await openGates(api.url, admin, eventId);
    // 15 of N101's 1,500 seats (1 %) beside 60 of N103's (4 %), through two gates.
    const [few, many] = await Promise.all([issueTickets(api.url, admin, eventId, 15, ['N101']), issueTickets(api.url, admin, eventId, 60, ['N103'])]);
    const { page } = await openSignedIn(browser, api.url + '/staff', PHONE, { role: 'staff', venueId: DEMO_VENUE_ID, admin });
    await page.locator('select[aria-label="Event"]').selectOption(eventId);
    await expect.poll(() => page.getByTestId('admitted').textContent(), { timeout: 10_000 }).toBe('0');

    // The gates keep admitting while staff reload the page, twice.
    const plan = [...few.map((t) => [t, 'N-A'] as const), ...many.map((t, i) => [t, i % 2 ? 'N-A' : 'N-B'] as const)].sort(() => Math.random() - 0.5);
    let done = 0;
    const stream = (async () => {
      for (const [t, gate] of plan) {
        await scan(t, gate);
        done++;
        await new Promise((r) => setTimeout(r, 100)); // about 8 s of gates opening
      }
    })();
    await expect.poll(() => done, { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
    await page.reload();
    await page.locator('select[aria-label="Event"]').selectOption(eventId);
    await expect.poll(() => done, { timeout: 20_000 }).toBeGreaterThanOrEqual(45);
    await page.reload();
    await page.locator('select[aria-label="Event"]').selectOption(eventId);
    await stream;
    expect(await admittedByApi(eventId)).toBe(75);
    await expect.poll(() => page.getByTestId('admitted').textContent(), { timeout: 10_000 }).toBe('75');
    // ...and stays the server's count once the last frames are in (it used to settle one frame too high).
    await page.waitForTimeout(2500);
    expect(await page.getByTestId('admitted').textContent()).toBe(String(await admittedByApi(eventId)));

    // Attendance scales to the fullest section: N101 (1 %) is a bar a quarter as long as N103's (4 %), with its number.
    await expect.poll(() => barWidth(page, 'N103'), { timeout: 10_000 }).toBeGreaterThan(40);
    const [n101, n103] = [await barWidth(page, 'N101'), await barWidth(page, 'N103')];
    expect(n101).toBeGreaterThan(4);
    expect(n101 / n103).toBeCloseTo(0.25, 1);
    expect(await page.locator('li[data-section="N101"]').textContent()).toContain('1.0%');
    expect(await page.locator('li[data-section="N101"]').textContent()).toContain('15/1,500');
    expect(await barWidth(page, 'S101')).toBe(0);

    // A reload with no admission coming in: the throughput history is the server's, per gate.
    await page.reload();
    await page.locator('select[aria-label="Event"]').selectOption(eventId);
    const summary = page.getByTestId('throughput-summary');
    await expect.poll(() => summary.textContent(), { timeout: 10_000 }).toContain('75 admitted');
    expect(await summary.textContent()).toMatch(/N-A \d+, N-B \d+|N-B \d+, N-A \d+/);
    expect(await page.getByTestId('admitted').textContent()).toBe('75');

    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(SCREENSHOTS, 'staff-dashboard-fixes-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();

    const desk = (await openSignedIn(browser, api.url + '/staff', DESKTOP, { role: 'staff', venueId: DEMO_VENUE_ID, admin })).page;
    await desk.locator('select[aria-label="Event"]').selectOption(eventId);
    await expect.poll(() => desk.getByTestId('throughput-summary').textContent(), { timeout: 10_000 }).toContain('75 admitted');
    expect(await desk.getByTestId('admitted').textContent()).toBe('75');
    await desk.screenshot({ path: join(SCREENSHOTS, 'staff-dashboard-fixes-desktop.png'), fullPage: true });
    expect(await seriousA11yViolations(desk)).toEqual([]);
    await desk.close();
  });

  it('confirms, from a phone, the moment the demo’s sensors raised at kickoff', async () => {
    const { page, address } = await openSignedIn(browser, api.url + '/staff', PHONE);
    const demo = await runDemo({ url: api.url, dataDir: api.config.dataDir, fans: 20, seconds: 2, staff: [address] });
    demoEventId = demo.eventId;
    expect(demo.sound?.candidates).toBeGreaterThanOrEqual(1);
    await page.reload();
    await page.locator('select[aria-label="Event"]').selectOption(demo.eventId);
    const card = page.locator('li.candidate').first();
    await card.waitFor({ timeout: 15_000 });
    expect(await card.textContent()).toMatch(/4 sensors in 4 sections, peak 1\d\d dB/);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(SCREENSHOTS, 'staff-demo-moment-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    const id = (await card.getAttribute('data-moment'))!;
    await card.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(async () => (await request(api.url).get(`/api/v1/events/${demo.eventId}/moments`)).body.find((m: { id: string }) => m.id === id)?.status, { timeout: 10_000 })
      .toBe('confirmed');
    await expect.poll(() => page.locator('#moments-title ~ .feed').textContent(), { timeout: 10_000 }).toContain('kickoff · confirmed');
    await page.close();
  });

  it('reads an epoch’s anomalies as sentences with amounts in FAN, on a phone too', async () => {
    // The final whistle closes the epoch by itself once the ledger has the match's entries.
    const end = async (eventId: string): Promise<{ id: string; status: string }> => {
      for (const to of ['live', 'ended']) await request(api.url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', admin).send({ to }).expect(200);
      let epoch: { id: string; status: string } | undefined;
      await expect
        .poll(
          async () =>
            (epoch = (await request(api.url).get(`/api/v1/events/${eventId}/reward-totals`).set('authorization', admin)).body.epochs?.find(
              (e: { status: string }) => e.status === 'pending_approval',
            )),
          { timeout: 15_000 },
        )
        .toBeTruthy();
      return epoch!;
    };
    // One open event at a time at the venue: the earlier matches here (the reload derby, the demo's, still
    // live) end first, and their epochs are rejected, so these two settle in order and the small one is the
    // previous paid epoch.
    for (const id of [reloadEventId, demoEventId]) {
      if (!id) continue;
      const { status } = (await request(api.url).get(`/api/v1/events/${id}`).expect(200)).body;
      for (const to of status === 'gates_open' ? ['live', 'ended'] : status === 'live' ? ['ended'] : [])
        await request(api.url).post(`/api/v1/events/${id}/transitions`).set('authorization', admin).send({ to }).expect(200);
      let pending: { id: string } | undefined;
      await expect
        .poll(
          async () =>
            (pending = (await request(api.url).get(`/api/v1/events/${id}/reward-totals`).set('authorization', admin)).body.epochs?.find(
              (e: { status: string }) => e.status === 'pending_approval',
            )),
          { timeout: 15_000 },
        )
        .toBeTruthy();
      await request(api.url).post(`/api/v1/epochs/${pending!.id}/reject`).set('authorization', admin).send({ note: 'earlier test' }).expect(200);
    }
    // A small match settles first: one fan in.
    const small = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Quiet friendly');
    await openGates(api.url, admin, small);
    for (const t of await issueTickets(api.url, admin, small, 1, ['E101'])) await scan(t, 'E-A');
    const first = await end(small);
    await request(api.url).post(`/api/v1/epochs/${first.id}/approve`).set('authorization', admin).send({}).expect(200);
    await expect
      .poll(async () => (await request(api.url).get(`/api/v1/epochs/${first.id}/manifest`).set('authorization', admin)).body.status, { timeout: 30_000 })
      .toBe('published');

    // Then a match paying three times as much: admission and verification rewards surged.
    const big = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Cup tie');
    await openGates(api.url, admin, big);
    for (const t of await issueTickets(api.url, admin, big, 3, ['E101'])) await scan(t, 'E-A');
    await end(big);

    for (const viewport of [PHONE, DESKTOP]) {
      const { page } = await openSignedIn(browser, api.url + '/staff', viewport, { role: 'staff', venueId: DEMO_VENUE_ID, admin });
      await page.locator('select[aria-label="Event"]').selectOption(big);
      const close = page.getByRole('button', { name: 'Close the epoch and review rewards' });
      await close.click({ timeout: 15_000 });
      const anomalies = page.getByTestId('anomalies');
      await expect.poll(() => anomalies.textContent(), { timeout: 15_000 }).toContain('FAN');
      const text = (await anomalies.textContent())!;
      expect(text).toContain("Admission rewards paid 30 FAN, more than twice the previous epoch's 10 FAN.");
      expect(text).toContain("Steward verification rewards paid 1.5 FAN, more than twice the previous epoch's 0.5 FAN.");
      expect(text).not.toMatch(/\d{7,}/); // no base units
      expect(text).not.toMatch(/[{}"]/); // no JSON
      expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width < viewport.width ? viewport.width : PHONE.width);
      await page.screenshot({ path: join(SCREENSHOTS, `staff-epoch-anomalies-${viewport === PHONE ? 'phone' : 'desktop'}.png`), fullPage: true });
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.close();
    }
  });
});
