// Compiles the API, the libs, the benchmarks and the simulator to dist/ with SWC
// (fast, and it emits the decorator metadata NestJS injection relies on).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const sources = ['apps/api/src', 'libs', 'bench', 'venue-sim/src', 'contracts/artifacts', 'contracts/scripts/lib'].filter((p) => existsSync(p));
rmSync('dist', { recursive: true, force: true });
const swc = spawnSync(
  process.execPath,
  ['node_modules/@swc/cli/bin/swc.js', ...sources, '-d', 'dist', '--config-file', '.swcrc', '--ignore', '**/*.spec.ts', '--quiet'],
  { stdio: 'inherit' },
);
if (swc.status !== 0) {
  console.error('build:api failed: fix the TypeScript errors above, then run `npm run build:api` again.');
  process.exit(swc.status ?? 1);
}
console.log(`build:api: compiled ${sources.join(', ')} to dist/`);
