import { join } from 'node:path';
import { parseEther, Wallet } from 'ethers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { launchBrowser, newPage, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { createEvent } from '../support/tickets';
import { fanAuth, signBallot, TestChain, vote } from '../polls/support';

describe('a fan poll in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp('pwa-polls', { env: { WEB_DIST: 'apps/web/dist', CHAIN_EMBEDDED: 'on' } }), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('votes with a signed ballot from the embedded key and shows the result as a live bar chart', async () => {
    const chain = new TestChain(api);
    await chain.init();
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Poll night');

    // The fan opens the app: it signs in with its own key; that address then earns tokens before the poll opens.
    const page = await newPage(browser, PHONE);
    await page.goto(api.url + `/polls?event=${eventId}`);
    const section = page.locator('section[data-address]');
    await section.waitFor({ timeout: 15_000 });
    const fanAddress = (await section.getAttribute('data-address'))!;
    expect(fanAddress).toMatch(/^0x[0-9a-f]{40}$/);
    const others = [Wallet.createRandom(), Wallet.createRandom()];
    await chain.reward([
      [fanAddress, parseEther('25')],
      [others[0].address, parseEther('60')],
      [others[1].address, parseEther('15')],
    ]);

    const poll = (
      await request(api.url)
        .post('/api/v1/polls')
        .set('authorization', staff)
        .send({
          venueId: DEMO_VENUE_ID,
          eventId,
          question: 'Who was man of the match?',
          options: ['Keeper', 'Striker', 'Winger'],
          closesAt: new Date(Date.now() + 600_000).toISOString(),
          eligibility: 'holders',
          weighting: 'token_balance',
        })
        .expect(201)
    ).body;

    await page.reload();
    await page.getByRole('link', { name: 'Who was man of the match?' }).click();
    await page.getByRole('heading', { name: 'Who was man of the match?' }).waitFor({ timeout: 15_000 });
    const totals = () => page.locator('[data-testid^="total-"]').allTextContents();
    const chartValues = async () => JSON.parse((await page.locator('.poll-chart .chart-box').getAttribute('data-values'))!);
    expect(await totals()).toEqual(['0', '0', '0']);

    // Other fans vote through the API: the chart moves without a reload.
    await vote(api, poll.id, await fanAuth(api, others[0]), await signBallot(others[0], poll, 1)).expect(200);
    await expect.poll(chartValues, { timeout: 10_000 }).toEqual([0, 60, 0]);
    await vote(api, poll.id, await fanAuth(api, others[1]), await signBallot(others[1], poll, 2)).expect(200);
    await expect.poll(chartValues, { timeout: 10_000 }).toEqual([0, 60, 15]);

    // The fan votes in the app: the embedded key signs the EIP-712 ballot, no gas, no pop-up.
    await page.getByRole('radio', { name: 'Keeper' }).check();
    await page.getByRole('button', { name: 'Vote' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 }).toContain('Keeper');
    expect(await page.getByRole('status').textContent()).toContain('25');
    await expect.poll(chartValues, { timeout: 10_000 }).toEqual([25, 60, 15]);
    expect(await totals()).toEqual(['25', '60', '15']);
    await page.waitForTimeout(400); // the bars' short animation
    await page.screenshot({ path: join(SCREENSHOTS, 'poll-voted-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The fan changes their mind: the later ballot replaces the first.
    await page.getByRole('radio', { name: 'Winger' }).check();
    await page.getByRole('button', { name: 'Change my vote' }).click();
    await expect.poll(chartValues, { timeout: 10_000 }).toEqual([0, 60, 40]);

    // Staff close it: the page shows the closed result and its on-chain attestation.
    await request(api.url).post(`/api/v1/polls/${poll.id}/close`).set('authorization', staff).expect(200);
    await expect.poll(() => page.locator('section.poll').getAttribute('data-status'), { timeout: 10_000 }).toBe('closed');
    await expect.poll(() => page.locator('.poll-proof').getAttribute('data-attested'), { timeout: 20_000 }).toBe('true');
    expect(await page.locator('.poll-proof').textContent()).toMatch(/ballots root 0x[0-9a-f]{8}… attested on chain\./);
    expect(await page.getByRole('radio').count()).toBe(0);
    expect(await totals()).toEqual(['0', '60', '40']);
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SCREENSHOTS, 'poll-closed-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });
});
