// The local probe: one-sided derivatives, gradient range in a ball, verdict. First on
// closed-form functions whose one-sided derivatives, jumps and Clarke gradients are known
// (|x|, a smooth quadratic, a unit step, max(x, y)); then at the contact onsets of
// onset-scenes.ts, where the one-sided derivatives are closed-form too: penalty contact
// gives a kink (out of contact on one side, one step of contact on the other), soft contact
// a smooth point, and both are smooth away from the onset.
import { describe, expect, it } from 'vitest';
import { oneSided } from '../../sim/one-sided.ts';
import { probe, probeFunction, type ProbedFunction } from '../../sim/probe.ts';
import {
  DROP,
  GLANCE,
  GLANCE_PASS_STEP,
  GLANCE_REACH,
  dropOnset,
  dropScene,
  dropVelocityJump,
  dropWeightSlope,
  glanceScene,
  undampedKappa,
} from './onset-scenes.ts';

/** `actual` equals `expected` entrywise to `digits` decimals (differences of rounded values). */
function expectClose(
  actual: readonly (readonly number[])[],
  expected: readonly (readonly number[])[],
  digits = 9,
): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], digits)));
}

/** A closed-form function of a vector with its gradient. */
function closedForm(value: (x: readonly number[]) => number, grad: (x: readonly number[]) => number[]): ProbedFunction {
  return { value, gradient: (x) => ({ value: value(x), grad: grad(x), kinks: [] }) };
}

describe('oneSided', () => {
  it('gives both one-sided slopes of |s| at 0 exactly, without a jump', () => {
    const right = oneSided(Math.abs, 0, 1, 1e-3, 8, 1e-12);
    const left = oneSided(Math.abs, 0, -1, 1e-3, 8, 1e-12);
    expect([right.slope, left.slope]).toEqual([1, -1]);
    expect([right.error, left.error]).toEqual([0, 0]);
    expect([right.valueJump, left.valueJump]).toEqual([null, null]);
    expect(right.step).toBe(1e-3 / 256);
  });

  it('is second-order accurate on a smooth function: error ≤ (2/3)·h²·max|f‴|', () => {
    // exp at 0: f' = 1, f‴ = e^s ≤ e^{2h} on [0, 2h]
    for (const side of [1, -1] as const) {
      const r = oneSided(Math.exp, 1, side, 1e-2, 6, 1e-12);
      const h = r.step;
      expect(Math.abs(r.slope - 1)).toBeLessThanOrEqual((2 / 3) * h * h * Math.exp(2 * h));
    }
  });

  it('sees a unit step as a value jump on its side only', () => {
    const heaviside = (s: number) => (s >= 0 ? 1 : 0);
    expect(oneSided(heaviside, 1, 1, 1e-3, 8, 1e-12).valueJump).toBeNull();
    expect(oneSided(heaviside, 1, -1, 1e-3, 8, 1e-12).valueJump).toBe(-1);
  });

  it('does not call a continuous cusp √|s| a jump', () => {
    const cusp = (s: number) => Math.sqrt(Math.abs(s));
    expect(oneSided(cusp, 0, 1, 1e-3, 8, 1e-12).valueJump).toBeNull();
  });
});

describe('probeFunction on closed forms', () => {
  it('|x| at 0: kink, directional [1, −1], Clarke gradient [−1, 1]', () => {
    const p = probeFunction(
      closedForm(
        ([x]) => Math.abs(x),
        ([x]) => [Math.sign(x)],
      ),
      [0],
      { radius: 1e-3 },
    );
    expect(p.verdict).toBe('kink');
    expect(p.directional).toEqual([[1, -1]]);
    expect(p.range).toEqual([[-1, 1]]);
    expect(p.reason).toMatch(/x\[0\] differ: right 1, left -1/);
  });

  it('x² + 3y at (0.5, 2): smooth, directional = gradient, range = gradient ± 2R', () => {
    const R = 1e-2;
    const p = probeFunction(
      closedForm(
        ([x, y]) => x * x + 3 * y,
        ([x]) => [2 * x, 3],
      ),
      [0.5, 2],
      { radius: R },
      ['x', 'y'],
    );
    expect(p.verdict).toBe('smooth');
    expect(p.directional[0][0]).toBeCloseTo(1, 10);
    expect(p.directional[0][1]).toBeCloseTo(1, 10);
    expect(p.directional[1][0]).toBeCloseTo(3, 10);
    expect(p.directional[1][1]).toBeCloseTo(3, 10);
    // ∂/∂x = 2x over |x − 0.5| ≤ R
    expect(p.range[0][0]).toBeGreaterThanOrEqual(1 - 2 * R);
    expect(p.range[0][1]).toBeLessThanOrEqual(1 + 2 * R);
    expect(p.range[1]).toEqual([3, 3]);
  });

  it("smooth at the point with a kink inside the ball: the ball's verdict is kink, found by sweeping towards the sampled gradients", () => {
    // relu(x − 0.5) probed at 0.3 with R = 0.5: flat at the point, slope 1 beyond 0.5
    const relu = closedForm(
      ([x]) => Math.max(x - 0.5, 0),
      ([x]) => [x > 0.5 ? 1 : 0],
    );
    const p = probeFunction(relu, [0.3], { radius: 0.5, samples: 32 }, ['x']);
    expect(p.verdict).toBe('kink');
    expect(p.atPoint).toBe('smooth');
    expect(p.range).toEqual([[0, 1]]);
    expect(p.reason).toMatch(/the gradient jumps by 1 at 0\.2 towards the sampled gradients along x/);
    // at R = 0.1 the ball holds no kink
    const small = probeFunction(relu, [0.3], { radius: 0.1, samples: 32 }, ['x']);
    expect(small.verdict).toBe('smooth');
    expect(small.lines).toEqual([]);
  });

  it('a decision predicted within R decides the line to sweep; one beyond R leaves the ball smooth', () => {
    // |x − 0.3| with its flip reported as a decision (distance 0.3 from 0)
    const f: ProbedFunction = {
      ...closedForm(
        ([x]) => Math.abs(x - 0.3),
        ([x]) => [Math.sign(x - 0.3)],
      ),
      decisions: ([x]) => [{ label: 'x = 0.3', distance: Math.abs(x - 0.3), flipAt: [0.3] }],
    };
    const inside = probeFunction(f, [0], { radius: 0.5, samples: 0 }, ['x']);
    expect(inside.verdict).toBe('kink');
    expect(inside.flipsWithin.map((d) => d.label)).toEqual(['x = 0.3']);
    expect(inside.lines[0].gradientJumps[0].at).toBeCloseTo(0.3, 3);
    expect(inside.lines[0].gradientJumps[0].size).toBeCloseTo(2, 9);
    const outside = probeFunction(f, [0], { radius: 0.2, samples: 0 }, ['x']);
    expect(outside.verdict).toBe('smooth');
    expect(outside.reason).toMatch(/no decision flips within R = 0\.2/);
  });

  it('a unit step at 0: discontinuous, naming the side where the value jumps', () => {
    const p = probeFunction(
      closedForm(
        ([x]) => (x >= 0 ? 1 : 0),
        () => [0],
      ),
      [0],
      { radius: 1e-3 },
      ['u'],
    );
    expect(p.verdict).toBe('discontinuous');
    expect(p.reason).toMatch(/jumps by -1 along −u/);
  });

  it('max(x, y) at a tie: kink along each parameter; both gradient components span [0, 1]', () => {
    const f = closedForm(
      ([x, y]) => Math.max(x, y),
      ([x, y]) => (x > y ? [1, 0] : [0, 1]),
    );
    const p = probeFunction(f, [1, 1], { radius: 1e-3, samples: 32 });
    expect(p.verdict).toBe('kink');
    expectClose(p.directional, [
      [1, 0],
      [1, 0],
    ]);
    expect(p.range).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it('a kink inside the ball but not at the point: kink for the ball, smooth at the point, the range shows the kink', () => {
    const R = 1e-3;
    const f = closedForm(
      ([x]) => Math.abs(x - 0.3 * R),
      ([x]) => [Math.sign(x - 0.3 * R)],
    );
    const p = probeFunction(f, [0], { radius: R, samples: 32 });
    expect(p.verdict).toBe('kink');
    expect(p.atPoint).toBe('smooth');
    expectClose(p.directional, [[-1, -1]]);
    expect(p.range).toEqual([[-1, 1]]);
  });

  it('is reproducible for a seed and rejects a bad radius', () => {
    const f = closedForm(
      ([x, y]) => Math.max(x, y),
      ([x, y]) => (x > y ? [1, 0] : [0, 1]),
    );
    const a = probeFunction(f, [1, 1.0005], { radius: 1e-3, seed: 7 });
    const b = probeFunction(f, [1, 1.0005], { radius: 1e-3, seed: 7 });
    expect(a).toEqual(b);
    expect(() => probeFunction(f, [1, 1], { radius: 0 })).toThrow(/radius/);
  });
});

describe('probe at the ball-drop onset (final vertical velocity, drop height)', () => {
  const onset = dropOnset(DROP.steps - 1);
  const opts = { of: 'ball.linearVelocity.z', wrt: ['ball.position.z'], radius: 1e-4 };

  it('penalty at h_{N−1}: kink, d+ = −g·dt/(2h) (the weight ramp), d− = d+ − k·κ·dt/m, range spans both', () => {
    const p = probe(dropScene(onset, 'penalty'), opts);
    const J = dropVelocityJump();
    const W = dropWeightSlope(1e-4);
    expect(p.verdict).toBe('kink');
    const [right, left] = p.directional['ball.position.z'];
    expect(right).toBeCloseTo(W, 6);
    expect(left).toBeCloseTo(W - J, 6);
    const [lo, hi] = p.range['ball.position.z'];
    expect(lo).toBeCloseTo(W - J, 6);
    expect(hi).toBeCloseTo(W, 6);
    expect(p.kinks.map((k) => k.label)).toContain(`step ${DROP.steps - 1}: ground/ball onset`);
  });

  it('soft at h_{N−1}: smooth, the one-sided derivatives agree with the AD gradient', () => {
    const p = probe(dropScene(onset, 'soft'), opts);
    expect(p.verdict).toBe('smooth');
    const [right, left] = p.directional['ball.position.z'];
    const g = p.grad['ball.position.z'];
    expect(right).toBeCloseTo(g, 5);
    expect(left).toBeCloseTo(g, 5);
  });

  it('away from the onset both modes are smooth: free flight, and between two step onsets', () => {
    for (const mode of ['penalty', 'soft'] as const) {
      const free = probe(dropScene(onset + 0.05, mode), opts);
      expect(free.verdict).toBe('smooth');
      expectClose([free.directional['ball.position.z']], [[0, 0]], 12);
      // a quarter of the way from the onset of step N−1 to that of N−2: one step of contact,
      // inside its weight ramp (whose ends, d = ±h ≈ ±v·dt/2, lie halfway between onsets)
      const inside = probe(dropScene(0.25 * dropOnset(DROP.steps - 2) + 0.75 * onset, mode), opts);
      expect(inside.verdict).toBe('smooth');
      const [right, left] = inside.directional['ball.position.z'];
      if (mode === 'penalty') {
        expect(right).toBeCloseTo(dropWeightSlope(1e-4) - dropVelocityJump(), 4);
        expect(left).toBeCloseTo(dropWeightSlope(1e-4) - dropVelocityJump(), 4);
      } else expect(right).toBeCloseTo(left, 4);
    }
  });
});

describe("probe at the glancing sphere–sphere onset (b's final y velocity, impact parameter)", () => {
  // within (b_1, R]: only the pass step's contact can switch on
  const opts = { of: 'b.linearVelocity.y', wrt: ['a.position.y'], radius: 1e-6 };

  it("penalty at b = R: kink, d+ = 0, d− = k·κ·dt/m_b, caused by the pass step's onset", () => {
    const p = probe(glanceScene(GLANCE_REACH, 'penalty'), opts);
    expect(p.verdict).toBe('kink');
    const [right, left] = p.directional['a.position.y'];
    expect(right).toBe(0);
    // κ of the pair (W = 2/m, no dashpot): sim/contact/step-exact.ts
    const kappa = undampedKappa(GLANCE.stiffness, 2 / GLANCE.mass, GLANCE.dt);
    expect(left).toBeCloseTo((GLANCE.stiffness * kappa * GLANCE.dt) / GLANCE.mass, 5);
    expect(p.kinks[0].label).toBe(`step ${GLANCE_PASS_STEP}: a/b onset`);
  });

  it('soft at b = R: smooth', () => {
    const p = probe(glanceScene(GLANCE_REACH, 'soft'), opts);
    expect(p.verdict).toBe('smooth');
    const [right, left] = p.directional['a.position.y'];
    expect(right).toBeCloseTo(left, 3);
    expect(right).toBeCloseTo(p.grad['a.position.y'], 3);
  });
});
