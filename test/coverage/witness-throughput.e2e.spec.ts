import { expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { CoverageDirectory } from '@fanmesh/directory';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, startApp } from '../support/app';
import { createEvent, openGates } from '../support/tickets';
import { admittedFans, challenges, fanAuth, pairDevice, setPolicy, submit, witnessBody } from './support';

/** Prints verdicts per second and latency; asserts every one of them was judged valid and stored once. */
it('judges 300 concurrent witnesses of 10 hotspots, each valid and stored once', async () => {
  const api = await startApp('coverage-tput');
  const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
  const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Throughput');
  await openGates(api.url, admin, eventId);
  await setPolicy(api, admin, eventId, { intervalS: 300, fanWitnessesPerInterval: 4, hotspotWitnessesPerInterval: 1000, challengeTtlS: 120 });
  const H = 10, F = 30;
  const hotspots = await Promise.all(Array.from({ length: H }, () => pairDevice(api, 'N101')));
  const fans = await admittedFans(api, admin, eventId, H * F, ['N101']);
  const jobs: { fan: (typeof fans)[number]; body: object; auth: string }[] = [];
  for (let h = 0; h < H; h++) {
    const cs = [...(await challenges(api, hotspots[h], eventId, 30))];
    for (let f = 0; f < F; f++) {
      const fan = fans[h * F + f];
      jobs.push({ fan, body: await witnessBody(fan, cs[f], hotspots[h].sign(cs[f])), auth: await fanAuth(api, fan) });
    }
  }
  // as in a stadium, witnesses of many hotspots interleave (each hotspot's own are serialized by its limit lock)
  const interleaved = Array.from({ length: F }, (_, f) => Array.from({ length: H }, (_, h) => jobs[h * F + f])).flat();
  jobs.splice(0, jobs.length, ...interleaved);
  const lat: number[] = [];
  const verdicts: Record<string, number> = {};
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < jobs.length) {
      const j = jobs[next++];
      const s = performance.now();
      const res = await submit(api, j.fan, j.body, j.auth);
      lat.push(performance.now() - s);
      verdicts[res.body.verdict ?? res.status] = (verdicts[res.body.verdict ?? res.status] ?? 0) + 1;
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  console.log('coverage witnesses', JSON.stringify({ witnesses: jobs.length, perSecond: Math.round(jobs.length / secs), p50: lat[Math.floor(lat.length * 0.5)].toFixed(1), p99: lat[Math.floor(lat.length * 0.99)].toFixed(1), verdicts }));
  expect(verdicts).toEqual({ valid: jobs.length });
  const stored = await api.app.get(CoverageDirectory).validWitnesses(eventId);
  expect(new Set(stored.map((w) => w.fan)).size).toBe(jobs.length);
  // each valid witness wrote its domain event once, in its verdict's transaction
  const [{ n }] = await api.app.get(DataSource).query(`SELECT count(DISTINCT payload->>'witnessId')::int AS n FROM domain_events WHERE name = 'coverage.witness_valid' AND payload->>'eventId' = $1`, [eventId]);
  expect(n).toBe(jobs.length);
  await api.close();
}, 300_000);
