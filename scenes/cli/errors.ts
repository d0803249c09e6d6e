/**
 * How the CLI turns a failure into an exit code and one line on stderr (docs/cli.md):
 * 2 for invalid input (bad flags, unreadable file, invalid scene, bad path, unknown
 * contact mode, a mode or command that is not available yet), 1 for anything else
 * (divergence, a gradient that is not available, a bug). Nothing reaches the user as a
 * bare stack trace.
 */
import { CommanderError } from 'commander';
import { SceneError } from '../../sim/errors.ts';

/** Exit code of a successful run. */
export const EXIT_OK = 0;
/** Exit code of a run that failed on valid input (divergence, unsupported gradient, bug). */
export const EXIT_FAILURE = 1;
/** Exit code of invalid input: the message says what to fix. */
export const EXIT_INVALID_INPUT = 2;
/** Exit code of `optimize` when the verified result misses the objective's tolerance (the best found is still printed and written). */
export const EXIT_TARGET_MISSED = 3;

/**
 * An optimization whose verified result misses its tolerance: exit code 3, after the
 * result has been printed.
 */
export class TargetMissedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetMissedError';
  }
}

/**
 * Invalid input found by the CLI itself (a missing file, a feature that is not available
 * yet). Exit code 2; the message is printed as is.
 *
 * @example
 * throw new UsageError("'sweep' is not available yet");
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The exit code for an error thrown by a command. Commander's own errors (unknown command
 * or option, bad option value, missing argument) are invalid input, except the ones that
 * end a successful `--help`/`--version` (their exit code is 0).
 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_INVALID_INPUT;
  if (err instanceof UsageError || err instanceof SceneError) return EXIT_INVALID_INPUT;
  if (err instanceof TargetMissedError) return EXIT_TARGET_MISSED;
  return EXIT_FAILURE;
}

/** The message of any thrown value, without a stack trace. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message === '' ? err.name : err.message;
  return String(err);
}

/**
 * `text` with control characters (C0 except newline and tab, DEL, C1) written as `\\u001b`
 * escapes: a body name or file name must not drive the user's terminal (colour codes,
 * cursor moves, a fake prompt) when a message echoes it.
 *
 * @example
 * escapeControl('bad\u001b[2Jname'); // 'bad\\u001b[2Jname'
 */
export function escapeControl(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
