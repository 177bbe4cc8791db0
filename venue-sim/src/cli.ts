#!/usr/bin/env node
// venue-sim: a stadium that drives the real API. `npm run sim -- demo` (with `npm start` running).
import { Presets, SingleBar } from 'cli-progress';
import { runDemo } from './demo';
import { SimProblem } from './client';

const SCENARIOS = ['demo'] as const;

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

async function main(): Promise<void> {
  const { flags, positional } = args(process.argv.slice(2));
  const scenario = positional[0] ?? 'demo';
  if (!SCENARIOS.includes(scenario as never) || flags.help) {
    console.log(`usage: npm run sim -- <scenario> [--url http://localhost:3000] [--data .data] [--fans 400] [--seconds 60] [--staff 0xYourAddress] [--json]
scenarios: ${SCENARIOS.join(', ')} (match, fraud and load come with their backends)`);
    process.exit(flags.help ? 0 : 2);
  }
  const json = flags.json === true;
  const opts = {
    url: String(flags.url ?? process.env.FANMESH_URL ?? 'http://localhost:3000'),
    dataDir: String(flags.data ?? process.env.DATA_DIR ?? '.data'),
    fans: Number(flags.fans ?? 400),
    seconds: Number(flags.seconds ?? 60),
    staff: typeof flags.staff === 'string' ? flags.staff.split(',') : [],
  };
  if (opts.staff.some((a) => !/^0x[0-9a-fA-F]{40}$/.test(a))) throw new SimProblem(0, 'bad_flag', '--staff takes 0x-addresses, comma separated (copy yours from the /staff page)');
  if (!Number.isInteger(opts.fans) || opts.fans < 1 || opts.fans > 10_000) throw new SimProblem(0, 'bad_flag', '--fans takes a whole number from 1 to 10000');
  if (!(opts.seconds > 0 && opts.seconds <= 3600)) throw new SimProblem(0, 'bad_flag', '--seconds takes a number from 1 to 3600');

  const bar = json ? undefined : new SingleBar({ format: ' {phase} |{bar}| {value}/{total} admitted | {rate} scans/s | errors {errors}', hideCursor: true }, Presets.shades_classic);
  bar?.start(opts.fans, 0, { phase: 'starting', rate: 0, errors: 0 });
  const summary = await runDemo(opts, (p) => bar?.update(p.admitted, { phase: p.phase.padEnd(11), rate: p.scansPerSecond, errors: p.errors }));
  bar?.stop();
  if (json) {
    console.log(JSON.stringify({ scenario, ...summary }));
    return;
  }
  console.log(`\nDemo match ${summary.eventId} (open the staff dashboard at ${opts.url}/staff)`);
  console.table({
    fans: summary.fans,
    admitted: summary.admitted,
    denied: Object.entries(summary.denied).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none',
    'errors': summary.errors,
    'wall time (s)': summary.wallSeconds.toFixed(1),
    'peak scans/s': summary.peakScansPerSecond,
    'p99 admit (ms)': summary.p99AdmitMs,
    'screenshot replays admitted (must be 0)': summary.replayedScreenshotsAdmitted,
  });
}

main().catch((err: Error) => {
  console.error(`\nvenue-sim: ${err.message}`);
  process.exit(1);
});
