// The optimization scenes at test size: each reaches its stated success criterion from its
// documented poor initial guess, verified by simulating the result in hard mode (the
// hard-mode parts of push-box and system-id are in push-box-hard.test.ts and
// system-id-hard.test.ts); push-box shows the vanishing gradient in penalty mode too
// (exactly zero, plain L-BFGS never moves) and that continuation and randomized smoothing
// move it; worker threads give the same smoothing estimate as one thread; and the
// `optimize` command writes its outputs and JSON.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../ad/random.ts';
import { smoothedGradient, workerEvaluator } from '../../sim/smoothing.ts';
import { runCli } from '../../scenes/cli/program.ts';
import { optimize } from '../../scenes/optimize/driver.ts';
import { batchObjective, sceneFileProblem } from '../../scenes/optimize/problem.ts';
import { namedProblem } from '../../scenes/optimize/registry.ts';
import { inlineEvaluator } from '../../sim/smoothing.ts';
import { parseScene } from '../../sim/scene.ts';

const dir = mkdtempSync(join(tmpdir(), 'diffcontact-optimize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('each scene reaches its goal from its poor initial guess (test size, verified in hard mode)', () => {
  async function check(name: string, strategy: 'anneal' | 'plain', iters: number) {
    const problem = namedProblem(name, 'test');
    const run = await optimize(problem, { strategy, iters });
    // the initial guess is poor: it misses by more than 5× the tolerance
    expect(run.initial.miss).toBeGreaterThan(5 * problem.tolerance);
    expect(run.verification.mode).toBe('hard');
    expect(run.verification.miss).toBeLessThanOrEqual(problem.tolerance);
    expect(run.verification.success).toBe(true);
  }

  it('billiards: anneal', () => check('billiards', 'anneal', 40));
  // push-box (anneal) and system-id (plain, hard mode): push-box-hard.test.ts, system-id-hard.test.ts

  // bounce-to-target's hard finish needs the bounce to be continuous in the launch
  // velocity across step boundaries: the placed impact acts at the sphere's lowest point
  // (sim/hard/problem.ts), so the exit velocity does not depend on where in a step it falls
  it('bounce-to-target: anneal', () => check('bounce-to-target', 'anneal', 60));
});

describe('push-box: the vanishing gradient', () => {
  const problem = namedProblem('push-box', 'test');

  it('in penalty mode the gradient at the start is exactly zero; with a soft contact at the continuation temperature it is not', () => {
    const penalty = problem.lossAndGrad(problem.x0, {
      mode: 'penalty',
      temperature: problem.scene.contact.temperature,
    });
    expect(penalty.grad.every((g) => g === 0)).toBe(true);
    const soft = problem.lossAndGrad(problem.x0, { mode: 'soft', temperature: problem.annealFrom });
    expect(Math.max(...soft.grad.map(Math.abs))).toBeGreaterThan(1e-6);
  });

  it('plain L-BFGS in penalty mode never leaves the start', async () => {
    const plain = await optimize(problem, { strategy: 'plain', mode: 'penalty', iters: 10 });
    expect(plain.result.x).toEqual(problem.x0);
    expect(plain.verification.miss).toBe(plain.initial.miss);
  });

  it('randomized smoothing in penalty mode moves it too (loss down by half, rollouts on 2 worker threads)', async () => {
    const run = await optimize(problem, { strategy: 'smoothing', mode: 'penalty', iters: 40, threads: 2 });
    expect(run.result.loss[run.result.loss.length - 1]).toBeLessThan(0.5 * run.result.loss[0]);
    expect(run.verification.miss).toBeLessThan(run.initial.miss);
  });

  it('worker threads give the same smoothing estimate as the calling thread', async () => {
    const setting = { mode: 'penalty' as const, temperature: problem.scene.contact.temperature };
    const opts = () => ({
      order: 'first' as const,
      sigma: problem.x0.map(() => 2),
      samples: 3,
      rng: seededRng(5),
      bounds: problem.bounds,
    });
    const inline = await smoothedGradient(inlineEvaluator(batchObjective(problem)), problem.x0, setting, opts());
    const pool = workerEvaluator(
      {
        module: new URL('../../scenes/optimize/registry.ts', import.meta.url).href,
        factory: 'workerObjective',
        spec: problem.spec,
      },
      2,
    );
    try {
      const parallel = await smoothedGradient(pool, problem.x0, setting, opts());
      expect(parallel.grad).toEqual(inline.grad);
      expect(parallel.value).toBe(inline.value);
      // the perturbed pushes reach the box: the smoothed gradient is not zero
      expect(Math.max(...parallel.grad.map(Math.abs))).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });
});

describe('diffcontact optimize', () => {
  async function cli(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }
  // a ball in free flight for 0.3 s aimed at a point: the loss is quadratic in the launch velocity
  const file = join(dir, 'throw.json');
  writeFileSync(
    file,
    JSON.stringify({
      dt: 0.01,
      steps: 30,
      bodies: [
        {
          name: 'ball',
          shape: { type: 'sphere', radius: 0.1 },
          mass: 1,
          position: [0, 0, 1],
          linearVelocity: [0, 0, 0],
        },
      ],
      objective: {
        of: 'ball.position',
        target: [0.6, 0, 1.2],
        wrt: ['ball.linearVelocity.x', 'ball.linearVelocity.z'],
        bounds: { 'ball.linearVelocity.z': [-10, 10] },
      },
    }),
  );

  it('a scene file: one JSON document, result.json, trajectory.json and loss.svg written, the target hit', async () => {
    const out = join(dir, 'throw-out');
    const r = await cli('optimize', file, '--json', '--out', out, '--iters', '20');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['scene', 'iterations', 'loss', 'params', 'seconds']));
    expect(report.scene).toBe('throw');
    // semi-implicit Euler closed form: x = 30 dt vx, z = 1 + 30 dt vz − g dt² (30·31/2)
    expect(report.params['ball.linearVelocity.x']).toBeCloseTo(0.6 / 0.3, 6);
    expect(report.params['ball.linearVelocity.z']).toBeCloseTo((0.2 + 9.81 * 1e-4 * 465) / 0.3, 6);
    expect(report.verification.success).toBe(true);
    for (const f of ['result.json', 'trajectory.json', 'loss.svg']) expect(existsSync(join(out, f))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'trajectory.json'), 'utf8')).frames.length).toBeGreaterThan(1);
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('an unknown scene name exits 2 listing the names; an unknown strategy exits 2', async () => {
    const unknown = await cli('optimize', 'pinball');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/push-box/);
    const strategy = await cli('optimize', file, '--strategy', 'luck');
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toMatch(/luck/);
  });

  it('a scene-file problem uses the objective section as written', () => {
    const problem = sceneFileProblem('throw', parseScene(JSON.parse(readFileSync(file, 'utf8'))));
    expect(problem.params).toEqual(['ball.linearVelocity.x', 'ball.linearVelocity.z']);
    expect(problem.bounds?.lower).toEqual([-Infinity, -10]);
  });
});
