/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// where `nx run web:serve` sends /v1 and /health (the api's port by default)
const api = process.env['API_URL'] ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/',
  plugins: [preact({ devtoolsInProd: false, reactAliasesEnabled: false })],
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // the first page (sign-in + overview) must stay far below 300 KB gzip: pages are lazy chunks
    chunkSizeWarningLimit: 200,
    // uPlot in a chunk of its own, loaded only by the pages that chart (overview, campaign)
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'uplot', test: /node_modules[\\/]uplot/ }] } } },
  },
  server: {
    port: 4200,
    strictPort: false,
    proxy: {
      '/v1': { target: api, changeOrigin: true },
      '/health': { target: api, changeOrigin: true },
    },
  },
  test: {
    root,
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    passWithNoTests: false,
    testTimeout: 20_000,
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    unstubGlobals: true,
    // one worker per file with its own DOM costs seconds each on a loaded 2-core runner; threads start faster
    pool: 'threads',
  },
});
