// Hard mode's forward-mode derivatives (the tangent-forward step, sim/hard/stepper-tangent.ts,
// through sim/forward-gradient.ts and sim/validity.ts) against truth from outside the
// simulator: closed forms of the continuous bounce, and the issue-13 reproducer's radius
// from the integrator's own closed-form positions.
import { describe, expect, it } from 'vitest';
import { forwardGradientOf } from '../../../sim/forward-gradient.ts';
import { parseScene } from '../../../sim/scene.ts';
import { validity } from '../../../sim/validity.ts';

const g = 9.81;

function drop(z0: number, e: number, dt: number, steps: number) {
  return parseScene({
    dt,
    steps,
    gravity: [0, 0, -g],
    contact: { mode: 'hard', friction: 0, restitution: e },
    bodies: [
      { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 } },
      { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, z0] },
    ],
  });
}

describe('a frictionless ball dropped onto the ground bounces with restitution e', () => {
  // continuous time: impact at t₁ = √(2(z₀ − r)/g), leaves at e·g·t₁, so at T (before the
  // next impact) z(T) = r + e·g·t₁(T − t₁) − g(T − t₁)²/2 and, with dt₁/dz₀ = 1/(g·t₁),
  //   dz(T)/dz₀ = ((1 + e)(T − t₁) − e·t₁)/t₁
  const r = 0.1,
    z0 = 1,
    e = 0.8,
    T = 0.6;
  const t1 = Math.sqrt((2 * (z0 - r)) / g);
  const truth = ((1 + e) * (T - t1) - e * t1) / t1;

  it('d z(T)/d z₀ by one tangent rollout: within 5e-3 at dt = 1 ms, 1e-3 at 0.1 ms (first order in dt)', () => {
    expect(T).toBeLessThan(t1 + (2 * e * g * t1) / g); // before the second impact
    const errors = [1e-3, 1e-4].map((dt) => {
      const f = forwardGradientOf(drop(z0, e, dt, Math.round(T / dt)), 'ball.position.z', ['ball.position.z']);
      expect(f).not.toBeNull();
      const d = f!([z0]).grad[0];
      // relative to max(1, |truth|) (impact-truth.test.ts): the truth is a small difference of O(1) terms
      return Math.abs(d - truth) / Math.max(1, Math.abs(truth));
    });
    if (process.env.TANGENT_FIGURES) console.log(`truth ${truth}, relative errors ${errors.join(', ')}`);
    expect(errors[0]).toBeLessThan(5e-3);
    expect(errors[1]).toBeLessThan(1e-3);
    expect(errors[1]).toBeLessThan(errors[0] / 3);
  });
});

describe('the issue-13 reproducer by the tangent rollout', () => {
  it('r 0.1 ball from z₀ = 0.2972, e 0.5, dt 1 ms, 200 steps: valid within the last step’s closing distance', () => {
    // the semi-implicit scheme's free fall: before step k the gap is z₀ − r − g·dt²·k(k+1)/2
    // and the predicted approach −g·dt·(k+1); the last step (k = 199) switches to a bounce
    // when gap + dt·approach < 0, i.e. at z₀ − r = g·dt²·200·201/2: distance along z₀
    const dt = 1e-3;
    const expected = 0.2972 - 0.1 - (g * dt * dt * 200 * 201) / 2;
    const v = validity(drop(0.2972, 0.5, dt, 200), ['ball.position.z'], { method: 'tangents' });
    expect(v.validWithin?.decision).toBe('step 199: ground/ball onset');
    expect(v.validWithin?.distance).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(1.9e-5, 6);
  });
});
