/**
 * Vite serves and builds the viewer page (render/app, `npm run view`). The page imports
 * sim/ and ad/ from the repository and bundles scenes/*.json, so the dev server may read
 * the whole checkout; the physics worker is an ES module worker.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('./render/app', import.meta.url)),
  // relative asset URLs: the built page works from any folder
  base: './',
  server: { host: '127.0.0.1', fs: { allow: [repoRoot] } },
  worker: { format: 'es' },
  // pre-bundle every dependency up front, so the dev server never reloads the page mid-use
  optimizeDeps: { include: ['three', 'three/examples/jsm/controls/OrbitControls.js', 'lil-gui', 'uplot', 'zod', 'ml-matrix'] },
  build: { outDir: fileURLToPath(new URL('./dist/viewer', import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
