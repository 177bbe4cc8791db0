import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

// The PWA may import only the wire contract of the libs; its alias is read from the root
// tsconfig.json's `paths`, the only place the aliases are written.
const WEB_LIBS = ['@fanmesh/protocol'];
const repo = resolve(__dirname, '../..');
const { compilerOptions } = JSON.parse(readFileSync(resolve(repo, 'tsconfig.json'), 'utf8')) as { compilerOptions: { baseUrl?: string; paths: Record<string, string[]> } };
const alias = Object.fromEntries(WEB_LIBS.map((name) => [name, resolve(repo, compilerOptions.baseUrl ?? '.', compilerOptions.paths[name][0])]));

/** Text files get .br and .gz copies beside them at build, which the API sends when the browser accepts them (no compression per request). */
const TEXT = /\.(js|css|html|svg|webmanifest|json|txt)$/;
function precompress(dir: string): Plugin {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  return {
    name: 'fanmesh-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(dir).filter((f) => TEXT.test(f))) {
        const body = readFileSync(file);
        if (body.length < 512) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}

// React without @vitejs/plugin-react: esbuild's automatic JSX runtime is all this app needs.
export default defineConfig({
  root: __dirname,
  base: '/',
  esbuild: { jsx: 'automatic' },
  resolve: { alias },
  plugins: [precompress(resolve(__dirname, 'dist'))],
  build: { outDir: resolve(__dirname, 'dist'), emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: { proxy: { '/api': 'http://localhost:3000', '/health': 'http://localhost:3000', '/ws': { target: 'ws://localhost:3000', ws: true } } },
  logLevel: 'warn',
});
