/**
 * How the commands write files so that no run leaves a half-written one, overwrites its
 * own input, or mixes its outputs with another run's:
 *
 * - {@link writeFileAtomic}: the text goes to a temporary file in the target's own folder
 *   (same file system), which is then renamed over the target. A rename is atomic, so an
 *   interrupted run (SIGINT, a crash, a full disk) leaves the old file or the new one,
 *   never a partial one; only the temporary `.<name>.<pid>.tmp` may be left behind.
 * - {@link refuseInputAsOutput}: `--out scene.json` on the scene being read is invalid
 *   input (exit 2), whatever the spelling of the two paths.
 * - {@link claimOutputFolder}: a command that writes a set of files (optimize) creates
 *   and locks its folder before it starts working, so an unwritable or busy folder is
 *   reported at once (exit 2), and two runs never write into one folder together.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.ts';

/** The reason of a file-system error in words (its code and message). */
function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: 'no such folder', EACCES: 'permission denied', EISDIR: 'it is a directory', EROFS: 'read-only file system', ENOTDIR: 'a part of the path is not a folder', ENOSPC: 'no space left on the device' };
  return code !== undefined && Object.hasOwn(words, code) ? words[code] : (err as Error).message;
}

/**
 * Write `text` to `file` atomically (temporary file in the same folder, then rename). An
 * unwritable path is invalid input: a {@link UsageError} naming `what` and the file.
 *
 * @example
 * writeFileAtomic('trajectory.json', JSON.stringify(trajectory), 'trajectory file');
 */
export function writeFileAtomic(file: string, text: string | Iterable<string>, what = 'file'): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  let fd = -1;
  try {
    fd = openSync(temp, 'w');
    // pieces are written one by one: a long trajectory never has to be one string in memory
    if (typeof text === 'string') writeSync(fd, text);
    else for (const piece of text) writeSync(fd, piece);
    closeSync(fd);
    fd = -1;
    renameSync(temp, file);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(temp, { force: true });
    throw new UsageError(`cannot write ${what} '${file}': ${reasonOf(err)}`);
  }
}

/** The same file, however written (`./a.json`, `a.json`, a symlink to it). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * Throw a {@link UsageError} (exit 2) if `out` is one of the `inputs`: a command never
 * overwrites the scene it is reading.
 */
export function refuseInputAsOutput(out: string, inputs: readonly string[], flag = '--out'): void {
  for (const input of inputs) {
    if (sameFile(out, input)) throw new UsageError(`${flag} '${out}' is the input scene '${input}': choose another file (the scene would be overwritten)`);
  }
}

/** A claimed output folder: write into it, then release it. */
export interface OutputFolder {
  readonly dir: string;
  /** remove the lock (idempotent) */
  release(): void;
}

const LOCK_NAME = '.diffcontact.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Create `dir` (with its parents) and lock it for this process: a lock file holding the
 * pid, created exclusively. A folder locked by a live process, or one that cannot be
 * created or written, is a {@link UsageError} (exit 2) — raised before any work is done.
 * A lock left by a process that no longer runs is taken over.
 *
 * @example
 * const folder = claimOutputFolder('out/push-box');
 * try { writeFileAtomic(join(folder.dir, 'result.json'), text); } finally { folder.release(); }
 */
export function claimOutputFolder(dir: string): OutputFolder {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create output folder '${dir}': ${reasonOf(err)}`);
  }
  const lock = join(dir, LOCK_NAME);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw busy(dir, lock);
        throw new UsageError(`cannot write to output folder '${dir}': ${reasonOf(err)}`);
      }
      const owner = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) throw busy(dir, lock);
      // a stale lock (its process is gone): take it over
      rmSync(lock, { force: true });
    }
  }
  let held = true;
  return {
    dir,
    release() {
      if (!held) return;
      held = false;
      try {
        if (existsSync(lock) && readFileSync(lock, 'utf8').trim() === String(process.pid)) unlinkSync(lock);
      } catch {
        // the folder went away: nothing to release
      }
    },
  };
}

function busy(dir: string, lock: string): UsageError {
  let owner = '';
  try {
    owner = ` (pid ${readFileSync(lock, 'utf8').trim()})`;
  } catch {
    // gone in the meantime
  }
  return new UsageError(`output folder '${dir}' is being written by another run${owner}: wait for it, or give another folder with --out`);
}

/** The real path of an existing file, else its absolute path. */
export function canonicalPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}
