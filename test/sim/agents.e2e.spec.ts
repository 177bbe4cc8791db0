import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../venue-sim/src/demo';
import { createTempDataDir } from '../support/databases';
import { RunningApp, startApp } from '../support/app';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('venue-sim demo with real device agents (--agents 2)', () => {
  let api: RunningApp | undefined;
  afterAll(() => api?.close());

  it('pairs a sensor and a hotspot agent, brings them online, stores the sensor readings, and stops both', async () => {
    const dataDir = createTempDataDir('sim-agents');
    api = await startApp('sim-agents', { services: 'embedded', dataDir });
    const phases = new Set<string>();
    const summary = await runDemo({ url: api.url, dataDir, fans: 60, seconds: 3, agents: 2 }, (p) => phases.add(p.phase));
    expect(summary).toMatchObject({ fans: 60, admitted: 60, errors: 0, replayedScreenshotsAdmitted: 0 });
    expect([...phases]).toEqual(expect.arrayContaining(['starting 2 agents', 'kickoff', 'agents working']));

    const agents = summary.agents!;
    expect(agents.map((a) => a.role)).toEqual(['sensor', 'hotspot']);
    for (const a of agents) {
      expect(a.address).toMatch(/^0x[0-9a-f]{40}$/);
      expect(a.status).toBe('online');
      expect(a.acceptedMessages).toBeGreaterThan(0);
      expect(a.exit).not.toBe('SIGKILL');
      expect(alive(a.pid!)).toBe(false);
    }
    const [sensor, hotspot] = agents;
    expect(sensor.readingsStored).toBeGreaterThan(0);
    expect(hotspot.portalUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const ds = api.app.get(DataSource);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE device = $1 AND event_id = $2`, [sensor.address, summary.eventId]);
    expect(n).toBeGreaterThan(0);
    const devices = await ds.query(`SELECT address, kind FROM devices WHERE address = ANY($1) ORDER BY kind`, [[sensor.address, hotspot.address]]);
    expect(devices).toEqual([
      { address: hotspot.address, kind: 'hotspot' },
      { address: sensor.address, kind: 'sensor' },
    ]);
    // the fans seated in the hotspot agent's section witnessed it with challenges from its portal
    expect(Object.keys(summary.portalWitnesses!)).toEqual(['valid']);
    expect(summary.portalWitnesses!.valid).toBeGreaterThan(0);
    expect(hotspot.challengesServed).toBeGreaterThanOrEqual(summary.portalWitnesses!.valid);
  }, 180_000);
});
