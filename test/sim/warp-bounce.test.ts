// Warp's gradient-continuity test (warp/tests/test_sim_grad_bounce_linear.py, from Warp
// issue 349) reproduced in soft mode: a sphere (r 0.1 m, density 100 kg/m³) starting with
// its centre 1 m above the ground falls, lands and rolls on with friction μ = 0.2; at the
// first step a horizontal force F (N, along y) pushes it for one step of 1/600 s. Loss: the
// squared distance of its trajectory (every step's position, 1199 steps) to the trajectory
// of F = 100 N, for 20 values of F from 0 to 200 N. Warp's conditions: gradients finite and
// non-decreasing, changing by less than 1.1 between samples, ≤ 0 below the middle and ≥ 0
// above it; losses symmetric about the middle (to 1.0), decreasing then increasing, with a
// constant positive second difference. Here the force is the initial velocity F·dt/m (the
// same semi-implicit step), and dL/dF = dL/dv·dt/m.
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';
import { buildModel, initialState } from '../../sim/builder.ts';
import { rolloutInputs, rolloutLayout, rolloutPrimitive } from '../../sim/rollout.ts';
import { parseScene } from '../../sim/scene.ts';
import { createStepData, step } from '../../sim/step.ts';

const DT = 1 / 600;
const STEPS = 1199; // Warp: int(2 s // dt)
const RADIUS = 0.1;
const MASS = 100 * (4 / 3) * Math.PI * RADIUS ** 3;
const TARGET_FORCE = 100;
const SAMPLES = 20;

describe("Warp's test_sim_grad_bounce_linear in soft mode (μ = 0.2)", () => {
  it('gradients finite, non-decreasing, bounded steps, sign change in the middle; loss symmetric with a constant positive second difference', () => {
    const scene = parseScene({
      dt: DT,
      steps: STEPS,
      contact: { mode: 'soft', friction: 0.2 },
      bodies: [
        { name: 'ground', shape: { type: 'plane' } },
        { name: 'ball', shape: { type: 'sphere', radius: RADIUS }, mass: MASS, position: [0.5, 0, 1] },
      ],
    });
    const model = buildModel(scene);
    const state = initialState(model, scene);
    const record = Array.from({ length: STEPS }, (_, k) => k);
    const cfg = { model, steps: STEPS, record };
    const L = rolloutLayout(model.nbody, STEPS, 0);
    const run = rolloutPrimitive(cfg);
    const width = 13 * model.nbody;
    const ball = 1;
    const trajectory = (force: ad.Real): ad.Real[] => {
      const x: ad.Real[] = Array.from(rolloutInputs(cfg, state.bodyQ, state.bodyQd));
      x[L.qd + 6 * ball + 1] = ad.mul(force, DT / MASS);
      return run(x);
    };
    const target = trajectory(TARGET_FORCE).map(Number);
    const loss = ([force]: ad.Real[]): ad.Real => {
      const y = trajectory(force);
      let total: ad.Real = 0;
      for (let j = 0; j < STEPS; j++) {
        const o = width * (1 + j) + 7 * ball;
        for (let c = 0; c < 3; c++) total = ad.add(total, ad.square(ad.sub(y[o + c], target[o + c])));
      }
      return total;
    };
    const forces = Array.from({ length: SAMPLES }, (_, i) => (2 * TARGET_FORCE * i) / (SAMPLES - 1));
    const results = forces.map((f) => ad.valueAndGrad(loss, [f]));
    const losses = results.map((r) => r.value);
    const grads = results.map((r) => r.grad[0]);
    const half = SAMPLES / 2;
    for (let i = 0; i < SAMPLES; i++) {
      expect(Number.isFinite(losses[i]) && Number.isFinite(grads[i])).toBe(true);
      if (i > 0) expect(grads[i], `sample ${i}`).toBeGreaterThanOrEqual(grads[i - 1]);
    }
    // measured: largest step 0.35 (Warp's bound 1.1)
    expect(Math.max(...grads.slice(1).map((g, i) => Math.abs(g - grads[i])))).toBeLessThan(1.1);
    grads.slice(0, half).forEach((g) => expect(g).toBeLessThanOrEqual(0));
    grads.slice(half).forEach((g) => expect(g).toBeGreaterThanOrEqual(0));
    // measured: 0.57 at most (Warp's tolerance 1.0)
    for (let i = 0; i < half; i++) expect(Math.abs(losses[i] - losses[SAMPLES - 1 - i])).toBeLessThanOrEqual(1);
    const diffs = losses.slice(1).map((v, i) => v - losses[i]);
    diffs.slice(0, half - 1).forEach((d) => expect(d).toBeLessThanOrEqual(0));
    // the difference across the middle (samples 9 and 10, symmetric about F = 100 N) is the
    // loss's asymmetry: Warp asks it ≥ 0; here it is −3.6e-5 (of losses 0.45 there)
    expect(Math.abs(diffs[half - 1])).toBeLessThan(1e-3);
    diffs.slice(half).forEach((d) => expect(d).toBeGreaterThanOrEqual(0));
    const second = diffs.slice(1).map((v, i) => v - diffs[i]);
    second.forEach((d) => expect(d).toBeGreaterThanOrEqual(0));
    // Warp asks the second differences equal to 1e-2 (absolute); here their spread is 3.09 %
    // of their mean, almost all of it in the first one (F ≈ 0–21 N: a slip of ≤ 0.08 m/s
    // that friction stops within the first steps of the impact, on the soft force's rise).
    // Not derived from first principles: the bound is the measured figure with a margin. What
    // it is made of is the next test's: the smoothing's, 0 in the hard limit (1.7 % before the
    // step-exact contact of sim/contact/step-exact.ts, whose soft width widens with the impact
    // speed, s = √(τ² + (v_n·dt/4)²) = 2.05 mm here against τ = 1 mm)
    const mean = second.reduce((a, b) => a + b, 0) / second.length;
    expect(Math.max(...second) - Math.min(...second)).toBeLessThan(0.04 * mean);
  });

  it('the second-difference spread is the smoothing: 0 in hard mode, shrinking as τ → 0 and as dt → 0 (the continuous soft model)', () => {
    // the loss from the plain simulator (no AD), 20 samples as above. Hard mode's impulse
    // makes the ball roll at exactly 5/7 of its slip speed after the impact, linear in F, so
    // its loss is an exact quadratic. Measured spread: hard 0.00 %, soft τ = 1 mm 3.09 %,
    // τ = 0.5 mm 0.70 %; τ = 1 mm sub-stepped 3× (dt = 1/1800 s) 1.68 %, 10× 1.49 %
    const spread = (mode: 'hard' | 'soft', temperature: number, substeps: number): number => {
      const trajectory = (force: number): Float64Array => {
        const scene = parseScene({
          dt: DT / substeps,
          steps: 1,
          contact: { mode, friction: 0.2, temperature },
          bodies: [
            { name: 'ground', shape: { type: 'plane' } },
            {
              name: 'ball',
              shape: { type: 'sphere', radius: RADIUS },
              mass: MASS,
              position: [0.5, 0, 1],
              linearVelocity: [0, (force * DT) / MASS, 0],
            },
          ],
        });
        const model = buildModel(scene);
        const s = initialState(model, scene);
        const data = createStepData(model);
        const out = new Float64Array(3 * STEPS);
        for (let j = 0; j < STEPS; j++) {
          for (let k = 0; k < substeps; k++) step(model, data, s, null, s);
          out.set(s.bodyQ.subarray(7, 10), 3 * j);
        }
        return out;
      };
      const target = trajectory(TARGET_FORCE);
      const losses = Array.from({ length: SAMPLES }, (_, i) => {
        const y = trajectory((2 * TARGET_FORCE * i) / (SAMPLES - 1));
        return y.reduce((acc, v, j) => acc + (v - target[j]) ** 2, 0);
      });
      const diffs = losses.slice(1).map((v, i) => v - losses[i]);
      const second = diffs.slice(1).map((v, i) => v - diffs[i]);
      const mean = second.reduce((a, b) => a + b, 0) / second.length;
      return (Math.max(...second) - Math.min(...second)) / mean;
    };
    const soft = spread('soft', 1e-3, 1);
    expect(soft).toBeLessThan(0.04);
    expect(spread('hard', 1e-3, 1)).toBeLessThan(1e-4);
    expect(spread('soft', 5e-4, 1)).toBeLessThan(0.5 * soft);
    expect(spread('soft', 1e-3, 3)).toBeLessThan(0.6 * soft);
  });
});
