/**
 * How the commands write files so that no run leaves a half-written one, overwrites its
 * own input, or mixes its outputs with another run's:
 *
 * - {@link writeFileAtomic}, {@link AtomicFile} (the same, written while it is produced:
 *   a trajectory frame by frame): the text goes to a temporary file in the target's own
 *   folder (same file system), which is then renamed over the target. A rename is atomic, so an
 *   interrupted run (SIGINT, a crash, a full disk) leaves the old file or the new one,
 *   never a partial one; only the temporary `.<name>.<pid>.tmp` may be left behind.
 * - {@link refuseInputAsOutput}: `--out scene.json` on the scene being read is invalid
 *   input (exit 2), whatever the spelling of the two paths.
 * - {@link claimOutputFolder}: a command that writes a set of files (optimize) locks its
 *   folder before it starts working, so an unwritable or busy folder is reported at once
 *   (exit 2) and two runs never write into one folder together; it writes the set into a
 *   folder of its own and shows it at the output folder's path with one rename (the path
 *   is a link to the latest complete run), so a kill at any instant leaves the old set or
 *   the new one, never a mix.
 */
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.ts';

/** The reason of a file-system error in words (its code and message). */
export function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such folder',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is not a folder',
    ENOSPC: 'no space left on the device',
  };
  return code !== undefined && Object.hasOwn(words, code) ? words[code] : (err as Error).message;
}

/**
 * A file written piece by piece and put in place only when complete: the pieces go to a
 * temporary `.<name>.<pid>.tmp` in the target's folder (same file system), buffered into
 * writes of {@link AtomicFile.CHUNK} characters; {@link commit} renames it over the target.
 * Until then the old file (or none) is what a reader sees; {@link abort} (a failed run)
 * removes the temporary file. An unwritable path is invalid input: a {@link UsageError}
 * naming `what` and the file, raised when it is opened.
 *
 * @example
 * const out = new AtomicFile('trajectory.json', 'trajectory file');
 * try { for (const frame of frames) out.write(JSON.stringify(frame)); out.commit(); } catch (e) { out.abort(); throw e; }
 */
export class AtomicFile {
  /** characters buffered before a write to the temporary file (64 Ki: few system calls, little memory) */
  static readonly CHUNK = 1 << 16;
  /** the temporary file, or null when the target is written in place (not a regular file) */
  private readonly temp: string | null;
  /** the path the rename replaces: `file`, or the file a symlink at `file` points to */
  private readonly target: string;
  private fd: number;
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(
    readonly file: string,
    private readonly what = 'file',
  ) {
    const target = writeTarget(file);
    // a device or a pipe (`--out /dev/stdout`, a FIFO) is written in place: a rename would
    // replace the device node itself, and a stream has no old content to keep
    this.temp = target.regular ? join(dirname(target.path), `.${basename(target.path)}.${process.pid}.tmp`) : null;
    this.target = target.path;
    try {
      this.fd = openSync(this.temp ?? this.target, 'w');
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Append `text` (buffered). */
  write(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= AtomicFile.CHUNK) this.flush();
  }

  /** Write what is buffered, close the temporary file and rename it over the target. */
  commit(): void {
    try {
      this.flush();
      closeSync(this.fd);
      this.fd = -1;
      if (this.temp !== null) renameSync(this.temp, this.target);
    } catch (err) {
      this.abort();
      throw err instanceof UsageError ? err : this.failure(err);
    }
  }

  /** Close and remove the temporary file; the target is left as it was (idempotent). */
  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.pending = [];
    if (this.temp !== null) rmSync(this.temp, { force: true });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    try {
      writeSync(this.fd, text);
    } catch (err) {
      this.abort();
      throw this.failure(err);
    }
  }

  private failure(err: unknown): UsageError {
    return new UsageError(`cannot write ${this.what} '${this.file}': ${reasonOf(err)}`);
  }
}

/**
 * Where {@link AtomicFile} writes `file`: a symlink is followed (the rename replaces the
 * file it points to, and the link stays a link), and a target that exists but is not a
 * regular file or a folder (a character device such as /dev/null or /dev/stdout, a FIFO,
 * a socket) is written in place.
 */
function writeTarget(file: string): { path: string; regular: boolean } {
  let stats;
  try {
    stats = statSync(file);
  } catch {
    // no such file yet (or a dangling link): the rename creates it
    return { path: file, regular: true };
  }
  // /dev/stdout links to /proc/self/fd/1, whose own target may be no path at all (pipe:[…]): opened in place
  if (!stats.isFile() && !stats.isDirectory()) return { path: file, regular: false };
  return { path: realpathSync(file), regular: true };
}

/**
 * Write `text` (or its pieces: a long text never has to be one string in memory) to
 * `file` atomically ({@link AtomicFile}).
 *
 * @example
 * writeFileAtomic('trajectory.json', JSON.stringify(trajectory), 'trajectory file');
 */
export function writeFileAtomic(file: string, text: string | Iterable<string>, what = 'file'): void {
  const out = new AtomicFile(file, what);
  try {
    if (typeof text === 'string') out.write(text);
    else for (const piece of text) out.write(piece);
  } catch (err) {
    out.abort();
    throw err;
  }
  out.commit();
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
    if (sameFile(out, input))
      throw new UsageError(
        `${flag} '${out}' is the input scene '${input}': choose another file (the scene would be overwritten)`,
      );
  }
}

/**
 * An output folder claimed for one run. The run writes into {@link staging}, a fresh folder
 * of its own; {@link commit} then makes `dir` show it. `dir` is a symbolic link to the
 * latest complete run (`<parent>/.<name>.runs/<run>/`), replaced by one rename: a reader
 * of `dir`, or a run killed at any instant, sees the previous run's complete set of files
 * or the new one's, never a mix.
 */
export interface OutputFolder {
  /** the folder the command was given (after commit: a link to this run's files) */
  readonly dir: string;
  /** where this run writes its files */
  readonly staging: string;
  /** show the staging folder at `dir` (one atomic rename) and remove older runs' folders */
  commit(): void;
  /** remove the lock, and the staging folder if it was not committed (idempotent) */
  release(): void;
}

/** The lock file of output folder `dir`: beside it, since `dir` itself is replaced. */
export function outputLockPath(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.lock`);
}

/** Where the runs of output folder `dir` keep their files (`dir` links to one of them). */
function runsFolder(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.runs`);
}

/** The lock file the folders of earlier versions kept inside themselves. */
const LEGACY_LOCK_NAME = '.diffcontact.lock';

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
 * What `dir` is now: absent, a link to one of its runs, or a plain folder holding only
 * `ownFiles` (an earlier version's output, or empty: replaced by a link at commit). A
 * file, a foreign link or a folder with other files is a {@link UsageError}: the command
 * would replace it.
 */
function existingOutput(dir: string, ownFiles: readonly string[]): 'absent' | 'link' | 'folder' {
  let kind: 'absent' | 'link' | 'folder' | 'file' = 'absent';
  try {
    const st = lstatSync(dir);
    kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'folder' : 'file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`cannot use output folder '${dir}': ${reasonOf(err)}`);
  }
  if (kind === 'file') throw new UsageError(`output folder '${dir}' is a file: give a folder with --out`);
  if (kind === 'link' && !readlinkSync(dir).startsWith(`.${basename(dir)}.runs/`)) {
    throw new UsageError(
      `output folder '${dir}' is a link to elsewhere (${readlinkSync(dir)}): give a new folder with --out`,
    );
  }
  if (kind === 'folder') {
    const other = readdirSync(dir).filter((f) => f !== LEGACY_LOCK_NAME && !ownFiles.includes(f));
    if (other.length > 0) {
      throw new UsageError(
        `output folder '${dir}' holds other files (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''}): a run replaces its whole output folder; give a new or empty folder with --out`,
      );
    }
  }
  return kind;
}

/**
 * Claim output folder `dir` for this process, before any work is done: check that `dir`
 * can be replaced (see {@link existingOutput}), lock it (`.<name>.lock` beside it, holding
 * the pid, created exclusively; a lock left by a process that no longer runs is taken
 * over) and create this run's staging folder. A busy, unwritable or foreign folder is a
 * {@link UsageError} (exit 2).
 *
 * @example
 * const folder = claimOutputFolder('out/push-box', ['result.json']);
 * try { writeFileAtomic(join(folder.staging, 'result.json'), text); folder.commit(); } finally { folder.release(); }
 */
export function claimOutputFolder(dir: string, ownFiles: readonly string[]): OutputFolder {
  // absolute, without a trailing separator: the link itself is renamed, not what it points to
  const path = resolve(dir);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create output folder '${dir}': ${reasonOf(err)}`);
  }
  const lock = outputLockPath(path);
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
  const releaseLock = () => {
    try {
      if (readFileSync(lock, 'utf8').trim() === String(process.pid)) unlinkSync(lock);
    } catch {
      // gone already: nothing to release
    }
  };
  let kind: ReturnType<typeof existingOutput>;
  const runs = runsFolder(path);
  const run = `${Date.now()}-${process.pid}`;
  const staging = join(runs, run);
  try {
    kind = existingOutput(path, ownFiles);
    mkdirSync(staging, { recursive: true });
  } catch (err) {
    releaseLock();
    throw err instanceof UsageError ? err : new UsageError(`cannot write to output folder '${dir}': ${reasonOf(err)}`);
  }
  let held = true;
  let committed = false;
  return {
    dir,
    staging,
    commit() {
      const link = join(dirname(path), `.${basename(path)}.link-${process.pid}`);
      rmSync(link, { force: true });
      symlinkSync(join(basename(runs), run), link, 'dir');
      // an earlier version's plain folder (or an empty one) cannot be renamed over: it
      // moves into the runs folder first, the one moment `dir` is absent (once per folder)
      if (kind === 'folder') renameSync(path, join(runs, `earlier-${run}`));
      renameSync(link, path);
      committed = true;
      for (const old of readdirSync(runs)) if (old !== run) rmSync(join(runs, old), { recursive: true, force: true });
    },
    release() {
      if (!held) return;
      held = false;
      if (!committed) rmSync(staging, { recursive: true, force: true });
      releaseLock();
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
  return new UsageError(
    `output folder '${dir}' is being written by another run${owner}: wait for it, or give another folder with --out`,
  );
}

/** The real path of an existing file, else its absolute path. */
export function canonicalPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}
