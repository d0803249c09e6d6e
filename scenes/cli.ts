/**
 * The `diffcontact` command (docs/cli.md): `simulate`, `grad` (with `--probe`) and
 * `sweep` on a scene file, `optimize` on a named scene or a scene file with an objective, `worker`
 * for a cluster. `bin/diffcontact.js` runs this file compiled and bundled (dist/cli/cli.js), or
 * through tsx in a checkout whose build is older than its
 * sources; `npx tsx scenes/cli.ts <command> …` does the same.
 *
 * The program lives in scenes/cli/ (program.ts: commands and flags; scene-input.ts: the
 * scene file and its flag overrides; simulate.ts, trajectory.ts, grad.ts, sweep.ts, plot.ts, optimize.ts: the commands;
 * errors.ts: exit codes). Exit code 0 success, 2 invalid input, 1 any other failure.
 */
import { processIo } from './cli/process-io.ts';
import { runCli } from './cli/program.ts';

// a reader that leaves early (`… | head`) ends stdout quietly; a full disk is reported (process-io.ts)
const io = processIo();
process.exitCode = await io.settle(await runCli(process.argv.slice(2), io));
