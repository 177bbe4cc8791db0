import { sleep } from '../clock';
import { ApiProbe } from '../api-probe';
import { loadScenario } from '../model';
import { Steward } from '../actors/steward';
import { pool, Stadium } from '../stadium';
import type { Progress } from './progress';

export interface LoadOptions {
  url: string;
  dataDir: string;
  /** The SLO: p99 of admit decisions (ms) and the share of scans that fail (errors or wrong answers). */
  sloP99Ms: number;
  sloErrorShare: number;
  /** Offered scans per second, one step each, until the SLO breaks. */
  ladder?: number[];
  stepSeconds?: number;
}

export interface LoadStep {
  targetPerSecond: number;
  achievedPerSecond: number;
  p99Ms: number;
  errors: number;
  /** Scans the simulator could not send in time (it is the bottleneck, not the API). */
  unsent: number;
  breach?: string;
}

export interface LoadReport {
  eventId: string;
  sloP99Ms: number;
  sloErrorShare: number;
  steps: LoadStep[];
  apiMemoryPeakBytes: number;
  verdict: string;
}

const LADDER = [100, 200, 400, 700, 1000, 1500, 2000, 3000, 4000];
const SCANS_PER_LANE = 40; // under the API's 50/s per scanner: lanes are added so the limit never is the SLO
const MAX_IN_FLIGHT = 1500;

/**
 * The `load` scenario: honest fans at the gates of a fresh event at the demo stadium, offered at a
 * rising rate (open loop: arrivals do not wait for answers), one step per rate, until p99 admit
 * latency or the error share breaks the SLO; the report says at which rate and why.
 */
export async function runLoad(opts: LoadOptions, onProgress: (p: Progress) => void = () => undefined): Promise<LoadReport> {
  const ladder = opts.ladder ?? LADDER;
  const stepSeconds = opts.stepSeconds ?? 6;
  const st = new Stadium({ url: opts.url, dataDir: opts.dataDir }, loadScenario('demo'));
  const probe = new ApiProbe(st.devices);
  let phase = 'setting up';
  const ticker = setInterval(
    () =>
      onProgress({
        phase,
        clock: '',
        admitted: st.meter.total('admitted'),
        total: 0,
        scansPerSecond: st.meter.rate('scans'),
        messagesPerSecond: st.meter.rate('messages'),
        errors: st.meter.errors,
      }),
    250,
  );
  probe.start();
  try {
    await st.open(3_600_000, 'Load ramp');
    const lanesNeeded = Math.ceil(Math.max(...ladder) / SCANS_PER_LANE);
    const gates = st.venue.gates;
    const lanes: Steward[] = await pool(
      Array.from({ length: lanesNeeded }, (_, i) => gates[i % gates.length]),
      8,
      (g) => Steward.hire(st.op, st.url, st.venue.id, g, st.meter.observer),
    );
    await st.op.transition(st.eventId, 'gates_open');
    const steps: LoadStep[] = [];
    let verdict = `no breach up to ${ladder[ladder.length - 1]} scans/s offered`;
    for (const rate of ladder) {
      phase = `${rate}/s: tickets`;
      const fans = await st.sellTickets(rate * stepSeconds);
      phase = `${rate}/s: signing`;
      const signed = Date.now();
      const codes = fans.map((f) => f.code(signed + 2000)); // codes for the window the step runs in
      const serving = (section: string) => lanes.filter((l) => l.gate.sectionCodes.includes(section));
      phase = `${rate}/s`;
      const latencies: number[] = [];
      let errors = 0;
      let unsent = 0;
      let inFlight = 0;
      let done = 0;
      const t0 = Date.now();
      const scans: Promise<void>[] = [];
      for (let i = 0; i < fans.length; i++) {
        const due = t0 + (i / rate) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        if (inFlight >= MAX_IN_FLIGHT) {
          unsent++;
          continue;
        }
        const options = serving(fans[i].section);
        const lane = options[i % options.length];
        inFlight++;
        scans.push(
          (async () => {
            const s = performance.now();
            try {
              const a = await lane.scan(codes[i]);
              const ms = performance.now() - s;
              latencies.push(ms);
              st.meter.count('scans', 1, ms);
              if (a.decision === 'admit') st.meter.count('admitted');
              else errors++;
            } catch {
              errors++;
            } finally {
              inFlight--;
              done++;
            }
          })(),
        );
      }
      await Promise.all(scans);
      const seconds = (Date.now() - t0) / 1000;
      latencies.sort((a, b) => a - b);
      const p99 = Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0);
      const step: LoadStep = { targetPerSecond: rate, achievedPerSecond: Math.round(done / seconds), p99Ms: p99, errors, unsent };
      const errorShare = (errors + unsent) / fans.length;
      if (p99 > opts.sloP99Ms) step.breach = `p99 ${p99} ms > ${opts.sloP99Ms} ms`;
      else if (errorShare > opts.sloErrorShare)
        step.breach = `${(errorShare * 100).toFixed(1)}% failed > ${opts.sloErrorShare * 100}%${unsent ? ` (${unsent} not sent: the simulator could not keep up)` : ''}`;
      steps.push(step);
      if (step.breach) {
        const last = steps[steps.length - 2];
        verdict = `SLO broke at ${rate} scans/s offered (${step.breach}); last step within SLO: ${last ? `${last.targetPerSecond}/s offered, ${last.achievedPerSecond}/s achieved, p99 ${last.p99Ms} ms` : 'none'}`;
        break;
      }
      await sleep(1000);
    }
    await probe.sample();
    phase = 'done';
    return { eventId: st.eventId, sloP99Ms: opts.sloP99Ms, sloErrorShare: opts.sloErrorShare, steps, apiMemoryPeakBytes: probe.peakBytes, verdict };
  } finally {
    clearInterval(ticker);
    probe.stop();
    st.close();
  }
}
