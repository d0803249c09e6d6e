// Sweeps and jump detection by refinement. First on closed-form functions (a kink, a steep
// smooth gradient, a value step), where the jump, its size and the Lipschitz constant are
// known exactly; then the mission's gradient-continuity regression tests at contact onset
// (ball drop, glancing spheres; closed forms in onset-scenes.ts):
// - soft: no jump survives refinement, and the gradient's Lipschitz constant scales like
//   1/τ (measured for two temperatures);
// - penalty: the gradient of the final state DOES jump in discrete time, at every height
//   where one more step's contact switches on (the force's kink at d = 0 enters the final
//   state through that single step), by (k + c φ̇)·dt/m — a discretization effect that
//   halves with dt (the continuous-time gradient is continuous). Refinement finds these
//   jumps at the analytic onsets, and links each to the onset kink of its step.
import { describe, expect, it } from 'vitest';
import {
  continuityReport,
  sweep,
  sweepFunction,
  FD_STEP_FRACTION,
  DEFAULT_LEVELS,
  type SweptFunction,
} from '../../sim/sweep.ts';
import {
  DROP,
  GLANCE_PASS_STEP,
  GLANCE_REACH,
  dropOnset,
  dropScene,
  dropRampHalfWidth,
  dropVelocityJump,
  dropWeightSlope,
  glanceOnset,
  glanceScene,
  kinkStep,
} from './onset-scenes.ts';

/** A closed-form function of one variable as the sweep sees it. */
function closedForm(value: (x: number) => number, grad: (x: number) => number): SweptFunction {
  return { value, gradient: (x) => ({ value: value(x), grad: grad(x), kinks: [] }) };
}

describe('sweepFunction on closed forms', () => {
  it('finds the gradient jump of |x − c| at c, of size 2, with no value jump', () => {
    const c = 0.3141;
    const f = closedForm(
      (x) => Math.abs(x - c),
      (x) => Math.sign(x - c),
    );
    const r = sweepFunction(f, { from: 0, to: 1, n: 11 });
    expect(r.jumps).toHaveLength(1);
    const [j] = r.jumps;
    const width = j.interval[1] - j.interval[0];
    expect(width).toBeCloseTo(0.1 / 2 ** DEFAULT_LEVELS, 15);
    expect(c).toBeGreaterThanOrEqual(j.interval[0]);
    expect(c).toBeLessThanOrEqual(j.interval[1]);
    expect(j.size).toBe(2);
    expect(Math.abs(j.valueJump)).toBeLessThanOrEqual(width);
    // piecewise linear: no slope change anywhere else
    expect(r.lipschitz).toBe(0);
  });

  it('lists first the kinks that moved across the jump, then those recorded identically at both ends', () => {
    const c = 0.6180339;
    const f: SweptFunction = {
      value: (x) => Math.abs(x - c),
      gradient: (x) => ({
        value: Math.abs(x - c),
        grad: Math.sign(x - c),
        // a decision that does not depend on x (margin 0), and the one that makes the kink
        kinks: [
          { label: 'resting', margin: 0 },
          { label: 'hit', margin: Math.abs(x - c) },
        ],
      }),
    };
    const [j] = sweepFunction(f, { from: 0, to: 1, n: 6 }).jumps;
    expect(j.kinks.map((k) => k.label)).toEqual(['hit', 'resting']);
    expect(j.kinks[0].margin).toBeLessThanOrEqual(j.interval[1] - j.interval[0]);
  });

  it('calls a steep smooth gradient continuous and measures its Lipschitz constant', () => {
    // f = τ log cosh((x − c)/τ): f' = tanh((x − c)/τ), max |f''| = 1/τ at c
    const tau = 1e-3;
    const c = 0.4321;
    const f = closedForm(
      (x) => tau * Math.log(Math.cosh((x - c) / tau)),
      (x) => Math.tanh((x - c) / tau),
    );
    const r = sweepFunction(f, { from: 0, to: 1, n: 11 });
    expect(r.jumps).toEqual([]);
    expect(r.lipschitz).toBeLessThanOrEqual(1 / tau);
    expect(r.lipschitz).toBeGreaterThan(0.9 / tau);
  });

  it('reports a feature narrower than its finest interval as a jump: the interval is the resolution', () => {
    // width τ far below spacing / 2^levels = 0.1 / 16 with 4 levels
    const tau = 1e-6;
    const c = 0.4321;
    const f = closedForm(
      (x) => tau * Math.log(Math.cosh((x - c) / tau)),
      (x) => Math.tanh((x - c) / tau),
    );
    const r = sweepFunction(f, { from: 0, to: 1, n: 11, levels: 4 });
    expect(r.jumps).toHaveLength(1);
    expect(r.jumps[0].size).toBeCloseTo(2, 9);
    expect(r.jumps[0].interval[1] - r.jumps[0].interval[0]).toBeCloseTo(0.1 / 16, 15);
  });

  it('fdGrad is the central difference at spacing/8: cos for sin, a spike of 1/(2h) at a value step', () => {
    const smooth = sweepFunction(closedForm(Math.sin, Math.cos), { from: 0, to: 2, n: 9 });
    const h = FD_STEP_FRACTION * 0.25;
    // central-difference error ≤ h² max|f'''| / 6
    smooth.x.forEach((x, i) => expect(Math.abs(smooth.fdGrad[i] - Math.cos(x))).toBeLessThanOrEqual((h * h) / 6));
    smooth.x.forEach((x, i) => expect(smooth.grad[i]).toBe(Math.cos(x)));
    // a unit step just right of the grid point 0.5, within its FD step; AD sees slope 0
    const step = 0.5 + h / 2;
    const r = sweepFunction(
      closedForm(
        (x) => (x >= step ? 1 : 0),
        () => 0,
      ),
      { from: 0, to: 2, n: 9 },
    );
    expect(r.fdGrad[2]).toBe(1 / (2 * h));
    expect(r.fdGrad.filter((_, i) => i !== 2)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.jumps).toEqual([]);
  });

  it('rejects a bad grid', () => {
    const f = closedForm(Math.sin, Math.cos);
    expect(() => sweepFunction(f, { from: 1, to: 1, n: 5 })).toThrow(/from < to/);
    expect(() => sweepFunction(f, { from: 0, to: 1, n: 1 })).toThrow(/n must be/);
    expect(() => sweepFunction(f, { from: 0, to: 1, n: 5, levels: 1 })).toThrow(/levels/);
    expect(() => sweepFunction(f, { from: 0, to: 1, n: 5, jumpTol: 0 })).toThrow(/jumpTol/);
  });
});

describe('ball-drop onset: final vertical velocity against drop height', () => {
  const N = DROP.steps;
  const lastOnset = dropOnset(N - 1);
  // from ~3 steps' worth of contact to free flight
  const range = {
    of: 'ball.linearVelocity.z',
    wrt: 'ball.position.z',
    from: lastOnset - 0.01,
    to: lastOnset + 0.002,
    n: 13,
  };

  it("penalty: the gradient jumps at each analytic step onset h_j, linked to that step's onset kink", () => {
    const r = sweep(dropScene(1, 'penalty'), { ...range, modes: ['penalty'] }).penalty!;
    // the other jumps are the weight's activation ramp ending at d = ±h (step-exact.ts)
    const onsetJumps = r.jumps.filter((j) => j.kinks[0].label.endsWith('ground/ball onset'));
    for (const j of r.jumps) expect(j.kinks[0].label).toMatch(/ground\/ball (onset|damping ramp)$/);
    expect(onsetJumps.length).toBeGreaterThanOrEqual(3);
    for (const j of onsetJumps) {
      const step = kinkStep(j.kinks[0].label);
      expect(j.kinks[0].label).toBe(`step ${step}: ground/ball onset`);
      const hj = dropOnset(step);
      const width = j.interval[1] - j.interval[0];
      // the analytic onset lies in the finest interval (up to rounding of the heights)
      expect(hj).toBeGreaterThanOrEqual(j.interval[0] - 1e-12);
      expect(hj).toBeLessThanOrEqual(j.interval[1] + 1e-12);
      // only the slope changes: the value moves by at most the largest |gradient| × width
      expect(Math.abs(j.valueJump)).toBeLessThanOrEqual(Math.max(...r.grad.map(Math.abs)) * width);
    }
    // the last onset: step N−1, size (k + c|v|)·dt/m, near the continuous-time h* = ½gT² + r
    const last = onsetJumps[onsetJumps.length - 1];
    expect(kinkStep(last.kinks[0].label)).toBe(N - 1);
    expect(last.size).toBeCloseTo(dropVelocityJump(), 9);
    const T = N * DROP.dt;
    expect(Math.abs(last.at - (0.5 * DROP.g * T * T + DROP.radius))).toBeLessThanOrEqual(
      0.5 * DROP.g * T * DROP.dt + 1e-6,
    );
    // above it the weight ramp (slope −g·dt/(2h)) until d = h, then free flight: gradient 0
    const ramp = dropRampHalfWidth(1e-4);
    r.x.forEach((x, i) => {
      if (x > lastOnset + ramp) expect(r.grad[i]).toBe(0);
      else if (x > lastOnset) expect(r.grad[i]).toBeCloseTo(dropWeightSlope(1e-4), 6);
    });
    // AD matches FD wherever no onset or ramp end lies within the FD step
    const h = (FD_STEP_FRACTION * (range.to - range.from)) / (range.n - 1);
    const onsets = Array.from({ length: 20 }, (_, k) => dropOnset(N - 1 - k)).flatMap((o, k) => {
      const w = dropRampHalfWidth(1e-4, DROP.dt, N - k);
      return [o, o - w, o + w];
    });
    r.x.forEach((x, i) => {
      if (onsets.every((o) => Math.abs(o - x) > h)) expect(r.fdGrad[i]).toBeCloseTo(r.grad[i], 6);
    });
  });

  it('penalty: the jump is a discretization effect, it halves with dt', () => {
    const dt = DROP.dt / 2;
    const steps = 2 * DROP.steps;
    const onset = dropOnset(steps - 1, dt);
    const scene = dropScene(1, 'penalty', { dt, steps });
    const r = sweep(scene, { ...range, from: onset - 1e-4, to: onset + 1e-4, n: 3, modes: ['penalty'] }).penalty!;
    expect(r.jumps).toHaveLength(1);
    expect(r.jumps[0].size).toBeCloseTo(dropVelocityJump(dt), 9);
    expect(r.jumps[0].size / dropVelocityJump()).toBeCloseTo(0.5, 2);
  });

  it('soft: no jump survives refinement; the gradient Lipschitz constant scales like 1/s, s = √(τ² + (v·dt/4)²)', () => {
    // soft mode's temperature widens to a quarter of the step's travel in a fast contact
    // (sim/contact/step-exact.ts): at τ ≫ v·dt/4 (0.74 mm here) it is τ, below it the
    // travel (the discrete map stays resolved by its steps)
    const width = (tau: number) => Math.hypot(tau, (DROP.g * DROP.dt * (N - 1) * DROP.dt) / 4);
    const lipschitz = (tau: number) => {
      const r = sweep(dropScene(1, 'soft', { temperature: tau }), { ...range, modes: ['soft'] }).soft!;
      expect(r.jumps).toEqual([]);
      return r;
    };
    const [tau1, tau3] = [1e-4, 1e-5];
    const s1 = lipschitz(tau1);
    const s3 = lipschitz(tau3);
    // τ ≪ v·dt/4: a tenfold cut of τ leaves the width, and the Lipschitz constant, nearly as
    // they are (the old soft law, width τ, grew it tenfold)
    expect(s3.lipschitz / s1.lipschitz).toBeGreaterThan(0.8 * (width(tau1) / width(tau3)));
    expect(s3.lipschitz / s1.lipschitz).toBeLessThan(1.25 * (width(tau1) / width(tau3)));
    // of the order of the penalty jump spread over the activation: J·max σ'/s = J/(4s)
    const J = dropVelocityJump();
    for (const [r, tau] of [
      [s1, tau1],
      [s3, tau3],
    ] as const) {
      expect(r.lipschitz * width(tau)).toBeGreaterThan(0.25 * (J / 4));
      expect(r.lipschitz * width(tau)).toBeLessThan(2 * (J / 4));
    }
    // AD against FD: a central difference of step h is off by at most L·h/2
    const h = (FD_STEP_FRACTION * (range.to - range.from)) / (range.n - 1);
    for (const [r, tau] of [
      [s1, tau1],
      [s3, tau3],
    ] as const) {
      r.x.forEach((_, i) =>
        expect(Math.abs(r.fdGrad[i] - r.grad[i])).toBeLessThanOrEqual(((2 * J) / (4 * width(tau))) * (h / 2)),
      );
    }
  });
});

describe("glancing sphere–sphere onset: b's final y velocity against the impact parameter", () => {
  const R = GLANCE_REACH;
  // R itself is not a grid point (the onset would sit on one)
  const range = { of: 'b.linearVelocity.y', wrt: 'a.position.y', from: R - 0.00095, to: R + 0.0005, n: 16 };

  it('penalty: jumps at the analytic onsets b_j = √(R² − x_j²), none beyond b = R', () => {
    const r = sweep(glanceScene(R, 'penalty'), { ...range, modes: ['penalty'] }).penalty!;
    expect(r.jumps.length).toBeGreaterThanOrEqual(3);
    // steps before a passes b are unperturbed: their onset is closed-form
    const beforePass = r.jumps.filter((j) => kinkStep(j.kinks[0].label) <= GLANCE_PASS_STEP);
    expect(beforePass.length).toBeGreaterThanOrEqual(3);
    for (const j of beforePass) {
      expect(j.kinks[0].label).toMatch(/^step \d+: a\/b onset$/);
      const bj = glanceOnset(kinkStep(j.kinks[0].label));
      expect(bj).toBeGreaterThanOrEqual(j.interval[0] - 1e-12);
      expect(bj).toBeLessThanOrEqual(j.interval[1] + 1e-12);
    }
    // the onset: the last jump lies in the grid interval holding R (one jump per flagged
    // interval; the onsets b_0 = R, b_1, b_2 … are microns apart, the probe test pins b = R)
    const spacing = (range.to - range.from) / (range.n - 1);
    const first = Math.max(...r.jumps.map((j) => j.at));
    expect(first).toBeLessThanOrEqual(R);
    expect(first).toBeGreaterThan(R - spacing);
    // no contact beyond R: b stays at rest
    r.x.forEach((x, i) => {
      if (x > R) expect([r.value[i], r.grad[i]]).toEqual([0, 0]);
    });
  });

  it('soft: no jump survives refinement; the Lipschitz constant scales like 1/τ', () => {
    const tau1 = 1e-4;
    const tau2 = 5e-5;
    const s1 = sweep(glanceScene(R, 'soft', { temperature: tau1 }), { ...range, modes: ['soft'] }).soft!;
    const s2 = sweep(glanceScene(R, 'soft', { temperature: tau2 }), { ...range, modes: ['soft'] }).soft!;
    expect(s1.jumps).toEqual([]);
    expect(s2.jumps).toEqual([]);
    // looser than for the drop: grazing contacts overlap several steps, whose onsets blend
    expect(s2.lipschitz / s1.lipschitz).toBeGreaterThan(0.75 * (tau1 / tau2));
    expect(s2.lipschitz / s1.lipschitz).toBeLessThan(1.33 * (tau1 / tau2));
  });

  it('sweeps several modes in one call, in the order asked, sharing the grid', () => {
    const r = sweep(glanceScene(R, 'soft'), { ...range, n: 4, modes: ['soft', 'penalty'] });
    expect(Object.keys(r)).toEqual(['soft', 'penalty']);
    expect(r.soft!.x).toEqual(r.penalty!.x);
    expect(r.soft!.x[0]).toBe(range.from);
    expect(r.soft!.x[3]).toBe(range.to);
    // the continuity report is the same refinement, reduced to jumps and Lipschitz estimates
    const report = continuityReport(glanceScene(R, 'soft'), { ...range, n: 4, modes: ['soft', 'penalty'] });
    const p = r.penalty!;
    expect(report.penalty).toEqual({
      jumps: p.jumps,
      valueJumps: p.valueJumps,
      sawTooth: p.sawTooth,
      lipschitz: p.lipschitz,
      jumpTol: p.jumpTol,
    });
    expect(report.soft!.jumps).toEqual([]);
  });
});
