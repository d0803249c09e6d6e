// `diffcontact grad` and `sweep` in hard mode (impulses), through the differentiable hard
// rollout (sim/rollout.ts dispatching on contact.mode), against closed forms and finite
// differences of the plain hard simulator (`simulate`, no tape):
//
// Ball drop with restitution e, one bounce before T. The hard rollout differentiates the
// executed trace (sim/hard/README.md "Time of impact"). The bounce of step j reverses the
// step's approach speed, e·g·dt·j, which does not move with the height h, so
//   dv_z(T)/dh = 0 for either setting of `contact.timeOfImpact`;
//   dz(T)/dh = −e with it true (the impact is placed at s·dt, s = d/(−u⁻dt): z after the
//              step is z + s·dt·u⁻ + (1 − s)·dt·e|u⁻|, and ds/dh = 1/(|u⁻|·dt)),
//            = 1 with it false (the impulse acts from the step's start: z moves with h).
//
// Onset (the ball-drop scene of test/sim/onset-scenes.ts): a hard contact stops the ball at
// the end of the step in which it would cross the ground, so the last step's contact
// switches on at z_N = r, i.e. h_N = r + ½g·dt²·N(N+1) = dropOnset(N). Across it dz(T)/dh
// jumps from −e below (a bounce within the last step, at its end) to 1 above (free flight),
// by 1 + e, while z itself is continuous (placement); v_z(T) jumps from +e·g·dt·N below to
// −g·dt·N above.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DROP, dropOnset, dropScene } from '../sim/onset-scenes.ts';
import { loadScene } from '../../scenes/cli/scene-input.ts';
import { runSimulation } from '../../scenes/cli/simulate.ts';
import { cli, cliInProcess } from './cli-run.ts';

const BALL_DROP = fileURLToPath(new URL('../../scenes/ball-drop.json', import.meta.url));
/** Restitution of the onset scene (the drop scene's default is 0). */
const E = 0.5;
const HARD_ONSET = dropOnset(DROP.steps);
// a grid around the hard onset whose points avoid it (5 intervals of 1 mm, onset 0.5 mm from a point)
const RANGE = ['--from', String(HARD_ONSET - 0.0045), '--to', String(HARD_ONSET + 0.0005), '--n', '6'];

let dir = '';
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffcontact-hard-grad-'));
  const onset = (h: number) => {
    const scene = dropScene(h, 'hard');
    scene.contact.restitution = E;
    return JSON.stringify(scene);
  };
  writeFileSync(file('drop.json'), onset(1));
  writeFileSync(file('onset.json'), onset(HARD_ONSET));
  const plain = JSON.parse(readFileSync(BALL_DROP, 'utf8'));
  plain.contact.mode = 'hard';
  plain.contact.timeOfImpact = false;
  writeFileSync(file('ball-drop-plain.json'), JSON.stringify(plain));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ball-drop example's restitution, after checking that exactly one bounce happens before `steps`. */
function oneBounce(steps: number): number {
  const scene = JSON.parse(readFileSync(BALL_DROP, 'utf8'));
  const ball = scene.bodies.find((b: { name: string }) => b.name === 'ball');
  const g = -scene.gravity[2];
  const e: number = scene.contact.restitution;
  const t1 = Math.sqrt((2 * (ball.position[2] - ball.shape.radius)) / g); // first landing, s
  const T = steps * scene.dt;
  expect(t1).toBeLessThan(T);
  expect(T).toBeLessThan(t1 * (1 + 2 * e)); // before the second landing (flight time 2e·v₁/g = 2e·t₁)
  return e;
}

/** Step of the central differences of the plain simulator (m, m/s): far below the ~4 mm between step onsets. */
const FD_STEP = 1e-6;

/**
 * Central differences of the plain hard simulator: d(final ball `of` component)/d(each of
 * the ball's initial position.z and linearVelocity.z), for a scene file.
 */
function plainDifferences(
  sceneFile: string,
  steps: number,
  of: 'position' | 'linearVelocity',
): { h: number; v: number } {
  const base = loadScene(sceneFile, { steps, contact: 'hard' });
  const ball = base.bodies.findIndex((b) => b.name === 'ball');
  const final = (field: 'position' | 'linearVelocity', delta: number) => {
    const scene = structuredClone(base);
    scene.bodies[ball][field][2] += delta;
    return runSimulation(scene, {}).report.final.ball[of][2];
  };
  const diff = (field: 'position' | 'linearVelocity') =>
    (final(field, FD_STEP) - final(field, -FD_STEP)) / (2 * FD_STEP);
  return { h: diff('position'), v: diff('linearVelocity') };
}

/** The kink list of the contract: {label, margin} with a readable label and a finite margin ≥ 0. */
function expectKinkList(kinks: unknown): void {
  expect(Array.isArray(kinks)).toBe(true);
  for (const k of kinks as { label: unknown; margin: unknown }[]) {
    expect(Object.keys(k).sort()).toEqual(['label', 'margin']);
    expect(typeof k.label).toBe('string');
    expect((k.label as string).length).toBeGreaterThan(0);
    expect(Number.isFinite(k.margin) && (k.margin as number) >= 0).toBe(true);
  }
}

describe.concurrent('diffcontact grad --contact hard', () => {
  const STEPS = 700; // one bounce (at 0.45 s), next landing at 1.17 s

  it("ball-drop.json (binary): finite values, the contract's kink list, continuous-time derivatives through the bounce = FD of simulate", async () => {
    const e = oneBounce(STEPS);
    const wrt = ['ball.position.z', 'ball.linearVelocity.z'];
    const args = ['--wrt', wrt.join(','), '--steps', String(STEPS), '--contact', 'hard', '--json'];
    const [vz, z] = await Promise.all([
      cli('grad', BALL_DROP, '--of', 'ball.linearVelocity.z', ...args),
      cli('grad', BALL_DROP, '--of', 'ball.position.z', ...args),
    ]);
    for (const r of [vz, z]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const vzOut = JSON.parse(vz.stdout);
    const zOut = JSON.parse(z.stdout);
    for (const out of [vzOut, zOut]) {
      expect(Object.keys(out).sort()).toEqual(['decisions', 'grad', 'kinks', 'validWithin', 'value']);
      expect(Number.isFinite(out.value)).toBe(true);
      expect(Object.keys(out.grad)).toEqual(wrt);
      expectKinkList(out.kinks);
    }
    // continuous time (t₁ = √(2h₀/g), v₁ = g·t₁): dv_z(T)/dh = (1 + e)·g/v₁ and
    // dz(T)/dh = (1 + e)(g/v₁)(T − t₁) − e; the discrete scheme is O(dt) off (≈ 1 %)
    const h0 = 1,
      g = 9.81,
      T = STEPS * 1e-3;
    const t1 = Math.sqrt((2 * h0) / g),
      v1 = g * t1;
    expect(Math.abs(vzOut.grad['ball.position.z'] / (((1 + e) * g) / v1) - 1)).toBeLessThan(0.01);
    expect(Math.abs(zOut.grad['ball.position.z'] - (((1 + e) * g * (T - t1)) / v1 - e))).toBeLessThan(0.01);
    // every partial against the plain simulator (FD error ~ rounding/FD_STEP ≈ 1e-9)
    const fdZ = plainDifferences(BALL_DROP, STEPS, 'position');
    const fdV = plainDifferences(BALL_DROP, STEPS, 'linearVelocity');
    expect(zOut.grad['ball.position.z']).toBeCloseTo(fdZ.h, 6);
    expect(zOut.grad['ball.linearVelocity.z']).toBeCloseTo(fdZ.v, 6);
    expect(vzOut.grad['ball.position.z']).toBeCloseTo(fdV.h, 6);
    expect(vzOut.grad['ball.linearVelocity.z']).toBeCloseTo(fdV.v, 6);
  });

  it("with contact.timeOfImpact false: the unplaced trace's derivatives, 0 and 1 = FD of simulate", async () => {
    oneBounce(STEPS);
    const args = ['--wrt', 'ball.position.z', '--steps', String(STEPS), '--json'];
    const z = await cliInProcess('grad', file('ball-drop-plain.json'), '--of', 'ball.position.z', ...args);
    const vz = await cliInProcess('grad', file('ball-drop-plain.json'), '--of', 'ball.linearVelocity.z', ...args);
    expect(z.stderr + vz.stderr).toBe('');
    const dz = JSON.parse(z.stdout).grad['ball.position.z'];
    const dvz = JSON.parse(vz.stdout).grad['ball.position.z'];
    expect(dz).toBeCloseTo(1, 9);
    expect(dvz).toBeCloseTo(0, 9);
    expect(dz).toBeCloseTo(plainDifferences(file('ball-drop-plain.json'), STEPS, 'position').h, 6);
    expect(dvz).toBeCloseTo(plainDifferences(file('ball-drop-plain.json'), STEPS, 'linearVelocity').h, 6);
  });

  it('--probe at the hard onset: z has a kink (d+ = 1, d− = −e), v_z is discontinuous', async () => {
    const z = await cliInProcess(
      'grad',
      file('onset.json'),
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.position.z',
      '--probe',
      '1e-4',
      '--json',
    );
    expect(z.stderr).toBe('');
    const zOut = JSON.parse(z.stdout);
    expect(zOut.probe.verdict).toBe('kink');
    const [right, left] = zOut.probe.directional['ball.position.z'];
    expect(right).toBeCloseTo(1, 4);
    expect(left).toBeCloseTo(-E, 4);
    const vz = await cliInProcess(
      'grad',
      file('onset.json'),
      '--of',
      'ball.linearVelocity.z',
      '--wrt',
      'ball.position.z',
      '--probe',
      '1e-4',
      '--json',
    );
    expect(vz.stderr).toBe('');
    expect(JSON.parse(vz.stdout).probe.verdict).toBe('discontinuous');
  });
});

describe.concurrent('diffcontact sweep --contact hard,soft', () => {
  it('--json: both modes; the hard gradient jumps by 1 + e at the analytic onset h_N, z continuous there; soft is smooth', async () => {
    const r = await cliInProcess(
      'sweep',
      file('drop.json'),
      '--of',
      'ball.position.z',
      '--wrt',
      'ball.position.z',
      ...RANGE,
      '--contact',
      'hard,soft',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['hard', 'soft']);
    for (const mode of ['hard', 'soft']) {
      for (const key of ['x', 'value', 'grad', 'fdGrad']) {
        expect(out[mode][key]).toHaveLength(6);
        expect(out[mode][key].every(Number.isFinite)).toBe(true);
      }
    }
    expect(out.soft.jumps).toEqual([]);
    // above the onset: free flight, dz/dh = 1 exactly
    expect(out.hard.grad[5]).toBeCloseTo(1, 9);
    const hard = out.hard.jumps as {
      at: number;
      size: number;
      kinks: { label: string; margin: number }[];
      interval: [number, number];
      valueJump: number;
    }[];
    expect(hard.length).toBeGreaterThan(0);
    const j = hard.reduce((best, x) => (Math.abs(x.at - HARD_ONSET) < Math.abs(best.at - HARD_ONSET) ? x : best));
    const width = j.interval[1] - j.interval[0];
    expect(Math.abs(j.at - HARD_ONSET)).toBeLessThanOrEqual(width);
    // below: −e, plus the time-of-impact term (1 + e)(g/v₁)(T − t₁) ≤ (1 + e)·dt/T = 0.005
    expect(Math.abs(j.size - (1 + E))).toBeLessThan(((1 + E) * DROP.dt) / (DROP.steps * DROP.dt) + 1e-6);
    // positions are continuous across onset: the value moves by its slope over the interval only
    expect(Math.abs(j.valueJump)).toBeLessThanOrEqual(2 * width);
    expect(j.kinks.length).toBeGreaterThan(0);
    expect(j.kinks[0].label).toMatch(/ball/);
    expect(j.kinks[0].label).toMatch(/ground/);
  });
});
