// Global strategies and `--strategy auto`: on the small wrong-hump bounce variant
// (scenes/bounce-wrong-hump-small.json) plain L-BFGS stops on the wrong hump and `optimize`
// with no flags escalates until the hard-verified result hits the target, which the
// continuous-time closed form of a frictionless bounce confirms; multistart gives the same
// result on worker threads as on the calling thread for a seed; an unreachable target exits
// 3 with the best found.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess } from './cli-run.ts';
import { readSceneFile } from '../../scenes/cli/scene-input.ts';
import { optimize } from '../../scenes/optimize/driver.ts';
import { sceneFileProblem } from '../../scenes/optimize/problem.ts';

const dir = mkdtempSync(join(tmpdir(), 'diffcontact-global-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = cliInProcess;

/**
 * Height of a frictionless ball's centre at time T in continuous time (Newton restitution
 * e at each landing on z = r), launched upward at vz from height h; and its landings.
 */
function bounceHeight(
  h: number,
  vz: number,
  e: number,
  r: number,
  g: number,
  T: number,
): { z: number; landings: number } {
  let z = h;
  let v = vz;
  let t = 0;
  let landings = 0;
  for (;;) {
    // z + v s − g s²/2 = r: the later root
    const s = (v + Math.sqrt(v * v + 2 * g * (z - r))) / g;
    if (t + s >= T) {
      const left = T - t;
      return { z: z + v * left - (g * left * left) / 2, landings };
    }
    t += s;
    v = -e * (v - g * s);
    z = r;
    landings++;
  }
}

const SMALL = new URL('../../scenes/bounce-wrong-hump-small.json', import.meta.url).pathname;

describe('the wrong hump (scenes/bounce-wrong-hump-small.json)', () => {
  const scene = readSceneFile(SMALL);
  const T = scene.dt * scene.steps;
  const target = scene.objective!.target as number[];

  it('optimize with no flags escalates past plain and reaches the target, which the closed form confirms', async () => {
    const r = await cli('optimize', SMALL, '--json', '--out', join(dir, 'small'));
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.strategy).toBe('auto');
    // plain L-BFGS from the slow throw stops on the wrong hump, far outside the tolerance
    expect(report.attempts[0].strategy).toBe('plain');
    expect(report.attempts[0].miss).toBeGreaterThan(0.05);
    expect(report.attempts.at(-1).success).toBe(true);
    expect(report.verification.miss).toBeLessThan(0.01);
    // auto's rollouts are every rung's
    expect(report.evaluations).toBe(
      report.attempts.reduce((n: number, a: { evaluations: number }) => n + a.evaluations, 0),
    );
    const vx = report.params['ball.linearVelocity.x'];
    const vz = report.params['ball.linearVelocity.z'];
    // frictionless: x moves uniformly, x(T) = T vx exactly under semi-implicit Euler
    expect(vx).toBeCloseTo(target[0] / T, 9);
    // the continuous-time flight at the found launch ends within 3 cm of the target: the
    // 5 ms semi-implicit Euler step alone shifts z(T) by g·dt·T/2 = 1.7 cm
    const { z } = bounceHeight(0.4, vz, 0.6, 0.1, 9.81, T);
    expect(Math.abs(z - target[2])).toBeLessThan(0.03);
  });
});

describe('multistart and sampling', () => {
  // free flight for 0.3 s aimed at a point: cheap, and the answer is closed form
  const file = join(dir, 'throw.json');
  const throwScene = {
    dt: 0.01,
    steps: 30,
    bodies: [
      { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1], linearVelocity: [0, 0, 0] },
    ],
    objective: {
      of: 'ball.position',
      target: [0.6, 0, 1.2],
      wrt: ['ball.linearVelocity.x', 'ball.linearVelocity.z'],
      bounds: { 'ball.linearVelocity.x': [-10, 10], 'ball.linearVelocity.z': [-10, 10] },
    },
  };
  writeFileSync(file, JSON.stringify(throwScene));
  const problem = sceneFileProblem('throw', readSceneFile(file));

  it('multistart: the same seed gives the same starts and result on 2 worker threads as on the calling thread', async () => {
    const inline = await optimize(problem, { strategy: 'multistart', starts: 6, seed: 5, iters: 10, threads: 0 });
    const pooled = await optimize(problem, { strategy: 'multistart', starts: 6, seed: 5, iters: 10, threads: 2 });
    expect(pooled.result.starts).toEqual(inline.result.starts);
    expect(pooled.result.x).toEqual(inline.result.x);
    expect(inline.verification.success).toBe(true);
    // the starts are spread over the box: both halves of each coordinate's range are used
    for (const j of [0, 1]) {
      const values = inline.result.starts!.map((s) => s.start[j]);
      expect(Math.min(...values)).toBeLessThan(0);
      expect(Math.max(...values)).toBeGreaterThan(0);
    }
  });

  it('sampling then polish reaches the closed-form launch velocity', async () => {
    const run = await optimize(problem, { strategy: 'sampling', seed: 2, iters: 10, threads: 0 });
    expect(run.verification.success).toBe(true);
    expect(run.result.x[0]).toBeCloseTo(0.6 / 0.3, 6);
    // semi-implicit Euler: z = 1 + 30 dt vz − g dt² (30·31/2)
    expect(run.result.x[1]).toBeCloseTo((0.2 + 9.81 * 1e-4 * 465) / 0.3, 6);
  });

  it('a target outside the reachable set exits 3, printing the best found and every strategy tried', async () => {
    const unreachable = join(dir, 'unreachable.json');
    writeFileSync(
      unreachable,
      JSON.stringify({
        ...throwScene,
        objective: {
          ...throwScene.objective,
          target: [9, 0, 1.2],
          bounds: { 'ball.linearVelocity.x': [-10, 10], 'ball.linearVelocity.z': [-10, 10] },
        },
      }),
    );
    const r = await cli(
      'optimize',
      unreachable,
      '--json',
      '--out',
      join(dir, 'unreachable'),
      '--starts',
      '4',
      '--threads',
      '0',
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/target not reached/);
    const report = JSON.parse(r.stdout);
    expect(report.attempts.map((a: { strategy: string }) => a.strategy)).toEqual([
      'plain',
      'anneal',
      'multistart',
      'sampling',
    ]);
    expect(report.verification.success).toBe(false);
    // the best reachable: vx at its upper bound, 9 − 0.3·10 = 6 m short in x
    expect(report.params['ball.linearVelocity.x']).toBeCloseTo(10, 6);
    expect(report.verification.miss).toBeCloseTo(6, 3);
    expect(JSON.parse(readFileSync(join(dir, 'unreachable', 'result.json'), 'utf8')).verification.success).toBe(false);
  });

  it('auto stops at its --budget: no strategy starts once the budget is spent, and the report says so', async () => {
    const unreachable = join(dir, 'unreachable-budget.json');
    writeFileSync(
      unreachable,
      JSON.stringify({ ...throwScene, objective: { ...throwScene.objective, target: [9, 0, 1.2] } }),
    );
    const r = await cli('optimize', unreachable, '--json', '--out', join(dir, 'budget'), '--budget', '1e-6');
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    // the first rung always runs; the budget is spent by then
    expect(report.attempts.map((a: { strategy: string }) => a.strategy)).toEqual(['plain']);
    expect(report.stopped).toMatch(/^the budget of 0.000001 s was spent \(.* s\) before anneal$/);
  });

  it('auto skips multistart and sampling on a control problem of more than 64 parameters, saying why', async () => {
    // 30 per-step forces (90 parameters) bounded to ±1 N cannot carry the ball 9 m in 0.3 s
    const controlled = join(dir, 'controlled.json');
    writeFileSync(
      controlled,
      JSON.stringify({
        ...throwScene,
        objective: {
          of: 'ball.position',
          target: [9, 0, 1],
          controls: { ball: { force: { bounds: [-1, 1] } } },
        },
      }),
    );
    const r = await cli('optimize', controlled, '--json', '--out', join(dir, 'controlled'));
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report.params)).toHaveLength(90);
    expect(report.attempts.map((a: { strategy: string }) => a.strategy)).toEqual(['plain', 'anneal']);
    expect(report.stopped).toMatch(/^multistart and sampling skipped: 90 parameters, above the 64/);
    // the best reachable: the full 1 N forward on every step (x = ½·1·0.3² + the step grid's lag)
    expect(report.params['ball.force[0].x']).toBeCloseTo(1, 6);
  });
});
