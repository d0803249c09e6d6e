/**
 * The `diffcontact` command (docs/cli.md): `simulate`, `grad` (with `--probe`) and
 * `sweep` on a scene file, `optimize` on a named scene or a scene file with an objective, `worker`
 * for a cluster. `bin/diffcontact.js` runs this file through tsx in a checkout whose build is
 * older than its sources (`npx tsx scenes/cli.ts <command> …` does the same), and otherwise
 * the same program compiled: scenes/cli/main.ts bundled into dist/cli/cli.cjs.
 *
 * The program lives in scenes/cli/ (main.ts: one run on the process's streams; program.ts: commands and flags; scene-input.ts: the
 * scene file and its flag overrides; simulate.ts, trajectory.ts, grad.ts, sweep.ts, plot.ts, optimize.ts: the commands;
 * errors.ts: exit codes). Exit code 0 success, 2 invalid input, 1 any other failure.
 */
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
