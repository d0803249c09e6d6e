// The scene objective as a loss (sim/objective.ts) against the closed form of free flight,
// its AD gradient against central differences of the plain simulator through a bounce,
// and randomized smoothing (sim/smoothing.ts) against the closed-form smoothed gradient
// of |x|, with both estimators.
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../ad/random.ts';
import { sceneObjective } from '../../sim/objective.ts';
import { parseScene } from '../../sim/scene.ts';
import { inlineEvaluator, smoothedGradient } from '../../sim/smoothing.ts';
import { SceneError } from '../../sim/errors.ts';

const G = 9.81;
const DT = 0.01;
const STEPS = 50;

/** A ball in free flight (no ground) for 0.5 s, aimed at a target. */
const flight = parseScene({
  dt: DT,
  steps: STEPS,
  bodies: [
    { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1], linearVelocity: [1, 0, 2] },
  ],
  objective: {
    of: 'ball.position',
    target: [0.8, 0.1, 1.5],
    wrt: ['ball.linearVelocity.x', 'ball.linearVelocity.z'],
    bounds: { 'ball.linearVelocity.z': [0, 10] },
  },
});

describe('sceneObjective', () => {
  it('free flight: loss and gradient equal the semi-implicit Euler closed form', () => {
    const obj = sceneObjective(flight);
    const [vx, vz] = [1.3, 2.4];
    // semi-implicit Euler: v_k = v0 − k g dt, p_n = p0 + n dt v0 − g dt² n(n+1)/2
    const T = STEPS * DT;
    const p = [vx * T, 0, 1 + vz * T - (G * DT * DT * STEPS * (STEPS + 1)) / 2];
    const r = [p[0] - 0.8, p[1] - 0.1, p[2] - 1.5];
    const { value, grad } = obj.lossAndGrad([vx, vz]);
    expect(value).toBeCloseTo(r[0] ** 2 + r[1] ** 2 + r[2] ** 2, 10);
    expect(grad[0]).toBeCloseTo(2 * r[0] * T, 9);
    expect(grad[1]).toBeCloseTo(2 * r[2] * T, 9);
    expect(obj.value([vx, vz])).toBeCloseTo(value, 12);
  });

  it('bounds come from the objective, ±Infinity where absent; x0 from the scene', () => {
    const obj = sceneObjective(flight);
    expect(obj.x0).toEqual([1, 2]);
    expect(obj.bounds).toEqual({ lower: [-Infinity, 0], upper: [Infinity, 10] });
  });

  it('through a soft bounce the AD gradient matches central differences of the plain simulator', () => {
    const bounce = parseScene({
      ...flight,
      steps: 80,
      contact: { mode: 'soft', stiffness: 1e4, damping: 100, temperature: 2e-3 },
      bodies: [
        { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
        { ...flight.bodies[0], position: [0, 0, 0.3], linearVelocity: [1, 0, -1] },
      ],
      dt: 0.005,
    });
    const obj = sceneObjective(bounce);
    const x = [1, -1];
    const { grad, value } = obj.lossAndGrad(x);
    expect(value).toBeGreaterThan(0);
    const h = 1e-5;
    grad.forEach((g, j) => {
      const up = x.slice();
      const down = x.slice();
      up[j] += h;
      down[j] -= h;
      const fd = (obj.value(up) - obj.value(down)) / (2 * h);
      expect(Math.abs(g - fd)).toBeLessThan(1e-5 + 1e-4 * Math.abs(fd));
    });
  });

  it('a scene without an objective is a SceneError naming it', () => {
    const { objective: _omit, ...rest } = flight;
    expect(() => sceneObjective(parseScene(rest))).toThrow(SceneError);
    expect(() => sceneObjective(parseScene(rest))).toThrow(/objective/);
  });
});

describe('smoothedGradient', () => {
  // f(x) = |x|: f_σ'(x) = E[sign(x + σε)] = erf(x / (σ√2)), in closed form
  const abs = {
    value: (x: number[]) => Math.abs(x[0]),
    valueAndGrad: (x: number[]) => ({ value: Math.abs(x[0]), grad: [Math.sign(x[0])] }),
  };
  const erf = (z: number) => {
    // Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7
    const t = 1 / (1 + 0.3275911 * Math.abs(z));
    const y =
      1 -
      ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
        t *
        Math.exp(-z * z);
    return Math.sign(z) * y;
  };
  for (const order of ['first', 'zeroth'] as const) {
    it(`${order} order: estimates erf(x/(σ√2)) for |x|, seeded and reproducible`, async () => {
      const sigma = 0.5;
      const samples = 4000;
      for (const x of [-0.4, 0, 0.3]) {
        const est = await smoothedGradient(inlineEvaluator(abs), [x], null, {
          order,
          sigma: [sigma],
          samples,
          rng: seededRng(7),
        });
        // Monte-Carlo error: sd ≤ 1/√(2·samples) for |∇| ≤ 1 (first order), ~1.3× that for zeroth
        expect(Math.abs(est.grad[0] - erf(x / (sigma * Math.SQRT2)))).toBeLessThan(4 / Math.sqrt(samples));
        const again = await smoothedGradient(inlineEvaluator(abs), [x], null, {
          order,
          sigma: [sigma],
          samples,
          rng: seededRng(7),
        });
        expect(again.grad).toEqual(est.grad);
      }
    });
  }

  it('at a point where the plain gradient is zero (flat), smoothing still sees the slope nearby', async () => {
    // f = max(0, x − 1): flat at x = 0.5, f_σ'(0.5) = Φ((0.5 − 1)/σ) > 0
    const hinge = {
      value: (x: number[]) => Math.max(0, x[0] - 1),
      valueAndGrad: (x: number[]) => ({ value: Math.max(0, x[0] - 1), grad: [x[0] > 1 ? 1 : 0] }),
    };
    const est = await smoothedGradient(inlineEvaluator(hinge), [0.5], null, {
      order: 'first',
      sigma: [0.5],
      samples: 2000,
      rng: seededRng(3),
    });
    const phi = 0.5 * (1 + erf(-1 / Math.SQRT2)); // Φ(−1) = 0.1587
    expect(Math.abs(est.grad[0] - phi)).toBeLessThan(0.03);
  });
});
