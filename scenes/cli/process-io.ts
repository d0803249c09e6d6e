/**
 * The CLI's {@link CliIo} on the process's own streams, with what a unix tool does when a
 * stream goes away:
 *
 * - a reader that leaves early (`diffcontact optimize --help | head -1`, `simulate … | head`)
 *   ends the pipe, and the next write fails with EPIPE. The rest of that stream's text is
 *   dropped quietly (no message, no stack trace), and the command finishes as it would
 *   have: its files are written and its exit code is its own. (A C tool dies of SIGPIPE
 *   here; node ignores that signal, and a command that has already done its work has no
 *   reason to report a failure because nobody reads its summary.)
 * - any other write error (stdout redirected to a full disk: ENOSPC, EIO) loses output the
 *   user asked for: one `diffcontact:` line on stderr and exit code 1 if the command
 *   would otherwise have succeeded.
 *
 * The streams report write errors asynchronously (an 'error' event on a later tick), so
 * {@link ProcessIo.settle} waits one turn of the event loop before the exit code is final.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EXIT_FAILURE, EXIT_OK } from './errors.ts';
import { reasonOf } from './files.ts';
import type { CliIo } from './program.ts';

/** {@link CliIo} on process.stdout and process.stderr. */
export interface ProcessIo extends CliIo {
  /** The exit code of a command that returned `code`, once the streams' late errors are in. */
  settle(code: number): Promise<number>;
}

/** The error codes of a stream whose reader has gone: the end of a pipe, not a failure. */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/** A write function on `stream` that stops writing once the stream fails, and what it failed of. */
function guardedWriter(stream: NodeJS.WritableStream): { write(text: string): void; failure(): string | null } {
  let closed = false;
  let failure: string | null = null;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    closed = true;
    if (failure === null && !READER_GONE.has(err.code ?? '')) failure = reasonOf(err);
  });
  return {
    write: (text) => {
      if (!closed) stream.write(text);
    },
    failure: () => failure,
  };
}

/**
 * The process's streams as the CLI writes them (see the file header).
 *
 * @example
 * const io = processIo();
 * process.exitCode = await io.settle(await runCli(process.argv.slice(2), io));
 */
export function processIo(): ProcessIo {
  const out = guardedWriter(process.stdout);
  const err = guardedWriter(process.stderr);
  return {
    stdout: out.write,
    stderr: err.write,
    async settle(code) {
      await nextTurn();
      const failure = out.failure();
      if (failure === null) return code;
      err.write(`diffcontact: cannot write to standard output: ${failure}\n`);
      return code === EXIT_OK ? EXIT_FAILURE : code;
    },
  };
}
