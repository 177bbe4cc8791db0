import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// React without @vitejs/plugin-react: esbuild's automatic JSX runtime is all this app needs.
export default defineConfig({
  root: __dirname,
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: { outDir: resolve(__dirname, 'dist'), emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: { proxy: { '/api': 'http://localhost:3000', '/health': 'http://localhost:3000', '/ws': { target: 'ws://localhost:3000', ws: true } } },
  logLevel: 'warn',
});
