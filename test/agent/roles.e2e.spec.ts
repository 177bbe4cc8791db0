import { getBytes, recoverAddress, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeDigest, witnessDigest, type SignedChallenge } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans } from '../coverage/support';
import { AgentProcess, buildAgent, pairThroughAgent, tempDir, until } from './support';

describe('agent roles: a turnstile counting from stdin, a hotspot serving challenges to phones', () => {
  let api: RunningApp;
  let admin: string;
  let eventId: string;
  let build: ReturnType<typeof buildAgent>;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    build = buildAgent();
    api = await startApp('agent-roles');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Roles night');
    await openGates(api.url, admin, eventId);
  });
  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    await api?.close();
    build?.dispose();
  });

  const startPaired = async (role: string, section: string, extra: string[]) => {
    const agent = new AgentProcess(build.main, ['--api', api.url, '--data', tempDir(role), '--role', role, '--status', '127.0.0.1:0', '--batch-ms', '200', ...extra]);
    agents.push(agent);
    const statusUrl = (await agent.waitFor(/status page: (http:\/\/127\.0\.0\.1:\d+)\//))[1];
    await agent.waitFor(/showing a pairing offer/);
    const { device } = await pairThroughAgent(api, statusUrl, DEMO_VENUE_ID, section, Wallet.createRandom());
    await agent.waitFor(/paired: the API knows this device/);
    return { agent, device, statusUrl };
  };

  it('turnstile: passages read as JSON lines on stdin are counted in the section attendance', async () => {
    const { agent, device } = await startPaired('turnstile', 'N102', ['--source', 'stdin', '--label', 'N-B']);
    await agent.waitFor(/reading from lines on stdin/);
    const now = Date.now();
    // 3 + 2 + 1 + 4 passages; the negative count is refused locally (logged), never sent
    agent.child.stdin!.write(`3\n{"passages": 2, "gate": "N-A"}\n{}\n["turnstile", ${now}, 4]\n{"passages": -1}\n`);
    await agent.waitFor(/ignored a line: a turnstile value must be an integer from 0 to 10000: -1/);
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const section = await until('10 passages counted at N102', async () => {
      const a = (await request(api.url).get(`/api/v1/events/${eventId}/attendance`).set('authorization', staff).expect(200)).body as {
        sections: { section: string; counted: number }[];
      };
      const s = a.sections.find((x) => x.section === 'N102');
      return s?.counted === 10 ? s : undefined;
    });
    expect(section).toMatchObject({ section: 'N102', counted: 10 });
    const rows = await api.app.get(DataSource).query(`SELECT kind, value::int AS value, label FROM sensor_readings WHERE device = $1 ORDER BY seq, idx`, [device]);
    expect(rows).toEqual([
      { kind: 'turnstile', value: 3, label: 'N-B' },
      { kind: 'turnstile', value: 2, label: 'N-A' },
      { kind: 'turnstile', value: 1, label: 'N-B' },
      { kind: 'turnstile', value: 4, label: 'N-B' },
    ]);
    const devices = (await request(api.url).get(`/api/v1/devices?venueId=${DEMO_VENUE_ID}`).set('authorization', staff).expect(200)).body as { address: string; kind: string }[];
    expect(devices.find((d) => d.address === device)?.kind).toBe('gate');
  });

  it('hotspot: the portal hands each phone its own hotspot-signed challenge, which the fan co-signs into a valid witness', async () => {
    const { agent, device } = await startPaired('hotspot', 'N101', ['--portal', '127.0.0.1:0', '--app-url', 'https://app.fanmesh.test', '--heartbeat-s', '2']);
    const portal = (await agent.waitFor(/phones get challenges at (http:\/\/127\.0\.0\.1:\d+)\/fanmesh\/challenge/))[1];
    const [fan] = await admittedFans(api, admin, eventId, 1, ['N101']);

    // the captive portal's front page opens the PWA in witness mode
    const front = await fetch(`${portal}/`, { redirect: 'manual' });
    expect(front.status).toBe(302);
    expect(front.headers.get('location')).toBe(`https://app.fanmesh.test/tickets?hotspot=${encodeURIComponent(portal)}`);

    // what WitnessMode.tsx does: fetch the challenge (cross-origin), co-sign, send
    const res = await fetch(`${portal}/fanmesh/challenge`, { headers: { origin: 'https://app.fanmesh.test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const signed = (await res.json()) as SignedChallenge;
    expect(signed.challenge).toMatchObject({ eventId, hotspot: device });
    expect(recoverAddress(challengeDigest(signed.challenge), signed.signature).toLowerCase()).toBe(device);
    const again = (await (await fetch(`${portal}/fanmesh/challenge`)).json()) as SignedChallenge;
    expect(again.challenge.id).not.toBe(signed.challenge.id); // one-shot: never handed out twice

    const signedAt = new Date().toISOString();
    const fanSignature = await fan.signMessage(getBytes(witnessDigest(challengeDigest(signed.challenge), fan.address, eventId, signedAt)));
    const token = await api.tokenFor({ subject: fan.address.toLowerCase(), kind: 'account', roles: ['fan'] });
    const verdict = await request(api.url)
      .post('/api/v1/coverage/witnesses')
      .set('authorization', `Bearer ${token}`)
      .send({ challengeId: signed.challenge.id, eventId, hotspotSignature: signed.signature, fanSignature, signedAt })
      .expect(200);
    expect(verdict.body).toMatchObject({ verdict: 'valid', hotspot: device, eventId });

    // the phones it served are reported as clients in its heartbeats
    const ds = api.app.get(DataSource);
    await until(
      'a heartbeat reporting a client',
      async () => (await ds.query(`SELECT 1 FROM device_heartbeats WHERE device = $1 AND (body->>'clients')::int >= 1`, [device])).length > 0,
      15_000,
    );
  });
});
