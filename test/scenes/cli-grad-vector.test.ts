// `diffcontact grad` with several outputs: `--jacobian` against the closed form of a ball
// bouncing elastically on the ground in hard mode (x(T) = x₀ + v_x T; z(T) = 2r − z₀ − v_z T
// after one bounce without gravity: the Jacobian is exact), its rows against the scalar
// gradient of each output, `--target` against the objective's loss of the same scene, and
// the exit-2 messages for a vector without either flag and a target of the wrong length.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess } from './cli-run.ts';
import { readSceneFile } from '../../scenes/cli/scene-input.ts';
import { sceneObjective } from '../../sim/objective.ts';

const dir = mkdtempSync(join(tmpdir(), 'diffcontact-grad-vector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = cliInProcess;

const R = 0.1;
const T = 1;
const bounce = join(dir, 'bounce.json');
writeFileSync(
  bounce,
  JSON.stringify({
    dt: 1e-3,
    steps: 1000,
    gravity: [0, 0, 0],
    contact: { mode: 'hard', restitution: 1, friction: 0 },
    bodies: [
      { name: 'ground', shape: { type: 'plane' } },
      {
        name: 'ball',
        shape: { type: 'sphere', radius: R },
        mass: 1,
        position: [0, 0, 0.6137],
        linearVelocity: [0.3, 0, -1],
      },
    ],
  }),
);

describe('grad with several outputs', () => {
  it('--jacobian --json: the hard bounce Jacobian equals its closed form, and each row the scalar gradient', async () => {
    const wrt = ['ball.position.x', 'ball.position.z', 'ball.linearVelocity.x', 'ball.linearVelocity.z'];
    const r = await cli(
      'grad',
      bounce,
      '--of',
      'ball.position',
      '--of',
      'ball.linearVelocity.z',
      '--wrt',
      wrt.join(','),
      '--jacobian',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.of).toEqual(['ball.position.x', 'ball.position.y', 'ball.position.z', 'ball.linearVelocity.z']);
    expect(report.wrt).toEqual(wrt);
    // x = x₀ + v_x T; y = 0; z = 2r − z₀ − v_z T; v_z(T) = −v_z
    const expected = [
      [1, 0, T, 0],
      [0, 0, 0, 0],
      [0, -1, 0, -T],
      [0, 0, 0, -1],
    ];
    expected.forEach((row, i) =>
      row.forEach((v, j) => expect(report.jacobian[i][j], `${report.of[i]} / ${wrt[j]}`).toBeCloseTo(v, 9)),
    );
    expect(report.value[0]).toBeCloseTo(0.3 * T, 9);
    expect(report.value[2]).toBeCloseTo(2 * R - 0.6137 + T, 9);
    for (const [i, name] of [
      [0, 'ball.position.x'],
      [2, 'ball.position.z'],
    ] as const) {
      const scalar = JSON.parse(
        (await cli('grad', bounce, '--of', name, '--wrt', wrt.join(','), '--json', '--no-validity')).stdout,
      );
      wrt.forEach((p, j) => expect(report.jacobian[i][j]).toBeCloseTo(scalar.grad[p], 12));
    }
  });

  it('--jacobian prints a table naming rows and columns', async () => {
    const r = await cli(
      'grad',
      bounce,
      '--of',
      'ball.position.x,ball.position.z',
      '--wrt',
      'ball.linearVelocity.z',
      '--jacobian',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Jacobian d\(output\)\/d\(parameter\), 2 × 1/);
    expect(r.stdout).toMatch(/ball\.position\.z .* -1\.00000/);
    expect(r.stdout).toMatch(/\[1\] ball\.linearVelocity\.z/);
  });

  it("--target: the gradient of Σ (output − target)² equals the scene objective's loss and gradient", async () => {
    const file = new URL('../../scenes/bounce-to-target.json', import.meta.url).pathname;
    const wrt = ['ball.linearVelocity.x', 'ball.linearVelocity.z'];
    const r = await cli(
      'grad',
      file,
      '--of',
      'ball.position',
      '--target',
      '1.2,0,0.25',
      '--wrt',
      wrt.join(','),
      '--json',
      '--no-validity',
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const objective = sceneObjective(readSceneFile(file));
    const truth = objective.lossAndGrad(objective.x0);
    expect(report.value).toBeCloseTo(truth.value, 12);
    wrt.forEach((p, j) => expect(report.grad[p]).toBeCloseTo(truth.grad[j], 10));
    expect(report.target).toEqual([1.2, 0, 0.25]);
    expect(report.outputs).toEqual(objective.final(objective.x0));
  });

  it('several outputs without --jacobian or --target, or a target of the wrong length, exit 2 saying what to give', async () => {
    const none = await cli('grad', bounce, '--of', 'ball.position', '--wrt', 'ball.position.z');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--of names 3 outputs .*give --jacobian .* or --target with 3 numbers/);
    const short = await cli('grad', bounce, '--of', 'ball.position', '--target', '1,2', '--wrt', 'ball.position.z');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--target has 2 numbers for 3 outputs/);
    const probe = await cli(
      'grad',
      bounce,
      '--of',
      'ball.position',
      '--jacobian',
      '--probe',
      '0.01',
      '--wrt',
      'ball.position.z',
    );
    expect(probe.code).toBe(2);
  });
});
