/**
 * The page's entry point: starts the physics worker first, so that its script downloads,
 * compiles and is ready by the time the page asks for the first rollout, then loads the
 * page itself (main.ts: three.js, the plots and controls, most of the page's bytes),
 * which sends that worker its first request. Started from main.ts instead, the worker
 * began loading only after the page's bundle had been fetched and evaluated, and the first
 * trajectory waited for both one after the other.
 */
import './physics-worker.ts';

import('./main.ts').catch((err: unknown) => {
  document.body.textContent = `The viewer could not start: ${err instanceof Error ? err.message : String(err)}`;
  throw err;
});
