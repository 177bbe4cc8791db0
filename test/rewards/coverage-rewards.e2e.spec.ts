import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScoringService } from '@fanmesh/coverage';
import { DEFAULT_POOLS, rule } from '@fanmesh/rewards';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import request from 'supertest';
import { adminPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, pairDevice, transition, witness } from '../coverage/support';
import { until } from './support';

/** The defaults, but a coverage cap as large as its pool, so the split by score shows uncut. */
const POOLS = DEFAULT_POOLS.map((p) => (p.kind === 'coverage' ? { ...p, accountCap: p.pool } : p));

describe('coverage rewards', () => {
  let api: RunningApp;
  let admin: string;
  let eventId: string;

  beforeAll(async () => {
    api = await startApp('rewards-coverage');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Coverage rewards night');
    await request(api.url)
      .put(`/api/v1/events/${eventId}/reward-pools`)
      .set('authorization', admin)
      .send({ pools: POOLS.map((p) => ({ kind: p.kind, perUnit: p.perUnit.toString(), accountCap: p.accountCap.toString(), pool: p.pool.toString() })) })
      .expect(200);
    await openGates(api.url, admin, eventId);
  });
  afterAll(() => api?.close());

  it('pays each valid witness to the fan once, and pays owners by the final hotspot scores at close, at the rate per point', async () => {
    const busy = await pairDevice(api, 'N101');
    const quiet = await pairDevice(api, 'N101');
    const fans = await admittedFans(api, admin, eventId, 4, ['N101']);
    const verdicts = [];
    for (const f of fans.slice(0, 3)) verdicts.push(await witness(api, busy, f, eventId));
    verdicts.push(await witness(api, quiet, fans[3], eventId));
    expect(verdicts.map((v) => v.verdict)).toEqual(['valid', 'valid', 'valid', 'valid']);
    const ds = api.app.get(DataSource);
    const witnessEntries = () => ds.query(`SELECT account, amount::text FROM reward_entries WHERE event_id = $1 AND kind = 'witness' ORDER BY account`, [eventId]);
    const live = await until(witnessEntries, (rows: unknown[]) => rows.length === 4);
    const per = POOLS.find((p) => p.kind === 'witness')!.perUnit.toString();
    expect(live).toEqual(fans.map((f) => ({ account: f.address.toLowerCase(), amount: per })).sort((a, b) => (a.account < b.account ? -1 : 1)));

    await transition(api, admin, eventId, 'live');
    await transition(api, admin, eventId, 'ended');
    const staff = `Bearer ${await api.tokenFor(staffPrincipal(DEMO_VENUE_ID))}`;
    const closed = await until(
      () => request(api.url).post(`/api/v1/events/${eventId}/epochs/close`).set('authorization', staff).send({}),
      (r) => r.status === 201,
    );
    expect(closed.status).toBe(201);
    expect(await witnessEntries()).toHaveLength(4); // closing paid no witness twice

    const scores = await api.app.get(ScoringService).scores(eventId);
    const expected = rule({ type: 'coverage', eventId, scores }, new Map(POOLS.map((p) => [p.kind, p])));
    const coverage: { account: string; amount: string }[] = await ds.query(
      `SELECT account, amount::text FROM reward_entries WHERE event_id = $1 AND kind = 'coverage' ORDER BY account`,
      [eventId],
    );
    const cap = POOLS.find((p) => p.kind === 'coverage')!.accountCap;
    expect(coverage).toEqual(expected.map((c) => ({ account: c.account, amount: (c.amount < cap ? c.amount : cap).toString() })).sort((a, b) => (a.account < b.account ? -1 : 1)));
    const busyOwner = coverage.find((c) => c.account === busy.owner.address.toLowerCase())!;
    const quietOwner = coverage.find((c) => c.account === quiet.owner.address.toLowerCase())!;
    expect(BigInt(busyOwner.amount)).toBeGreaterThan(BigInt(quietOwner.amount));
    expect(BigInt(quietOwner.amount)).toBeGreaterThan(0n);
    const total = coverage.reduce((s, c) => s + BigInt(c.amount), 0n);
    expect(total).toBeLessThanOrEqual(POOLS.find((p) => p.kind === 'coverage')!.pool);
    // the pool holds far more than four witnesses are worth: each owner is paid the rate per point of score
    const rate = POOLS.find((p) => p.kind === 'coverage')!.perUnit;
    for (const s of scores) expect(BigInt(coverage.find((c) => c.account === s.owner.toLowerCase())!.amount)).toBe(BigInt(s.score) * rate);
    expect(closed.body.manifest.byKind.map((k: { kind: string }) => k.kind)).toEqual(['admission', 'coverage', 'witness']);
  });
});
