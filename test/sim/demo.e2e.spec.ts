import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../venue-sim/src/demo';
import { createTempDataDir } from '../support/databases';
import { RunningApp, startApp } from '../support/app';

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
  });
});
