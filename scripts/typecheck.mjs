// `npm run typecheck`: type-checks every TypeScript project of the repo, in parallel, and fails on
// the first compiler error anywhere (npm test runs it before the tests):
//   tsconfig.json            the API, the libs, bench, test, contracts, venue-sim (Node)
//   apps/web/tsconfig.json   the PWA (browser; it may import @fanmesh/protocol only)
//   apps/agent/tsconfig.json the agent, as soon as that file exists
//   verifier/tsconfig.json   the independent verifier (npm run verify; @fanmesh/protocol only)
// Incremental: the build info lives in node_modules/.cache/typecheck, so a re-run only re-checks
// what changed. It needs contracts/artifacts (npm run build:contracts, which `typecheck` runs first).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const PROJECTS = [
  { name: 'api+libs', config: 'tsconfig.json' },
  { name: 'web', config: 'apps/web/tsconfig.json' },
  { name: 'agent', config: 'apps/agent/tsconfig.json', optional: true },
  { name: 'verifier', config: 'verifier/tsconfig.json' },
];

if (!existsSync('contracts/artifacts/index.ts')) {
  console.error('typecheck: contracts/artifacts/index.ts is missing: run `npm run build:contracts` first.');
  process.exit(2);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const cache = 'node_modules/.cache/typecheck';
mkdirSync(cache, { recursive: true });
const pretty = process.stdout.isTTY ? '--pretty' : '--pretty false';

const run = ({ name, config }) =>
  new Promise((resolve) => {
    const started = Date.now();
    const args = [tsc, '-p', config, '--noEmit', '--incremental', '--tsBuildInfoFile', `${cache}/${name}.tsbuildinfo`, ...pretty.split(' ')];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ name, config, code: code ?? 1, out, ms: Date.now() - started }));
  });

const projects = PROJECTS.filter((p) => !p.optional || existsSync(p.config));
const results = await Promise.all(projects.map(run));
let failed = 0;
for (const r of results) {
  if (r.code !== 0) {
    failed++;
    console.error(`\ntypecheck: ${r.name} (${r.config}) has errors:\n`);
    process.stderr.write(r.out);
  } else {
    console.log(`typecheck: ${r.name} (${r.config}) ok in ${(r.ms / 1000).toFixed(1)} s`);
  }
}
if (failed) {
  console.error(`\ntypecheck failed in ${failed} project(s): fix the compiler errors above.`);
  process.exit(1);
}
