// Optimizers: L-BFGS and Adam on Rosenbrock (smooth, known minimum) and on an
// L1-regularised least-squares problem (non-smooth, closed-form minimiser), box bounds,
// gradient clipping, schedules, the line searches' acceptance conditions, purity, and the
// stop on non-finite values. Tolerances are stated in the test names; the figures measured
// when they were chosen are in the comments next to them.
import { describe, expect, it } from 'vitest';
import { valueAndGrad } from '../../ad/transforms.ts';
import { add, mul, square, sub, sum } from '../../ad/ops.ts';
import { abs } from '../../ad/nonsmooth.ts';
import type { Real } from '../../ad/tape.ts';
import {
  LbfgsSolver,
  adam,
  clipByGlobalNorm,
  cosineDecay,
  exponentialDecay,
  lbfgs,
  minimize,
  project,
  projectedGradient,
  sgd,
  type Objective,
  type Optimizer,
} from '../../ad/optim/index.ts';
import { lineSearchSettings, strongWolfe, weakWolfe, type Trial } from '../../ad/optim/line-search.ts';

const fromAd =
  (f: (x: Real[]) => Real): Objective =>
  (x) =>
    valueAndGrad(f, x);
const maxAbsError = (x: number[], target: number[]) => Math.max(...x.map((xi, i) => Math.abs(xi - target[i])));
const norm = (v: number[]) => Math.hypot(...v);

// chained Rosenbrock Σ 100(x_{i+1} − x_i²)² + (1 − x_i)²; global minimum 0 at (1, …, 1)
function rosenbrock(x: Real[]): Real {
  const terms: Real[] = [];
  for (let i = 0; i + 1 < x.length; i++)
    terms.push(add(mul(100, square(sub(x[i + 1], square(x[i])))), square(sub(1, x[i]))));
  return sum(terms);
}
function rosenbrockGradient(x: number[]): number[] {
  const g = new Array<number>(x.length).fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const r = x[i + 1] - x[i] * x[i];
    g[i] += -400 * x[i] * r - 2 * (1 - x[i]);
    g[i + 1] += 200 * r;
  }
  return g;
}
// the standard start: (−1.2, 1) repeated
const rosenbrockStart = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
const ones = (n: number) => new Array<number>(n).fill(1);

// seeded uniform [0, 1) generator (mulberry32), so the problem instance is fixed
function mulberry32(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * min_z ½‖Az − b‖² + λ‖z‖₁ with AᵀA = I. Then ‖Az − b‖² = ‖z − Aᵀb‖² + ‖b‖² − ‖Aᵀb‖², so the
 * problem separates and z* = softThreshold(Aᵀb, λ). b = A·c + r with r ⊥ range(A) gives
 * Aᵀb = c, chosen with every |c_i| at least 0.2 away from λ so the support is unambiguous.
 */
function lassoProblem() {
  const rows = 8;
  const c = [2, -1.5, 0.3, -0.2, 1];
  const lambda = 0.5;
  const cols = c.length;
  const rand = mulberry32(7);
  const gramSchmidt = (v: number[], basis: number[][]) => {
    const out = v.slice();
    for (const q of basis) {
      const d = q.reduce((s, qi, i) => s + qi * out[i], 0);
      for (let i = 0; i < rows; i++) out[i] -= d * q[i];
    }
    return out;
  };
  const columns: number[][] = [];
  for (let j = 0; j < cols; j++) {
    const v = gramSchmidt(
      Array.from({ length: rows }, () => 2 * rand() - 1),
      columns,
    );
    const n = norm(v);
    columns.push(v.map((vi) => vi / n));
  }
  const residual = gramSchmidt(
    Array.from({ length: rows }, () => 2 * rand() - 1),
    columns,
  );
  const b = Array.from({ length: rows }, (_, i) => columns.reduce((s, q, j) => s + q[i] * c[j], residual[i]));
  const zStar = c.map((ci) => Math.sign(ci) * Math.max(Math.abs(ci) - lambda, 0));
  // the separated form of the objective at z*, independent of the AD objective below
  const fStar =
    0.5 * residual.reduce((s, ri) => s + ri * ri, 0) +
    0.5 * c.reduce((s, ci, j) => s + (ci - zStar[j]) ** 2, 0) +
    lambda * zStar.reduce((s, zj) => s + Math.abs(zj), 0);
  const residualSquares = (z: Real[]): Real[] =>
    b.map((bi, i) => {
      let s: Real = -bi;
      for (let j = 0; j < cols; j++) s = add(s, mul(columns[j][i], z[j]));
      return square(s);
    });
  // the L1 term through `abs`, so its gradient is a subgradient (slope 0 exactly at z_j = 0)
  const objective = (z: Real[]): Real =>
    add(mul(0.5, sum(residualSquares(z))), mul(lambda, sum(z.map((zj) => abs(zj)))));
  // smooth split form: z = p − q with p, q ≥ 0, and ‖z‖₁ = Σ(p + q) at the optimum
  const split = (w: Real[]): Real => {
    const p = w.slice(0, cols);
    const q = w.slice(cols);
    return add(mul(0.5, sum(residualSquares(p.map((pj, j) => sub(pj, q[j]))))), mul(lambda, sum(w)));
  };
  return { columns, cols, lambda, zStar, fStar, objective, split };
}

describe('test problems (preconditions of the optimizer tests)', () => {
  it('the AD Rosenbrock gradient equals the closed form', () => {
    const x = [0.3, -0.7, 1.1, 0.2];
    const { grad } = valueAndGrad(rosenbrock, x);
    const exact = rosenbrockGradient(x);
    for (let i = 0; i < x.length; i++) expect(grad[i]).toBeCloseTo(exact[i], 11);
  });

  it('the lasso instance: orthonormal columns, z* meets the subgradient optimality conditions, f(z*) = f*', () => {
    const p = lassoProblem();
    for (let j = 0; j < p.cols; j++) {
      for (let k = 0; k < p.cols; k++) {
        const d = p.columns[j].reduce((s, v, i) => s + v * p.columns[k][i], 0);
        expect(Math.abs(d - (j === k ? 1 : 0))).toBeLessThan(1e-14);
      }
    }
    // 0 ∈ ∂f(z*): the smooth part's gradient is z* − Aᵀb = z* − c; with λ·∂|z_j| it must vanish
    const { grad } = valueAndGrad(p.objective, p.zStar);
    p.zStar.forEach((zj, j) => {
      if (zj !== 0) expect(Math.abs(grad[j])).toBeLessThan(1e-12);
      // at z_j = 0 abs contributes slope 0, so |smooth gradient| ≤ λ is the condition
      else expect(Math.abs(grad[j])).toBeLessThanOrEqual(p.lambda);
    });
    expect(p.objective(p.zStar) as number).toBeCloseTo(p.fStar, 13);
    expect(p.zStar.map((z) => z !== 0)).toEqual([true, true, false, false, true]);
  });
});

describe('L-BFGS', () => {
  // measured |x − 1|∞ at tol 1e-10: 2-D 1e-14 … 2e-11, 10-D 1e-13 … 7e-13, over the three searches
  for (const lineSearch of ['weakWolfe', 'strongWolfe', 'backtracking'] as const) {
    it(`solves 2-D Rosenbrock from (−1.2, 1) to |x − 1|∞ ≤ 1e-8 (${lineSearch})`, () => {
      const r = lbfgs(fromAd(rosenbrock), [-1.2, 1], { tol: 1e-10, lineSearch });
      expect(r.converged).toBe(true);
      expect(r.reason).toBe('gradient');
      expect(maxAbsError(r.x, ones(2))).toBeLessThanOrEqual(1e-8);
      expect(r.iterations).toBeLessThan(100);
    });

    it(`solves 10-D Rosenbrock from (−1.2, 1, …) to |x − 1|∞ ≤ 1e-8 (${lineSearch})`, () => {
      const r = lbfgs(fromAd(rosenbrock), rosenbrockStart(10), { tol: 1e-10, lineSearch });
      expect(r.converged).toBe(true);
      expect(maxAbsError(r.x, ones(10))).toBeLessThanOrEqual(1e-8);
    });
  }

  it('history starts at x0, values never increase, and the step-wise solver replays lbfgs() exactly', () => {
    const r = lbfgs(fromAd(rosenbrock), [-1.2, 1], { tol: 1e-10 });
    expect(r.history.length).toBe(r.iterations + 1);
    expect(r.history[0].value).toBeCloseTo(24.2, 12); // f(−1.2, 1) = 100·(1 − 1.44)² + 2.2² = 24.2
    for (let k = 1; k < r.history.length; k++) expect(r.history[k].value).toBeLessThan(r.history[k - 1].value);
    const solver = new LbfgsSolver(fromAd(rosenbrock), [-1.2, 1], { tol: 1e-10 });
    let calls = 0;
    while (solver.step()) calls++;
    // the call that converges returns false
    expect(calls).toBe(r.iterations - 1);
    expect(solver.done).toBe(true);
    expect(solver.step()).toBe(false);
    expect(solver.result()).toEqual(r);
  });

  it('stops at maxIter and maxEvaluations with converged = false', () => {
    const a = lbfgs(fromAd(rosenbrock), [-1.2, 1], { maxIter: 5 });
    expect([a.reason, a.iterations, a.converged]).toEqual(['maxIter', 5, false]);
    const b = lbfgs(fromAd(rosenbrock), [-1.2, 1], { maxEvaluations: 7 });
    expect([b.reason, b.converged]).toEqual(['maxEvaluations', false]);
    expect(b.evaluations).toBeLessThanOrEqual(7);
  });

  it('stops with reason "nonFinite" at a NaN start, and at a NaN trial point keeping the last finite iterate', () => {
    const nanEverywhere: Objective = () => ({ value: NaN, grad: [0] });
    expect(lbfgs(nanEverywhere, [0]).reason).toBe('nonFinite');
    // (x − 5)² left of 2, undefined beyond: the minimiser lies in the undefined part
    const fenced: Objective = ([x]) =>
      x < 2 ? { value: (x - 5) ** 2, grad: [2 * (x - 5)] } : { value: NaN, grad: [NaN] };
    const r = lbfgs(fenced, [0]);
    expect(r.reason).toBe('nonFinite');
    expect(r.converged).toBe(false);
    expect(r.x[0]).toBeLessThan(2);
    expect(Number.isFinite(r.value)).toBe(true);
  });

  it('does not mutate x0', () => {
    const x0 = Object.freeze([-1.2, 1]);
    expect(() => lbfgs(fromAd(rosenbrock), x0, { maxIter: 3 })).not.toThrow();
  });
});

describe('L1-regularised least squares (non-smooth, closed-form minimiser)', () => {
  const p = lassoProblem();
  const start = ones(p.cols);
  // strong convexity (AᵀA = I) gives f(z) − f* ≥ ½‖z − z*‖², so a gap bounds the error in z
  const errorBound = (gap: number) => Math.sqrt(2 * Math.max(gap, 0));

  it('L-BFGS (weak Wolfe) through abs reaches f − f* ≤ 1e-9 and the support of z*', () => {
    // measured gap 1.2e-10 from z0 = 1 (3e-13 from z0 = 0); it ends when no step along the
    // gradient lowers f, at a kink: that is the expected end on a non-smooth objective
    const r = lbfgs(fromAd(p.objective), start, { tol: 1e-9 });
    const gap = r.value - p.fStar;
    expect(gap).toBeGreaterThanOrEqual(-1e-14);
    expect(gap).toBeLessThanOrEqual(1e-9);
    expect(maxAbsError(r.x, p.zStar)).toBeLessThanOrEqual(errorBound(gap) + 1e-12);
    expect(r.x.map((z) => Math.abs(z) > 1e-3)).toEqual(p.zStar.map((z) => z !== 0));
  });

  it('Adam with cosine decay through abs reaches f − f* ≤ 1e-8 and the support of z*', () => {
    // measured gap 2.1e-9 with 5000 steps from lr 0.01 (9e-7 with 2000 steps from 0.05);
    // a constant rate would leave the iterates in a band around z* whose width scales with lr
    const r = minimize(fromAd(p.objective), start, {
      method: 'adam',
      lr: cosineDecay({ init: 0.01, steps: 5000 }),
      maxIter: 5000,
    });
    const gap = r.value - p.fStar;
    expect(gap).toBeGreaterThanOrEqual(-1e-14);
    expect(gap).toBeLessThanOrEqual(1e-8);
    expect(maxAbsError(r.x, p.zStar)).toBeLessThanOrEqual(errorBound(gap) + 1e-12);
    expect(r.x.map((z) => Math.abs(z) > 1e-3)).toEqual(p.zStar.map((z) => z !== 0));
  });

  // measured: 4 iterations, gap 0 (bounded L-BFGS restricted to the free subspace; with the
  // full-space inverse Hessian instead it crept along linearly for 24 iterations)
  it('projected L-BFGS on the smooth split form z = p − q, p, q ≥ 0 converges to f − f* ≤ 1e-12', () => {
    const n = p.cols;
    const bounds = { lower: new Array<number>(2 * n).fill(0), upper: new Array<number>(2 * n).fill(Infinity) };
    const r = lbfgs(fromAd(p.split), new Array<number>(2 * n).fill(1), { bounds, tol: 1e-12 });
    expect(r.converged).toBe(true);
    expect(r.value - p.fStar).toBeLessThanOrEqual(1e-12);
    const z = r.x.slice(0, n).map((pj, j) => pj - r.x[n + j]);
    expect(maxAbsError(z, p.zStar)).toBeLessThanOrEqual(1e-9);
  });
});

describe('Adam', () => {
  // measured |x − 1|∞: 2-D 5e-8 after 5000 steps, 10-D 9e-16 after 10000 steps
  it('solves 2-D Rosenbrock from (−1.2, 1) to |x − 1|∞ ≤ 1e-6 in 5000 steps (cosine decay from 0.05)', () => {
    const r = minimize(fromAd(rosenbrock), [-1.2, 1], {
      method: 'adam',
      lr: cosineDecay({ init: 0.05, steps: 5000 }),
      maxIter: 5000,
    });
    expect(maxAbsError(r.x, ones(2))).toBeLessThanOrEqual(1e-6);
  });

  it('solves 10-D Rosenbrock from (−1.2, 1, …) to |x − 1|∞ ≤ 1e-6 in 10000 steps (cosine decay from 0.05)', () => {
    const r = minimize(fromAd(rosenbrock), rosenbrockStart(10), {
      method: 'adam',
      lr: cosineDecay({ init: 0.05, steps: 10000 }),
      maxIter: 10000,
    });
    expect(maxAbsError(r.x, ones(10))).toBeLessThanOrEqual(1e-6);
  });

  it('first step is lr·sign(g) per component (bias correction: m̂ = g, v̂ = g², eps = 0)', () => {
    const opt = adam({ lr: 0.1, eps: 0 });
    const { params } = opt.update([3, -0.02, 5e4], opt.init([1, 2, 3]), [1, 2, 3]);
    expect(params[0]).toBeCloseTo(0.9, 15);
    expect(params[1]).toBeCloseTo(2.1, 15);
    expect(params[2]).toBeCloseTo(2.9, 15);
  });

  it('update is pure: frozen inputs are accepted, and replaying an update gives the same result', () => {
    const opt = adam({ lr: 0.05, clipNorm: 1, bounds: { lower: [-1, -1], upper: [1, 1] } });
    const x = Object.freeze([0.5, -0.25]);
    const s0 = opt.init(x);
    const { params, state } = opt.update(Object.freeze([2, 1]), s0, x);
    const frozen = Object.freeze({ ...state, m: Object.freeze(state.m.slice()), v: Object.freeze(state.v.slice()) });
    const a = opt.update(Object.freeze([-1, 4]), frozen, Object.freeze(params));
    const b = opt.update([-1, 4], frozen, params);
    expect(a).toEqual(b);
    expect(s0).toEqual({ step: 0, m: [0, 0], v: [0, 0] });
  });

  it('minimize stops with reason "nonFinite" when the objective turns NaN, keeping the last finite iterate', () => {
    const fenced: Objective = ([x]) =>
      x < 2 ? { value: (x - 5) ** 2, grad: [2 * (x - 5)] } : { value: NaN, grad: [NaN] };
    // Adam's first steps move ≈ lr each, so with lr = 1 the third iterate reaches x = 2
    const r = minimize(fenced, [0], { method: 'adam', lr: 1, maxIter: 100 });
    expect(r.reason).toBe('nonFinite');
    expect(r.x[0]).toBeLessThan(2);
    expect(Number.isFinite(r.value)).toBe(true);
  });

  it('rejects a non-finite gradient with an error naming the component', () => {
    const opt = adam();
    expect(() => opt.update([0, NaN], opt.init([0, 0]), [0, 0])).toThrow(/grad\[1\] is NaN/);
  });
});

describe('box bounds', () => {
  // (x − 3)² on [0, 1]: the minimiser is the bound x = 1, where the gradient −4 pushes outward
  const outside: Objective = ([x]) => ({ value: (x - 3) ** 2, grad: [2 * (x - 3)] });
  const unitBox = { lower: [0], upper: [1] };

  it('projected L-BFGS lands exactly on x = 1 with a zero projected gradient', () => {
    const r = lbfgs(outside, [0.2], { bounds: unitBox });
    expect(r.x).toEqual([1]);
    expect(r.reason).toBe('gradient');
    expect(r.grad[0]).toBe(-4);
  });

  it('projected L-BFGS with one active and one interior component: (x − 3)² + (y − 0.5)² on [0, 1]² → (1, 0.5)', () => {
    const f = ([x, y]: Real[]) => add(square(sub(x, 3)), square(sub(y, 0.5)));
    const r = lbfgs(fromAd(f), [5, -2], { bounds: { lower: [0, 0], upper: [1, 1] }, tol: 1e-12 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBe(1);
    expect(Math.abs(r.x[1] - 0.5)).toBeLessThanOrEqual(1e-12);
  });

  it('projected L-BFGS meets the KKT conditions of random 20-D convex QPs on [−1, 1]²⁰ to 1e-6', () => {
    // ½xᵀHx + cᵀx with H = MᵀM + 0.1·I; measured over 200 seeds: all converge, ≤ 34 iterations
    const n = 20;
    for (const seed of [1, 2, 3]) {
      const rand = mulberry32(seed);
      const m = Array.from({ length: n }, () => Array.from({ length: n }, () => 2 * rand() - 1));
      const h = m.map((_, i) => m.map((_, j) => m.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? 0.1 : 0)));
      const c = Array.from({ length: n }, () => 10 * (2 * rand() - 1));
      const gradient = (x: number[]) => h.map((row, i) => row.reduce((s, hij, j) => s + hij * x[j], c[i]));
      const fg: Objective = (x) => {
        const g = gradient(x);
        return { value: 0.5 * x.reduce((s, xi, i) => s + xi * (g[i] + c[i]), 0), grad: g };
      };
      const r = lbfgs(fg, new Array<number>(n).fill(0), {
        bounds: { lower: new Array<number>(n).fill(-1), upper: new Array<number>(n).fill(1) },
      });
      expect(r.reason).toBe('gradient');
      expect(r.iterations).toBeLessThan(60);
      // KKT of a convex problem, checked directly: the point is then the global minimiser
      const g = gradient(r.x);
      r.x.forEach((xi, i) => {
        expect(Math.abs(xi)).toBeLessThanOrEqual(1);
        if (xi === -1) expect(g[i]).toBeGreaterThanOrEqual(-1e-6);
        else if (xi === 1) expect(g[i]).toBeLessThanOrEqual(1e-6);
        else expect(Math.abs(g[i])).toBeLessThanOrEqual(1e-6);
      });
      expect(r.x.some((xi) => Math.abs(xi) === 1)).toBe(true);
    }
  });

  it('Adam and SGD iterates never leave [0, 1] and end at x = 1', () => {
    const finalIterate = <S>(opt: Optimizer<S>): number => {
      let x = [0.2];
      let state = opt.init(x);
      for (let k = 0; k < 200; k++) {
        ({ params: x, state } = opt.update(outside(x).grad, state, x));
        expect(x[0]).toBeGreaterThanOrEqual(0);
        expect(x[0]).toBeLessThanOrEqual(1);
      }
      return x[0];
    };
    expect(finalIterate(adam({ lr: 0.1, bounds: unitBox }))).toBe(1);
    expect(finalIterate(sgd({ lr: 0.1, bounds: unitBox }))).toBe(1);
  });

  it('project clamps componentwise; the projected gradient vanishes only at KKT points', () => {
    const box = { lower: [0, 0, -Infinity], upper: [1, 1, Infinity] };
    expect(project([-1, 0.5, 7], box)).toEqual([0, 0.5, 7]);
    // x − P(x − g): at the upper bound pushing out, 0; interior with x − g inside the box, g;
    // interior with x − g outside, the distance to the bound; at the bound pushing in, g
    expect(projectedGradient([1, 0.5, 3], [-4, 0.25, 1], box)).toEqual([0, 0.25, 1]);
    expect(projectedGradient([1, 0.5, 3], [0.25, 2, 1], box)).toEqual([0.25, 0.5, 1]);
  });

  it('rejects inconsistent bounds and a strong-Wolfe search on a projected path', () => {
    expect(() => lbfgs(outside, [0], { bounds: { lower: [2], upper: [1] } })).toThrow(/lower\[0\]/);
    expect(() => lbfgs(outside, [0], { bounds: unitBox, lineSearch: 'strongWolfe' })).toThrow(/backtracking/);
  });
});

describe('gradient clipping', () => {
  it('clipByGlobalNorm rescales to the max norm along the same direction, and leaves small gradients alone', () => {
    const unit = clipByGlobalNorm([3, 4], 1);
    expect(unit[0]).toBeCloseTo(0.6, 15);
    expect(unit[1]).toBeCloseTo(0.8, 15);
    expect(clipByGlobalNorm([0.3, -0.4], 1)).toEqual([0.3, -0.4]);
    // a naive Σg² would overflow; the result is 2·g/‖g‖ = 2·(1, −3, 2)/√14
    const c = clipByGlobalNorm(Object.freeze([1e200, -3e200, 2e200]), 2);
    [1, -3, 2].forEach((u, i) => expect(c[i]).toBeCloseTo((2 * u) / Math.sqrt(14), 14));
  });

  it('limits an SGD step to lr·clipNorm', () => {
    const opt = sgd({ lr: 0.1, clipNorm: 2 });
    const x = [1, 1];
    const { params } = opt.update([300, -400], opt.init(x), x);
    expect(norm(params.map((p, i) => p - x[i]))).toBeCloseTo(0.1 * 2, 14);
  });

  it("bounds Adam's first moment by clipNorm whatever the gradients", () => {
    const rand = mulberry32(3);
    const opt = adam({ lr: 1e-3, clipNorm: 0.5 });
    let x = [0, 0, 0];
    let state = opt.init(x);
    for (let k = 0; k < 50; k++) {
      const spike = Array.from({ length: 3 }, () => (rand() - 0.5) * 10 ** (1 + 8 * rand()));
      ({ params: x, state } = opt.update(spike, state, x));
      expect(norm(state.m as number[])).toBeLessThanOrEqual(0.5 * (1 + 1e-12));
    }
  });
});

describe('schedules', () => {
  it('cosineDecay: init at 0, the mean at half-way, final at the end and after', () => {
    const lr = cosineDecay({ init: 0.1, steps: 100, final: 0.02 });
    expect(lr(0)).toBeCloseTo(0.1, 15);
    expect(lr(50)).toBeCloseTo(0.06, 15);
    expect(lr(100)).toBeCloseTo(0.02, 15);
    expect(lr(500)).toBeCloseTo(0.02, 15);
  });

  it('exponentialDecay: multiplies by rate every `every` steps', () => {
    const lr = exponentialDecay({ init: 0.1, rate: 0.5, every: 10 });
    expect(lr(10)).toBeCloseTo(0.05, 15);
    expect(lr(25)).toBeCloseTo(0.1 * 0.5 ** 2.5, 15);
  });

  it('a schedule drives the step size of SGD', () => {
    const opt = sgd({ lr: exponentialDecay({ init: 1, rate: 0.5, every: 1 }) });
    let x = [0];
    let state = opt.init(x);
    const steps: number[] = [];
    for (let k = 0; k < 3; k++) {
      const before = x[0];
      ({ params: x, state } = opt.update([-1], state, x));
      steps.push(x[0] - before);
    }
    expect(steps).toEqual([1, 0.5, 0.25]);
  });
});

describe('line searches', () => {
  const settings = lineSearchSettings();
  // a straight-line search on φ(α) = value of f at x0 + α·d, for a 1-D f
  const along = (f: (x: number) => [number, number], x0: number, d: number) => {
    const [, g0] = f(x0);
    return (alpha: number): Trial => {
      const x = x0 + alpha * d;
      const [value, g] = f(x);
      return {
        alpha,
        x: [x],
        value,
        grad: [g],
        slope: g * d,
        predicted: g0 * alpha * d,
        finite: Number.isFinite(value),
      };
    };
  };

  it('strong Wolfe on a quartic returns a point meeting both strong-Wolfe conditions', () => {
    const quartic = (x: number): [number, number] => [x ** 4 - 3 * x, 4 * x ** 3 - 3];
    const [f0, g0] = quartic(0);
    const d = 1;
    for (const alpha0 of [1e-3, 1, 50]) {
      const r = strongWolfe(along(quartic, 0, d), f0, g0 * d, alpha0, settings);
      expect(r.status).toBe('ok');
      expect(r.wolfe).toBe(true);
      const t = r.trial as Trial;
      expect(t.value).toBeLessThanOrEqual(f0 + settings.c1 * t.alpha * g0 * d);
      expect(Math.abs(t.slope)).toBeLessThanOrEqual(settings.c2 * Math.abs(g0 * d));
    }
  });

  it('weak Wolfe on |x − 1| + 0.1x from 0 accepts a point past the kink, meeting both weak-Wolfe conditions', () => {
    const vee = (x: number): [number, number] => [Math.abs(x - 1) + 0.1 * x, (x > 1 ? 1 : -1) + 0.1];
    const [f0, g0] = vee(0);
    const r = weakWolfe(along(vee, 0, 1), f0, g0, 8, settings);
    expect(r.status).toBe('ok');
    const t = r.trial as Trial;
    expect(t.value).toBeLessThanOrEqual(f0 + settings.c1 * t.alpha * g0);
    expect(t.slope).toBeGreaterThanOrEqual(settings.c2 * g0);
    expect(t.alpha).toBeGreaterThan(1);
  });
});
