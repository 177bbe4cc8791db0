import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../venue-sim/src/demo';
import { createTempDataDir } from '../support/databases';
import { adminPrincipal, RunningApp, startApp } from '../support/app';

describe('venue-sim demo against the API on embedded defaults', () => {
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('admits every honest fan once, refuses replayed screenshots, and reaches kickoff', async () => {
    const dataDir = createTempDataDir('sim');
    api = await startApp('sim', { services: 'embedded', dataDir });
    const phases = new Set<string>();
    const summary = await runDemo({ url: api.url, dataDir, fans: 60, seconds: 3 }, (p) => phases.add(p.phase));
    expect(summary).toMatchObject({ fans: 60, admitted: 60, errors: 0, denied: {}, replayedScreenshotsAdmitted: 0 });
    expect([...phases]).toEqual(expect.arrayContaining(['setting up', 'kickoff']));
    const event = await (await fetch(`${api.url}/api/v1/events/${summary.eventId}`)).json();
    expect(event.status).toBe('live');

    // Its sound sensors roared at kickoff: a candidate waits for staff, who can confirm it.
    expect(summary.sound).toMatchObject({ sensors: 4, refused: 0 });
    expect(summary.sound!.candidates).toBeGreaterThanOrEqual(1);
    expect([...phases]).toContain('a moment candidate waits for staff on /staff');
    const staff = await api.tokenFor(adminPrincipal);
    const moments: { id: string; status: string; source: string; signal: { sections: string[] } }[] = await (
      await fetch(`${api.url}/api/v1/events/${summary.eventId}/moments`, { headers: { authorization: `Bearer ${staff}` } })
    ).json();
    const candidate = moments.find((m) => m.status === 'candidate' && m.source === 'sensors')!;
    expect(candidate.signal.sections.length).toBeGreaterThanOrEqual(2);
    const confirmed = await fetch(`${api.url}/api/v1/moments/${candidate.id}/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'kickoff' }),
    });
    expect(confirmed.status).toBe(200);
    expect((await confirmed.json()).status).toBe('confirmed');

    // A second demo on the same install: one match at a time at the stadium, so the first (still live) ends and the new one runs.
    const again = new Set<string>();
    const second = await runDemo({ url: api.url, dataDir, fans: 10, seconds: 3, soundSensors: 0 }, (p) => again.add(p.phase));
    expect(second).toMatchObject({ fans: 10, admitted: 10, errors: 0 });
    expect([...again].some((p) => p.startsWith('ended Demo match'))).toBe(true);
    expect((await (await fetch(`${api.url}/api/v1/events/${summary.eventId}`)).json()).status).toBe('ended');
  });
});
