// Checkpointed scan: O(√T) stored states, gradients bitwise equal to the plain tape's.
import { describe, expect, it } from 'vitest';
import { checkpointedScan, CheckpointCaptureError, type CheckpointStats, type ScanStep } from '../../ad/checkpoint.ts';
import { add, cos, mul, sin, sub } from '../../ad/ops.ts';
import { relu, where } from '../../ad/nonsmooth.ts';
import { T, withLabel, type Real } from '../../ad/tape.ts';
import { jacrev, jvp, valueAndGrad, vjp } from '../../ad/transforms.ts';
import { gradcheck } from '../../ad/gradcheck.ts';
import { customVjp } from '../../ad/primitive.ts';

const ALL_KINKS = { kinkTol: Infinity };

/** Time step of the test dynamics (s): small enough that 1 000 steps stay bounded. */
const DT = 0.01;

/**
 * A pendulum-like oscillator (x, v) driven by a third state w that a `where` switches
 * between a damped copy of itself and itself unchanged (a Var passed through), with a relu
 * on w: non-smooth, and params used several times per step.
 */
const oscillator: ScanStep = ([x, v, w], [k, c, phase], t) => {
  const a = sub(mul(k, sin(x)), mul(c, v));
  const v2 = add(v, mul(DT, add(a, relu(sub(w, 0.5), { label: 'w' }))));
  const x2 = add(x, mul(DT, v2));
  // threshold drifts with t so that some steps land near the switch
  const w2 = where(sub(x2, 0.2 + 0.001 * t), mul(w, cos(phase)), w, { label: 'switch' });
  return [x2, v2, w2];
};

/** Loss reading the final state and the params directly (two routes into each param). */
const lossOf = (s: Real[], p: Real[]): Real => add(add(mul(s[0], s[1]), mul(s[2], p[0])), mul(p[1], p[1]));

function plainLoop(step: ScanStep, init: Real[], params: Real[], steps: number): Real[] {
  let s = init;
  for (let t = 0; t < steps; t++) s = step(s, params, t);
  return s;
}

/** Expect two gradients to be the same doubles, bit for bit (Object.is also separates ±0). */
function expectBitwise(a: { value: number; grad: number[] }, b: { value: number; grad: number[] }): void {
  expect(Object.is(a.value, b.value)).toBe(true);
  expect(a.grad.length).toBe(b.grad.length);
  const mismatched = a.grad.flatMap((g, j) => (Object.is(g, b.grad[j]) ? [] : [[j, g, b.grad[j]]]));
  expect(mismatched).toEqual([]);
}

const X0 = [0.3, 0.1, 0.9, 2.0, 0.4, 0.7];

describe('checkpointedScan: bitwise equality with the plain tape', () => {
  const cases: [number, number | undefined][] = [
    [1, undefined], // T = 1
    [7, undefined], // T not a multiple of ⌈√T⌉ = 3
    [7, 20], // T < segment
    [16, undefined], // T a perfect square
    [17, 4], // one short trailing segment
    [50, 1], // one step per segment
    [300, undefined],
  ];
  for (const [steps, segment] of cases) {
    it(`T = ${steps}, segment ${segment ?? 'default'}: value, gradient and kinks`, () => {
      const plain = valueAndGrad(
        (z) => {
          const p = [z[3], z[4], z[5]];
          return lossOf(plainLoop(oscillator, [z[0], z[1], z[2]], p, steps), p);
        },
        X0,
        ALL_KINKS,
      );
      const ck = valueAndGrad(
        (z) => {
          const p = [z[3], z[4], z[5]];
          return lossOf(checkpointedScan(oscillator, [z[0], z[1], z[2]], p, steps, { segment }), p);
        },
        X0,
        ALL_KINKS,
      );
      expectBitwise(ck, plain);
      expect(plain.kinks.length).toBe(2 * steps);
      expect(ck.kinks).toEqual(plain.kinks);
    });
  }

  it('traced values that alias: an input in both init and params, constants, a param passed into the state', () => {
    // state 0 starts as the same Var as param 0; state 2 starts as a constant;
    // state 3 becomes param 1 itself whenever x > 0.25, or one of the other components
    const step: ScanStep = ([x, v, w, u], [k, c], t) => {
      const v2 = add(v, mul(DT, sub(mul(sub(-400, k), sin(x)), mul(c, add(v, w)))));
      const x2 = add(x, mul(DT, v2));
      const w2 = t % 3 === 0 ? w : mul(w, 0.999);
      const u2 = where(sub(x2, 0.1), c, t % 2 === 0 ? x2 : u);
      return [x2, v2, w2, u2];
    };
    const loss = (s: Real[], p: Real[]): Real => add(mul(add(s[0], s[3]), s[1]), add(mul(s[2], p[1]), mul(s[3], s[3])));
    for (const steps of [1, 5, 12, 40]) {
      for (const segment of [undefined, 1, 3, 100]) {
        const build = (scan: (init: Real[], p: Real[]) => Real[]) => (z: Real[]) => {
          const p = [z[0], z[2]];
          return loss(scan([z[0], z[1], 0.25, z[3]], p), p);
        };
        const x = [0.3, 0.2, 1.5, -0.4];
        const plain = valueAndGrad(
          build((i, p) => plainLoop(step, i, p, steps)),
          x,
          ALL_KINKS,
        );
        const ck = valueAndGrad(
          build((i, p) => checkpointedScan(step, i, p, steps, { segment })),
          x,
          ALL_KINKS,
        );
        expectBitwise(ck, plain);
        expect(ck.kinks).toEqual(plain.kinks);
      }
    }
  });

  it('a step that updates its state array in place', () => {
    const step: ScanStep = (s, [k]) => {
      s[1] = sub(s[1], mul(DT, mul(k, s[0])));
      s[0] = add(s[0], mul(DT, s[1]));
      return s;
    };
    const f = (scan: (i: Real[], p: Real[]) => Real[]) => (z: Real[]) => scan([z[0], z[1]], [z[2]])[0];
    const plain = valueAndGrad(
      f((i, p) => plainLoop(step, i, p, 23)),
      [1, 0, 4],
    );
    const ck = valueAndGrad(
      f((i, p) => checkpointedScan(step, i, p, 23)),
      [1, 0, 4],
    );
    expectBitwise(ck, plain);
  });

  it('a step that calls a primitive', () => {
    // rotation by angle θ = (sum of the params)·dt: a 2 -> 2 primitive with a hand-written VJP
    const rotate = customVjp({
      name: 'rotate',
      fwd: (x) => {
        const [a, b, th] = x;
        const c = Math.cos(th);
        const s = Math.sin(th);
        return [Float64Array.of(c * a - s * b, s * a + c * b), x];
      },
      bwd: ([a, b, th], yb) => {
        const c = Math.cos(th);
        const s = Math.sin(th);
        return Float64Array.of(
          c * yb[0] + s * yb[1],
          -s * yb[0] + c * yb[1],
          yb[0] * (-s * a - c * b) + yb[1] * (c * a - s * b),
        );
      },
    });
    const step: ScanStep = ([a, b], [w]) => rotate([a, mul(b, 0.999), mul(w, DT)]);
    const f = (scan: (i: Real[], p: Real[]) => Real[]) => (z: Real[]) => {
      const [a, b] = scan([z[0], z[1]], [z[2]]);
      return add(mul(a, a), mul(z[2], b));
    };
    const plain = valueAndGrad(
      f((i, p) => plainLoop(step, i, p, 30)),
      [1, 0.5, 3],
    );
    const ck = valueAndGrad(
      f((i, p) => checkpointedScan(step, i, p, 30, { segment: 4 })),
      [1, 0.5, 3],
    );
    expectBitwise(ck, plain);
  });

  it('a scan inside the step of another scan', () => {
    const inner: ScanStep = ([x, v], [k]) => {
      const v2 = add(v, mul(-DT, mul(k, sin(x))));
      return [add(x, mul(DT, v2)), v2];
    };
    const innerSteps = 7;
    const outer =
      (nested: boolean): ScanStep =>
      (s, p) =>
        nested ? checkpointedScan(inner, s, p, innerSteps) : plainLoop(inner, s, p, innerSteps);
    const f = (scanOuter: boolean, scanInner: boolean, steps: number) => (z: Real[]) => {
      const p = [z[2]];
      const init = [z[0], z[1]];
      const s = scanOuter
        ? checkpointedScan(outer(scanInner), init, p, steps)
        : plainLoop(outer(scanInner), init, p, steps);
      return add(mul(s[0], s[1]), mul(p[0], s[0]));
    };
    const x = [0.3, 0.2, 5];
    for (const steps of [1, 5, 13]) {
      const plain = valueAndGrad(f(false, false, steps), x);
      for (const [a, b] of [
        [true, true],
        [true, false],
        [false, true],
      ])
        expectBitwise(valueAndGrad(f(a, b, steps), x), plain);
    }
  });

  it('jacrev (one sweep per output over one recording) and vjp', () => {
    const f = (scan: (i: Real[], p: Real[]) => Real[]) => (z: Real[]) => scan([z[0], z[1], z[2]], [z[3], z[4], z[5]]);
    const plain = jacrev(
      f((i, p) => plainLoop(oscillator, i, p, 29)),
      X0,
    );
    const ck = jacrev(
      f((i, p) => checkpointedScan(oscillator, i, p, 29)),
      X0,
    );
    expect(ck.flat().every((g, j) => Object.is(g, plain.flat()[j]))).toBe(true);
    // vjp reports kinks before any sweep runs: they come from the scan's forward pass
    const r = vjp(
      f((i, p) => checkpointedScan(oscillator, i, p, 29)),
      X0,
      ALL_KINKS,
    );
    expect(r.kinks).toEqual(
      vjp(
        f((i, p) => plainLoop(oscillator, i, p, 29)),
        X0,
        ALL_KINKS,
      ).kinks,
    );
    expect(r.kinks.length).toBe(58);
  });

  it('kink labels keep the scopes inside the step and around the scan', () => {
    const labelled: ScanStep = (s, p, t) => withLabel(`step ${t}`, () => oscillator(s, p, t));
    const f = (scan: (i: Real[], p: Real[]) => Real[]) => (z: Real[]) =>
      withLabel('rollout', () => lossOf(scan([z[0], z[1], z[2]], [z[3], z[4], z[5]]), [z[3], z[4], z[5]]));
    const plain = valueAndGrad(
      f((i, p) => plainLoop(labelled, i, p, 10)),
      X0,
      ALL_KINKS,
    );
    const ck = valueAndGrad(
      f((i, p) => checkpointedScan(labelled, i, p, 10)),
      X0,
      ALL_KINKS,
    );
    expect(ck.kinks).toEqual(plain.kinks);
    expect(ck.kinks.map((k) => k.label)).toContain('rollout/step 3/switch');
    expectBitwise(ck, plain);
  });
});

describe('checkpointedScan: derivatives', () => {
  it('matches the closed form of a linear recurrence x ← a·x', () => {
    // x_T = aᵀ x₀: ∂/∂x₀ = aᵀ, ∂/∂a = T aᵀ⁻¹ x₀
    const steps = 250;
    const [a, x0] = [0.995, 1.7];
    const r = valueAndGrad(([x, k]) => checkpointedScan(([s], [q]) => [mul(q, s)], [x], [k], steps)[0], [x0, a]);
    expect(r.value).toBeCloseTo(a ** steps * x0, 12);
    expect(r.grad[0]).toBeCloseTo(a ** steps, 12);
    expect(r.grad[1]).toBeCloseTo(steps * a ** (steps - 1) * x0, 10);
  });

  it('passes gradcheck (central differences) away from kinks', () => {
    const f = (z: Real[]) => {
      const p = [z[3], z[4], z[5]];
      return lossOf(checkpointedScan(oscillator, [z[0], z[1], z[2]], p, 60), p);
    };
    const r = gradcheck(f, X0, { kinkTol: 1e-4 });
    expect(r.kinks).toEqual([]);
    expect(r.unstable).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('forward mode: jvp equals the plain loop and the gradient along v', () => {
    const f = (scan: (i: Real[], p: Real[]) => Real[]) => (z: Real[]) =>
      lossOf(scan([z[0], z[1], z[2]], [z[3], z[4], z[5]]), [z[3], z[4], z[5]]);
    const v = [0.2, -1, 0.5, 0.3, 0.7, -0.4];
    const ck = jvp(
      f((i, p) => checkpointedScan(oscillator, i, p, 80)),
      X0,
      v,
    );
    const plain = jvp(
      f((i, p) => plainLoop(oscillator, i, p, 80)),
      X0,
      v,
    );
    expect(Object.is(ck.tangent, plain.tangent)).toBe(true);
    expect(ck.kinks).toEqual(plain.kinks);
    const g = valueAndGrad(
      f((i, p) => checkpointedScan(oscillator, i, p, 80)),
      X0,
    ).grad;
    const dot = g.reduce((s, gj, j) => s + gj * v[j], 0);
    expect(ck.tangent).toBeCloseTo(dot, 12);
  });

  it('on plain numbers it is the loop', () => {
    const p = X0.slice(3);
    const s = checkpointedScan(oscillator, X0.slice(0, 3), p, 40);
    expect(s).toEqual(plainLoop(oscillator, X0.slice(0, 3), p, 40));
    expect(checkpointedScan(oscillator, [1, 2, 3], p, 0)).toEqual([1, 2, 3]);
  });
});

describe('checkpointedScan: memory', () => {
  // a 2-state oscillator, 4 ops per step
  const spring: ScanStep = ([x, v], [k]) => {
    const v2 = sub(v, mul(k, x));
    return [add(x, mul(DT, v2)), v2];
  };
  for (const steps of [100, 1000, 10_000]) {
    it(`T = ${steps}: stores ⌈√T⌉ states and one segment's tape`, () => {
      let plainEntries = 0;
      const plain = valueAndGrad(
        ([x, k]) => {
          const s = plainLoop(spring, [x, 0], [k], steps);
          plainEntries = T.n;
          return s[0];
        },
        [1, 1e-4],
      );
      const stats = {} as CheckpointStats;
      const ck = valueAndGrad(([x, k]) => checkpointedScan(spring, [x, 0], [k], steps, { stats })[0], [1, 1e-4]);
      expectBitwise(ck, plain);
      const root = Math.sqrt(steps);
      expect(stats.segmentLength).toBe(Math.ceil(root));
      expect(stats.storedStates).toBeGreaterThanOrEqual(Math.floor(root));
      expect(stats.storedStates).toBeLessThanOrEqual(Math.ceil(root));
      expect(stats.recomputedSteps).toBe(steps);
      // the plain tape holds all T steps, a recomputed segment √T of them (+ a few leaves)
      const perStep = plainEntries / steps;
      expect(stats.peakSegmentEntries).toBeLessThanOrEqual(stats.segmentLength * perStep + 8);
      expect(stats.peakSegmentEntries).toBeLessThan(plainEntries / (0.5 * root));
    });
  }
});

describe('checkpointedScan: misuse', () => {
  it('rejects a traced value captured from the enclosing function', () => {
    const f = ([x, k]: Real[]) => checkpointedScan(([s]) => [mul(k, s)], [x], [], 10)[0];
    expect(() => valueAndGrad(f, [1, 2])).toThrow(CheckpointCaptureError);
    // the same value passed through params is fine
    const g = valueAndGrad(([x, k]) => checkpointedScan(([s], [q]) => [mul(q, s)], [x], [k], 10)[0], [1, 2]);
    expect(g.grad[0]).toBe(2 ** 10);
  });

  it('rejects a step whose recomputation differs from its first run', () => {
    let calls = 0;
    const drifting: ScanStep = ([s], [k]) => [mul(k, add(s, 1e-3 * calls++))];
    expect(() => valueAndGrad(([x, k]) => checkpointedScan(drifting, [x], [k], 9)[0], [1, 0.5])).toThrow(
      /not deterministic/,
    );
  });

  it('rejects a state whose length changes and bad sizes', () => {
    expect(() => valueAndGrad(([x]) => checkpointedScan((s) => [...s, 1], [x], [], 3)[0], [1])).toThrow(
      /returned 2 components/,
    );
    expect(() => checkpointedScan((s) => s, [1], [], -1)).toThrow(RangeError);
    expect(() => checkpointedScan((s) => s, [1], [], 4, { segment: 0 })).toThrow(RangeError);
  });
});
