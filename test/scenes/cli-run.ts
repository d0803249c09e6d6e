// Running the diffcontact CLI from tests: as a child process (the real binary) or in
// process (`runCli`, ~0.5 s cheaper per call: no tsx start-up), and the failure contract.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runCli } from '../../scenes/cli/program.ts';

/** The CLI's entry point (for tests that start and signal the process themselves). */
export const BIN = fileURLToPath(new URL('../../bin/diffcontact.js', import.meta.url));

/** What one CLI run did. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/diffcontact.js …args` as a child process. */
export function cli(...args: string[]): Promise<Run> {
  return cliWith({}, ...args);
}

/** The same with a working directory and a time limit (ms, default 30 s). */
export function cliWith(opts: { cwd?: string; timeout?: number }, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: opts.timeout ?? 30_000, cwd: opts.cwd },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The same program in process: exit code and everything it wrote. */
export async function cliInProcess(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** A failed run: the exit code, one `diffcontact:` message, no stack trace, no NaN, nothing on stdout. */
export function expectFailure(r: Run, code: number): void {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(/^diffcontact: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout + r.stderr).not.toMatch(/NaN/);
  expect(r.stdout).toBe('');
}

/** The step a divergence message names (`diverged at step N: body '…'`). */
export function divergenceStep(stderr: string): number {
  const m = /diverged at step (\d+): body '([^']+)'/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return Number(m![1]);
}
