// Compiles the verifier (verifier/src) and the one library it uses (libs/protocol/src) to CommonJS
// with SWC, in the repo's layout under verifier/dist, the @fanmesh/protocol import rewritten to a
// relative path, so `npm run verify` runs on plain Node with ethers and @openzeppelin/merkle-tree.
//
//   node verifier/build.mjs   →   node verifier/dist/verifier/src/cli.js
import { transformFile } from '@swc/core';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'verifier/dist');
const FOLDERS = ['verifier/src', 'libs/protocol/src'];

const walk = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
const files = FOLDERS.flatMap((f) => walk(join(ROOT, f))).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.endsWith('.d.ts'));

rmSync(OUT, { recursive: true, force: true });
await Promise.all(
  files.map(async (file) => {
    const { code } = await transformFile(file, {
      swcrc: false,
      sourceMaps: false,
      module: { type: 'commonjs' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript' },
        baseUrl: ROOT,
        paths: { '@fanmesh/protocol': ['libs/protocol/src/index.ts'] },
      },
    });
    const target = join(OUT, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }),
);
