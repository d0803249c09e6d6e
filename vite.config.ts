/**
 * Vite serves and builds the viewer page (render/app, `npm run view`). The page imports
 * sim/ and ad/ from the repository and bundles scenes/*.json, so the dev server may read
 * the whole checkout; the physics worker is an ES module worker.
 *
 * The page's optimizer is the CLI's (scenes/optimize/driver.ts), whose modules import a
 * few node built-ins and commander for what the page never calls (files, worker threads,
 * the CLI's error class, the CLI itself for a scene script run by node): those resolve to render/app/node-shims.ts, whose functions
 * throw if called. vega and vega-lite (the CLI's loss SVG, loaded on use) are left out
 * of the bundle the same way: importing them fails, as on an install without them, and the
 * cluster client (BullMQ) resolves to render/app/cluster-shim.ts.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));
const nodeShims = fileURLToPath(new URL('./render/app/node-shims.ts', import.meta.url));
const missing = fileURLToPath(new URL('./render/app/not-bundled.ts', import.meta.url));
const clusterShim = fileURLToPath(new URL('./render/app/cluster-shim.ts', import.meta.url));
const SHIMMED = [
  'node:fs',
  'node:path',
  'node:url',
  'node:os',
  'node:module',
  'node:worker_threads',
  'node:perf_hooks',
  'node:child_process',
  'commander',
];

export default defineConfig({
  root: fileURLToPath(new URL('./render/app', import.meta.url)),
  // relative asset URLs: the built page works from any folder
  base: './',
  server: { host: '127.0.0.1', fs: { allow: [repoRoot] } },
  worker: { format: 'es' },
  resolve: {
    alias: [
      ...SHIMMED.map((name) => ({ find: new RegExp(`^${name}$`), replacement: nodeShims })),
      // scenes/optimize/driver.ts runStandalone loads the whole CLI on use (a script run by node)
      { find: /^\.\.\/cli\/program\.ts$/, replacement: nodeShims },
      { find: /^vega(-lite)?$/, replacement: missing },
      // the optimizer's pool (scenes/cluster/pool.ts) may hand batches to a Redis cluster: the
      // page never does, and BullMQ is node-only (render/app/cluster-shim.ts)
      { find: /^\.\/client\.ts$/, replacement: clusterShim },
    ],
  },
  // pre-bundle every dependency up front, so the dev server never reloads the page mid-use
  optimizeDeps: {
    include: ['three', 'three/examples/jsm/controls/OrbitControls.js', 'lil-gui', 'uplot', 'zod', 'ml-matrix'],
  },
  build: {
    outDir: fileURLToPath(new URL('./dist/viewer', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
