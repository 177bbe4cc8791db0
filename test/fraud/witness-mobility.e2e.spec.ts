import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { createTestDatabase } from '../support/databases';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, challenges, pairDevice, submit, TestDevice, witness, witnessBody } from '../coverage/support';
import { eventually } from '../sensing/sensors';

/**
 * Issue 23, property 2, the second half: refuse movement a phone cannot make. A fan seated in N102
 * may witness hotspots in N101, N102 and N103 (its section and the neighbours), but N101 and N103
 * are two sections apart: one phone valid at both within two minutes had one of them relayed. The
 * honest baseline: a phone moving to a neighbouring section, or across the ground slowly, is paid.
 */
describe('fraud: one phone cannot witness hotspots two sections apart within seconds', () => {
  let api: RunningApp;
  let second: RunningApp;
  let ds: DataSource;
  let admin: string;
  let eventId: string;
  let north1: TestDevice;
  let north2: TestDevice;
  let north3: TestDevice;

  const witnessFan = async (account: string): Promise<bigint> => {
    const [{ total }] = await ds.query(`SELECT coalesce(sum(amount), 0)::text AS total FROM reward_entries WHERE event_id = $1 AND account = $2 AND kind = 'witness'`, [
      eventId,
      account.toLowerCase(),
    ]);
    return BigInt(total);
  };

  beforeAll(async () => {
    // two instances on one database: the second judges the concurrent witness
    const databaseUrl = await createTestDatabase('fraud-mobility');
    [api, second] = [await startApp('fraud-mobility-a', { databaseUrl }), await startApp('fraud-mobility-b', { databaseUrl })];
    ds = api.app.get(DataSource);
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Mobility night');
    await openGates(api.url, admin, eventId);
    [north1, north2, north3] = [await pairDevice(api, 'N101'), await pairDevice(api, 'N102'), await pairDevice(api, 'N103')];
  });
  afterAll(async () => {
    await second?.close();
    await api?.close();
  });

  it('refuses the second of two witnesses two sections apart as impossible_movement, and pays the first only', async () => {
    const [attacker] = await admittedFans(api, admin, eventId, 1, ['N102']);
    expect((await witness(api, north1, attacker, eventId)).verdict).toBe('valid');
    const [c] = await challenges(api, north3, eventId);
    const refused = await submit(api, attacker, await witnessBody(attacker, c, north3.sign(c))).expect(200);
    expect(refused.body.verdict).toBe('impossible_movement');
    expect(refused.body.detail).toMatch(/a hotspot in section N101 \d+ s ago, and section N103 is not next to it/);
    await eventually(async () => (await witnessFan(attacker.address)) > 0n, 10_000, 'the first witness paid');
    const one = await witnessFan(attacker.address);

    // the honest baseline: a phone near the N101/N102 line, then, minutes later, at N103
    const [honest] = await admittedFans(api, admin, eventId, 1, ['N102']);
    expect((await witness(api, north1, honest, eventId)).verdict).toBe('valid');
    expect((await witness(api, north2, honest, eventId)).verdict).toBe('valid'); // a neighbouring section: reachable
    // three minutes pass (the verdicts' times moved back: the rule reads them from the table)
    await ds.query(`UPDATE witness_verdicts SET at = at - interval '3 minutes' WHERE event_id = $1 AND fan = $2`, [eventId, honest.address.toLowerCase()]);
    expect((await witness(api, north3, honest, eventId)).verdict).toBe('valid');
    await eventually(async () => (await witnessFan(honest.address)) === 3n * one, 10_000, 'three witnesses paid');
    expect(await witnessFan(attacker.address)).toBe(one);
  });

  it('lets only one of two concurrent witnesses two sections apart through, on any instance', async () => {
    const [fan] = await admittedFans(api, admin, eventId, 1, ['N102']);
    const [a] = await challenges(api, north1, eventId);
    const [b] = await challenges(api, north3, eventId);
    const answers = await Promise.all([
      submit(api, fan, await witnessBody(fan, a, north1.sign(a))),
      request(second.url)
        .post('/api/v1/coverage/witnesses')
        .set('authorization', `Bearer ${await second.tokenFor({ subject: fan.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`)
        .send(await witnessBody(fan, b, north3.sign(b))),
    ]);
    expect(answers.map((r) => r.body.verdict).sort()).toEqual(['impossible_movement', 'valid']);
  });
});
