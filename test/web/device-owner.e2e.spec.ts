import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ChainService } from '@fanmesh/chain';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { RunningApp, staffPrincipal, startApp } from '../support/app';
import { DESKTOP, launchBrowser, openSignedIn, PHONE, SCREENSHOTS, seriousA11yViolations } from '../support/browser';
import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { AgentProcess, buildAgent, tempDir, until } from '../agent/support';

/**
 * Like test/support/fake-camera.ts, but a phone held in a hand: the QR at a few sizes and positions
 * from frame to frame (1280×720, the size the page asks for). A dense code (the pairing offer is
 * ~190 characters) can defeat ZXing in one exact frame; a real camera never shows the same frame twice.
 */
function writeHandheldQrVideo(file: string, text: string): void {
  const [width, height] = [1280, 720];
  const qr = QRCode.create(text, { errorCorrectionLevel: 'L' }); // as the agent draws it
  const size = qr.modules.size;
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frames: Buffer[] = [];
  for (const scale of [5, 6, 7, 8]) {
    for (const [ox, oy] of [
      [0, 0],
      [37, -21],
      [-53, 29],
    ]) {
      const y = Buffer.alloc(width * height, 235);
      const left = Math.floor((width - size * scale) / 2) + ox;
      const top = Math.floor((height - size * scale) / 2) + oy;
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          if (!qr.modules.get(r, c)) continue;
          for (let dy = 0; dy < scale; dy++) y.fill(16, (top + r * scale + dy) * width + left + c * scale, (top + r * scale + dy) * width + left + (c + 1) * scale);
        }
      }
      frames.push(Buffer.from('FRAME\n'), y, chroma, chroma);
    }
  }
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F4:1 Ip A1:1 C420jpeg\n`), ...frames]));
}

/** Issue 18: a device owner pairs a real agent from the PWA by scanning its QR, and sees it online, registered on chain. */
describe('the device owner app in the PWA', () => {
  let api: RunningApp;
  let browser: Browser;
  let agent: AgentProcess;
  let build: ReturnType<typeof buildAgent>;
  const video = join(tmpdir(), `fanmesh-device-qr-${process.pid}.y4m`);

  beforeAll(async () => {
    build = buildAgent();
    api = await startApp('pwa-devices', { env: { WEB_DIST: 'apps/web/dist', CHAIN_EMBEDDED: 'on' } });
    agent = new AgentProcess(build.main, ['--api', api.url, '--data', tempDir('owner'), '--role', 'sensor', '--status', '127.0.0.1:0', '--heartbeat-s', '2']);
    await agent.waitFor(/status page: (http:\/\/127\.0\.0\.1:\d+)\//);
    await agent.waitFor(/showing a pairing offer/);
    // The QR the agent shows in its terminal and on its status page, exactly: the `qr` of its /pairing.json.
    const statusUrl = agent.output.match(/status page: (http:\/\/127\.0\.0\.1:\d+)\//)![1];
    const pairing = (await (await fetch(`${statusUrl}/pairing.json`)).json()) as { qr: string };
    expect(pairing.qr).toMatch(/^FMP1\./);
    writeHandheldQrVideo(video, pairing.qr);
    browser = await launchBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await agent?.stop().catch(() => undefined);
    await api?.close();
    build?.dispose();
  });

  it('scans the agent QR with the camera, signs, pairs and sees the device online and registered on chain', async () => {
    const started = Date.now();
    const { page, address } = await openSignedIn(browser, api.url + '/devices', PHONE);
    await page.getByRole('button', { name: "Scan the device's QR" }).click();
    await page
      .getByTestId('scanned')
      .waitFor({ timeout: 20_000 })
      .catch(async (e) => {
        await page.screenshot({ path: join(SCREENSHOTS, 'devices-scan-failed.png'), fullPage: true });
        throw e;
      });
    expect(await page.getByLabel('Device address (its status page)').inputValue()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await page.getByLabel('Section').selectOption('N101');
    await page.screenshot({ path: join(SCREENSHOTS, 'devices-add-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Pair device' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Paired' });
    await status.waitFor({ timeout: 60_000 });
    const ms = Date.now() - started;
    console.log(`device owner pairing, from opening /devices to the device online and registered on chain: ${(ms / 1000).toFixed(1)} s`);
    expect(await status.textContent()).toContain('section N101');
    expect(await page.getByTestId('pair-progress').textContent()).toMatch(/block \d+/);
    const card = page.locator('li.device-card');
    await expect.poll(() => card.getByTestId('device-status').textContent(), { timeout: 10_000 }).toBe('Online');
    await page.screenshot({ path: join(SCREENSHOTS, 'devices-online-phone.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(ms).toBeLessThan(60_000);

    // The agent heard of it; the API and the chain agree on the owner.
    await agent.waitFor(/paired: the API knows this device/);
    const device = (await card.getAttribute('data-device'))!;
    const onChain = await api.app.get(ChainService).contract('DeviceRegistry').deviceOf(device);
    expect(onChain.owner.toLowerCase()).toBe(address.toLowerCase());
    const fan = `Bearer ${await api.tokenFor({ subject: address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;
    const mine = (await request(api.url).get('/api/v1/devices/mine').set('authorization', fan).expect(200)).body;
    expect(mine).toMatchObject([{ address: device, venueId: DEMO_VENUE_ID, sectionCode: 'N101', status: 'online' }]);

    // Desktop: the same page in two columns.
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: join(SCREENSHOTS, 'devices-desktop.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await until('the device to stay online', async () => (await card.getByTestId('device-status').textContent()) === 'Online', 5_000);
    await page.close();
  }, 120_000);

  it('pairs by the typed code and address; shows a denylisting with its reason, takes an appeal, and revokes', async () => {
    const second = new AgentProcess(build.main, ['--api', api.url, '--data', tempDir('owner-typed'), '--role', 'sensor', '--status', '127.0.0.1:0', '--heartbeat-s', '2']);
    try {
      const statusUrl = (await second.waitFor(/status page: (http:\/\/127\.0\.0\.1:\d+)\//))[1];
      const code = (await second.waitFor(/showing a pairing offer, code ([0-9A-Z]{4}-[0-9A-Z]{4})/))[1];
      const { page } = await openSignedIn(browser, api.url + '/devices', PHONE);
      await page.getByLabel('Short code').fill(code.toLowerCase()); // typed codes forgive case
      await page.getByLabel('Device address (its status page)').fill(statusUrl.replace('http://', ''));
      await page.getByLabel('Section').selectOption('E101');
      await page.getByRole('button', { name: 'Pair device' }).click();
      await page.getByRole('status').filter({ hasText: 'Paired' }).waitFor({ timeout: 60_000 });
      const card = page.locator('li.device-card');
      const device = (await card.getAttribute('data-device'))!;
      await second.waitFor(/paired: the API knows this device/);

      const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
      await request(api.url)
        .post('/api/v1/devices/denylist')
        .set('authorization', staff)
        .send({ type: 'device', subject: device, venueId: DEMO_VENUE_ID, reason: 'readings far off its neighbours' })
        .expect(204);
      await expect.poll(() => card.getByTestId('device-status').textContent(), { timeout: 10_000 }).toBe('Denylisted');
      expect(await card.textContent()).toContain('Denylisted: readings far off its neighbours');
      await card.getByLabel('Why is this wrong?').fill('The microphone sits next to the drums; it is right.');
      await card.getByRole('button', { name: 'Appeal' }).click();
      await card.getByText('Appeal sent').waitFor({ timeout: 10_000 });
      const appeals = (await request(api.url).get(`/api/v1/devices/appeals?venueId=${DEMO_VENUE_ID}`).set('authorization', staff).expect(200)).body as {
        device: string;
        message: string;
      }[];
      expect(appeals.find((a) => a.device === device)?.message).toContain('drums');
      expect(await seriousA11yViolations(page)).toEqual([]);

      await card.getByRole('button', { name: 'Revoke this device…' }).click();
      await card.getByLabel('Reason for revoking').fill('sold the box');
      await card.getByRole('button', { name: 'Revoke', exact: true }).click();
      await expect.poll(() => card.getByTestId('device-status').textContent(), { timeout: 10_000 }).toBe('Revoked');
      await page.close();
    } finally {
      await second.stop().catch(() => undefined);
    }
  }, 120_000);
});
