/**
 * Implicit adjoints: derivatives of a solution z*(θ) defined by optimality conditions
 * F(z*, θ) = 0, from one linear solve with ∂F/∂z — never by differentiating the solver's
 * iterations (the shape of jaxopt's `custom_root` / `root_vjp` / `root_jvp`).
 *
 * ## The implicit function theorem
 *
 * Let F: ℝⁿ × ℝᵖ → ℝⁿ be C¹ near (z*, θ) with F(z*, θ) = 0, and let A = ∂F/∂z (n×n) be
 * invertible there; write B = ∂F/∂θ (n×p). Then z*(θ) is locally a C¹ function of θ, and
 * differentiating the identity F(z*(θ), θ) = 0 along θ gives
 *
 *     ∂F/∂z · dz*(θ)/dθ + ∂F/∂θ = 0   ⇒   dz*(θ)/dθ = −A⁻¹ B.
 *
 * Forward mode (JVP), tangent θ̇:    ż = dz*(θ)/dθ · θ̇ = −A⁻¹ (B θ̇),  i.e. solve A ż = −B θ̇.
 * Reverse mode (VJP), cotangent z̄:  θ̄ᵀ = z̄ᵀ dz*(θ)/dθ = −(A⁻ᵀ z̄)ᵀ B = −λᵀ B,
 *                                   with λ solving the adjoint system Aᵀ λ = z̄,
 * so θ̄ = −Bᵀ λ: one reverse pass of F with respect to θ, with cotangent −λ.
 *
 * Neither formula mentions how z* was found, so the solver can be any black box and its
 * iterations are never recorded. The price: the result is the derivative of the *exact*
 * root, so z* must satisfy F = 0 (the residual is checked), and A must be safely
 * invertible (its condition number is checked).
 *
 * ## Conventions at degenerate points
 *
 * - **Singular or ill-conditioned ∂F/∂z** (cond(A) ≥ 1/(n·ε), or cond(A) > `maxCond`):
 *   the theorem does not apply — z*(θ) may be non-unique or non-differentiable, or the
 *   solve would lose most of its digits. By default this throws an `ImplicitDiffError`
 *   carrying the condition number. With `regularization: μ` the two linear systems are
 *   replaced by their Tikhonov-regularized least-squares versions
 *
 *       reverse:  λ = argmin |Aᵀλ − z̄|² + μ|λ|²      ⇔  (A Aᵀ + μI) λ = A z̄
 *       forward:  ż = argmin |A ż + B θ̇|² + μ|ż|²    ⇔  (AᵀA + μI) ż = −Aᵀ B θ̇
 *
 *   which are adjoint to each other ((AᵀA + μI)⁻¹Aᵀ = Aᵀ(AAᵀ + μI)⁻¹), so forward and
 *   reverse mode still agree; as μ → 0 they tend to the minimum-norm (pseudo-inverse)
 *   solution, the right answer when the singular directions are ones the cotangent does
 *   not see (e.g. the multipliers of duplicated constraints). μ is absolute, in units of
 *   A². Every regularized solve inside `customRoot` is reported as a kink with margin
 *   1/cond(A) and a label like `qp: ill-conditioned adjoint system (cond 3.0e+13),
 *   Tikhonov μ=1e-10`, so it shows in the `kinks` of `valueAndGrad`.
 * - **Kinks of F itself** (a complementarity condition written with `min`/`max`/`where`
 *   at a weakly active constraint, say): A and B are the ones the ops' conventions give at
 *   the kink (see nonsmooth.ts), in both forward and reverse mode — forward mode uses the
 *   same linearization, not a one-sided derivative — and each of F's kinks is re-reported
 *   as a kink of the primitive, labelled `<name>: <op label>`, with its margin.
 */
import { LuDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { sub } from './ops.ts';
import { customVjp, type KinkSink } from './primitive.ts';
import { isTracing, type Real } from './tape.ts';
import { vjp } from './transforms.ts';

/**
 * Condition number of ∂F/∂z above which the adjoint system counts as ill-conditioned.
 * A solve loses about log10(cond) digits: at 1e10 a double-precision adjoint keeps ~6.
 */
export const DEFAULT_MAX_COND = 1e10;

/** Default bound on |F(z*, θ)|∞ at a returned solution, in the units of F. */
export const DEFAULT_RESIDUAL_TOL = 1e-8;

/** Default relative residual |M x − b| / |b| a matrix-free linear solve must reach. */
export const DEFAULT_LINEAR_TOL = 1e-8;

const EPS = Number.EPSILON;

// ---- errors ---------------------------------------------------------------------------

/** What went wrong in an implicit derivative. */
export type ImplicitDiffErrorKind =
  /** the solver's z* does not satisfy F(z*, θ) = 0 within tolerance, or is not finite */
  | 'not-converged'
  /** ∂F/∂z is numerically singular at z* */
  | 'singular'
  /** ∂F/∂z is invertible but its condition number exceeds `maxCond` */
  | 'ill-conditioned'
  /** a matrix-free linear solve did not reach its tolerance */
  | 'linear-solve-failed'
  /** the sizes of z, F, θ or the matrices do not fit together */
  | 'shape';

/**
 * An implicit derivative cannot be trusted: the solver did not converge, or the adjoint
 * system is singular or ill-conditioned. Names the primitive and carries the figures.
 */
export class ImplicitDiffError extends Error {
  readonly kind: ImplicitDiffErrorKind;
  /** the `name` of the customRoot primitive (or of the rootVjp/rootJvp call) */
  readonly primitive: string;
  /** condition number of ∂F/∂z, where it was computed */
  readonly cond: number | undefined;
  /** |F(z*, θ)|∞ (not-converged) or the relative linear residual (linear-solve-failed) */
  readonly residual: number | undefined;
  constructor(
    kind: ImplicitDiffErrorKind,
    primitive: string,
    detail: string,
    figures: { cond?: number; residual?: number } = {},
  ) {
    super(`ad.implicit '${primitive}': ${detail}`);
    this.name = 'ImplicitDiffError';
    this.kind = kind;
    this.primitive = primitive;
    this.cond = figures.cond;
    this.residual = figures.residual;
  }
}

// ---- options and results --------------------------------------------------------------

/** How to treat a singular or ill-conditioned ∂F/∂z (see the header for the convention). */
export interface ConditioningOptions {
  /** cond(∂F/∂z) above which the system is ill-conditioned (default 1e10) */
  maxCond?: number;
  /**
   * Tikhonov μ (absolute, units of (∂F/∂z)²) used instead of throwing when ∂F/∂z is
   * singular or ill-conditioned. Default: none — throw an ImplicitDiffError.
   */
  regularization?: number;
}

/**
 * A linear solver given only products with the matrix: returns x with `matvec(x) ≈ b`.
 * The caller checks the residual, so a solver may simply stop at its iteration cap.
 */
export type LinearSolve = (matvec: (x: readonly number[]) => number[], b: readonly number[]) => number[];

/** Options of `rootVjp` / `rootJvp`. */
export interface RootDiffOptions extends ConditioningOptions {
  /** names the system in errors (default 'rootVjp' / 'rootJvp') */
  name?: string;
  /** matrix-free path: the linear solver (default `solveGmres`; ∂F/∂z is rarely symmetric) */
  solve?: LinearSolve;
  /** matrix-free path: relative residual the linear solve must reach (default 1e-8) */
  linearTol?: number;
}

/** A dense matrix: rows of numbers, or an ml-matrix `Matrix`. */
export type MatrixLike = readonly (readonly number[])[] | Matrix;

/** ∂F/∂z (n×n) and ∂F/∂θ (n×p) at the solution, as explicit matrices. */
export interface RootJacobians {
  dFdz: MatrixLike;
  dFdtheta: MatrixLike;
}

/** Matrix-free transposed products at the solution, for reverse mode. */
export interface RootVjpCallbacks {
  /** u ↦ (∂F/∂z)ᵀ u */
  vjpZ: (u: readonly number[]) => number[];
  /** u ↦ (∂F/∂θ)ᵀ u */
  vjpTheta: (u: readonly number[]) => number[];
}

/** Matrix-free products at the solution, for forward mode. */
export interface RootJvpCallbacks {
  /** v ↦ (∂F/∂z) v */
  jvpZ: (v: readonly number[]) => number[];
  /** θ̇ ↦ (∂F/∂θ) θ̇ */
  jvpTheta: (thetaDot: readonly number[]) => number[];
}

/** Result of `rootVjp`. */
export interface AdjointSolution {
  /** θ̄ = −(∂F/∂θ)ᵀ λ */
  thetaBar: number[];
  /** the adjoint λ, solving (∂F/∂z)ᵀ λ = z̄ (or its regularized version) */
  lambda: number[];
  /** cond(∂F/∂z) (dense path only) */
  cond: number | undefined;
  /** the Tikhonov μ actually used: 0 unless the system was singular or ill-conditioned */
  regularization: number;
}

/** Result of `rootJvp`. */
export interface TangentSolution {
  /** ż = −(∂F/∂z)⁻¹ (∂F/∂θ) θ̇ (or its regularized version) */
  zDot: number[];
  /** cond(∂F/∂z) (dense path only) */
  cond: number | undefined;
  /** the Tikhonov μ actually used */
  regularization: number;
}

// ---- dense linear algebra -------------------------------------------------------------

function shapeOf(m: MatrixLike): [number, number] {
  return m instanceof Matrix ? [m.rows, m.columns] : [m.length, m[0]?.length ?? 0];
}

function toMatrix(m: MatrixLike, rows: number, cols: number, what: string, name: string): Matrix {
  const mat = m instanceof Matrix ? m : new Matrix(m.map((r) => Array.from(r)));
  if (mat.rows !== rows || mat.columns !== cols) {
    throw new ImplicitDiffError('shape', name, `${what} is ${mat.rows}×${mat.columns}, expected ${rows}×${cols}`);
  }
  return mat;
}

/** σmax/σmin by SVD; Infinity when σmin is 0 (including the zero matrix). */
function conditionNumber(a: Matrix): number {
  if (a.rows === 0) return 1;
  const s = new SingularValueDecomposition(a, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  }).diagonal;
  let smax = 0;
  let smin = Infinity;
  for (const v of s) {
    smax = Math.max(smax, Math.abs(v));
    smin = Math.min(smin, Math.abs(v));
  }
  return smin > 0 ? smax / smin : Infinity;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(1) : String(x);
}

/** The conditioning verdict on A: the μ to use (0: plain solve), or an ImplicitDiffError. */
function regularizationFor(
  cond: number,
  n: number,
  opts: ConditioningOptions,
  name: string,
): { mu: number; what: string } {
  const maxCond = opts.maxCond ?? DEFAULT_MAX_COND;
  // the numerical-rank threshold of numpy's matrix_rank: σmin below n·ε·σmax is noise
  const singular = !(cond < 1 / (n * EPS));
  if (!singular && cond <= maxCond) return { mu: 0, what: '' };
  const what = singular ? 'singular' : 'ill-conditioned';
  const mu = opts.regularization;
  if (mu === undefined) {
    const why = singular
      ? `∂F/∂z is singular at the solution (cond ${fmt(cond)} ≥ 1/(n·ε)): z*(θ) is not locally a unique differentiable function of θ`
      : `∂F/∂z is ill-conditioned at the solution (cond ${fmt(cond)} > maxCond ${fmt(maxCond)}): the adjoint would lose ~${Math.round(Math.log10(cond))} digits`;
    throw new ImplicitDiffError(
      singular ? 'singular' : 'ill-conditioned',
      name,
      `${why}; pass { regularization: μ } for a Tikhonov-regularized adjoint`,
      { cond },
    );
  }
  if (!(mu > 0 && Number.isFinite(mu))) {
    throw new RangeError(`ad.implicit '${name}': regularization must be a positive finite number, got ${mu}`);
  }
  return { mu, what };
}

function luSolve(m: Matrix, rhs: Matrix, name: string, cond: number): Matrix {
  const lu = new LuDecomposition(m);
  if (lu.isSingular()) {
    throw new ImplicitDiffError(
      'singular',
      name,
      `the LU factorization of the ${m.rows}×${m.rows} adjoint system is singular`,
      { cond },
    );
  }
  return lu.solve(rhs);
}

/** λ solving Aᵀλ = z̄, or (AAᵀ + μI)λ = A z̄ when μ > 0. */
function solveAdjoint(a: Matrix, zbar: ArrayLike<number>, mu: number, name: string, cond: number): number[] {
  const rhs = Matrix.columnVector(Array.from(zbar));
  if (mu === 0) return luSolve(a.transpose(), rhs, name, cond).getColumn(0);
  const normal = a.mmul(a.transpose()).add(Matrix.eye(a.rows).mul(mu));
  return luSolve(normal, a.mmul(rhs), name, cond).getColumn(0);
}

/** ż solving A ż = −r, or (AᵀA + μI) ż = −Aᵀ r when μ > 0. */
function solveTangent(a: Matrix, r: ArrayLike<number>, mu: number, name: string, cond: number): number[] {
  const rhs = Matrix.columnVector(Array.from(r, (v) => -v));
  if (mu === 0) return luSolve(a, rhs, name, cond).getColumn(0);
  const normal = a.transpose().mmul(a).add(Matrix.eye(a.rows).mul(mu));
  return luSolve(normal, a.transpose().mmul(rhs), name, cond).getColumn(0);
}

// ---- matrix-free linear solvers -------------------------------------------------------

/** Options of the iterative solvers. */
export interface IterativeSolveOptions {
  /** stop when |M x − b| ≤ tol·|b| (default 1e-12) */
  tol?: number;
  /** iteration cap (default 10·n, at least 100) */
  maxIter?: number;
  /** GMRES only: Krylov dimension before a restart (default min(n, 50), bounding memory at 50·n) */
  restart?: number;
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: readonly number[]): number {
  return Math.sqrt(dot(a, a));
}

/**
 * Conjugate gradients for a symmetric positive definite M, given only x ↦ M x.
 * Wrong (silently slow or divergent) for indefinite or nonsymmetric M: use `solveGmres`.
 *
 * @example
 * const x = solveCg((v) => [2 * v[0] + v[1], v[0] + 3 * v[1]], [1, 2]); // ≈ [0.2, 0.6]
 */
export function solveCg(
  matvec: (x: readonly number[]) => number[],
  b: readonly number[],
  opts: IterativeSolveOptions = {},
): number[] {
  const n = b.length;
  const tol = (opts.tol ?? 1e-12) * norm(b);
  const maxIter = opts.maxIter ?? Math.max(100, 10 * n);
  const x = new Array<number>(n).fill(0);
  const r = Array.from(b);
  const p = Array.from(b);
  let rr = dot(r, r);
  for (let k = 0; k < maxIter && Math.sqrt(rr) > tol; k++) {
    const mp = matvec(p);
    const pmp = dot(p, mp);
    // pᵀMp ≤ 0 means M is not positive definite: stop and let the caller's residual check report it
    if (!(pmp > 0)) break;
    const alpha = rr / pmp;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * mp[i];
    }
    const rrNext = dot(r, r);
    const beta = rrNext / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = rrNext;
  }
  return x;
}

/**
 * Restarted GMRES for a general square M, given only x ↦ M x (modified Gram–Schmidt
 * Arnoldi, Givens rotations), restarted every `opts.restart` iterations.
 *
 * @example
 * const x = solveGmres((v) => [v[0] + 2 * v[1], 3 * v[1]], [5, 6]); // ≈ [1, 2]
 */
export function solveGmres(
  matvec: (x: readonly number[]) => number[],
  b: readonly number[],
  opts: IterativeSolveOptions = {},
): number[] {
  const n = b.length;
  const bnorm = norm(b);
  const x = new Array<number>(n).fill(0);
  if (bnorm === 0) return x;
  const tol = (opts.tol ?? 1e-12) * bnorm;
  const maxIter = opts.maxIter ?? Math.max(100, 10 * n);
  const restart = Math.max(1, Math.min(n, opts.restart ?? 50));
  let iter = 0;
  while (iter < maxIter) {
    const mx = matvec(x);
    const r = b.map((bi, i) => bi - mx[i]);
    const beta = norm(r);
    if (beta <= tol) break;
    const basis: number[][] = [r.map((ri) => ri / beta)];
    // h[j] is column j of the Hessenberg matrix, rotated in place to upper triangular
    const h: number[][] = [];
    const cs: number[] = [];
    const sn: number[] = [];
    const g = [beta];
    let k = 0;
    for (let j = 0; j < restart && iter < maxIter; j++, iter++) {
      // copy: a caller's matvec may hand back a buffer it reuses
      const w = Array.from(matvec(basis[j]));
      const col = new Array<number>(j + 2).fill(0);
      for (let i = 0; i <= j; i++) {
        col[i] = dot(w, basis[i]);
        for (let l = 0; l < n; l++) w[l] -= col[i] * basis[i][l];
      }
      col[j + 1] = norm(w);
      for (let i = 0; i < j; i++) {
        const t = cs[i] * col[i] + sn[i] * col[i + 1];
        col[i + 1] = -sn[i] * col[i] + cs[i] * col[i + 1];
        col[i] = t;
      }
      const rho = Math.hypot(col[j], col[j + 1]);
      // rho = 0 only when M is singular on the Krylov space; the residual check reports it
      cs.push(rho === 0 ? 1 : col[j] / rho);
      sn.push(rho === 0 ? 0 : col[j + 1] / rho);
      const wnorm = col[j + 1];
      col[j] = rho;
      col[j + 1] = 0;
      h.push(col);
      g.push(-sn[j] * g[j]);
      g[j] = cs[j] * g[j];
      k = j + 1;
      if (Math.abs(g[j + 1]) <= tol || wnorm === 0) break;
      basis.push(w.map((wl) => wl / wnorm));
    }
    // back substitution on the k×k triangle, then x += V y
    const y = new Array<number>(k).fill(0);
    for (let i = k - 1; i >= 0; i--) {
      let s = g[i];
      for (let l = i + 1; l < k; l++) s -= h[l][i] * y[l];
      y[i] = h[i][i] === 0 ? 0 : s / h[i][i];
    }
    for (let i = 0; i < k; i++) for (let l = 0; l < n; l++) x[l] += y[i] * basis[i][l];
    if (k === 0 || Math.abs(g[k]) <= tol) break;
  }
  return x;
}

function checkedIterative(
  solve: LinearSolve,
  matvec: (x: readonly number[]) => number[],
  b: readonly number[],
  tol: number,
  name: string,
  what: string,
): number[] {
  const x = solve(matvec, b);
  const mx = matvec(x);
  const bnorm = norm(b);
  const rel = norm(mx.map((v, i) => v - b[i])) / (bnorm === 0 ? 1 : bnorm);
  if (!(rel <= tol)) {
    throw new ImplicitDiffError(
      'linear-solve-failed',
      name,
      `the matrix-free ${what} solve reached relative residual ${fmt(rel)} > ${fmt(tol)}: ∂F/∂z may be singular or ill-conditioned, or the solver needs more iterations`,
      { residual: rel },
    );
  }
  return x;
}

// ---- low level: rootVjp / rootJvp -----------------------------------------------------

/**
 * Reverse-mode implicit derivative at a root of F(z, θ) = 0: given z̄, solve
 * (∂F/∂z)ᵀ λ = z̄ and return θ̄ = −(∂F/∂θ)ᵀ λ (derivation in the file header).
 *
 * With explicit matrices the solve is a dense LU (ml-matrix) after an SVD conditioning
 * check (singular / ill-conditioned: ImplicitDiffError, or the Tikhonov fallback with
 * `regularization`). With callbacks it is matrix-free: `opts.solve` (GMRES by default)
 * on u ↦ (∂F/∂z)ᵀu, and a failed solve is an ImplicitDiffError.
 *
 * @example
 * // F(z, θ) = z³ − θ at z* = 2, θ = 8: dz/dθ = 1/(3z²) = 1/12
 * rootVjp({ dFdz: [[12]], dFdtheta: [[-1]] }, [1]).thetaBar; // [1/12]
 */
export function rootVjp(
  system: RootJacobians | RootVjpCallbacks,
  zbar: readonly number[],
  opts: RootDiffOptions = {},
): AdjointSolution {
  const name = opts.name ?? 'rootVjp';
  const n = zbar.length;
  if ('dFdz' in system) {
    const a = toMatrix(system.dFdz, n, n, '∂F/∂z', name);
    const b = toMatrix(system.dFdtheta, n, shapeOf(system.dFdtheta)[1], '∂F/∂θ', name);
    const cond = conditionNumber(a);
    const { mu } = regularizationFor(cond, n, opts, name);
    const lambda = solveAdjoint(a, zbar, mu, name, cond);
    const thetaBar = b.transpose().mmul(Matrix.columnVector(lambda)).mul(-1).getColumn(0);
    return { thetaBar, lambda, cond, regularization: mu };
  }
  const lambda = checkedIterative(
    opts.solve ?? solveGmres,
    system.vjpZ,
    zbar,
    opts.linearTol ?? DEFAULT_LINEAR_TOL,
    name,
    'adjoint',
  );
  const thetaBar = system.vjpTheta(lambda).map((v) => -v);
  return { thetaBar, lambda, cond: undefined, regularization: 0 };
}

/**
 * Forward-mode implicit derivative at a root of F(z, θ) = 0: given θ̇, solve
 * (∂F/∂z) ż = −(∂F/∂θ) θ̇. Same dense / matrix-free paths and conventions as `rootVjp`,
 * and its exact transpose: z̄·rootJvp(θ̇) = rootVjp(z̄)·θ̇, regularized or not.
 *
 * @example
 * rootJvp({ dFdz: [[12]], dFdtheta: [[-1]] }, [1]).zDot; // [1/12]
 */
export function rootJvp(
  system: RootJacobians | RootJvpCallbacks,
  thetaDot: readonly number[],
  opts: RootDiffOptions = {},
): TangentSolution {
  const name = opts.name ?? 'rootJvp';
  const p = thetaDot.length;
  if ('dFdz' in system) {
    const n = shapeOf(system.dFdz)[0];
    const a = toMatrix(system.dFdz, n, n, '∂F/∂z', name);
    const b = toMatrix(system.dFdtheta, n, p, '∂F/∂θ', name);
    const cond = conditionNumber(a);
    const { mu } = regularizationFor(cond, n, opts, name);
    const r = b.mmul(Matrix.columnVector(Array.from(thetaDot))).getColumn(0);
    return { zDot: solveTangent(a, r, mu, name, cond), cond, regularization: mu };
  }
  const rhs = system.jvpTheta(thetaDot).map((v) => -v);
  const zDot = checkedIterative(
    opts.solve ?? solveGmres,
    system.jvpZ,
    rhs,
    opts.linearTol ?? DEFAULT_LINEAR_TOL,
    name,
    'tangent',
  );
  return { zDot, cond: undefined, regularization: 0 };
}

// ---- high level: customRoot -----------------------------------------------------------

/** Options of `customRoot` / `customFixedPoint`. */
export interface CustomRootOptions extends ConditioningOptions {
  /** names the primitive in kink reports and errors (default 'customRoot') */
  name?: string;
  /** largest accepted |F(z*, θ)|∞ at the solver's answer, in F's units (default 1e-8) */
  residualTol?: number;
}

/** Everything the derivative rules need, computed once at (z*, θ). */
interface Linearization {
  /** ∂F/∂z, n×n */
  a: Matrix;
  /** ∂F/∂θ, n×p */
  b: Matrix;
  cond: number;
  mu: number;
}

/**
 * Make a differentiable function θ ↦ z*(θ) out of a black-box solver, differentiated
 * implicitly through its optimality conditions.
 *
 * Invariant: `F(solver(θ), θ) = 0` (to `residualTol`, checked on every call).
 *
 *   F      :: (z: ℝⁿ, θ: ℝᵖ) -> ℝⁿ     written with ad ops (differentiated by the AD core)
 *   solver :: θ: number[] -> z*: ℝⁿ    any method on plain numbers; never differentiated
 *   result :: θ: Real[] -> z*: Real[]  one primitive: usable inside valueAndGrad, jvp, jacrev…
 *
 * On a traced call the solver runs once; F is then differentiated once at (z*, θ) (one
 * recording, n reverse sweeps) to get ∂F/∂z and ∂F/∂θ, the conditioning of ∂F/∂z is
 * checked (SVD), and the backward rule solves (∂F/∂z)ᵀ λ = z̄ by dense LU and returns
 * θ̄ = −(∂F/∂θ)ᵀ λ; the forward rule solves (∂F/∂z) ż = −(∂F/∂θ) θ̇. Conventions at
 * singular points and at kinks of F are in the file header. Untraced calls only run the
 * solver and the residual check.
 *
 * @example
 * // z* = ∛θ as the root of z³ − θ, found by Newton on plain numbers
 * const cbrt = customRoot(
 *   ([z], [t]) => [sub(mul(z, mul(z, z)), t)],
 *   ([t]) => { let z = 1; for (let k = 0; k < 60; k++) z -= (z ** 3 - t) / (3 * z * z); return [z]; },
 *   { name: 'cbrt' },
 * );
 * valueAndGrad(([t]) => cbrt([t])[0], [8]); // { value: 2, grad: [1/12], kinks: [] }
 */
export function customRoot(
  F: (z: Real[], theta: Real[]) => Real[],
  solver: (theta: number[]) => ArrayLike<number>,
  opts: CustomRootOptions = {},
): (theta: readonly Real[]) => Real[] {
  const name = opts.name ?? 'customRoot';
  const residualTol = opts.residualTol ?? DEFAULT_RESIDUAL_TOL;

  const runSolver = (theta: Float64Array): number[] => {
    const z = Array.from(solver(Array.from(theta)));
    for (let i = 0; i < z.length; i++) {
      if (!Number.isFinite(z[i])) {
        throw new ImplicitDiffError('not-converged', name, `the solver returned a non-finite z*[${i}] = ${z[i]}`);
      }
    }
    return z;
  };

  const checkResidual = (residual: readonly number[], n: number): void => {
    if (residual.length !== n) {
      throw new ImplicitDiffError(
        'shape',
        name,
        `F returned ${residual.length} values for ${n} unknowns; F(z, θ) = 0 must be a square system`,
      );
    }
    let r = 0;
    for (const v of residual) r = Math.max(r, Math.abs(v));
    if (!(r <= residualTol)) {
      throw new ImplicitDiffError(
        'not-converged',
        name,
        `the solver did not converge: |F(z*, θ)|∞ = ${fmt(r)} > residualTol ${fmt(residualTol)} (the implicit derivative is that of an exact root)`,
        { residual: r },
      );
    }
  };

  const linearize = (z: number[], theta: Float64Array, kinks: KinkSink): Linearization => {
    const n = z.length;
    const p = theta.length;
    // one recording of F at (z*, θ); kinkTol ∞ keeps all of F's kinks, the outer trace filters them
    const lin = vjp((x) => F(x.slice(0, n), x.slice(n)), [...z, ...theta], { kinkTol: Infinity });
    checkResidual(lin.value, n);
    const a = new Matrix(n, n);
    const b = new Matrix(n, p);
    const e = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      e[i] = 1;
      const row = lin.vjp(e);
      e[i] = 0;
      for (let j = 0; j < n; j++) a.set(i, j, row[j]);
      for (let j = 0; j < p; j++) b.set(i, j, row[n + j]);
    }
    for (const k of lin.kinks) kinks.kink(k.margin, `${name}: ${k.label}`, k.jump);
    const cond = conditionNumber(a);
    const { mu, what } = regularizationFor(cond, n, opts, name);
    if (mu > 0) kinks.kink(1 / cond, `${name}: ${what} adjoint system (cond ${fmt(cond)}), Tikhonov μ=${mu}`);
    return { a, b, cond, mu };
  };

  return customVjp<Linearization | undefined>({
    name,
    fwd(theta, kinks) {
      const z = runSolver(theta);
      if (!isTracing()) {
        const residual = F(z, Array.from(theta)).map((v) => (typeof v === 'number' ? v : v.v));
        checkResidual(residual, z.length);
        return [Float64Array.from(z), undefined];
      }
      return [Float64Array.from(z), linearize(z, theta, kinks)];
    },
    bwd(lin, zbar) {
      if (lin === undefined) throw new Error(`ad.implicit '${name}': backward rule reached without a linearization`);
      const lambda = solveAdjoint(lin.a, zbar, lin.mu, name, lin.cond);
      // θ̄ = −Bᵀλ: the reverse pass of F w.r.t. θ with cotangent −λ
      return Float64Array.from(lin.b.transpose().mmul(Matrix.columnVector(lambda)).getColumn(0), (v) => -v);
    },
    jvp(theta, thetaDot, kinks) {
      const z = runSolver(theta);
      const lin = linearize(z, theta, kinks);
      const r = lin.b.mmul(Matrix.columnVector(Array.from(thetaDot))).getColumn(0);
      return [Float64Array.from(z), Float64Array.from(solveTangent(lin.a, r, lin.mu, name, lin.cond))];
    },
  });
}

/**
 * `customRoot` for a fixed point z* = T(z*, θ): the optimality condition is
 * F(z, θ) = T(z, θ) − z, so the invariant is `T(solver(θ), θ) = solver(θ)`.
 *
 * @example
 * // z* = ½cos z* + θ, found by plain fixed-point iteration; dz*(θ)/dθ = 1/(1 + ½ sin z*)
 * const fp = customFixedPoint(([z], [t]) => [add(mul(0.5, cos(z)), t)],
 *   ([t]) => { let z = 0; for (let k = 0; k < 100; k++) z = 0.5 * Math.cos(z) + t; return [z]; });
 */
export function customFixedPoint(
  T: (z: Real[], theta: Real[]) => Real[],
  solver: (theta: number[]) => ArrayLike<number>,
  opts: CustomRootOptions = {},
): (theta: readonly Real[]) => Real[] {
  return customRoot(
    (z, theta) => {
      const tz = T(z, theta);
      if (tz.length !== z.length) {
        throw new ImplicitDiffError(
          'shape',
          opts.name ?? 'customRoot',
          `T returned ${tz.length} values for ${z.length} unknowns`,
        );
      }
      return tz.map((t, i) => sub(t, z[i]));
    },
    solver,
    opts,
  );
}
