/**
 * What the page's bundle gets for the node-only modules the CLI's optimizer imports
 * (vite.config.ts aliases them here). The page runs the optimizer inline (`threads: 0`)
 * and never writes files, so none of these is called there: each function throws if it
 * ever is, naming itself, rather than doing something else quietly. The two values the
 * imported modules read when they load are the browser's own: `performance`, and
 * `isMainThread` (true: sim/smoothing.ts's worker entry stays asleep).
 */

function unavailable(name: string): never {
  throw new Error(`${name} is not available in the viewer page (a node-only part of the CLI's optimizer was called)`);
}

/** node:perf_hooks */
export const performance = globalThis.performance;

/** node:worker_threads */
export const isMainThread = true;
export const parentPort = null;
export const workerData = null;
export class Worker {
  constructor() {
    unavailable('node:worker_threads Worker');
  }
}

/** node:os */
export function availableParallelism(): number {
  return unavailable('node:os availableParallelism');
}

/** node:fs */
export const readFileSync = (): never => unavailable('node:fs readFileSync');
export const mkdirSync = (): never => unavailable('node:fs mkdirSync');
export const existsSync = (): never => unavailable('node:fs existsSync');
export const closeSync = (): never => unavailable('node:fs closeSync');
export const openSync = (): never => unavailable('node:fs openSync');
export const realpathSync = (): never => unavailable('node:fs realpathSync');
export const renameSync = (): never => unavailable('node:fs renameSync');
export const rmSync = (): never => unavailable('node:fs rmSync');
export const statSync = (): never => unavailable('node:fs statSync');
export const unlinkSync = (): never => unavailable('node:fs unlinkSync');
export const writeSync = (): never => unavailable('node:fs writeSync');

/** node:path */
export const join = (): never => unavailable('node:path join');
export const dirname = (): never => unavailable('node:path dirname');
export const basename = (): never => unavailable('node:path basename');
export const resolve = (): never => unavailable('node:path resolve');

/** node:url */
export const pathToFileURL = (): never => unavailable('node:url pathToFileURL');
export const fileURLToPath = (): never => unavailable('node:url fileURLToPath');

/** node:module */
export const createRequire = (): never => unavailable('node:module createRequire');

/** commander: the CLI's errors extend its CommanderError (scenes/cli/errors.ts) */
export class CommanderError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** scenes/cli/program.ts: a scene script run on its own starts the CLI (scenes/optimize/driver.ts runStandalone) */
export const runCli = (): never => unavailable('the CLI (scenes/cli/program.ts)');
