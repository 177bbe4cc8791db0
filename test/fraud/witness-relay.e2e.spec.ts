import { BaseWallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, fanAuth, pairDevice, TestDevice, transition, witnessBody } from '../coverage/support';
import { until } from '../rewards/support';

/**
 * Issue 23, property 2: a witness proves proximity, not only a seat. The attack: a hotspot owner
 * hands its signed challenges to admitted fans seated in its section but anywhere on the internet
 * (one relayed witness once paid 5,000 FAN). The rule: a challenge is bound to the network its hotspot
 * asked from, and a phone on the hotspot's WiFi reaches the API through that same uplink; a witness
 * from another network is `not_on_hotspot_network`. Networks are set with X-Forwarded-For, which the
 * API believes from loopback as it would from the venue's load balancer.
 */
describe('fraud: a relayed witness earns nothing', () => {
  let api: RunningApp;
  let admin: string;
  let eventId: string;

  const HOTSPOT_UPLINK = '203.0.113.7';
  const HONEST_UPLINK = '2001:db8:77:1::1';
  const earned = async (account: string, kind: string): Promise<bigint> => {
    const [{ total }] = await api.app
      .get(DataSource)
      .query(`SELECT coalesce(sum(amount), 0)::text AS total FROM reward_entries WHERE event_id = $1 AND account = $2 AND kind = $3`, [eventId, account.toLowerCase(), kind]);
    return BigInt(total);
  };
  /** The hotspot asks for a challenge from its uplink; the fan answers it from `network`. */
  const witnessFrom = async (hotspot: TestDevice, uplink: string, fan: BaseWallet, network: string): Promise<string> => {
    const asked = await request(api.url)
      .post('/api/v1/devices/messages')
      .set('x-forwarded-for', uplink)
      .send(hotspot.envelope({ type: 'challenge.request', eventId }))
      .expect(200);
    const [c] = asked.body.challenges;
    const res = await request(api.url)
      .post('/api/v1/coverage/witnesses')
      .set('authorization', await fanAuth(api, fan))
      .set('x-forwarded-for', network)
      .send(await witnessBody(fan, c, hotspot.sign(c)))
      .expect(200);
    return res.body.verdict;
  };

  beforeAll(async () => {
    api = await startApp('fraud-relay');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Relay night');
    await openGates(api.url, admin, eventId);
  });
  afterAll(() => api?.close());

  it('refuses challenges relayed to phones on other networks, and pays the honest hotspot whose phones are on its WiFi', async () => {
    const relay = await pairDevice(api, 'N101');
    const honest = await pairDevice(api, 'N101');
    const remote = await admittedFans(api, admin, eventId, 3, ['N101']);
    const present = await admittedFans(api, admin, eventId, 3, ['N101']);
    // the relay: seated fans elsewhere (home broadband, a mobile carrier, another country)
    const verdicts = [];
    for (const [i, fan] of remote.entries()) verdicts.push(await witnessFrom(relay, HOTSPOT_UPLINK, fan, ['198.51.100.9', '2001:db8:9999::5', '192.0.2.44'][i]));
    expect(verdicts).toEqual(['not_on_hotspot_network', 'not_on_hotspot_network', 'not_on_hotspot_network']);
    // the honest baseline: phones on the hotspot's WiFi leave through its uplink (here an IPv6 /64: any address in it)
    for (const [i, fan] of present.entries()) expect(await witnessFrom(honest, HONEST_UPLINK, fan, `2001:db8:77:1::${100 + i}`)).toBe('valid');

    await transition(api, admin, eventId, 'live');
    await transition(api, admin, eventId, 'ended');
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    expect(await earned(relay.owner.address, 'coverage')).toBe(0n);
    for (const fan of remote) expect(await earned(fan.address, 'witness')).toBe(0n);
    expect(await earned(honest.owner.address, 'coverage')).toBeGreaterThan(0n);
    for (const fan of present) expect(await earned(fan.address, 'witness')).toBeGreaterThan(0n);
  });
});
