import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (name: string) => resolve(__dirname, `libs/${name}/src/index.ts`);

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
  resolve: {
    alias: {
      '@fanmesh/config': lib('config'),
      '@fanmesh/db': lib('db'),
      '@fanmesh/realtime': lib('realtime'),
      '@fanmesh/chain': lib('chain'),
      '@fanmesh/crypto': lib('crypto'),
      '@fanmesh/common': lib('common'),
      '@fanmesh/venues': lib('venues'),
      '@fanmesh/identity': lib('identity'),
      '@fanmesh/access': lib('access'),
      '@fanmesh/devices': lib('devices'),
      '@fanmesh/coverage': lib('coverage'),
      '@fanmesh/sensing': lib('sensing'),
      '@fanmesh/moments': lib('moments'),
      '@fanmesh/rewards': lib('rewards'),
      '@fanmesh/drops': lib('drops'),
      '@fanmesh/polls': lib('polls'),
      '@fanmesh/contracts': resolve(__dirname, 'contracts/artifacts/index.ts'),
    },
  },
  test: {
    include: ['apps/api/**/*.spec.ts', 'libs/**/*.spec.ts', 'contracts/test/**/*.spec.ts', 'test/**/*.spec.ts', 'venue-sim/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
