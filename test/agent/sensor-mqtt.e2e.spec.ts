import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import mqtt, { type MqttClient } from 'mqtt';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { AgentProcess, buildAgent, pairThroughAgent, runAgent, runId, sleep, tempDir, TcpProxy, until } from './support';

const MQTT_URL = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const OUTAGE_MS = 30_000;

/**
 * The whole path on real services: a publisher on the real Mosquitto → the sensor agent (a child
 * process) → a TCP proxy → the API (in process) → Postgres. Then the network to the API is cut for
 * 30 s, the agent is killed with SIGKILL while its envelope is on the wire (the API stored it, the
 * answer never came back), and started again during the outage. Afterwards every published
 * reading is stored exactly once.
 */
describe('sensor agent: MQTT → API, through an outage and a kill -9', () => {
  let api: RunningApp;
  let proxy: TcpProxy;
  let build: ReturnType<typeof buildAgent>;
  let ds: DataSource;
  let eventId: string;
  let publisher: MqttClient | undefined;
  const agents: AgentProcess[] = [];
  let agentClientId: string | undefined;

  beforeAll(async () => {
    const broker = new URL(MQTT_URL);
    const up = await new Promise<boolean>((r) => {
      const sock = connect(Number(broker.port || 1883), broker.hostname, () => (sock.end(), r(true))).on('error', () => r(false));
    });
    if (!up)
      throw new Error(
        `Mosquitto is not reachable at ${MQTT_URL}; start it with: mosquitto -d (or apt-get install -y mosquitto first; .ci/run does both), or point TEST_MQTT_URL at a broker`,
      );
    build = buildAgent();
    api = await startApp('agent-mqtt');
    ds = api.app.get(DataSource);
    const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Agent night');
    await openGates(api.url, admin, eventId);
    proxy = new TcpProxy({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
    await proxy.start();
  });

  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    await publisher?.endAsync().catch(() => undefined);
    // Leave no persistent session behind in the broker.
    if (agentClientId) await (await mqtt.connectAsync(MQTT_URL, { clientId: agentClientId, clean: true })).endAsync().catch(() => undefined);
    await proxy?.stop();
    await api?.close();
    build?.dispose();
  });

  it('stores every published reading exactly once, across a 30 s outage and a kill -9 mid-send', { timeout: 240_000 }, async () => {
    const t0 = Date.now();
    const data = tempDir('mqtt');
    const topic = `fanmesh-test/${runId()}/n101/crowd`;
    const args = ['--api', proxy.url, '--data', data, '--role', 'sensor', '--source', MQTT_URL, '--topic', `${topic}=generic:test.n`];
    args.push('--status', '127.0.0.1:0', '--batch-ms', '200', '--timeout-ms', '3000', '--heartbeat-s', '5');
    const start = () => {
      const a = new AgentProcess(build.main, args);
      agents.push(a);
      return a;
    };

    // First start: a key of its own (0600), a pairing QR in the terminal and on the status page.
    let agent = start();
    const statusUrl = (await agent.waitFor(/status page: (http:\/\/127\.0\.0\.1:\d+)\//))[1];
    const code = (await agent.waitFor(/Short code \(to type instead\): ([0-9A-Z]{4}-[0-9A-Z]{4})/))[1];
    expect(agent.stdout).toMatch(/[▀▄█]{10,}/); // the QR, drawn with block characters
    expect(statSync(join(data, 'device.key')).mode & 0o777).toBe(0o600);
    const page = await (await fetch(`${statusUrl}/`)).text();
    expect(page).toContain('<svg');
    expect(page).toContain(code);

    const owner = Wallet.createRandom();
    const { device } = await pairThroughAgent(api, statusUrl, DEMO_VENUE_ID, 'N101', owner);
    agentClientId = `fanmesh-${device.slice(2, 14)}-sensor`;
    await agent.waitFor(/paired: the API knows this device \(venue 5eed0000/);
    await agent.waitFor(/MQTT connected/);
    await agent.waitFor(/working for event/);
    const pairedMs = Date.now() - t0;

    // The publisher: QoS 1, one distinct value per message, ~25 messages/s for the whole test.
    publisher = await mqtt.connectAsync(MQTT_URL, { clientId: `fanmesh-test-pub-${runId()}` });
    let published = 0;
    let publishing = true;
    const ticker = (async () => {
      while (publishing) {
        await publisher!.publishAsync(topic, JSON.stringify({ value: ++published }), { qos: 1 });
        await sleep(40);
      }
    })();
    const stored = async () =>
      (await ds.query(`SELECT value::int AS v, count(*)::int AS n FROM sensor_readings WHERE device = $1 GROUP BY value`, [device])) as { v: number; n: number }[];

    // Steady state: readings arrive and are counted.
    await until('the first 40 readings stored', async () => (await stored()).length >= 40, 20_000);
    // the agent counts a reading as sent once the API's answer is back, a moment after its row commits
    const readStatus = async () => (await (await fetch(`${statusUrl}/status.json`)).json()) as { registration: string; event: { id: string }; sent: { readings: number } };
    await until('the agent to count the first 40 readings as sent', async () => (await readStatus()).sent.readings >= 40, 10_000);
    const status = await readStatus();
    expect(status).toMatchObject({ registration: 'paired', event: { id: eventId } });
    expect(status.sent.readings).toBeGreaterThanOrEqual(40);

    // The API takes an envelope but its answer is lost; the agent is killed with it on the wire.
    proxy.swallowAnswers();
    await until('a readings envelope taken by the API whose answer never came back', () => proxy.swallowedReadingsAnswers > 0, 10_000, 10);
    agent.child.kill('SIGKILL');
    expect((await agent.exited).signal).toBe('SIGKILL');
    const killedAt = published;

    // The network stays cut for 30 s; the agent comes back during it and keeps queueing on disk.
    await proxy.stop();
    const cutAt = Date.now();
    agent = start();
    const recovered = await agent.waitFor(/recovered (\d+) queued readings and a pending envelope \(seq (\d+), (\d+) readings\)/);
    await agent.waitFor(/cannot deliver to the API/, 15_000);
    await sleep(OUTAGE_MS - (Date.now() - cutAt));
    const publishedDuringOutage = published - killedAt;
    await proxy.start();
    const reconnectedAt = Date.now();

    // Back: the pending envelope is confirmed (replayed_seq: it was stored before), the backlog follows.
    await agent.waitFor(new RegExp(`seq ${recovered[2]} was already accepted \\(its answer was lost\\): counted as delivered`), 30_000);
    await sleep(2000);
    publishing = false;
    await ticker;
    const total = published;
    await until(`all ${total} readings stored`, async () => (await stored()).length === total, 60_000, 250);
    const caughtUpMs = Date.now() - reconnectedAt;

    // Exactly once: every value 1..total is there, none twice.
    const rows = await stored();
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows.map((r) => r.v).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const envelopes = (await ds.query(`SELECT seq::int AS seq FROM sensor_envelopes WHERE device = $1 ORDER BY seq`, [device])) as { seq: number }[];
    expect(new Set(envelopes.map((e) => e.seq)).size).toBe(envelopes.length);

    // Heartbeats kept the device online, and the staff see it so.
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const view = async () =>
      ((await request(api.url).get(`/api/v1/devices?venueId=${DEMO_VENUE_ID}`).set('authorization', staff).expect(200)).body as { address: string; status: string }[]).find(
        (d) => d.address === device,
      );
    expect(await until('the device online on the staff view', async () => ((await view())?.status === 'online' ? view() : undefined), 15_000)).toMatchObject({
      kind: 'sensor',
      status: 'online',
    });
    // Heartbeat rows are written in batches after the device's last-seen: wait for the first to land.
    const heartbeats = async () => ((await ds.query(`SELECT count(*)::int AS n FROM device_heartbeats WHERE device = $1`, [device])) as { n: number }[])[0].n;
    expect(await until('a heartbeat row stored', async () => ((await heartbeats()) > 0 ? heartbeats() : undefined), 15_000)).toBeGreaterThan(0);

    // doctor, next to the running agent: everything passes.
    const doc = await runAgent(build.main, ['doctor', '--api', api.url, '--data', data]);
    expect(doc.stdout).toContain('✔ registered');
    expect(doc.stdout).toMatch(/✔ agent\s+running \(pid/);
    expect(doc.stdout).toMatch(/✔ last sent\s+seq \d+/);
    expect(doc.stdout).toContain('All checks passed.');
    expect(doc.code).toBe(0);

    // The key was never printed.
    const secret = readFileSync(join(data, 'device.key'), 'utf8').trim().slice(2);
    for (const a of agents) expect(a.output).not.toContain(secret);
    expect(doc.stdout).not.toContain(secret);

    console.log(
      `[agent mqtt] paired in ${pairedMs} ms; ${total} readings published (${publishedDuringOutage} during the ${OUTAGE_MS / 1000} s outage), ` +
        `${recovered[1]} queued + ${recovered[3]} pending recovered after kill -9, all stored once ${caughtUpMs} ms after the network came back; ${envelopes.length} envelopes`,
    );
  });
});
