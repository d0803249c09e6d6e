// Implicit adjoints: customRoot against closed forms (Cardano roots, the KKT solution of an
// equality-constrained QP), against differentiating the fully unrolled iterative solver
// with the AD tape, and against finite differences; plus the failure conventions.
import { describe, expect, it } from 'vitest';
import { Matrix, inverse } from 'ml-matrix';
import {
  ImplicitDiffError,
  customFixedPoint,
  customRoot,
  rootJvp,
  rootVjp,
  solveCg,
  solveGmres,
  type LinearSolve,
} from '../../ad/implicit.ts';
import { add, cos, div, mul, sin, sub, value } from '../../ad/ops.ts';
import { max } from '../../ad/nonsmooth.ts';
import { gradcheck } from '../../ad/gradcheck.ts';
import { jacfwd, jacrev, jvp, valueAndGrad } from '../../ad/transforms.ts';
import type { Real } from '../../ad/tape.ts';

function expectClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    expect(err, `component ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(
      tol * (1 + Math.abs(expected[i])),
    );
  }
}

function expectMatrixClose(actual: number[][], expected: number[][], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => expectClose(row, expected[i], tol));
}

/** The error `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): ImplicitDiffError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ImplicitDiffError);
    return e as ImplicitDiffError;
  }
  throw new Error('expected an ImplicitDiffError, nothing was thrown');
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, ai, i) => s + ai * b[i], 0);

// ---- (a) a coupled nonlinear root-finding problem ---------------------------------------
//
// F(z, θ) = [ z₁³ + θ₁ z₁ − θ₂ ,  z₂³ + z₂ − θ₃ z₁ ]: each row is a depressed cubic with a
// positive linear coefficient (one real root, Cardano), coupled through z₁ in row 2, so
// ∂F/∂z is a full lower-triangular 2×2 matrix.

const cubicF = ([z1, z2]: Real[], [t1, t2, t3]: Real[]): Real[] => [
  sub(add(mul(z1, mul(z1, z1)), mul(t1, z1)), t2),
  sub(add(mul(z2, mul(z2, z2)), z2), mul(t3, z1)),
];

/** Newton's method on cubicF, written with ad ops: plain numbers in a solver, Vars when unrolled. */
function newtonCubic(theta: readonly Real[], steps: number): Real[] {
  const [t1, , t3] = theta;
  let z: Real[] = [1, 1];
  for (let k = 0; k < steps; k++) {
    const [f1, f2] = cubicF(z, theta as Real[]);
    // ∂F/∂z = [[3z₁² + θ₁, 0], [−θ₃, 3z₂² + 1]]: forward substitution
    const j11 = add(mul(3, mul(z[0], z[0])), t1);
    const j22 = add(mul(3, mul(z[1], z[1])), 1);
    const d1 = div(f1, j11);
    const d2 = div(add(f2, mul(t3, d1)), j22);
    z = [sub(z[0], d1), sub(z[1], d2)];
  }
  return z;
}

/** The real root of z³ + p z − q = 0 for p > 0 (Cardano). */
function cardano(p: number, q: number): number {
  const s = Math.sqrt((q * q) / 4 + (p * p * p) / 27);
  return Math.cbrt(q / 2 + s) + Math.cbrt(q / 2 - s);
}

function cubicClosedForm([t1, t2, t3]: readonly number[]): number[] {
  const z1 = cardano(t1, t2);
  return [z1, cardano(1, t3 * z1)];
}

/** dz*(θ)/dθ by hand: implicit differentiation of each scalar cubic, then the chain rule. */
function cubicAnalyticJacobian(theta: readonly number[]): number[][] {
  const [z1, z2] = cubicClosedForm(theta);
  const [t1, , t3] = theta;
  const dz1 = [-z1, 1, 0].map((v) => v / (3 * z1 * z1 + t1));
  const dz2 = dz1.map((v, j) => (t3 * v + (j === 2 ? z1 : 0)) / (3 * z2 * z2 + 1));
  return [dz1, dz2];
}

const NEWTON_STEPS = 50;
const cubicTheta = [2, 4, 0.7];
const cubicRoot = customRoot(cubicF, (theta) => newtonCubic(theta, NEWTON_STEPS) as number[], { name: 'cubic' });

describe('customRoot on a coupled cubic system', () => {
  it('returns the Cardano root', () => {
    expectClose(cubicRoot(cubicTheta) as number[], cubicClosedForm(cubicTheta), 1e-14);
  });

  it('reverse mode matches the analytic Jacobian', () => {
    expectMatrixClose(jacrev(cubicRoot, cubicTheta), cubicAnalyticJacobian(cubicTheta), 1e-12);
  });

  it('forward mode matches the analytic Jacobian', () => {
    expectMatrixClose(jacfwd(cubicRoot, cubicTheta), cubicAnalyticJacobian(cubicTheta), 1e-12);
  });

  it('matches differentiating 50 unrolled Newton steps on the tape', () => {
    const unrolled = jacrev((theta) => newtonCubic(theta, NEWTON_STEPS), cubicTheta);
    // the unrolled derivative is itself exact only because Newton converged (checked above)
    expectMatrixClose(unrolled, cubicAnalyticJacobian(cubicTheta), 1e-12);
    expectMatrixClose(jacrev(cubicRoot, cubicTheta), unrolled, 1e-12);
  });

  it('passes gradcheck inside a larger function (FD re-runs the solver)', () => {
    const f = (theta: Real[]): Real => {
      const [z1, z2] = cubicRoot(theta);
      return add(mul(z1, z2), sin(z1));
    };
    const r = gradcheck(f, cubicTheta);
    expect(r.ok, `max error ${r.maxError}`).toBe(true);
    expect(r.unstable).toEqual([]);
  });

  it('forward and reverse mode agree on a directional derivative', () => {
    const f = (theta: Real[]): Real => {
      const [z1, z2] = cubicRoot(theta);
      return sub(mul(z1, z1), mul(3, z2));
    };
    const v = [0.3, -1.1, 0.8];
    const { grad } = valueAndGrad(f, cubicTheta);
    expect(jvp(f, cubicTheta, v).tangent).toBeCloseTo(dot(grad, v), 13);
  });

  it('calls the solver exactly once per traced evaluation and never differentiates it', () => {
    let calls = 0;
    let sawTraced = false;
    const root = customRoot(cubicF, (theta) => {
      calls++;
      sawTraced ||= theta.some((t) => typeof t !== 'number');
      return newtonCubic(theta, NEWTON_STEPS) as number[];
    });
    const f = (theta: Real[]): Real => root(theta)[1];
    valueAndGrad(f, cubicTheta);
    expect(calls).toBe(1);
    jvp(f, cubicTheta, [1, 0, 0]);
    expect(calls).toBe(2);
    expect(sawTraced).toBe(false);
  });

  it('reports no kinks on a smooth, well-conditioned problem', () => {
    expect(valueAndGrad((theta) => cubicRoot(theta)[0], cubicTheta).kinks).toEqual([]);
  });
});

// ---- (b) an equality-constrained QP ----------------------------------------------------
//
// min ½ zᵀ(Q₀ + diag s)z + cᵀz  s.t.  a·z = b,  with θ = (c₁, c₂, c₃, b, s₁, s₂, s₃).
// KKT conditions F(y, θ) = [Qz + c + aν ; a·z − b] = 0 for y = (z, ν); closed form
// y* = K⁻¹[−c; b] with K = [[Q, aᵀ], [a, 0]], so dy/dc = −K⁻¹[:, 0:3], dy/db = K⁻¹[:, 3],
// dy/ds_j = −K⁻¹[:, j] z_j (from d(Ky) = −dK y).

const Q0 = [
  [4, 1, 0],
  [1, 3, 0.5],
  [0, 0.5, 2],
];
const aRow = [1, 2, -1];
const qpTheta = [0.5, -1, 2, 0.7, 0.5, 0.2, 0.3];

function qpMatrix(s: readonly Real[]): Real[][] {
  return Q0.map((row, i) => row.map((q, j) => (i === j ? add(q, s[i]) : q)));
}

const qpF = (y: Real[], theta: Real[]): Real[] => {
  const z = y.slice(0, 3);
  const nu = y[3];
  const [c, b, s] = [theta.slice(0, 3), theta[3], theta.slice(4)];
  const Q = qpMatrix(s);
  const stationarity = Q.map((row, i) =>
    add(
      add(
        row.reduce<Real>((acc, q, j) => add(acc, mul(q, z[j])), 0),
        c[i],
      ),
      mul(aRow[i], nu),
    ),
  );
  const feasibility = sub(
    aRow.reduce<Real>((acc, a, j) => add(acc, mul(a, z[j])), 0),
    b,
  );
  return [...stationarity, feasibility];
};

/** Gaussian elimination without pivoting (the matrix is symmetric positive definite). */
function solveSpd(M: Real[][], rhs: Real[]): Real[] {
  const n = rhs.length;
  const A = M.map((row) => row.slice());
  const x = rhs.slice();
  for (let k = 0; k < n; k++) {
    for (let i = k + 1; i < n; i++) {
      const f = div(A[i][k], A[k][k]);
      for (let j = k; j < n; j++) A[i][j] = sub(A[i][j], mul(f, A[k][j]));
      x[i] = sub(x[i], mul(f, x[k]));
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s = sub(s, mul(A[i][j], x[j]));
    x[i] = div(s, A[i][i]);
  }
  return x;
}

// penalty of the augmented Lagrangian; the multiplier error contracts by 1/(1 + ρ·aQ⁻¹aᵀ) per step
const ALM_PENALTY = 10;
const ALM_STEPS = 40;

/**
 * The method of multipliers, written with ad ops: z ← argmin of the augmented Lagrangian
 * (a dense SPD solve), ν ← ν + ρ(a·z − b). Plain numbers in the solver, Vars when unrolled.
 */
function almQp(theta: readonly Real[], steps: number): Real[] {
  const [c, b, s] = [theta.slice(0, 3), theta[3], theta.slice(4)];
  const M = qpMatrix(s).map((row, i) => row.map((q, j) => add(q, ALM_PENALTY * aRow[i] * aRow[j])));
  let nu: Real = 0;
  let z: Real[] = [0, 0, 0];
  for (let k = 0; k < steps; k++) {
    const rhs = c.map((ci, i) => add(sub(mul(-1, ci), mul(aRow[i], nu)), mul(ALM_PENALTY * aRow[i], b)));
    z = solveSpd(M, rhs);
    const violation = sub(
      aRow.reduce<Real>((acc, a, j) => add(acc, mul(a, z[j])), 0),
      b,
    );
    nu = add(nu, mul(ALM_PENALTY, violation));
  }
  return [...z, nu];
}

function qpClosedForm(theta: readonly number[]): { y: number[]; jac: number[][] } {
  const s = theta.slice(4);
  const K = new Matrix(4, 4);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) K.set(i, j, Q0[i][j] + (i === j ? s[i] : 0));
    K.set(i, 3, aRow[i]);
    K.set(3, i, aRow[i]);
  }
  const Kinv = inverse(K);
  const y = Kinv.mmul(Matrix.columnVector([-theta[0], -theta[1], -theta[2], theta[3]])).getColumn(0);
  const jac = [0, 1, 2, 3].map((r) => [
    -Kinv.get(r, 0),
    -Kinv.get(r, 1),
    -Kinv.get(r, 2),
    Kinv.get(r, 3),
    -Kinv.get(r, 0) * y[0],
    -Kinv.get(r, 1) * y[1],
    -Kinv.get(r, 2) * y[2],
  ]);
  return { y, jac };
}

const qpRoot = customRoot(qpF, (theta) => almQp(theta, ALM_STEPS) as number[], { name: 'qp' });

describe('customRoot on an equality-constrained QP (KKT conditions)', () => {
  const closed = qpClosedForm(qpTheta);

  it('the iterative solver reaches the closed-form KKT point', () => {
    expectClose(qpRoot(qpTheta) as number[], closed.y, 1e-12);
  });

  it('reverse and forward mode match the closed-form KKT Jacobian', () => {
    expectMatrixClose(jacrev(qpRoot, qpTheta), closed.jac, 1e-11);
    expectMatrixClose(jacfwd(qpRoot, qpTheta), closed.jac, 1e-11);
  });

  it('matches differentiating the unrolled method of multipliers on the tape', () => {
    const unrolled = jacrev((theta) => almQp(theta, ALM_STEPS), qpTheta);
    expectMatrixClose(unrolled, closed.jac, 1e-10);
    expectMatrixClose(jacrev(qpRoot, qpTheta), unrolled, 1e-10);
  });

  it('passes gradcheck on a loss of the solution', () => {
    const f = (theta: Real[]): Real => {
      const y = qpRoot(theta);
      return add(mul(y[0], y[1]), mul(y[2], y[3]));
    };
    const r = gradcheck(f, qpTheta);
    expect(r.ok, `max error ${r.maxError}`).toBe(true);
  });
});

// ---- conditioning and convergence conventions -------------------------------------------

describe('customRoot failure conventions', () => {
  it('a singular ∂F/∂z throws an ImplicitDiffError naming the primitive', () => {
    // z² − θ at θ = 0: z* = 0 and ∂F/∂z = 2z* = 0 (the square root is not differentiable there)
    const sqrtRoot = customRoot(
      ([z], [t]) => [sub(mul(z, z), t)],
      ([t]) => [Math.sqrt(t)],
      { name: 'sqrt-root' },
    );
    const e = thrown(() => valueAndGrad(([t]) => sqrtRoot([t])[0], [0]));
    expect(e.kind).toBe('singular');
    expect(e.primitive).toBe('sqrt-root');
    expect(e.cond).toBe(Infinity);
    expect(e.message).toMatch(/sqrt-root.*singular/);
  });

  // F = [z₁ + z₂ − θ₁, z₁ + (1 + ε) z₂ − θ₂]: σ ≈ (2, ε/2), so cond ≈ 4/ε
  const EPS_GAP = 1e-12;
  const nearlySingularF = ([z1, z2]: Real[], [t1, t2]: Real[]): Real[] => [
    sub(add(z1, z2), t1),
    sub(add(z1, mul(1 + EPS_GAP, z2)), t2),
  ];
  const nearlySingularSolver = ([t1, t2]: number[]): number[] => {
    const z2 = (t2 - t1) / EPS_GAP;
    return [t1 - z2, z2];
  };

  it('an ill-conditioned ∂F/∂z throws, with its condition number', () => {
    const root = customRoot(nearlySingularF, nearlySingularSolver, { name: 'near-singular' });
    const e = thrown(() => valueAndGrad((t) => root(t)[0], [1, 1]));
    expect(e.message).toMatch(/near-singular.*ill-conditioned.*cond 4\.0e\+12/);
    expect(e.kind).toBe('ill-conditioned');
    expect(e.cond! * EPS_GAP).toBeCloseTo(4, 2);
  });

  it('with regularization, the Tikhonov fallback is reported as a kink with margin 1/cond', () => {
    const root = customRoot(nearlySingularF, nearlySingularSolver, { name: 'near-singular', regularization: 1e-10 });
    const { grad, kinks } = valueAndGrad((t) => root(t)[0], [1, 1]);
    expect(grad.every(Number.isFinite)).toBe(true);
    expect(kinks).toHaveLength(1);
    expect(kinks[0].label).toMatch(
      /^near-singular: ill-conditioned adjoint system \(cond 4\.0e\+12\), Tikhonov μ=1e-10$/,
    );
    expect(kinks[0].margin / (EPS_GAP / 4)).toBeCloseTo(1, 2);
    // forward mode reports it too
    expect(jvp((t) => root(t)[0], [1, 1], [1, 0]).kinks.map((k) => k.label)).toEqual([kinks[0].label]);
  });

  it('a QP with a duplicated constraint: regularized z-gradient equals the non-duplicated closed form', () => {
    // KKT is singular (ν₁ − ν₂ is free), but z* and dz*/dc are not: the minimum-norm adjoint is exact
    const theta = [0.5, -1, 2];
    const b = 0.7;
    const s = qpTheta.slice(4);
    const dupF = (y: Real[], c: Real[]): Real[] => {
      const base = qpF([...y.slice(0, 3), add(y[3], y[4])], [...c, b, ...s]);
      return [...base, base[3]];
    };
    const dupSolver = (c: number[]): number[] => {
      const y = almQp([...c, b, ...s], ALM_STEPS) as number[];
      return [...y.slice(0, 3), y[3] / 2, y[3] / 2];
    };
    const w = [1, -2, 0.5];
    const loss = (root: (t: readonly Real[]) => Real[]) => (c: Real[]) => {
      const y = root(c);
      return add(add(mul(w[0], y[0]), mul(w[1], y[1])), mul(w[2], y[2]));
    };
    const strict = customRoot(dupF, dupSolver, { name: 'qp-dup' });
    expect(() => valueAndGrad(loss(strict), theta)).toThrow(ImplicitDiffError);
    expect(() => valueAndGrad(loss(strict), theta)).toThrow(/qp-dup/);
    const relaxed = customRoot(dupF, dupSolver, { name: 'qp-dup', regularization: 1e-12 });
    const { grad, kinks } = valueAndGrad(loss(relaxed), theta);
    const jac = qpClosedForm([...theta, b, ...s]).jac;
    const expected = [0, 1, 2].map((j) => w[0] * jac[0][j] + w[1] * jac[1][j] + w[2] * jac[2][j]);
    expectClose(grad, expected, 1e-8);
    expect(kinks).toHaveLength(1);
    expect(kinks[0].label).toMatch(/^qp-dup: (singular|ill-conditioned) adjoint system .*Tikhonov μ=1e-12$/);
  });

  it('a non-converged solver is caught, traced or not, with the residual; residualTol relaxes it', () => {
    const sloppy = customRoot(cubicF, (theta) => newtonCubic(theta, 2) as number[], { name: 'sloppy-cubic' });
    const trueResidual = Math.max(...cubicF(newtonCubic(cubicTheta, 2), cubicTheta).map((v) => Math.abs(value(v))));
    expect(trueResidual).toBeGreaterThan(1e-6);
    for (const run of [() => sloppy(cubicTheta), () => valueAndGrad((t) => sloppy(t)[0], cubicTheta)]) {
      const e = thrown(run);
      expect(e.kind).toBe('not-converged');
      expect(e.residual).toBeCloseTo(trueResidual, 12);
      expect(e.message).toMatch(/sloppy-cubic.*did not converge/);
    }
    const lenient = customRoot(cubicF, (theta) => newtonCubic(theta, 2) as number[], { residualTol: 2 * trueResidual });
    expect(() => valueAndGrad((t) => lenient(t)[0], cubicTheta)).not.toThrow();
  });

  it('a non-finite solver output and a non-square F are errors', () => {
    const nan = customRoot(cubicF, () => [NaN, 0], { name: 'nan-solver' });
    expect(() => nan(cubicTheta)).toThrow(/nan-solver.*non-finite/);
    const rect = customRoot(
      ([z]: Real[], [t]: Real[]) => [sub(z, t), 0],
      ([t]) => [t],
      { name: 'rect' },
    );
    expect(() => valueAndGrad((t) => rect(t)[0], [1])).toThrow(/rect.*square system/);
  });

  it("kinks of F are re-reported, and both modes use the op's convention at the kink", () => {
    // z = max(θ₁, θ₂) at a tie: max gives each argument ½ (nonsmooth.ts)
    const root = customRoot(
      ([z], [t1, t2]) => [sub(z, max(t1, t2))],
      ([t1, t2]) => [Math.max(t1, t2)],
      { name: 'argmax' },
    );
    const f = (t: Real[]): Real => root(t)[0];
    const { grad, kinks } = valueAndGrad(f, [1, 1]);
    expect(grad).toEqual([0.5, 0.5]);
    expect(kinks.map((k) => [k.label, k.margin])).toEqual([['argmax: max', 0]]);
    const fwd = jvp(f, [1, 1], [1, 0]);
    expect(fwd.tangent).toBe(0.5);
    expect(fwd.kinks.map((k) => k.label)).toEqual(['argmax: max']);
  });
});

describe('customFixedPoint', () => {
  it('z* = ½cos z* + θ: matches dz*/dθ = 1/(1 + ½ sin z*)', () => {
    const fp = customFixedPoint(
      ([z], [t]) => [add(mul(0.5, cos(z)), t)],
      ([t]) => {
        let z = 0;
        // contraction factor ≤ ½: 80 steps reach machine precision
        for (let k = 0; k < 80; k++) z = 0.5 * Math.cos(z) + t;
        return [z];
      },
      { name: 'fixed-point' },
    );
    const { value: z, grad } = valueAndGrad(([t]) => fp([t])[0], [0.4]);
    expect(Math.abs(z - (0.5 * Math.cos(z) + 0.4))).toBeLessThan(1e-15);
    expect(grad[0]).toBeCloseTo(1 / (1 + 0.5 * Math.sin(z)), 14);
  });
});

// ---- low level: rootVjp / rootJvp and the linear solvers --------------------------------

describe('rootVjp / rootJvp with explicit matrices', () => {
  const A = [
    [3, 1, -0.5],
    [0.2, 2, 0.7],
    [-1, 0.4, 4],
  ];
  const B = [
    [1, 0],
    [-2, 0.5],
    [0.3, 1],
  ];
  const zbar = [0.7, -1.3, 2];
  const thetaDot = [1.5, -0.4];
  const Ainv = inverse(new Matrix(A));

  it('θ̄ = −Bᵀ A⁻ᵀ z̄ and ż = −A⁻¹ B θ̇ (explicit inverse)', () => {
    const expectedBar = new Matrix(B)
      .transpose()
      .mmul(Ainv.transpose())
      .mmul(Matrix.columnVector(zbar))
      .mul(-1)
      .getColumn(0);
    const expectedDot = Ainv.mmul(new Matrix(B)).mmul(Matrix.columnVector(thetaDot)).mul(-1).getColumn(0);
    const adj = rootVjp({ dFdz: A, dFdtheta: B }, zbar);
    expectClose(adj.thetaBar, expectedBar, 1e-14);
    expectClose(adj.lambda, Ainv.transpose().mmul(Matrix.columnVector(zbar)).getColumn(0), 1e-14);
    expect(adj.regularization).toBe(0);
    expectClose(rootJvp({ dFdz: new Matrix(A), dFdtheta: new Matrix(B) }, thetaDot).zDot, expectedDot, 1e-14);
  });

  it('matrix-free GMRES gives the dense answer', () => {
    const M = new Matrix(A);
    const Bm = new Matrix(B);
    const mv = (m: Matrix) => (v: readonly number[]) => m.mmul(Matrix.columnVector(Array.from(v))).getColumn(0);
    const adj = rootVjp({ vjpZ: mv(M.transpose()), vjpTheta: mv(Bm.transpose()) }, zbar);
    expectClose(adj.thetaBar, rootVjp({ dFdz: A, dFdtheta: B }, zbar).thetaBar, 1e-10);
    expect(adj.cond).toBeUndefined();
    const tan = rootJvp({ jvpZ: mv(M), jvpTheta: mv(Bm) }, thetaDot);
    expectClose(tan.zDot, rootJvp({ dFdz: A, dFdtheta: B }, thetaDot).zDot, 1e-10);
  });

  it('Tikhonov fallback: pseudo-inverse limit on a singular A, and forward/reverse stay adjoint', () => {
    // A = diag(2, 0): λ = (σ/(σ² + μ)) on the live direction, 0 on the dead one
    const mu = 1e-6;
    const sys = {
      dFdz: [
        [2, 0],
        [0, 0],
      ],
      dFdtheta: [
        [1, 0],
        [0, 1],
      ],
    };
    expect(() => rootVjp(sys, [1, 1])).toThrow(ImplicitDiffError);
    const adj = rootVjp(sys, [1, 1], { regularization: mu });
    expect(adj.regularization).toBe(mu);
    expectClose(adj.thetaBar, [-2 / (4 + mu), 0], 1e-15);
    const illSys = {
      dFdz: [
        [1, 1],
        [1, 1 + 1e-13],
      ],
      dFdtheta: B.slice(0, 2),
    };
    const rv = rootVjp(illSys, [0.3, -0.8], { regularization: mu });
    const fv = rootJvp(illSys, thetaDot, { regularization: mu });
    expect(dot([0.3, -0.8], fv.zDot)).toBeCloseTo(dot(rv.thetaBar, thetaDot), 9);
  });

  it('shape mismatches are errors', () => {
    expect(() => rootVjp({ dFdz: A, dFdtheta: B }, [1, 2])).toThrow(/∂F\/∂z is 3×3, expected 2×2/);
    expect(() => rootJvp({ dFdz: A, dFdtheta: B }, [1, 2, 3])).toThrow(/∂F\/∂θ is 3×2, expected 3×3/);
  });

  it('a matrix-free solve that fails is reported', () => {
    const singular = (v: readonly number[]) => [v[0] + v[1], v[0] + v[1]];
    const e = thrown(() => rootVjp({ vjpZ: singular, vjpTheta: (u) => [...u] }, [1, 0], { name: 'mf' }));
    expect(e.kind).toBe('linear-solve-failed');
    expect(e.message).toMatch(/^ad\.implicit 'mf'/);
  });
});

describe('iterative linear solvers', () => {
  // a fixed, well-conditioned 6×6 test matrix: diagonally dominant, nonsymmetric
  const n = 6;
  const M = Matrix.from1DArray(
    n,
    n,
    Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 5 : Math.sin(1 + 7 * k))),
  );
  const b = Array.from({ length: n }, (_, i) => Math.cos(i));
  const mv = (m: Matrix) => (v: readonly number[]) => m.mmul(Matrix.columnVector(Array.from(v))).getColumn(0);
  const exact = (m: Matrix) => inverse(m).mmul(Matrix.columnVector(b)).getColumn(0);

  it('GMRES solves a nonsymmetric system', () => {
    expectClose(solveGmres(mv(M), b), exact(M), 1e-11);
  });

  it('restarted GMRES still converges when the restart length is below n', () => {
    let products = 0;
    const counted = (v: readonly number[]) => {
      products++;
      return mv(M)(v);
    };
    const restart = 2;
    expectClose(solveGmres(counted, b, { restart }), exact(M), 1e-11);
    // more products than one cycle holds: the restarts were exercised
    expect(products).toBeGreaterThan(2 * (restart + 1));
  });

  it('CG solves a symmetric positive definite system', () => {
    const spd = M.transpose().mmul(M);
    expectClose(solveCg(mv(spd), b), exact(spd), 1e-10);
  });

  it('a user-supplied solver plugs into the matrix-free path', () => {
    const spd = M.transpose().mmul(M);
    const cg: LinearSolve = (matvec, rhs) => solveCg(matvec, rhs, { tol: 1e-14 });
    const adj = rootVjp({ vjpZ: mv(spd), vjpTheta: (u) => [...u] }, b, { solve: cg });
    expectClose(adj.lambda, exact(spd), 1e-10);
  });
});
