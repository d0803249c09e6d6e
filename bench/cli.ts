/**
 * Start-up of the command line: `node bin/diffcontact.js simulate scenes/ball-drop.json
 * --steps 1 --json` as a child process, from launch to exit (one simulated step: nearly all
 * of it is loading node, the CLI and its dependencies). The package is built first, so the
 * bin runs the compiled CLI as an installed package does. Wall clock on a shared machine is
 * noisy: the median of many runs, and the same against a bare `node -e 0` of the same run.
 * The bin runs the CLI bundled by esbuild into one file (dist/cli/cli.cjs, scripts/bundle-cli.ts)
 * with the V8 code cache the build's warm-up run made (dist/cli/cli.cache, bin/compiled-cli.js).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Figure } from './harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 21;

let built = false;
function buildOnce(): void {
  if (built) return;
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  execFileSync(process.execPath, [tsx, 'scripts/build.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

/** Median wall time (s) of `node …args` run to completion, after two warm-up runs. */
function medianSeconds(args: readonly string[]): number {
  const times: number[] = [];
  for (let k = 0; k < RUNS + 2; k++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
    if (k >= 2) times.push(seconds);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const SIMULATE = ['bin/diffcontact.js', 'simulate', 'scenes/ball-drop.json', '--steps', '1', '--json'];
let startup: number | undefined;
function cliStartup(): number {
  buildOnce();
  startup ??= medianSeconds(SIMULATE);
  return startup;
}

export const cliFigures: Figure[] = [
  {
    name: 'cli.startup.seconds',
    describe:
      'node bin/diffcontact.js simulate scenes/ball-drop.json --steps 1 --json, launch to exit (bundled CLI, median of 21)',
    unit: 's',
    goal: { max: 0.3 },
    run: cliStartup,
  },
  {
    name: 'cli.startup.overNode',
    describe: "the same over a bare `node -e 0` measured in the same run (what the CLI adds to node's own start)",
    unit: 'ratio',
    run: () => cliStartup() / medianSeconds(['-e', '0']),
  },
];
