import { afterEach, describe, expect, it } from 'vitest';
import { FraudReport, runFraud } from '../../venue-sim/src/scenarios/fraud';
import { verdictTable } from '../../venue-sim/src/report';
import { createTempDataDir } from '../support/databases';
import { RunningApp, startApp } from '../support/app';

const ALL_CASES = [
  'screenshot_reuse',
  'two_gates_at_once',
  'merch_clones',
  'overlapping_events',
  'sponsor_reads_addresses',
  'fake_witnesses',
  'relayed_witness',
  'purchase_ring',
  'reissued_seat',
  'section_hopping',
  'over_reporting',
  'sensor_replay',
  'fake_goal',
  'copycat_sensor',
  'late_upload',
];

function expectVerdicts(report: FraudReport): void {
  for (const row of report.rows) {
    expect(row.result, `${row.scenario} in\n${verdictTable(report.rows)}\n`).toBe('pass');
    expect(row.fraudAccepted).toBe(0);
    expect(row.fraudulentPaidUnits ?? '0').toBe('0');
    if (row.honestAccepted !== null) expect(row.honestAccepted).toBeGreaterThanOrEqual(0.99);
    if (row.honestPaid !== null) expect(row.honestPaid).toBeGreaterThanOrEqual(0.99);
  }
  expect(report.errors, report.errorSamples.join('; ')).toBe(0);
}

const debug = (label: string) => {
  let last = '';
  return (p: { phase: string; admitted: number; errors: number }) => {
    if (process.env.SIM_DEBUG && p.phase !== last) console.log(`[sim ${label}] ${new Date().toISOString()} ${(last = p.phase)} admitted=${p.admitted} errors=${p.errors}`);
  };
};

describe('venue-sim fraud', () => {
  let api: RunningApp | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('on embedded defaults: no adversary gains anything, staff hear of the double admission and the clones, and 99% of the honest crowd is admitted and paid', async () => {
    const dataDir = createTempDataDir('simfraud');
    api = await startApp('simfraud', { services: 'embedded', dataDir });
    const report = await runFraud({ url: api.url, dataDir, fans: 96 }, debug('embedded'));
    expect(report.rows.map((r) => r.scenario)).toEqual(ALL_CASES);
    expectVerdicts(report);
    const table = Object.fromEntries(report.rows.map((r) => [r.scenario, r]));
    expect(table.two_gates_at_once.alerts).toBeGreaterThanOrEqual(1); // the offline double admission reached the staff feed
    expect(table.merch_clones.alerts).toBeGreaterThanOrEqual(1);
    expect(table.screenshot_reuse.honestPaid).toBe(1); // admission rewards came from the ledger, not assumed
    expect(table.fake_witnesses.honestPaid).toBe(1); // honest witnesses and admissions paid
    expect(table.fake_goal.honestPaid).toBe(1); // the real goal was confirmed and paid the fans inside
    expect(table.relayed_witness.refusals).toMatchObject({ not_on_hotspot_network: 4 });
    expect(table.relayed_witness.honestPaid).toBe(1); // the phones on the honest hotspot's WiFi were paid their witnesses
    expect(table.reissued_seat.attempts).toBeGreaterThan(0);
    expect(table.reissued_seat.refusals).toMatchObject({ fan_not_admitted: table.reissued_seat.attempts });
    expect(table.overlapping_events.refusals).toMatchObject({ admitted_elsewhere: 3 });
    expect(table.section_hopping.refusals).toMatchObject({ impossible_movement: 3 });
    expect(table.fake_goal.refusals).toMatchObject({ 'no quorum: no owner with established trust': 1 });
    expect(table.late_upload.refusals).toMatchObject({ held_for_review: 3 });
    expect(table.copycat_sensor.refusals).toMatchObject({ 'copied series counted once': 1 });
  }, 240_000);

  it('on Postgres and Redis: the same verdicts', async () => {
    const dataDir = createTempDataDir('simfraudpg');
    api = await startApp('simfraudpg', { dataDir });
    const report = await runFraud({ url: api.url, dataDir, fans: 96 }, debug('postgres'));
    expect(report.rows.map((r) => r.scenario)).toEqual(ALL_CASES);
    expectVerdicts(report);
  }, 300_000);
});
