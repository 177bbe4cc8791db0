// `npm start`'s build: contracts, API and PWA, each skipped when its inputs have not changed since
// its last build (a content hash kept beside the output), so a second `npm start` starts at once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', 'dist', '.cache']);

/** Every file under the given paths, sorted, skipping build output and dependencies. */
function files(paths) {
  const out = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p)) if (!SKIP.has(name)) walk(join(p, name));
    } else if (!p.endsWith('.spec.ts')) out.push(p);
  };
  for (const p of paths) walk(resolve(ROOT, p));
  return out.sort();
}

function hashOf(paths) {
  const h = createHash('sha256');
  for (const f of files(paths)) h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

const SHARED = ['package-lock.json', 'tsconfig.json', 'tsconfig.lib.json', '.swcrc', 'scripts/build-stale.mjs'];
const targets = [
  {
    name: 'API',
    script: 'build:api',
    inputs: [...SHARED, 'apps/api', 'libs', 'contracts/artifacts', 'contracts/scripts/lib', 'nest-cli.json', 'bench', 'venue-sim/src'],
    output: 'dist/apps/api/src/main.js',
    stamp: 'dist/.build-hash',
  },
  {
    name: 'PWA',
    script: 'build:web',
    inputs: [...SHARED, 'apps/web', 'libs/protocol'],
    output: 'apps/web/dist/index.html',
    stamp: 'apps/web/dist/.build-hash',
  },
];

const run = (script) => {
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('build:contracts'); // skips itself when the contracts are unchanged
for (const t of targets) {
  const hash = hashOf(t.inputs);
  const stamp = resolve(ROOT, t.stamp);
  if (existsSync(resolve(ROOT, t.output)) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
    console.log(`${t.name}: up to date (hash ${hash.slice(0, 12)})`);
    continue;
  }
  const started = Date.now();
  console.log(`${t.name}: building…`);
  run(t.script);
  writeFileSync(stamp, `${hash}\n`); // written last: an interrupted build is redone
  console.log(`${t.name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
