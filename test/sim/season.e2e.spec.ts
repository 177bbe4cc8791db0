import { afterAll, describe, expect, it } from 'vitest';
import { runSeason } from '../../venue-sim/src/scenarios/season';
import { seasonText } from '../../venue-sim/src/report';
import { createTempDataDir } from '../support/databases';
import { RunningApp, startApp } from '../support/app';

describe('venue-sim season on embedded defaults with the embedded chain', () => {
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('plays two matches of one crowd with adversaries, settles each epoch, and reports steady pay, nothing to fraud, and the old rule beside', async () => {
    const dataDir = createTempDataDir('simseason');
    api = await startApp('simseason', { services: 'embedded', dataDir, env: { CHAIN_EMBEDDED: 'on' } });
    const phases = new Set<string>();
    const r = await runSeason({ url: api.url, dataDir, matches: 2, scale: 0.005, seconds: 14 }, (p) => phases.add(p.phase));
    const text = seasonText(r);

    expect([...phases]).toEqual(expect.arrayContaining(['match 1/2 (60 fans)', 'match 2/2 (300 fans)', 'fairness report']));
    expect(r.matches.map((m) => [m.fullSizeFans, m.fans])).toEqual([
      [5_000, 60],
      [60_000, 300],
    ]);
    for (const m of r.matches) {
      expect(m.epoch.status, text).toBe('published');
      expect(m.source).toBe('economics'); // the figures are the endpoint's
      expect(m.admitted).toBeGreaterThanOrEqual(m.fans);
      expect(m.moments.confirmed, text).toBeGreaterThanOrEqual(1);
      for (const c of m.fraud.cases) expect(c.result, `${c.scenario}: ${c.notes.join('; ')}`).toBe('pass');
    }
    expect(r.errors, text).toBe(0);

    const s = r.season;
    expect(s.economics).toBe('available');
    expect(s.runEvents).toBe(2);
    expect(s.seasonEvents).toBeGreaterThanOrEqual(2);
    expect(s.fraud).toMatchObject({ paid: '0', share: 0, met: true, cases: 6, passed: 6 });
    expect(s.fraud.accounts).toBeGreaterThan(0);
    expect(s.perUnit.find((p) => p.kind === 'admission')).toMatchObject({ events: 2, meanFan: 10, cov: 0, met: true });
    expect(s.perUnit.find((p) => p.kind === 'coverage')!.met).toBe(true);
    // one crowd: the first match's fans came back for the second, so the season has fewer accounts than the two matches together
    const [a, b] = r.economics!.events.filter((e) => r.matches.some((m) => m.eventId === e.eventId));
    expect(r.economics!.gini.accounts).toBeLessThan(a.accounts + b.accounts);
    expect(s.gini).not.toBeNull();
    // the counterfactual: the old fixed pool pays a small ground's points far more than a big one's
    expect(s.before.coverage.cov!).toBeGreaterThan(s.perUnit.find((p) => p.kind === 'coverage')!.cov!);
    expect(text).toContain('scale 0.005');
    expect(text).toContain('before (counterfactual)');
  }, 300_000);
});
