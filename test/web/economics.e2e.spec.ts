import { join } from 'node:path';
import { formatUnits } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { EconomicsView } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { DESKTOP, launchBrowser, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { playMatch, until, wallets } from '../rewards/support';

// The figures as the page writes them (en-US, Chromium's locale here): FAN amounts to at most two
// decimals, cut not rounded; pay per unit to three significant digits; shares to one decimal.
const fan = (wei: string) => {
  const [whole, frac = ''] = formatUnits(wei, 18).split('.');
  const f = frac.replace(/0+$/, '').slice(0, 2);
  return `${Number(whole).toLocaleString('en-US')}${f ? `.${f}` : ''}`;
};
const fanFine = (wei: string) => {
  const n = Number(formatUnits(wei, 18));
  return n === 0 || n >= 100 ? fan(wei) : n.toLocaleString('en-US', { maximumSignificantDigits: 3 });
};
const percent = (x: number) => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;
/** What the brief asks the panel to flag: the same work paying unevenly across the season's events. */
const COV_LIMIT: Record<string, number> = { admission: 0.15, verification: 0.15, moment: 0.15, witness: 0.15, coverage: 0.25 };

/**
 * The staff dashboard's Economics tab (issue 22): the season's fairness report drawn from
 * GET /rewards/economics. Three matches on a 100 FAN-a-week schedule with an admission season cap of
 * 25 FAN: the first surges (the rate controller then pays admissions 12.5% less), the third pays
 * regulars only what is left of their season cap and takes the cumulative total past the week's
 * release. Every figure on the tab is the endpoint's.
 */
describe('the season economics in the staff dashboard', () => {
  let api: RunningApp;
  let browser: Browser;
  let admin: string;
  let staff: string;
  let ds: DataSource;

  beforeAll(async () => {
    [api, browser] = await Promise.all([
      startApp('pwa-economics', {
        env: { WEB_DIST: 'apps/web/dist', CHAIN_EMBEDDED: 'on', EMISSION_WEEKLY_FAN: '100', EMISSION_DECAY_BPS: '0', EMISSION_SEASON_WEEKS: '52', SEASON_CAPS: 'admission=25' },
      }),
      launchBrowser(),
    ]);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    ds = api.app.get(DataSource);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const epochOf = (eventId: string) =>
    until(
      async () => (await ds.query(`SELECT id::text, status FROM reward_epochs WHERE event_id = $1`, [eventId]))[0] as { id: string; status: string } | undefined,
      (e) => e?.status === 'pending_approval',
      30_000,
    );
  const publish = async (eventId: string) => {
    const epoch = await epochOf(eventId);
    expect(epoch?.status).toBe('pending_approval');
    await request(api.url).post(`/api/v1/epochs/${epoch!.id}/approve`).set('authorization', staff).send({}).expect(200);
    const done = await until(
      async () => (await request(api.url).get(`/api/v1/epochs/${epoch!.id}/manifest`).set('authorization', staff).expect(200)).body as { status: string },
      (e) => e.status === 'published',
      30_000,
    );
    expect(done.status).toBe('published');
  };
  const economics = async (season?: string) =>
    (
      await request(api.url)
        .get(`/api/v1/rewards/economics${season ? `?season=${season}` : ''}`)
        .expect(200)
    ).body as EconomicsView;

  /** Steps the tab's season buttons until it shows `label`. */
  const showSeason = async (page: Page, from: string, to: EconomicsView['season']) => {
    const forward = Number(to.id.slice(0, 4)) >= Number(from.slice(0, 4));
    const heading = page.locator('#economics-title');
    for (let i = 0; i < 10 && !(await heading.textContent())?.includes(to.label); i++) {
      await page.getByRole('button', { name: forward ? /^Next season/ : /^Previous season/ }).click();
      await expect.poll(() => page.locator('section.economics').getAttribute('aria-busy'), { timeout: 10_000 }).toBe('false');
    }
    expect(await heading.textContent()).toBe(`Economics: ${to.label}`);
  };

  it('shows emission against the schedule, pay per unit per kind with its spread, the Gini of rewards beside the work, the top 1% and what the caps clipped', async () => {
    // three matches: a surge, a quiet one at the stepped-down rate, and one where regulars reach the season cap
    const [a, b, c, d, e, f, g, h] = wallets(8);
    const opening = await playMatch(api, admin, [a, b, c, d, e, f], 'Opening day');
    await publish(opening); // 63 FAN of the week's 100
    const cup = await playMatch(api, admin, [a, b, g], 'Cup tie');
    await publish(cup); // 90.75 FAN
    const derby = await playMatch(api, admin, [a, b, c, h, h], 'Derby'); // h's second ticket earns nothing more at this match
    expect((await epochOf(derby))?.status).toBe('pending_approval'); // closed, left for review: past the week's release
    const seasonId = (await ds.query(`SELECT DISTINCT season FROM reward_pools WHERE event_id = $1`, [opening]))[0].season as string;
    const report = await economics(seasonId);

    // the premises the figures below rest on
    expect(report.epochs.map((x) => x.status)).toEqual(['published', 'published', 'pending_approval']);
    expect(report.events.map((x) => x.name)).toEqual(['Opening day', 'Cup tie', 'Derby']);
    expect(report.released).not.toBeNull();
    const clippedAdmission = report.clipped.find((x) => x.kind === 'admission')!;
    expect(clippedAdmission.seasonCap).toBeGreaterThan(0);
    expect(clippedAdmission.accountCap).toBeGreaterThan(0);
    expect(report.perUnit.find((x) => x.kind === 'admission')!.cov).toBeGreaterThan(COV_LIMIT.admission); // the surge's step and the season cap: uneven pay

    // the tab opens on the season in progress, where no epoch has closed
    const { page } = await openSignedIn(browser, `${api.url}/staff`, DESKTOP, { role: 'staff', venueId: DEMO_VENUE_ID, admin });
    await page.getByRole('navigation', { name: 'Staff dashboard sections' }).getByRole('link', { name: 'Economics' }).click();
    await page.waitForURL('**/staff/economics');
    const current = await economics();
    expect(current.epochs).toEqual([]);
    await expect.poll(() => page.getByTestId('economics-empty').textContent(), { timeout: 15_000 }).toContain('No epochs closed this season yet');
    expect(await page.locator('#economics-title').textContent()).toBe(`Economics: ${current.season.label}`);
    expect(await page.getByRole('link', { name: 'Economics' }).getAttribute('aria-current')).toBe('page');

    await showSeason(page, current.season.id, report.season);
    expect(new URL(page.url()).searchParams.get('season')).toBe(seasonId);

    // 1. emission per epoch against the schedule
    expect(await page.getByTestId('kpi-emitted').textContent()).toBe(`${fan(report.emitted)} FAN`);
    expect(await page.getByTestId('kpi-released').textContent()).toBe(`${fan(report.released!)} FAN`);
    expect(await page.getByTestId('emission-summary').textContent()).toContain(`${fan(report.emitted)} FAN of ${fan(report.released!)} released`);
    const chart = page.getByRole('img', { name: /^Emission per epoch/ });
    expect(await chart.getAttribute('aria-label')).toContain(`Emission per epoch, 3 epochs: ${report.epochs.map((x) => `epoch ${x.epochId} ${fan(x.emitted)} FAN`).join(', ')}`);
    await page.getByText('The epochs in numbers').click();
    for (const x of report.epochs) {
      const cells = await page.locator(`tr[data-epoch="${x.epochId}"] td`).allTextContents();
      expect(cells).toEqual([
        `#${x.epochId}`,
        x.status.replace(/_/g, ' '),
        expect.any(String),
        `${fan(x.emitted)} FAN`,
        x.cumulative === null ? 'not settled yet' : `${fan(x.cumulative)} FAN`, // a pending epoch's total is stamped with its tree
        x.released === null ? '—' : `${fan(x.released)} FAN`,
      ]);
    }

    // 2. pay per unit per kind, with its spread across the events, flagged where it is uneven
    const worked = report.perUnit.filter((p) => p.events > 0);
    expect(worked.map((p) => p.kind)).toEqual(['admission', 'verification']);
    expect(await page.locator('figure.per-unit').evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')))).toEqual(worked.map((p) => p.kind));
    for (const p of worked) {
      const cov = page.getByTestId(`cov-${p.kind}`);
      expect(await cov.textContent()).toContain(p.cov === null ? 'one event so far' : `varies ${percent(p.cov)} across ${p.events} events`);
      expect(await cov.evaluate((el) => el.classList.contains('econ-warn'))).toBe(p.cov !== null && p.cov > COV_LIMIT[p.kind]);
      expect(await page.getByTestId(`mean-${p.kind}`).textContent()).toBe(`${fanFine(p.mean)} FAN`);
      const bars = page.locator(`figure.per-unit[data-kind="${p.kind}"] rect.bar`);
      const paidAt = report.events.filter((x) => x.byKind.some((k) => k.kind === p.kind && BigInt(k.units) > 0n));
      expect(await bars.evaluateAll((els) => els.map((el) => el.getAttribute('data-event')))).toEqual(paidAt.map((x) => x.eventId));
      for (const x of paidAt) {
        const k = x.byKind.find((y) => y.kind === p.kind)!;
        expect(await page.locator(`figure.per-unit[data-kind="${p.kind}"] rect[data-event="${x.eventId}"] title`).textContent()).toBe(`${x.name}: ${fanFine(k.perUnit)} FAN`);
      }
    }
    expect(await page.getByTestId('cov-admission').textContent()).toContain(`more than the 15% expected`);

    // 3. and 4. the Gini of rewards beside the Gini of the work, and the top 1%'s share
    const fine = report.gini.rewards <= report.gini.contribution + 0.05;
    const verdict = await page.getByTestId('gini-verdict').textContent();
    expect(verdict).toContain(fine ? 'Rewards are no more unequal than the work behind them' : 'Rewards are more unequal than the work behind them');
    expect(verdict).toContain(`Gini ${report.gini.rewards.toFixed(2)} for rewards`);
    expect(verdict).toContain(report.gini.contribution.toFixed(2));
    expect(Number(await page.getByTestId('gini-rewards').getAttribute('data-value'))).toBe(report.gini.rewards);
    expect(Number(await page.getByTestId('gini-contribution').getAttribute('data-value'))).toBe(report.gini.contribution);
    expect(await page.getByTestId('kpi-top1').textContent()).toBe(percent(report.top1Share));
    expect(await page.getByTestId('top1-share').textContent()).toContain(`${report.gini.accounts} accounts (at least one) earned ${percent(report.top1Share)}`);

    // 5. and 6. what each limit clipped, and the season caps
    for (const x of report.clipped) {
      expect(await page.getByTestId(`clipped-account-${x.kind}`).textContent()).toBe(x.accountCap.toLocaleString('en-US'));
      expect(await page.getByTestId(`clipped-season-${x.kind}`).textContent()).toBe(x.seasonCap.toLocaleString('en-US'));
      expect(await page.getByTestId(`clipped-pool-${x.kind}`).textContent()).toBe(x.poolExhausted.toLocaleString('en-US'));
    }
    for (const x of report.seasonCaps) expect(await page.getByTestId(`season-cap-${x.kind}`).textContent()).toBe(`${fan(x.cap)} FAN`);
    expect(await page.getByTestId('season-cap-admission').textContent()).toBe('25 FAN');

    await page.waitForTimeout(300); // the chart's first frame
    await page.screenshot({ path: join(SCREENSHOTS, 'staff-economics-desktop.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    // a phone opens the same season from its address, and nothing is wider than the screen
    const phone = (await openSignedIn(browser, `${api.url}/staff/economics?season=${seasonId}`, PHONE, { role: 'staff', venueId: DEMO_VENUE_ID, admin })).page;
    await expect.poll(() => phone.getByTestId('kpi-emitted').textContent(), { timeout: 15_000 }).toBe(`${fan(report.emitted)} FAN`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    for (const table of await phone.locator('section.economics table').all()) {
      // every table fits its card: none runs past the card's edge
      expect(await table.evaluate((el) => el.getBoundingClientRect().right <= el.closest('.panel, figure')!.getBoundingClientRect().right)).toBe(true);
    }
    await phone.waitForTimeout(300);
    await phone.screenshot({ path: join(SCREENSHOTS, 'staff-economics-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(phone)).toEqual([]);

    // a season named wrongly is said so, not drawn empty
    const bad = (await openSignedIn(browser, `${api.url}/staff/economics?season=2026-99`, PHONE, { role: 'staff', venueId: DEMO_VENUE_ID, admin })).page;
    await expect.poll(() => bad.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('Could not read the season’s economics');
  }, 180_000);
});
