/**
 * One run of the command line on the process: `main(argv)` runs the command and returns the
 * exit code. scenes/cli.ts calls it (the sources, through tsx); the compiled CLI
 * (dist/cli/cli.cjs, scripts/bundle-cli.ts) is this module bundled, which bin/diffcontact.js
 * loads and calls.
 */
import { processIo } from './process-io.ts';
import { runCli } from './program.ts';

/** Run `diffcontact …argv` on process.stdout and process.stderr; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // a reader that leaves early (`… | head`) ends stdout quietly; a full disk is reported (process-io.ts)
  const io = processIo();
  return io.settle(await runCli(argv, io));
}
