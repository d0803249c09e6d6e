// Issue 16, files: `simulate --out` streams its frames (memory bounded however long the
// run), and optimize's three files appear together (a kill at any instant leaves the old
// set or the new one).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimOutputFolder, writeFileAtomic } from '../../scenes/cli/files.ts';
import { OUTPUT_FILES } from '../../scenes/optimize/driver.ts';
import { BIN, cli, cliWith } from './cli-run.ts';

let dir = '';
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffcontact-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simulate --out streams the trajectory (memory does not grow with the steps)', () => {
  // 30 spheres drifting apart without gravity: no contacts, a frame every step (dt = 1/60 s)
  const STEPS = 12_000;
  const BODIES = 30;
  const scene = {
    dt: 1 / 60,
    steps: STEPS,
    gravity: [0, 0, 0],
    bodies: Array.from({ length: BODIES }, (_, i) => ({
      name: `s${i}`,
      shape: { type: 'sphere', radius: 0.1 },
      mass: 1,
      position: [i % 6, Math.floor(i / 6), 0],
      linearVelocity: [0.01 * i, 0, 0],
    })),
  };
  /** V8's old-generation heap limit for the run, MiB */
  const HEAP_MIB = 16;

  it(`writes a trajectory larger than its ${HEAP_MIB} MiB heap limit, whole and right`, async () => {
    writeFileSync(file('drift.json'), JSON.stringify(scene));
    const out = file('drift-trajectory.json');
    // the bound is V8's own: a run that kept its frames (≈ 360 k poses, > 64 MiB measured) dies of it
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [
        `--max-old-space-size=${HEAP_MIB}`,
        BIN,
        'simulate',
        file('drift.json'),
        '--json',
        '--out',
        out,
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(HEAP_MIB * 2 ** 20);
    const trajectory = JSON.parse(readFileSync(out, 'utf8')) as {
      dt: number;
      frames: { time: number; bodies: Record<string, { position: number[] }> }[];
    };
    expect(trajectory.frames).toHaveLength(STEPS + 1);
    // free flight: x(t) = x₀ + v t, in every frame
    const final = JSON.parse(r.stdout).final;
    const last = trajectory.frames[STEPS];
    expect(last.time).toBeCloseTo(STEPS / 60, 9);
    for (let i = 0; i < BODIES; i++) {
      expect(last.bodies[`s${i}`].position).toEqual(final[`s${i}`].position);
      expect(last.bodies[`s${i}`].position[0]).toBeCloseTo((i % 6) + 0.01 * i * (STEPS / 60), 6);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 180_000);

  it('a run that diverges leaves the old file in place and no temporary file', async () => {
    const out = file('tiny-trajectory.json');
    writeFileSync(out, '{"old": true}\n');
    // a 1e-30 kg ball on a penalty spring of 1e4 N/m: the divergence monitor stops it
    const tiny = {
      steps: 1000,
      contact: { mode: 'penalty' },
      bodies: [
        { name: 'ground', shape: { type: 'plane' } },
        { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1e-30, position: [0, 0, 0.5] },
      ],
    };
    writeFileSync(file('tiny.json'), JSON.stringify(tiny));
    const r = await cli('simulate', file('tiny.json'), '--out', out);
    expect(r.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('{"old": true}\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe("optimize's output folder holds one run's complete set, whatever instant the run stops", () => {
  const GROUND = { name: 'ground', shape: { type: 'plane' } };
  /** a ball dropped from 1 m; the objective differs by target so the two runs' files differ */
  const dropScene = (target: number) => ({
    dt: 0.002,
    steps: 50,
    bodies: [GROUND, { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1] }],
    objective: { of: 'ball.position.z', target, wrt: ['ball.position.z'] },
  });

  /** The name of the run each file of `folder` came from (alpha or beta), and the file list. */
  function runsIn(folder: string): { files: string[]; from: string[] } {
    const files = readdirSync(folder).sort();
    const result = JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as { scene: string };
    const trajectory = JSON.parse(readFileSync(join(folder, 'trajectory.json'), 'utf8')) as {
      scene: { objective: { target: number } };
    };
    const svg = readFileSync(join(folder, 'loss.svg'), 'utf8');
    const svgName = /alpha|beta/.exec(svg)?.[0] ?? '?';
    return { files, from: [result.scene, trajectory.scene.objective.target === 0.9 ? 'alpha' : 'beta', svgName] };
  }

  it('no reader sees a folder half written: staging is invisible until one rename shows it (in process)', () => {
    const out = file('inproc');
    const first = claimOutputFolder(out, OUTPUT_FILES);
    for (const f of OUTPUT_FILES) writeFileAtomic(join(first.staging, f), 'first');
    first.commit();
    first.release();
    // a second run writes two of three files and is "killed": neither committed nor released
    const second = claimOutputFolder(out, OUTPUT_FILES);
    writeFileAtomic(join(second.staging, 'result.json'), 'second');
    writeFileAtomic(join(second.staging, 'trajectory.json'), 'second');
    expect(readdirSync(out).sort()).toEqual([...OUTPUT_FILES].sort());
    for (const f of OUTPUT_FILES) expect(readFileSync(join(out, f), 'utf8')).toBe('first');
    // its lock holds this (live) process's pid, which a new claim from it takes over
    const third = claimOutputFolder(out, OUTPUT_FILES);
    for (const f of OUTPUT_FILES) writeFileAtomic(join(third.staging, f), 'third');
    third.commit();
    third.release();
    for (const f of OUTPUT_FILES) expect(readFileSync(join(out, f), 'utf8')).toBe('third');
    // the runs folder keeps the current run only
    expect(readdirSync(file('.inproc.runs'))).toHaveLength(1);
  });

  it('SIGKILL at random instants of runs alternating between two scenes: old-complete or new-complete every time', async () => {
    writeFileSync(file('alpha.json'), JSON.stringify(dropScene(0.9)));
    writeFileSync(file('beta.json'), JSON.stringify(dropScene(0.8)));
    const out = file('killed');
    const start = performance.now();
    const first = await cliWith({ timeout: 120_000 }, 'optimize', file('alpha.json'), '--iters', '2', '--out', out);
    expect(first.stderr.replace(/^diffcontact: target not reached.*\n/m, '')).toBe('');
    const duration = performance.now() - start;
    expect(runsIn(out).from).toEqual(['alpha', 'alpha', 'alpha']);
    // a seeded sequence of kill instants over the whole run, start-up to the last rename
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let killed = 0;
    const seen = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const scene = round % 2 === 0 ? 'beta' : 'alpha';
      const child = spawn(process.execPath, [BIN, 'optimize', file(`${scene}.json`), '--iters', '2', '--out', out], {
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), (0.3 + 0.9 * random()) * duration);
      const signal = await exited;
      clearTimeout(timer);
      if (signal === 'SIGKILL') killed++;
      const { files, from } = runsIn(out);
      expect(files).toEqual([...OUTPUT_FILES].sort());
      expect(new Set(from).size, `round ${round}: ${from.join(', ')}`).toBe(1);
      seen.add(from[0]);
    }
    expect(killed).toBeGreaterThan(0);
    expect(existsSync(join(out, 'result.json'))).toBe(true);
    // a kill leaves at most its own unfinished run folder beside the current one; the next run removes it
    const last = await cliWith({ timeout: 120_000 }, 'optimize', file('beta.json'), '--iters', '2', '--out', out);
    expect(last.code === 0 || last.code === 3).toBe(true);
    expect(runsIn(out).from).toEqual(['beta', 'beta', 'beta']);
    expect(readdirSync(file('.killed.runs'))).toHaveLength(1);
    expect(seen.size).toBeGreaterThan(0);
  }, 600_000);
});
