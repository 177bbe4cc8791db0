import { SimProblem } from '../client';
import { sleep } from '../clock';
import { loadScenario, withOverrides } from '../model';
import { Stadium } from '../stadium';
import type { FraudCase } from '../fraud/case';
import { lateUpload, merchClones, overlappingEvents, screenshotReuse, twoGatesAtOnce } from '../fraud/access-cases';
import { copycatSensor, fakeGoal, fakeWitnesses, overReporting, sensorReplay } from '../fraud/device-cases';
import { purchaseRing, reissuedSeat, relayedWitness, sectionHopping } from '../fraud/coverage-cases';
import { sponsorReadsAddresses } from '../fraud/sponsor-case';
import { ledgerFor, notRun, verdict, VerdictRow } from '../fraud/verdict';
import type { Progress } from './progress';

/** Every adversary, in the order they run (access first: they need the gates open, the rest need the match live). */
export const FRAUD_CASES: FraudCase[] = [
  screenshotReuse,
  twoGatesAtOnce,
  merchClones,
  overlappingEvents,
  sponsorReadsAddresses,
  fakeWitnesses,
  relayedWitness,
  purchaseRing,
  reissuedSeat,
  sectionHopping,
  overReporting,
  sensorReplay,
  fakeGoal,
  copycatSensor,
  lateUpload,
];

export interface FraudOptions {
  url: string;
  dataDir: string;
  /** Honest fans in the crowd, split among the cases. */
  fans?: number;
  /** Only these case ids. */
  only?: string[];
}

export interface FraudReport {
  eventId: string;
  venueId: string;
  fans: number;
  wallSeconds: number;
  rows: VerdictRow[];
  errors: number;
  errorSamples: string[];
}

/** Is the route there? A 404 that is not a domain answer means the API does not have it yet. */
export async function hasRoute(st: Stadium, need: NonNullable<FraudCase['needs']>): Promise<boolean> {
  const a = await st.op.client.attempt(need.method, need.path.replace(':event', st.eventId), need.method === 'POST' ? {} : undefined);
  return !(
    a.status === 404 &&
    (!a.body.code || a.body.code === 'not_found' || a.body.code === 'route_not_found' || /Cannot (GET|POST)/.test(String(a.body.detail ?? a.body.message ?? '')))
  );
}

/**
 * The `fraud` scenario: an honest crowd at a small ground, and each adversary mixed into its own
 * slice of it. Every row of the verdict table comes from the API's answers and the rewards ledger.
 */
export async function runFraud(opts: FraudOptions, onProgress: (p: Progress) => void = () => undefined): Promise<FraudReport> {
  const started = Date.now();
  const scenario = withOverrides(loadScenario('fraud'), { fans: opts.fans });
  const cases = FRAUD_CASES.filter((c) => !opts.only?.length || opts.only.includes(c.id));
  if (opts.only?.some((id) => !FRAUD_CASES.some((c) => c.id === id))) throw new SimProblem(0, 'bad_flag', `--only takes case ids: ${FRAUD_CASES.map((c) => c.id).join(', ')}`);
  const st = new Stadium({ url: opts.url, dataDir: opts.dataDir }, scenario);
  const progress = (phase: string) =>
    onProgress({
      phase,
      clock: '',
      admitted: st.meter.total('admitted'),
      total: scenario.crowd.fans,
      scansPerSecond: st.meter.rate('scans'),
      messagesPerSecond: st.meter.rate('messages'),
      errors: st.meter.errors,
    });
  let phase = 'setting up';
  const ticker = setInterval(() => progress(phase), 250);
  try {
    await st.open(60_000, 'Fraud drill');
    const fans = await st.sellTickets(scenario.crowd.fans);
    await st.hireStewards(scenario.crowd.lanesPerGate);
    await st.op.transition(st.eventId, 'gates_open');
    const per = Math.floor(fans.length / cases.length);
    if (per < 4) throw new SimProblem(0, 'bad_flag', `--fans ${fans.length} is too few for ${cases.length} cases; give at least ${4 * cases.length}`);
    const outcomes: { c: FraudCase; o?: Awaited<ReturnType<FraudCase['run']>>; row?: VerdictRow; window: { from: number; to: number } }[] = [];
    let live = false;
    for (const [i, c] of cases.entries()) {
      phase = c.id;
      if (!live && c.needs) {
        await st.op.transition(st.eventId, 'live');
        live = true;
      }
      const from = Date.now();
      if (c.needs && !(await hasRoute(st, c.needs))) {
        outcomes.push({ c, row: notRun(c, `waits for ${c.needs.api}`), window: { from, to: from } });
        continue;
      }
      const slice = fans.slice(i * per, (i + 1) * per);
      try {
        const o = await c.run(st, slice);
        await sleep(1500); // alerts and live counts arrive after the answers
        outcomes.push({ c, o, window: { from, to: Date.now() } });
      } catch (err) {
        outcomes.push({ c, row: notRun(c, `the case could not run: ${(err as Error).message}`, 'error'), window: { from, to: Date.now() } });
      }
    }
    phase = 'verdicts';
    const { reader, paidKinds } = await ledgerFor(st);
    const rows: VerdictRow[] = [];
    for (const x of outcomes) {
      const row = x.row ?? (await verdict(st, x.c, x.o!, x.window, reader, paidKinds));
      if (!reader && !x.row) row.notes.push('n/a (rewards not available)');
      rows.push(row);
    }
    await st.op.transition(st.eventId, 'ended').catch(() => undefined);
    phase = 'done';
    progress(phase);
    return {
      eventId: st.eventId,
      venueId: st.venue.id,
      fans: fans.length,
      wallSeconds: (Date.now() - started) / 1000,
      rows,
      errors: st.meter.errors,
      errorSamples: st.meter.errorSamples,
    };
  } finally {
    clearInterval(ticker);
    st.close();
  }
}
