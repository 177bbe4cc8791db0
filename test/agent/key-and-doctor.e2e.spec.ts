import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { AgentProcess, buildAgent, pairThroughAgent, runAgent, tempDir, TcpProxy, until } from './support';

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('agent: its key, its clock, and doctor', () => {
  let build: ReturnType<typeof buildAgent>;
  let api: RunningApp;

  beforeAll(async () => {
    build = buildAgent();
    api = await startApp('agent-doctor');
  });
  afterAll(async () => {
    await api?.close();
    build?.dispose();
  });

  it('makes its key 0600 on first start, and refuses to start with a key that group or others can read', async () => {
    const data = tempDir('key');
    const init = await runAgent(build.main, ['init', '--data', data]);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/device 0x[0-9a-fA-F]{40}/);
    expect(statSync(join(data, 'device.key')).mode & 0o777).toBe(0o600);

    chmodSync(join(data, 'device.key'), 0o644);
    const loose = await runAgent(build.main, ['--api', api.url, '--data', data, '--status', 'off']);
    expect(loose.code).toBe(2);
    expect(loose.stderr).toContain(`The device key at ${join(data, 'device.key')} has permissions 0644: group or others can read it`);
    expect(loose.stderr).toContain(`chmod 600 ${join(data, 'device.key')}`);
    expect(loose.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace

    chmodSync(join(data, 'device.key'), 0o640);
    expect((await runAgent(build.main, ['doctor', '--api', api.url, '--data', data])).stdout).toMatch(/✘ key\s+The device key .* has permissions 0640/);

    // unreadable: not a key at all
    chmodSync(join(data, 'device.key'), 0o600);
    writeFileSync(join(data, 'device.key'), 'hello\n');
    const garbage = await runAgent(build.main, ['--api', api.url, '--data', data, '--status', 'off']);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain('is not a key this agent wrote');

    // a folder where the key file should be
    const odd = tempDir('keydir');
    mkdirSync(join(odd, 'device.key'));
    const dir = await runAgent(build.main, ['--api', api.url, '--data', odd, '--status', 'off']);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('is not a regular file');
  });

  it('doctor: says the API is unreachable and what to check', async () => {
    const data = tempDir('doc-down');
    await runAgent(build.main, ['init', '--data', data]);
    const url = `http://127.0.0.1:${await closedPort()}`;
    const t0 = Date.now();
    const r = await runAgent(build.main, ['doctor', '--api', url, '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✔ key\s+.*\(mode 0600\): device 0x[0-9a-fA-F]{40}/);
    expect(r.stdout).toContain(`✘ api          cannot reach the API at ${url} (ECONNREFUSED)`);
    expect(r.stdout).toContain(
      `fix: check --api (scheme, host and port), that the API is running, and this device's network, DNS and firewall: \`curl ${url}/health\` must answer`,
    );
    expect(r.stdout).toMatch(/– clock\s+not checked: the API did not answer/);
    expect(r.stdout).toMatch(/– registered\s+not checked: the API did not answer/);
    expect(r.stdout).toMatch(/✘ last sent\s+no message from this data folder was ever accepted/);
    expect(r.stdout).toContain('2 checks failed.');
    console.log(`[agent doctor] unreachable API diagnosed in ${Date.now() - t0} ms`);
  });

  it('doctor: an unpaired device, with the API up: the clock is fine, the registration is not, and how to pair', async () => {
    const data = tempDir('doc-unpaired');
    const init = await runAgent(build.main, ['init', '--data', data]);
    const address = /device (0x[0-9a-fA-F]{40})/.exec(init.stdout)![1];
    const r = await runAgent(build.main, ['doctor', '--api', api.url, '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✔ api\s+http:\/\/127\.0\.0\.1:\d+ answers \(healthy\)/);
    expect(r.stdout).toMatch(/✔ clock\s+\d+\.\d s (behind|ahead of) the API's \(±\d+\.\d s; allowed 30 s\)/);
    expect(r.stdout).toContain(`✘ registered   the API does not know device ${address}: it is not paired`);
    expect(r.stdout).toContain("fix: start the agent, then pair it from the owner's app (Devices → Add): scan the QR in the agent's terminal or on its status page");
    expect(r.stdout).toMatch(/– on chain\s+the API runs without a chain/);
    expect(r.stdout).toMatch(/! agent\s+not running on this data folder/);
    expect(r.stdout).toContain('2 checks failed.');

    // no key at all: it says how to make one, and checks the rest
    const none = await runAgent(build.main, ['doctor', '--api', api.url, '--data', tempDir('doc-nokey')]);
    expect(none.stdout).toMatch(/✘ key\s+There is no device key at .*Run the agent once \(or `agent init --data/);
    expect(none.stdout).toMatch(/– registered\s+not checked: no usable key/);
  });

  it('refuses to sign while its clock is more than 30 s off the API, says so, and sends what it queued once the clock is right', async () => {
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Clock night');
    await openGates(api.url, admin, eventId);
    const proxy = new TcpProxy({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
    await proxy.start();
    const data = tempDir('clock');
    const agent = new AgentProcess(build.main, [
      '--api',
      proxy.url,
      '--data',
      data,
      '--role',
      'sensor',
      '--source',
      'stdin',
      '--kind',
      'sound',
      '--status',
      '127.0.0.1:0',
      '--batch-ms',
      '200',
    ]);
    try {
      const statusUrl = (await agent.waitFor(/status page: (http:\/\/127\.0\.0\.1:\d+)\//))[1];
      await agent.waitFor(/showing a pairing offer/);
      const { device } = await pairThroughAgent(api, statusUrl, DEMO_VENUE_ID, 'N101', Wallet.createRandom());
      await agent.waitFor(/reading from lines on stdin/);

      // The API's clock, as the device sees it, is now 60 s ahead.
      proxy.dateShiftMs = 60_000;
      await until(
        'the agent to see the shifted clock',
        async () => ((await (await fetch(`${statusUrl}/status.json`)).json()) as { clock: { ok: boolean } }).clock.ok === false,
        30_000,
      );
      agent.child.stdin!.write('71.5\n72.5\n');
      // 60 s, as measured from a Date header of 1 s resolution over a round trip
      const said = await agent.waitFor(
        /this device's clock is (\d+\.\d) s behind the API's; the API refuses messages more than 30 s off, so the agent does not sign\. Sync the clock/,
        20_000,
      );
      expect(Math.abs(Number(said[1]) - 60)).toBeLessThan(3);
      const doc = await runAgent(build.main, ['doctor', '--api', proxy.url, '--data', data]);
      const measured = /✘ clock\s+(\d+\.\d) s behind the API's .*the agent does not sign/.exec(doc.stdout);
      expect(measured, doc.stdout).not.toBeNull();
      expect(Math.abs(Number(measured![1]) - 60)).toBeLessThan(3);
      expect(doc.stdout).toContain('fix: sync the clock: `timedatectl set-ntp true`');
      const ds = api.app.get(DataSource);
      const count = async () => (await ds.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE device = $1`, [device]))[0].n as number;
      expect(await count()).toBe(0);

      // Clock fixed: the queued readings go out.
      proxy.dateShiftMs = 0;
      await until('the two readings stored', async () => (await count()) === 2, 30_000);
    } finally {
      await agent.stop();
      await proxy.stop();
    }
  });
});
