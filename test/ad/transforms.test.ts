// The front door: valueAndGrad / jvp / vjp / jacrev / jacfwd, kink reports, nested
// traces, and the non-finite errors that replace silent NaN gradients.
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/index.ts';

// a 3 -> 2 map with a closed-form Jacobian
const f2 = ([x, y, z]: Real[]): Real[] => [ad.mul(x, ad.sin(y)), ad.add(ad.exp(z), ad.mul(x, y))];
function jacobianF2([x, y, z]: number[]): number[][] {
  return [
    [Math.sin(y), x * Math.cos(y), 0],
    [y, x, Math.exp(z)],
  ];
}

describe('transforms', () => {
  const x0 = [0.7, -1.3, 0.4];

  it('jacrev and jacfwd both equal the closed-form Jacobian', () => {
    const exact = jacobianF2(x0);
    const rev = ad.jacrev(f2, x0);
    const fwd = ad.jacfwd(f2, x0);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        expect(rev[i][j]).toBeCloseTo(exact[i][j], 14);
        expect(fwd[i][j]).toBeCloseTo(exact[i][j], 14);
      }
    }
  });

  it('vjp pulls back any cotangent: ȳᵀJ', () => {
    const { value, vjp } = ad.vjp(f2, x0);
    expect(value[0]).toBeCloseTo(0.7 * Math.sin(-1.3), 15);
    const J = jacobianF2(x0);
    const xbar = vjp([2, -0.5]);
    for (let j = 0; j < 3; j++) expect(xbar[j]).toBeCloseTo(2 * J[0][j] - 0.5 * J[1][j], 14);
  });

  it('valueAndGrad of a constant function: zero gradient, value returned', () => {
    const r = ad.valueAndGrad(() => 3, [1, 2]);
    expect(r).toEqual({ value: 3, grad: [0, 0], kinks: [] });
  });

  it('kinks are reported nearest first and filtered by kinkTol', () => {
    const f = ([x]: Real[]) =>
      ad.add(ad.abs(ad.sub(x, 1e-3), { label: 'far' }), ad.relu(ad.sub(x, 1e-9), { label: 'near' }));
    const loose = ad.valueAndGrad(f, [0], { kinkTol: 1e-2 }).kinks;
    expect(loose.map((k) => k.label)).toEqual(['near', 'far']);
    expect(ad.valueAndGrad(f, [0], { kinkTol: 1e-6 }).kinks.map((k) => k.label)).toEqual(['near']);
    expect(ad.valueAndGrad(f, [0], { kinkTol: 1e-12 }).kinks).toEqual([]);
  });

  it('withLabel scopes nest into kink labels', () => {
    const r = ad.valueAndGrad(
      ([x]) =>
        ad.withLabel('contact ball/ground', () => ad.withLabel('step 311', () => ad.relu(x, { label: 'onset' }))),
      [0],
    );
    expect(r.kinks[0].label).toBe('contact ball/ground/step 311/onset');
    const unlabeled = ad.valueAndGrad(([x]) => ad.withLabel('pair 3', () => ad.abs(x)), [0]);
    expect(unlabeled.kinks[0].label).toBe('pair 3/abs');
  });

  it('nested traces: a gradient computed inside a function being differentiated', () => {
    // g(a) = a · (d/dx x³ at x = 2) = 12a; the inner gradient is a constant to the outer trace
    const r = ad.valueAndGrad(
      ([a]) => {
        const inner = ad.grad(([x]) => ad.mul(ad.mul(x, x), x), [2])[0];
        return ad.mul(a, inner);
      },
      [1.5],
    );
    expect(r.value).toBe(18);
    expect(r.grad).toEqual([12]);
  });

  it('a forward-mode evaluation inside reverse mode leaves the outer tape intact', () => {
    const r = ad.valueAndGrad(
      ([a]) => {
        const t = ad.jvp(([x]) => ad.sin(x), [0], [1]).tangent; // cos 0 = 1
        return ad.mul(ad.mul(a, a), t);
      },
      [3],
    );
    expect(r.grad).toEqual([6]);
  });

  it('a non-finite forward value raises NonFiniteError naming the op and label', () => {
    let err: unknown;
    try {
      ad.valueAndGrad(([x]) => ad.withLabel('contact ball/ground step 7', () => ad.log(x)), [-1]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ad.NonFiniteError);
    const e = err as ad.NonFiniteError;
    expect(e.op).toBe('log');
    expect(e.label).toBe('contact ball/ground step 7');
    expect(e.phase).toBe('forward');
  });

  it('a non-finite adjoint (finite value, infinite slope) raises in the reverse sweep', () => {
    let err: unknown;
    try {
      ad.valueAndGrad(([x]) => ad.withLabel('normal', () => ad.sqrt(ad.mul(x, x))), [0]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ad.NonFiniteError);
    const e = err as ad.NonFiniteError;
    expect(e.op).toBe('sqrt');
    expect(e.label).toBe('normal');
    expect(e.phase).toBe('reverse');
  });

  it('an unused infinite partial does not poison the gradient', () => {
    // sqrt(0) has an infinite partial, but its result is multiplied by a zero-adjoint path
    const r = ad.valueAndGrad(
      ([x, y]) => {
        ad.sqrt(ad.mul(y, y));
        return ad.mul(x, 2);
      },
      [1, 0],
    );
    expect(r.grad).toEqual([2, 0]);
  });

  it('a traced value escaping its evaluation is an error, not a silent wrong gradient', () => {
    let leaked: Real = 0;
    ad.valueAndGrad(
      ([x]) => {
        leaked = x;
        return x;
      },
      [1],
    );
    expect(() => ad.add(leaked, 1)).toThrow(/outside the evaluation/);
  });

  it('forward mode: tangents read mid-evaluation, past tape growth and a nested trace, match closed forms', () => {
    // y ← y·(1 + 1e-6), 2·50k times (tapes start at 4k slots, so this grows the tape), with
    // a reverse-mode gradient taken in between: dy/dy0 after k steps is (1 + 1e-6)^k
    const n = 50_000;
    const c = 1 + 1e-6;
    let middle = NaN;
    let inner = NaN;
    const r = ad.jvp(
      ([y0]) => {
        let y: Real = y0;
        for (let k = 0; k < n; k++) y = ad.mul(y, c);
        middle = (y as ad.Var).t; // swept now; the rest of the tape is swept at the end
        inner = ad.grad(([x]) => ad.mul(ad.mul(x, x), x), [2])[0]; // 3·2² = 12, in its own trace
        for (let k = 0; k < n; k++) y = ad.mul(y, c);
        return ad.add(y, ad.abs(ad.sub(y0, 1))); // |y0 − 1| at its kink: one-sided, +|ẏ0|
      },
      [1],
      [-2],
    );
    expect(inner).toBe(12);
    expect(middle).toBeCloseTo(-2 * Math.pow(c, n), 9);
    expect(r.tangent).toBeCloseTo(-2 * Math.pow(c, 2 * n) + 2, 9);
  });

  it("a Var's tangent reads 0 in reverse mode", () => {
    let t = NaN;
    ad.valueAndGrad(
      ([x]) => {
        const y = ad.sin(x) as ad.Var;
        t = y.t;
        return y;
      },
      [0.3],
    );
    expect(t).toBe(0);
  });

  it("a Var's tangent read after its evaluation ended throws instead of reading another tape", () => {
    let y: ad.Var | undefined;
    ad.jvp(
      ([x]) => {
        y = ad.sin(x) as ad.Var;
        return y;
      },
      [0.3],
      [1],
    );
    expect(() => y?.t).toThrow(/after its evaluation ended/);
  });

  it('jvp checks the tangent length', () => {
    expect(() => ad.jvp(([x]) => x, [1, 2], [1])).toThrow(/length/);
  });

  it('long recordings grow the tape and still give exact gradients', () => {
    // y ← y·(1 + 1e-6), 100k times: dy/dy0 = (1 + 1e-6)^100000
    const n = 100_000;
    const r = ad.valueAndGrad(
      ([y0]) => {
        let y: Real = y0;
        for (let k = 0; k < n; k++) y = ad.mul(y, 1 + 1e-6);
        return y;
      },
      [1],
    );
    expect(r.grad[0]).toBeCloseTo(Math.pow(1 + 1e-6, n), 9);
  });
});

// The sweep clears the adjoints it has used and leaves only the inputs' and primitive
// outputs' in place, so the next sweep on the same (pooled) buffers needs no fill first.
// A stale adjoint anywhere would add into the next gradient.
describe('adjoint buffers reused across gradients', () => {
  // x·y·z…: ∂/∂x_j = Π_{k≠j} x_k
  const product = (xs: Real[]): Real => xs.reduce((p: Real, x) => ad.mul(p, x), 1);
  // a primitive: (a, b) ↦ (a², a·b)
  const sq2 = ad.customVjp({
    name: 'sq2',
    fwd: (x) => [Float64Array.of(x[0] * x[0], x[0] * x[1]), Float64Array.from(x)],
    bwd: (x, ybar) => Float64Array.of(2 * x[0] * ybar[0] + x[1] * ybar[1], x[0] * ybar[1]),
  });
  // g(a, b) = sin(a)² · sin(a)·b + a·b: a primitive in the middle of the tape
  const g = ([a, b]: Real[]): Real => {
    const [p, q] = sq2([ad.sin(a), b]);
    return ad.add(ad.mul(p, q), ad.mul(a, b));
  };
  function gradG(a: number, b: number): number[] {
    const s = Math.sin(a);
    const c = Math.cos(a);
    return [3 * s * s * c * b + b, s * s * s + a];
  }
  const xs = [1.5, -2, 0.5, 3, 0.25, -1];

  it('a gradient with fewer inputs after one with more: the old inputs leave nothing in the new entries', () => {
    const first = ad.grad(product, xs);
    xs.forEach((_, j) => expect(first[j]).toBe(xs.reduce((p, x, k) => (k === j ? p : p * x), 1)));
    // the second tape's entries sit in the slots of the first tape's inputs
    const r = ad.grad(([x]) => ad.mul(ad.mul(ad.mul(x, x), x), x), [1.25]);
    expect(r[0]).toBe(4 * 1.25 ** 3);
  });

  it('long tapes, swept in many stretches: each gradient exact after another', () => {
    // x²·cⁿ with n ops of ·c (3n + 2 slots over several of the sweep's stretches): 2x·cⁿ
    const scaled =
      (n: number, c: number) =>
      ([x]: Real[]): Real => {
        let y: Real = x;
        for (let k = 0; k < n; k++) y = ad.mul(y, c);
        return ad.mul(y, x);
      };
    for (const [n, c, x] of [
      [3000, 1.001, 0.5],
      [2000, 0.999, -1.5],
      [5000, 1.0002, 2],
    ]) {
      const r = ad.grad(scaled(n, c), [x]);
      expect(r[0] / (2 * x * c ** n) - 1).toBeLessThan(1e-12);
      expect(r[0] / (2 * x * c ** n) - 1).toBeGreaterThan(-1e-12);
    }
  });

  it('a primitive mid-tape: its outputs keep their cotangents for its backward rule, and nothing is left after', () => {
    for (let k = 0; k < 3; k++) {
      const r = ad.valueAndGrad(g, [0.7, 1.3]);
      const exact = gradG(0.7, 1.3);
      expect(r.grad[0]).toBeCloseTo(exact[0], 14);
      expect(r.grad[1]).toBeCloseTo(exact[1], 14);
      expect(ad.grad(product, xs)[2]).toBe(1.5 * -2 * 3 * 0.25 * -1);
    }
  });

  it('jacrev sweeps one tape once per output, each from a clear buffer', () => {
    const [row0, row1] = ad.jacrev(([a, b]) => [g([a, b]), ad.mul(a, b)], [0.4, -0.9]);
    const exact = gradG(0.4, -0.9);
    expect(row0[0]).toBeCloseTo(exact[0], 14);
    expect(row0[1]).toBeCloseTo(exact[1], 14);
    expect(row1).toEqual([-0.9, 0.4]);
  });

  it('a sweep that threw part way leaves no stale adjoint for the next gradient', () => {
    const broken = ad.customVjp({
      name: 'broken',
      fwd: (x) => [Float64Array.of(2 * x[0]), 0],
      bwd: () => Float64Array.of(NaN),
    });
    expect(() => ad.grad(([x]) => ad.mul(product([x, x, x]), broken([x])[0]), [0.5])).toThrow(ad.NonFiniteError);
    // one entry per slot, over the slots the broken sweep had written: (1.5)⁸ exactly
    const r = ad.grad(
      ([x]) => {
        let y: Real = x;
        for (let k = 0; k < 8; k++) y = ad.mul(y, 1.5);
        return y;
      },
      [0.5],
    );
    expect(r[0]).toBe(1.5 ** 8);
  });

  it('a non-finite adjoint below a primitive is traced to its op (the tape is swept again from the seeds)', () => {
    let err: unknown;
    try {
      // the square root's only consumer is the primitive: its adjoint comes from the backward rule
      ad.grad(
        ([x, y]) => {
          const [p, q] = sq2([ad.exp(ad.withLabel('root', () => ad.sqrt(ad.mul(x, x)))), y]);
          return ad.add(ad.mul(p, q), ad.mul(y, y));
        },
        [0, 2],
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ad.NonFiniteError);
    expect((err as ad.NonFiniteError).op).toBe('sqrt');
    expect((err as ad.NonFiniteError).label).toBe('root');
    expect(ad.grad(product, [2, 3])).toEqual([3, 2]);
  });
});
