/**
 * The page's physics worker (worker.ts), created when this module is first evaluated:
 * by boot.ts, before the page's own bundle loads (main.ts takes it from here).
 */
export const physicsWorker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
