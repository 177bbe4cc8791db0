import { transformFile } from '@swc/core';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * Compiles TypeScript folders of this repo to CommonJS under `outDir` (same layout), with the path
 * aliases of tsconfig.json, so a test can run real code in a child process it can kill.
 */
export async function compileForChild(folders: string[], outDir: string): Promise<void> {
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } };
  const files = folders.flatMap((f) => walk(join(ROOT, f))).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.endsWith('.d.ts'));
  await Promise.all(
    files.map(async (file) => {
      const out = await transformFile(file, {
        swcrc: false,
        sourceMaps: false,
        module: { type: 'commonjs' },
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          keepClassNames: true,
          baseUrl: ROOT,
          paths: tsconfig.compilerOptions.paths,
        },
      });
      const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, out.code);
    }),
  );
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? (name === 'node_modules' ? [] : walk(p)) : [p];
  });
}
