#!/usr/bin/env node
// venue-sim: a stadium that drives the real API. `npm run sim -- <scenario>` (with `npm start` running).
import { Presets, SingleBar } from 'cli-progress';
import { agentLine } from './agents';
import { mb } from './api-probe';
import { SimProblem } from './client';
import { Operator } from './actors/operator';
import { runDemo } from './demo';
import { seasonText, summaryTable, verdictTable } from './report';
import { FRAUD_CASES, runFraud } from './scenarios/fraud';
import { runLoad } from './scenarios/load';
import { runMatch } from './scenarios/match';
import { runSeason, SEASON_FRAUD } from './scenarios/season';
import type { Progress } from './scenarios/progress';

const SCENARIOS = ['demo', 'match', 'fraud', 'season', 'load', 'token'] as const;

const USAGE = `usage: npm run sim -- <scenario> [flags]

scenarios:
  demo    a small, fast match at the demo stadium (400 fans over 60 s) to watch on /staff
  match   a whole match day: 60,000 fans, 400 hotspots, 200 sensors, 90 minutes compressed into 10
  fraud   every adversary mixed into an honest crowd; prints the verdict table
  season  12 matches of 5,000 to 60,000 fans at grounds with 20 to 400 hotspots, one crowd all season,
          adversaries mixed in, each epoch settled; then the fairness report (GET /rewards/economics)
  load    ramps gate scans until an SLO breaks and says where
  token   signs in as this machine's admin and prints a bearer token for /api/docs ("Authorize")

flags:
  --url http://localhost:3000   the API (or FANMESH_URL)
  --data .data                  where \`npm start\` keeps its data (the local admin key), or DATA_DIR
  --fans N                      fans (demo 400, match 60000, fraud 240 honest)
  --seconds S                   wall seconds the match is compressed into (demo 60, match 600, season 600 × scale, at least 30)
  --hotspots N --sensors N      match: devices to pair (400 / 200)
  --staff 0xAddr[,0xAddr]       make these addresses staff of the venue first (the /staff page shows yours)
  --only id[,id]                fraud: only these cases (${FRAUD_CASES.map((c) => c.id).join(', ')})
  --matches N                   season: matches (12)
  --scale F                     season: fans and hotspots as a share of full size (1; 0.1 plays 500 to 6,000 fans)
  --fraud id[,id] | none        season: the adversaries mixed in (${SEASON_FRAUD.join(', ')})
  --adversaries N               season: adversaries per match, taken in turn from --fraud (3)
  --weekly                      season: move the embedded chain's clock a week between matches, so the emission schedule
                                (EMISSION_WEEKLY_FAN on a fresh --data) releases a week's FAN per match
  --slo-p99 50 --slo-errors 0.01  load: the SLO (p99 admit ms, error share)
  --agents N                    demo: also run N real device agents (apps/agent) as child processes,
                                half sensors, half hotspots, paired by an owner (N=1: a sensor)
  --json                        one JSON document on stdout, no progress bar`;

function args(argv: string[]) {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) flags[k] = v;
      else if (argv[i + 1] && !argv[i + 1].startsWith('--')) flags[k] = argv[++i];
      else flags[k] = true;
    } else positional.push(a);
  }
  return { flags, positional };
}

function int(flags: Record<string, string | boolean>, name: string, min: number, max: number): number | undefined {
  if (flags[name] === undefined) return undefined;
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new SimProblem(0, 'bad_flag', `--${name} takes a whole number from ${min} to ${max}`);
  return n;
}

/** The terminal's progress line: phase, match clock, fans admitted, messages/s, errors. */
function progressBar(json: boolean, total: number) {
  if (json) {
    // machines read stdout; a log still shows each phase as it starts (on stderr)
    let last = '';
    const line = (p: Progress) =>
      `[venue-sim] ${new Date().toISOString()} ${p.phase} ${p.clock} admitted=${p.admitted} scans/s=${p.scansPerSecond} msg/s=${p.messagesPerSecond} errors=${p.errors}`;
    return { update: (p: Progress) => p.phase !== last && ((last = p.phase), console.error(line(p))), setTotal: (_: number) => undefined, stop: () => undefined };
  }
  const bar = new SingleBar(
    { format: ' {phase} {clock} |{bar}| {value}/{total} admitted | {scans} scans/s | {msgs} msg/s | errors {errors}', hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0, { phase: 'starting'.padEnd(12), clock: '', scans: 0, msgs: 0, errors: 0 });
  return {
    update: (p: Progress) =>
      bar.update(p.admitted, { phase: p.phase.padEnd(12).slice(0, 24), clock: p.clock, scans: p.scansPerSecond, msgs: p.messagesPerSecond, errors: p.errors }),
    /** A scenario whose crowd changes as it runs (a season's matches). */
    setTotal: (n: number) => bar.getTotal() !== n && bar.setTotal(n),
    stop: () => bar.stop(),
  };
}

async function main(): Promise<void> {
  const { flags, positional } = args(process.argv.slice(2));
  const scenario = positional[0] ?? 'demo';
  if (!SCENARIOS.includes(scenario as never) || flags.help) {
    console.log(USAGE);
    process.exit(flags.help ? 0 : 2);
  }
  const json = flags.json === true;
  const url = String(flags.url ?? process.env.FANMESH_URL ?? 'http://localhost:3000');
  const dataDir = String(flags.data ?? process.env.DATA_DIR ?? '.data');
  const staff = typeof flags.staff === 'string' ? flags.staff.split(',') : [];
  if (staff.some((a) => !/^0x[0-9a-fA-F]{40}$/.test(a))) throw new SimProblem(0, 'bad_flag', '--staff takes 0x-addresses, comma separated (copy yours from the /staff page)');
  const seconds = flags.seconds === undefined ? undefined : Number(flags.seconds);
  if (seconds !== undefined && !(seconds > 0 && seconds <= 7200)) throw new SimProblem(0, 'bad_flag', '--seconds takes a number from 1 to 7200');

  if (scenario === 'token') {
    const op = await Operator.signIn(url, dataDir);
    if (json) return void console.log(JSON.stringify({ scenario, address: op.wallet.address, accessToken: op.client.token }));
    console.log(`Admin ${op.wallet.address}, a token valid for 15 minutes:\n\n${op.client.token}\n`);
    console.log(`Open ${url}/api/docs, press "Authorize", paste it under "bearer" and try any route.`);
    return;
  }

  if (scenario === 'demo') {
    const fans = int(flags, 'fans', 1, 10_000) ?? 400;
    const bar = progressBar(json, fans);
    const agents = int(flags, 'agents', 0, 64);
    const s = await runDemo({ url, dataDir, fans, seconds: seconds ?? 60, staff, agents }, (p) => bar.update({ ...p, clock: '', messagesPerSecond: p.scansPerSecond }));
    bar.stop();
    if (json) return void console.log(JSON.stringify({ scenario, ...s }));
    console.log(`\nDemo match ${s.eventId} (open the staff dashboard at ${url}/staff)\n`);
    console.log(
      summaryTable({
        fans: s.fans,
        admitted: s.admitted,
        denied:
          Object.entries(s.denied)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'none',
        errors: s.errors,
        'wall time (s)': s.wallSeconds.toFixed(1),
        'peak scans/s': s.peakScansPerSecond,
        'p99 admit (ms)': s.p99AdmitMs,
        'screenshot replays admitted (must be 0)': s.replayedScreenshotsAdmitted,
        ...(s.sound
          ? { 'sound sensors (readings accepted / refused)': `${s.sound.sensors} (${s.sound.accepted} / ${s.sound.refused})`, 'moment candidates for staff': s.sound.candidates }
          : {}),
        ...(s.agents ? Object.fromEntries(s.agents.map((a, i) => [`agent ${i + 1}`, agentLine(a)])) : {}),
        ...(s.portalWitnesses
          ? {
              'witnesses via agent portals':
                Object.entries(s.portalWitnesses)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join(', ') || "none (no admitted fan in a hotspot agent's section)",
            }
          : {}),
      }),
    );
    if (s.agents?.some((a) => a.status !== 'online' || a.exit === 'SIGKILL')) process.exitCode = 1;
    return;
  }

  if (scenario === 'fraud') {
    const fans = int(flags, 'fans', 32, 20_000) ?? 240;
    const bar = progressBar(json, fans);
    const r = await runFraud({ url, dataDir, fans, only: typeof flags.only === 'string' ? flags.only.split(',') : undefined }, bar.update);
    bar.stop();
    if (json) return void console.log(JSON.stringify({ scenario, ...r }));
    console.log(
      `\nFraud drill ${r.eventId}: ${r.fans} honest fans, ${r.wallSeconds.toFixed(1)} s, ${r.errors} errors${r.errorSamples.length ? ` (${r.errorSamples.join('; ')})` : ''}\n`,
    );
    console.log(verdictTable(r.rows));
    if (r.rows.some((x) => x.result === 'FAIL' || x.result === 'error')) process.exitCode = 1;
    return;
  }

  if (scenario === 'season') {
    const scale = flags.scale === undefined ? 1 : Number(flags.scale);
    if (!(scale > 0 && scale <= 1)) throw new SimProblem(0, 'bad_flag', '--scale takes a number above 0 and at most 1 (0.1: a tenth of full-size crowds and hotspots)');
    const fraud = typeof flags.fraud === 'string' ? (flags.fraud === 'none' ? [] : flags.fraud.split(',')) : undefined;
    const bar = progressBar(json, 0);
    const r = await runSeason(
      {
        url,
        dataDir,
        matches: int(flags, 'matches', 1, 60),
        scale,
        seconds,
        fraud,
        adversaries: int(flags, 'adversaries', 0, FRAUD_CASES.length),
        staff,
        weekly: flags.weekly === true,
      },
      (p) => {
        bar.setTotal(p.total);
        bar.update(p);
      },
    );
    bar.stop();
    if (json) return void console.log(JSON.stringify({ scenario, ...r }));
    console.log(`\n${seasonText(r)}`);
    const s = r.season;
    if (!s.fraud.met || s.perUnit.some((p) => p.met === false) || s.gini?.met === false) process.exitCode = 1;
    return;
  }

  if (scenario === 'match') {
    const fans = int(flags, 'fans', 1, 100_000);
    const bar = progressBar(json, fans ?? 60_000);
    const s = await runMatch({ url, dataDir, fans, seconds, hotspots: int(flags, 'hotspots', 0, 2000), sensors: int(flags, 'sensors', 0, 2000), staff }, bar.update);
    bar.stop();
    if (json) return void console.log(JSON.stringify({ scenario, ...s }));
    console.log(`\nMatch ${s.eventId}\n`);
    console.log(
      summaryTable({
        'fans / hotspots / sensors': `${s.fans} / ${s.hotspots} / ${s.sensors}`,
        admitted: s.admitted,
        denied:
          Object.entries(s.denied)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'none',
        witnesses:
          Object.entries(s.witnesses)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'none',
        'readings envelopes': `${s.readings.accepted} accepted${Object.keys(s.readings.refused).length ? `, refused ${JSON.stringify(s.readings.refused)}` : ''}`,
        heartbeats: s.heartbeats,
        moments: `${s.moments.candidates} candidates, ${s.moments.confirmed} confirmed`,
        rewards: s.rewards
          ? Object.entries(s.rewards)
              .map(([k, v]) => `${k}: ${v.entries}`)
              .join(', ')
          : 'n/a (rewards not available)',
        'setup (s)': s.setupSeconds.toFixed(1),
        'wall time (s)': s.wallSeconds.toFixed(1),
        'peak scans/s': s.peakScansPerSecond,
        'peak messages/s': s.peakMessagesPerSecond,
        'admit latency p50 / p99 (ms)': `${s.p50AdmitMs} / ${s.p99AdmitMs}`,
        'API memory peak (RSS)': mb(s.apiMemoryPeakBytes),
        'API stalls (probe > 1 s)': `${s.apiStallsOver1s}, longest ${s.apiLongestStallMs} ms`,
        errors: `${s.errors}${s.errorSamples.length ? ` (first: ${s.errorSamples[0]})` : ''}`,
      }),
    );
    return;
  }

  const bar = progressBar(json, 0);
  const l = await runLoad({ url, dataDir, sloP99Ms: Number(flags['slo-p99'] ?? 50), sloErrorShare: Number(flags['slo-errors'] ?? 0.01) }, bar.update);
  bar.stop();
  if (json) return void console.log(JSON.stringify({ scenario, ...l }));
  console.log(`\nLoad ramp on event ${l.eventId} (SLO: p99 admit ≤ ${l.sloP99Ms} ms, errors ≤ ${l.sloErrorShare * 100}%)\n`);
  console.log(
    summaryTable(
      Object.fromEntries(
        l.steps.map((s) => [`${s.targetPerSecond}/s offered`, `${s.achievedPerSecond}/s achieved, p99 ${s.p99Ms} ms, errors ${s.errors}${s.breach ? `  <- ${s.breach}` : ''}`]),
      ),
    ),
  );
  console.log(`\n${l.verdict}`);
}

main().catch((err: Error) => {
  console.error(`\nvenue-sim: ${err.message}`);
  process.exit(1);
});
