// Issue 16: the CLI where its output goes away or cannot be written. A reader that leaves
// early (`diffcontact optimize --help | head -1`) ends the run quietly with the command's
// own exit code; stdout on a full disk is an error; `--out` on a device or through a
// symlink writes there and never replaces the device node or the link.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliInProcess } from './cli-run.ts';

let dir = '';
const file = (name: string) => join(dir, name);

const DROP = {
  dt: 0.002,
  steps: 50,
  bodies: [
    { name: 'ground', shape: { type: 'plane' } },
    { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1] },
  ],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffcontact-streams-'));
  writeFileSync(file('drop.json'), JSON.stringify(DROP));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * The real binary with its stdout a pipe whose reading end is closed before the program
 * starts: its first write to stdout fails with EPIPE, as under `| head -1` once head has gone.
 */
function withStdoutClosed(args: string[]): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** The real binary with stdout opened on `path` (a shell's `> path`). */
function withStdoutOn(path: string, args: string[]): Promise<Exit> {
  const fd = openSync(path, 'w');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('a reader that leaves early (EPIPE on stdout)', () => {
  it('help, simulate, grad and sweep end quietly with their own exit code', async () => {
    const drop = file('drop.json');
    const runs: [string[], number][] = [
      [['optimize', '--help'], 0],
      [['simulate', drop, '--json'], 0],
      [['grad', drop, '--of', 'ball.position.z', '--wrt', 'ball.position.z'], 0],
      [
        [
          'sweep',
          drop,
          '--of',
          'ball.position.z',
          '--wrt',
          'ball.position.z',
          '--from',
          '0.9',
          '--to',
          '1',
          '--n',
          '3',
        ],
        0,
      ],
      // a failing command still exits with its code, and its message still reaches stderr
      [['simulate', drop, '--steps', '-1'], 2],
    ];
    const exits = await Promise.all(runs.map(([args]) => withStdoutClosed(args)));
    exits.forEach((exit, i) => {
      const [args, code] = runs[i];
      expect(exit.signal, args.join(' ')).toBeNull();
      expect(exit.code, `${args.join(' ')}: ${exit.stderr}`).toBe(code);
      if (code === 0) expect(exit.stderr, args.join(' ')).toBe('');
      else expect(exit.stderr).toMatch(/^diffcontact: [^\n]*--steps/);
      expect(exit.stderr).not.toMatch(/EPIPE|\n\s+at /);
    });
  }, 120_000);
});

describe('stdout on a full disk (/dev/full)', () => {
  it.skipIf(!existsSync('/dev/full'))('is an error on stderr, exit 1, not a stack trace and not success', async () => {
    const exit = await withStdoutOn('/dev/full', ['simulate', file('drop.json'), '--json']);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe('diffcontact: cannot write to standard output: no space left on the device\n');
  });
});

describe('--out on a device, a FIFO-like stream or a symlink', () => {
  it.skipIf(!existsSync('/dev/full'))(
    'a link to /dev/full: the write fails (exit 2 naming the file) and the link is still a link to the device',
    async () => {
      const link = file('full-link.json');
      symlinkSync('/dev/full', link);
      const r = await cliInProcess('simulate', file('drop.json'), '--out', link);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^diffcontact: cannot write trajectory file '.*full-link\.json': no space left/);
      // a rename over the link would have replaced it with a regular file and reported success
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
    },
  );

  it('a link to a regular file: the file gets the new trajectory, the link stays a link', async () => {
    const real = file('real-trajectory.json');
    const link = file('link-trajectory.json');
    writeFileSync(real, '{"old": true}\n');
    symlinkSync(real, link);
    const r = await cliInProcess('simulate', file('drop.json'), '--out', link);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, 'utf8')).frames.length).toBeGreaterThan(1);
  });
});
