import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/sequencer';

/** The `@fanmesh/*` aliases, read from tsconfig.json's `paths` (the only place they are written). */
function tsconfigAliases(): Record<string, string> {
  const { compilerOptions } = JSON.parse(readFileSync(resolve(__dirname, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { baseUrl?: string; paths: Record<string, string[]> };
  };
  const base = resolve(__dirname, compilerOptions.baseUrl ?? '.');
  return Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, resolve(base, target)]));
}

// unplugin-swc emits decorator metadata, which NestJS injection needs (esbuild does not).
export default defineConfig({
  plugins: [
    swc.vite({
      swcrc: false,
      module: { type: 'es6' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        keepClassNames: true,
      },
    }),
  ],
  resolve: { alias: tsconfigAliases() },
  test: {
    include: ['apps/api/**/*.spec.ts', 'libs/**/*.spec.ts', 'contracts/test/**/*.spec.ts', 'test/**/*.spec.ts', 'venue-sim/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    // Two files at a time on the two cores. Three took a clean clone's run to 12.5-13.7 minutes but
    // kept the cores saturated (load average 8.6), and the camera spec then decoded no frame in time.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    sequence: { sequencer: SlowFirstSequencer },
  },
});
