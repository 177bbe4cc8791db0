// Compiles the agent (apps/agent/src) and the one library it uses (libs/protocol/src) to CommonJS
// with SWC, in the repo's layout under --out (default apps/agent/dist), the @fanmesh/protocol
// import rewritten to a relative path. The output runs on plain Node 20 with the packages of
// apps/agent/package.json: no build tools on the device.
//
//   node apps/agent/build.mjs [--out <dir>]   →   node <dir>/apps/agent/src/main.js
import { transformFile } from '@swc/core';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outArg = process.argv.indexOf('--out');
const OUT = resolve(outArg > 0 ? process.argv[outArg + 1] : join(ROOT, 'apps/agent/dist'));
const FOLDERS = ['apps/agent/src', 'libs/protocol/src'];

const walk = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
const files = FOLDERS.flatMap((f) => walk(join(ROOT, f))).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.endsWith('.d.ts'));

const started = Date.now();
rmSync(join(OUT, 'apps/agent/src'), { recursive: true, force: true });
rmSync(join(OUT, 'libs/protocol/src'), { recursive: true, force: true });
await Promise.all(
  files.map(async (file) => {
    const { code } = await transformFile(file, {
      swcrc: false,
      sourceMaps: false,
      module: { type: 'commonjs' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript' },
        keepClassNames: true,
        baseUrl: ROOT,
        paths: { '@fanmesh/protocol': ['libs/protocol/src/index.ts'] },
      },
    });
    const target = join(OUT, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }),
);
if (!process.argv.includes('--quiet')) process.stderr.write(`agent: compiled ${files.length} files to ${relative(process.cwd(), OUT) || '.'} in ${Date.now() - started} ms\n`);
