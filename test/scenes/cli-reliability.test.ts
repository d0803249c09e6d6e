// The hostile cases of issue 16, run as a new user would run them: through the CLI. Each
// one used to exit 0 with an absurd result, lose a body, leave a broken file or depend on
// the working directory.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackFromTrajectoryFile } from '../../render/track.ts';
import { outputLockPath } from '../../scenes/cli/files.ts';
import { defaultOutputFolder } from '../../scenes/cli/optimize.ts';
import type { OptimizationProblem } from '../../scenes/optimize/problem.ts';
import { BIN, cli, cliInProcess, cliWith, divergenceStep, expectFailure } from './cli-run.ts';

let dir = '';
const file = (name: string) => join(dir, name);
const write = (name: string, scene: unknown) => writeFileSync(file(name), JSON.stringify(scene));

const GROUND = { name: 'ground', shape: { type: 'plane' } };

/** `layers` layers of nx × nx half-metre cubes of 1 kg, face to face, on the ground. */
function pile(nx: number, layers: number, contact: object, dt = 1 / 240) {
  const bodies: object[] = [GROUND];
  for (let l = 0; l < layers; l++) {
    for (let i = 0; i < nx; i++) {
      for (let j = 0; j < nx; j++) {
        bodies.push({
          name: `b${l}_${i}_${j}`,
          shape: { type: 'box', halfExtents: [0.25, 0.25, 0.25] },
          mass: 1,
          position: [0.5 * i, 0.5 * j, 0.25 + 0.5 * l],
        });
      }
    }
  }
  return { dt, steps: 1000, contact, bodies };
}

const TINY = {
  steps: 1000,
  contact: { mode: 'soft' },
  bodies: [GROUND, { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1e-30, position: [0, 0, 0.5] }],
  objective: { of: 'ball.position.z', target: 0.3, wrt: ['ball.position.z'] },
};

const SPHERES_AT_ONE_POINT = {
  steps: 500,
  contact: { mode: 'penalty', stiffness: 1e7 },
  bodies: [
    GROUND,
    ...Array.from({ length: 200 }, (_, i) => ({
      name: `s${i}`,
      shape: { type: 'sphere', radius: 0.1 },
      mass: 1,
      position: [0, 0, 1],
    })),
  ],
};

/** Bodies a user may name: Object.prototype's keys, unicode. */
const ODD_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '球体', 'é-ü_1'];

const ODD = {
  dt: 0.002,
  steps: 60,
  contact: { mode: 'penalty' },
  bodies: [
    GROUND,
    ...ODD_NAMES.map((name, i) => ({ name, shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [i, 0, 1] })),
  ],
};

const DROP = {
  dt: 0.002,
  steps: 50,
  bodies: [GROUND, { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1] }],
  objective: { of: 'ball.position.z', target: 0.9, wrt: ['ball.position.z'] },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffcontact-reliability-'));
  // k = 1e7 N/m at dt 1/240 s: ω·dt ≫ 2, beyond what an explicit spring can step (the soft
  // pile at k = 1e4 N/m, the explosion these cases used before, holds since the pair sweep)
  write('pile100-soft.json', pile(5, 4, { mode: 'soft', stiffness: 1e7 }));
  write('pile256-soft.json', pile(8, 4, { mode: 'soft', stiffness: 1e7 }));
  write('tiny.json', TINY);
  write('spheres200.json', SPHERES_AT_ONE_POINT);
  write('odd-names.json', ODD);
  write('drop.json', DROP);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('finite explosions exit 1 naming the step and the body (issue 16 case 1)', () => {
  it('simulate: a 4-layer pile of 256 boxes in soft mode at dt 1/240, k = 1e7', async () => {
    const r = await cliInProcess('simulate', file('pile256-soft.json'), '--json');
    expectFailure(r, 1);
    expect(divergenceStep(r.stderr)).toBeLessThan(20);
    expect(r.stderr).toMatch(/gained .* J/);
  });

  it('simulate: 200 spheres started at one point (penalty, k = 1e7) — more energy than their overlap stores', async () => {
    const r = await cliInProcess('simulate', file('spheres200.json'));
    expectFailure(r, 1);
    expect(divergenceStep(r.stderr)).toBeLessThan(20);
  });

  it('simulate: a 1e-30 kg ball (the real binary), with a hint naming the mass and the stiffness', async () => {
    const r = await cli('simulate', file('tiny.json'), '--json');
    expectFailure(r, 1);
    // it falls 0.4 m (≈ 0.29 s) before its first contact
    expect(divergenceStep(r.stderr)).toBeGreaterThan(250);
    expect(r.stderr).toMatch(/1\.00e-30 kg/);
  });

  it('grad names the step it happened (not the 100-step check interval, not the last step)', async () => {
    const r = await cliInProcess(
      'grad',
      file('pile100-soft.json'),
      '--of',
      'b0_0_0.position.z',
      '--wrt',
      'b0_0_0.position.z',
      '--steps',
      '60',
    );
    expectFailure(r, 1);
    const step = divergenceStep(r.stderr);
    expect(step).toBeLessThan(20);
    const hard = await cliInProcess(
      'grad',
      file('tiny.json'),
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.position.z',
      '--contact',
      'penalty',
      '--steps',
      '400',
    );
    expectFailure(hard, 1);
    expect(divergenceStep(hard.stderr)).toBeGreaterThan(250);
    expect(divergenceStep(hard.stderr)).toBeLessThan(400);
  });

  it('sweep exits 1 naming the step', async () => {
    const r = await cliInProcess(
      'sweep',
      file('tiny.json'),
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.position.z',
      '--from',
      '0.5',
      '--to',
      '0.6',
      '--n',
      '2',
      '--steps',
      '400',
    );
    expectFailure(r, 1);
    expect(divergenceStep(r.stderr)).toBeLessThan(400);
  });

  it('optimize exits 1 naming the step, before it writes anything', async () => {
    const out = file('opt-tiny');
    const r = await cliInProcess('optimize', file('tiny.json'), '--iters', '3', '--steps', '400', '--out', out);
    expectFailure(r, 1);
    expect(divergenceStep(r.stderr)).toBeLessThan(400);
    expect(existsSync(join(out, 'result.json'))).toBe(false);
  });
});

describe('any legal body name survives (case 2)', () => {
  it('simulate --json and --out keep __proto__, constructor, unicode, …; the viewer reads the trajectory back', async () => {
    const traj = file('odd-trajectory.json');
    const r = await cli('simulate', file('odd-names.json'), '--json', '--out', traj);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const final = JSON.parse(r.stdout).final;
    expect(Object.keys(final).sort()).toEqual(['ground', ...ODD_NAMES].sort());
    // each body started at x = i and fell straight down: its own pose, not another's
    ODD_NAMES.forEach((name, i) => expect(Object.getOwnPropertyDescriptor(final, name)?.value.position[0]).toBe(i));
    const json = JSON.parse(readFileSync(traj, 'utf8'));
    for (const frame of json.frames) expect(Object.keys(frame.bodies).sort()).toEqual(['ground', ...ODD_NAMES].sort());
    const { track } = trackFromTrajectoryFile(json);
    expect(track.nbody).toBe(ODD_NAMES.length + 1);
  });

  it('objective.bounds {"__proto__": …} is reported, not dropped', async () => {
    writeFileSync(
      file('proto-bounds.json'),
      JSON.stringify(DROP).replace('"objective":{', '"objective":{"bounds":{"__proto__":[0,1]},'),
    );
    const r = await cliInProcess('optimize', file('proto-bounds.json'), '--out', file('never'));
    expectFailure(r, 2);
    expect(r.stderr).toContain('objective.bounds.__proto__');
  });

  it('optimize constructor is an unknown scene, not Object', async () => {
    const r = await cliInProcess('optimize', 'constructor');
    expectFailure(r, 2);
    expect(r.stderr).toMatch(/unknown optimization scene 'constructor'/);
  });
});

describe('files are never half-written, never the input, never mixed (case 3)', () => {
  /** A scene whose trajectory is ~9 MB: 1,500 spheres in free fall, 61 frames. */
  function bigScene() {
    const bodies = Array.from({ length: 1500 }, (_, i) => ({
      name: `s${i}`,
      shape: { type: 'sphere', radius: 0.1 },
      mass: 1,
      position: [i % 50, Math.floor(i / 50), 10],
    }));
    return { dt: 1 / 60, steps: 60, bodies };
  }

  it('SIGINT while the trajectory is being written leaves the old file; a finished run leaves the whole new one', async () => {
    write('big.json', bigScene());
    const target = file('big-trajectory.json');
    const old = '{"old": true}\n';
    let interrupted = 0;
    for (let round = 0; round < 4 && interrupted === 0; round++) {
      writeFileSync(target, old);
      const child = spawn(process.execPath, [BIN, 'simulate', file('big.json'), '--out', target], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // wait for the temporary file to appear: the run is writing now
      let writing = false;
      for (let i = 0; i < 20_000 && child.exitCode === null; i++) {
        if (readdirSync(dir).some((f) => f.startsWith('.big-trajectory.json.') && f.endsWith('.tmp'))) {
          writing = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      if (writing) child.kill('SIGINT');
      const code = await exited;
      if (writing && code !== 0) {
        interrupted++;
        expect(readFileSync(target, 'utf8')).toBe(old);
      } else {
        expect(JSON.parse(readFileSync(target, 'utf8')).frames).toHaveLength(61);
      }
    }
    // at least one kill landed inside the write
    expect(interrupted).toBeGreaterThan(0);
    const done = await cliInProcess('simulate', file('big.json'), '--out', target);
    expect(done.code).toBe(0);
    expect(JSON.parse(readFileSync(target, 'utf8')).frames).toHaveLength(61);
  }, 120_000);

  it('--out naming the input scene (however spelled) exits 2 and leaves the scene alone', async () => {
    const before = readFileSync(file('drop.json'), 'utf8');
    const r = await cliInProcess(
      'simulate',
      file('drop.json'),
      '--out',
      join(dir, '.', '..', dir.split('/').pop()!, 'drop.json'),
    );
    expectFailure(r, 2);
    expect(r.stderr).toMatch(/is the input scene/);
    expect(readFileSync(file('drop.json'), 'utf8')).toBe(before);
    const plot = await cliInProcess(
      'sweep',
      file('drop.json'),
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.position.z',
      '--from',
      '0.9',
      '--to',
      '1',
      '--n',
      '2',
      '--plot',
      file('drop.json'),
    );
    expectFailure(plot, 2);
    // optimize would write result.json over a scene of that name in its output folder
    writeFileSync(file('result.json'), before);
    const opt = await cliInProcess('optimize', file('result.json'), '--iters', '1000000', '--out', dir);
    expectFailure(opt, 2);
    expect(readFileSync(file('result.json'), 'utf8')).toBe(before);
  });

  it('optimize checks its output folder before it starts: unwritable or busy is exit 2 at once', async () => {
    // a million iterations: had it started the optimization, the test would time out
    const blocked = file('a-file');
    writeFileSync(blocked, 'not a folder');
    const r = await cliInProcess('optimize', file('drop.json'), '--iters', '1000000', '--out', join(blocked, 'sub'));
    expectFailure(r, 2);
    expect(r.stderr).toMatch(/cannot create output folder/);
    // a folder another live process (the one that started this test) is writing
    const busy = file('busy');
    writeFileSync(outputLockPath(busy), `${process.ppid}\n`);
    const b = await cliInProcess('optimize', file('drop.json'), '--iters', '1000000', '--out', busy);
    expectFailure(b, 2);
    expect(b.stderr).toContain(`being written by another run (pid ${process.ppid})`);
    expect(existsSync(busy)).toBe(false);
    // a folder holding files of its own would be replaced: refused before the work too
    const foreign = file('foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const f = await cliInProcess('optimize', file('drop.json'), '--iters', '1000000', '--out', foreign);
    expectFailure(f, 2);
    expect(f.stderr).toMatch(/holds other files \(notes\.txt\)/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
  });

  it('a stale lock is taken over; scene files of one name in different folders get different output folders', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
    const work = file('work');
    for (const sub of ['a', 'b']) {
      mkdirSync(join(work, sub), { recursive: true });
      writeFileSync(
        join(work, sub, 'scene.json'),
        JSON.stringify({ ...DROP, objective: { ...DROP.objective, target: sub === 'a' ? 0.9 : 0.8 } }),
      );
    }
    // a/scene.json's folder, left locked by a process that is gone
    const folder = defaultOutputFolder(join(work, 'a', 'scene.json'), { name: 'scene' } as OptimizationProblem);
    expect(folder).toMatch(/^out\/scene-[0-9a-f]{8}$/);
    mkdirSync(join(work, 'out'), { recursive: true });
    writeFileSync(outputLockPath(join(work, folder)), `${deadPid}\n`);
    const again = await cliWith({ cwd: work }, 'optimize', join('a', 'scene.json'), '--iters', '1', '--json');
    expect(again.stderr).toBe('');
    expect(existsSync(join(work, folder, 'result.json'))).toBe(true);
    const second = await cliWith({ cwd: work }, 'optimize', join('b', 'scene.json'), '--iters', '1', '--json');
    expect(second.stderr).toBe('');
    // each output folder is a link to its latest run's folder (kept as .<name>.runs/ beside it)
    const after = readdirSync(join(work, 'out'))
      .filter((f) => !f.startsWith('.'))
      .sort();
    expect(after).toHaveLength(2);
    expect(readdirSync(join(work, 'out')).filter((f) => f.endsWith('.lock'))).toEqual([]);
    // each folder holds its own scene's result, and no lock is left behind
    for (const f of after) {
      expect(readdirSync(join(work, 'out', f)).sort()).toEqual(['loss.svg', 'result.json', 'trajectory.json']);
    }
  }, 120_000);
});

describe('works from any folder (case 4)', () => {
  it('optimize --strategy smoothing runs its worker threads from outside the repository', async () => {
    const r = await cliWith(
      { cwd: tmpdir(), timeout: 120_000 },
      'optimize',
      'bounce-to-target',
      '--strategy',
      'smoothing',
      '--iters',
      '1',
      '--samples',
      '1',
      '--threads',
      '1',
      '--json',
      '--out',
      file('smoothing'),
    );
    // one iteration does not reach the target: exit 3 with its one-line verdict, nothing else
    expect(r.code === 0 || r.code === 3).toBe(true);
    expect(r.stderr).toBe(r.code === 3 ? r.stderr.match(/^diffcontact: target not reached: [^\n]*\n$/)?.[0] : '');
    expect(JSON.parse(r.stdout).strategy).toBe('smoothing');
  }, 150_000);
});

describe('input caps and terminal safety (case 5)', () => {
  it('/dev/zero as a scene exits 2 after 64 MiB, not after filling memory', async () => {
    const r = await cliInProcess('simulate', '/dev/zero');
    expectFailure(r, 2);
    expect(r.stderr).toMatch(/larger than 64 MiB.*--allow-large/);
  });

  it('tens of thousands of schema problems print a capped list with a count', async () => {
    write('many-problems.json', { bodies: Array.from({ length: 20_000 }, () => ({ shape: { type: 'sphere' } })) });
    const r = await cliInProcess('simulate', file('many-problems.json'));
    expectFailure(r, 2);
    expect(r.stderr.length).toBeLessThan(10_000);
    expect(r.stderr).toMatch(/and \d+ more problems/);
  });

  it('too many bodies, or steps × bodies, exit 2 naming the cap and the flag', async () => {
    const many = {
      bodies: Array.from({ length: 10_001 }, (_, i) => ({
        name: `s${i}`,
        shape: { type: 'sphere', radius: 0.1 },
        mass: 1,
        position: [i, 0, 1],
      })),
    };
    write('many-bodies.json', many);
    const r = await cliInProcess('simulate', file('many-bodies.json'));
    expectFailure(r, 2);
    expect(r.stderr).toMatch(/10001 bodies.*--allow-large/);
    const long = await cliInProcess('simulate', file('drop.json'), '--steps', '600000000');
    expectFailure(long, 2);
    expect(long.stderr).toMatch(/body-steps/);
  });

  it('control characters in names are escaped in messages', async () => {
    const evil = 'a\u001b[2Jb';
    write('evil.json', {
      bodies: [
        GROUND,
        { name: evil, shape: { type: 'sphere', radius: 0.1 }, mass: 1 },
        { name: evil, shape: { type: 'sphere', radius: 0.1 }, mass: 1 },
      ],
    });
    const r = await cliInProcess('simulate', file('evil.json'));
    expectFailure(r, 2);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain('a\\u001b[2Jb');
  });

  it('a denormal mass exits 2 naming its path', async () => {
    write('denormal.json', {
      bodies: [GROUND, { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1e-310, position: [0, 0, 1] }],
    });
    const r = await cliInProcess('simulate', file('denormal.json'));
    expectFailure(r, 2);
    expect(r.stderr).toContain('bodies[1].mass');
  });

  it('a 1e200 m/s ball in hard mode names the ball, not the static ground', async () => {
    write('fast.json', {
      contact: { mode: 'hard' },
      bodies: [
        GROUND,
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 1],
          linearVelocity: [0, 0, -1e200],
        },
      ],
    });
    const r = await cliInProcess('simulate', file('fast.json'));
    expectFailure(r, 1);
    expect(r.stderr).toMatch(/body 'ball'/);
    expect(r.stderr).not.toMatch(/'ground'/);
  });
});
