/**
 * L-BFGS with a line search, optionally projected onto box bounds.
 *
 * Unbounded: the two-loop recursion (Nocedal & Wright, Algorithm 7.4) with the initial
 * scaling H₀ = (sᵀy / yᵀy)·I. Line search (see line-search.ts):
 * - 'weakWolfe' (default): bisection/doubling to Armijo + f'(α) ≥ c₂·f'₀ (Lewis & Overton);
 *   as good as strong Wolfe on smooth problems and much better on non-smooth ones, because
 *   it accepts a point just past a kink instead of homing in on the kink;
 * - 'strongWolfe': Nocedal & Wright 3.5/3.6; the textbook choice for smooth objectives;
 * - 'backtracking': Armijo only.
 * A curvature pair is stored only if sᵀy > ε·yᵀy (ε = machine epsilon, the L-BFGS-B test),
 * so the inverse-Hessian model stays positive definite whatever the search accepted.
 * If the search finds nothing along the quasi-Newton direction, the memory is dropped and
 * one backtracking search along −g is tried before giving up.
 *
 * Bounded (projected L-BFGS, after Bertsekas' projected Newton method):
 * - the start point is projected onto the box;
 * - a component is *active* when it sits on a bound and its gradient pushes outward; the
 *   direction is −H·g in the free subspace (only pairs that left the active components
 *   still, restricted to the free components) and zero on the active ones: a descent
 *   direction;
 * - the trial points are x(α) = P(x + α·d), found by Armijo backtracking along that
 *   projected path (the Wolfe conditions are not defined on a bent path);
 * - convergence is measured by the projected gradient x − P(x − g), zero exactly at the
 *   KKT points.
 * Limits: only exactly-binding components are held, so the active set changes only as
 * fast as projected steps land on bounds or leave them; there is no generalized Cauchy
 * point as in L-BFGS-B, which is more robust when many bounds change activity; on a
 * non-convex problem the result is a KKT point, not necessarily the global minimum.
 *
 * On a non-smooth objective (abs, max, contact onset) L-BFGS has no convergence guarantee:
 * it typically ends with reason 'lineSearch' next to a kink, often at a very good point
 * (see the tests for measured gaps). A decaying-rate Adam or a smooth reformulation is the
 * dependable choice there.
 *
 * Non-finite objective values or gradients stop the run with reason 'nonFinite' (the
 * result holds the last finite iterate); nothing is silently replaced.
 */
import { checkBounds, project, projectedGradient } from './bounds.ts';
import {
  backtracking,
  lineSearchSettings,
  strongWolfe,
  weakWolfe,
  type LineSearchKind,
  type LineSearchOptions,
  type LineSearchResult,
  type Trial,
} from './line-search.ts';
import type { Bounds, Objective, Vector } from './types.ts';
import { assertFinite, assertLength, dot, firstNonFinite, norm2, normInf } from './vector.ts';

/** Options of {@link lbfgs}. */
export interface LbfgsOptions {
  /** curvature pairs kept (default 10) */
  memory?: number;
  /** iterations allowed (default 200) */
  maxIter?: number;
  /** objective evaluations allowed, line searches included (default 20·maxIter) */
  maxEvaluations?: number;
  /** stop when ‖projected gradient‖∞ ≤ tol (default 1e-6, gradient units) */
  tol?: number;
  /**
   * stop when an iteration lowers f by at most valueTol·max(1, |f|) (default 0: off; the
   * L-BFGS-B default is 2.2e-9)
   */
  valueTol?: number;
  /** box constraints; the method becomes projected L-BFGS */
  bounds?: Bounds;
  /** 'weakWolfe' (default), 'strongWolfe' or 'backtracking'; with bounds only 'backtracking' applies */
  lineSearch?: LineSearchKind;
  /** line-search constants */
  lineSearchOptions?: LineSearchOptions;
}

/** Why a run stopped. 'gradient' and 'value' count as converged. */
export type StopReason = 'gradient' | 'value' | 'maxIter' | 'maxEvaluations' | 'lineSearch' | 'nonFinite';

/** One row of the convergence history, recorded after each iteration (row 0: the start). */
export interface HistoryEntry {
  iteration: number;
  value: number;
  /** ‖projected gradient‖∞ */
  gradNorm: number;
  /** ‖x_k − x_{k−1}‖₂ (0 for the start) */
  stepNorm: number;
  evaluations: number;
}

/** The outcome of a minimisation. */
export interface MinimizeResult {
  /** the last accepted iterate (always finite) */
  x: number[];
  value: number;
  grad: number[];
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: StopReason;
  /** one human-readable sentence on why it stopped */
  message: string;
  history: HistoryEntry[];
}

/** Extra counters of an L-BFGS run. */
export interface LbfgsResult extends MinimizeResult {
  /** curvature pairs rejected by the sᵀy > ε·yᵀy test */
  skippedPairs: number;
}

function isFiniteValueGrad(value: number, grad: Vector): boolean {
  return value - value === 0 && firstNonFinite(grad) < 0;
}

/**
 * L-BFGS one iteration at a time, for callers that want to show progress between
 * iterations. `lbfgs()` is this loop run to the end.
 *
 * @example
 * const solver = new LbfgsSolver((x) => valueAndGrad(f, x), [-1.2, 1]);
 * while (solver.step()) draw(solver.x, solver.value);
 * const result = solver.result();
 */
export class LbfgsSolver {
  /** current iterate (a fresh array after every accepted step; do not mutate) */
  x: number[];
  value: number;
  grad: number[];
  iterations = 0;
  evaluations = 0;
  skippedPairs = 0;
  reason: StopReason | null = null;
  message = '';
  readonly history: HistoryEntry[] = [];

  private readonly fg: Objective;
  private readonly bounds: Bounds | undefined;
  private readonly memory: number;
  private readonly maxIter: number;
  private readonly maxEvaluations: number;
  private readonly tol: number;
  private readonly valueTol: number;
  private readonly kind: LineSearchKind;
  private readonly search: ReturnType<typeof lineSearchSettings>;
  private readonly s: number[][] = [];
  private readonly y: number[][] = [];
  private readonly rho: number[] = [];

  constructor(fg: Objective, x0: Vector, opts: LbfgsOptions = {}) {
    this.fg = fg;
    this.bounds = opts.bounds;
    this.memory = opts.memory ?? 10;
    this.maxIter = opts.maxIter ?? 200;
    this.maxEvaluations = opts.maxEvaluations ?? 20 * this.maxIter;
    this.tol = opts.tol ?? 1e-6;
    this.valueTol = opts.valueTol ?? 0;
    this.search = lineSearchSettings(opts.lineSearchOptions);
    if (!(this.memory >= 1 && Number.isInteger(this.memory)))
      throw new RangeError(`lbfgs: memory must be an integer ≥ 1, got ${this.memory}`);
    if (!(this.maxIter >= 0)) throw new RangeError(`lbfgs: maxIter must be ≥ 0, got ${this.maxIter}`);
    if (!(this.tol >= 0)) throw new RangeError(`lbfgs: tol must be ≥ 0, got ${this.tol}`);
    if (!(this.valueTol >= 0)) throw new RangeError(`lbfgs: valueTol must be ≥ 0, got ${this.valueTol}`);
    if (this.bounds && opts.lineSearch !== undefined && opts.lineSearch !== 'backtracking') {
      throw new RangeError(
        `lbfgs: the ${opts.lineSearch} search needs a straight path; with bounds use lineSearch: "backtracking"`,
      );
    }
    this.kind = this.bounds ? 'backtracking' : (opts.lineSearch ?? 'weakWolfe');
    assertFinite(x0, 'lbfgs: x0');
    if (this.bounds) checkBounds(this.bounds, x0.length);

    this.x = this.bounds ? project(x0, this.bounds) : x0.slice();
    const start = this.evaluate(this.x);
    this.value = start.value;
    this.grad = start.grad.slice();
    if (!isFiniteValueGrad(this.value, this.grad)) {
      this.stop('nonFinite', `the objective or its gradient is not finite at the start point (value ${this.value})`);
      return;
    }
    this.record(0);
    this.checkConvergence(Infinity);
  }

  /** True once a stopping rule has fired. */
  get done(): boolean {
    return this.reason !== null;
  }

  /** Runs one iteration; returns false when the run has stopped (now or before). */
  step(): boolean {
    if (this.done) return false;
    if (this.iterations >= this.maxIter) return !this.stop('maxIter', `reached maxIter = ${this.maxIter}`);

    let found = this.lineSearch(this.direction(true), this.kind);
    if (
      found.status === 'failed' &&
      this.evaluations < this.maxEvaluations &&
      (this.s.length > 0 || this.kind !== 'backtracking')
    ) {
      // near a kink the quasi-Newton direction (and the curvature condition) can be useless
      // while a short gradient step still descends: forget the memory and backtrack along −g
      this.clearMemory();
      found = this.lineSearch(this.direction(false), 'backtracking');
    }
    if (found.status === 'nonFinite') {
      const t = found.trial as Trial;
      return !this.stop(
        'nonFinite',
        `the objective or its gradient is not finite at a line-search trial point (α = ${t.alpha}, value ${t.value})`,
      );
    }
    if (found.status === 'failed') {
      if (this.evaluations >= this.maxEvaluations)
        return !this.stop('maxEvaluations', `reached maxEvaluations = ${this.maxEvaluations}`);
      return !this.stop(
        'lineSearch',
        `no step along the gradient lowers f enough (iteration ${this.iterations + 1}); at a kink or limit of precision`,
      );
    }
    const t = found.trial as Trial;
    if (!(t.value < this.value)) {
      // sufficient decrease held only through rounding (c₁·α·f'₀ below f's last bit)
      return !this.stop(
        'lineSearch',
        `the accepted step did not lower f (iteration ${this.iterations + 1}): limit of float64 precision`,
      );
    }
    const s = t.x.map((xi, i) => xi - this.x[i]);
    const y = t.grad.map((gi, i) => gi - this.grad[i]);
    this.remember(s, y);
    const previousValue = this.value;
    this.x = t.x;
    this.value = t.value;
    this.grad = t.grad.slice();
    this.iterations++;
    this.record(norm2(s));
    this.checkConvergence(previousValue);
    return !this.done;
  }

  /** A snapshot of the run so far, in the shape `lbfgs()` returns. */
  result(): LbfgsResult {
    return {
      x: this.x.slice(),
      value: this.value,
      grad: this.grad.slice(),
      iterations: this.iterations,
      evaluations: this.evaluations,
      converged: this.reason === 'gradient' || this.reason === 'value',
      reason: this.reason ?? 'maxIter',
      message: this.message || 'still running',
      history: this.history.slice(),
      skippedPairs: this.skippedPairs,
    };
  }

  /** One line search from the current iterate along the proposed direction (restarting from −g if it is not downhill). */
  private lineSearch(proposal: { direction: number[]; pairs: number }, kind: LineSearchKind): LineSearchResult {
    let { direction, pairs } = proposal;
    let slope0 = dot(this.grad, direction);
    if (!(slope0 < 0)) {
      // a stale or ill-conditioned memory can lose descent; restart from the gradient
      this.clearMemory();
      ({ direction, pairs } = this.direction(false));
      slope0 = dot(this.grad, direction);
      if (!(slope0 < 0)) return { status: 'failed', wolfe: false, evaluations: 0 };
    }
    // without curvature pairs there is no scale yet, so the first trial moves a unit length
    const alpha0 = pairs === 0 ? Math.min(1, 1 / norm2(direction)) : 1;
    const x0 = this.x;
    const g0 = this.grad;
    const bounds = this.bounds;
    const trial = (alpha: number): Trial => {
      const raw = x0.map((xi, i) => xi + alpha * direction[i]);
      const x = bounds ? project(raw, bounds) : raw;
      const { value, grad } = this.evaluate(x);
      let predicted = 0;
      for (let i = 0; i < x.length; i++) predicted += g0[i] * (x[i] - x0[i]);
      return { alpha, x, value, grad, slope: dot(grad, direction), predicted, finite: isFiniteValueGrad(value, grad) };
    };
    const maxEvaluations = Math.min(this.search.maxEvaluations, this.maxEvaluations - this.evaluations);
    if (maxEvaluations < 1) return { status: 'failed', wolfe: false, evaluations: 0 };
    const budget = { ...this.search, maxEvaluations };
    if (kind === 'strongWolfe') return strongWolfe(trial, this.value, slope0, alpha0, budget);
    if (kind === 'weakWolfe') return weakWolfe(trial, this.value, slope0, alpha0, budget);
    return backtracking(trial, this.value, alpha0, budget);
  }

  private evaluate(x: number[]) {
    this.evaluations++;
    const result = this.fg(x);
    assertLength(result.grad, x.length, 'lbfgs: the gradient returned by fg');
    return result;
  }

  private stop(reason: StopReason, message: string): true {
    this.reason = reason;
    this.message = message;
    return true;
  }

  private projectedGradientNorm(): number {
    return normInf(projectedGradient(this.x, this.grad, this.bounds));
  }

  private record(stepNorm: number): void {
    this.history.push({
      iteration: this.iterations,
      value: this.value,
      gradNorm: this.projectedGradientNorm(),
      stepNorm,
      evaluations: this.evaluations,
    });
  }

  private checkConvergence(previousValue: number): void {
    const gradNorm = this.projectedGradientNorm();
    if (gradNorm <= this.tol) {
      this.stop('gradient', `‖projected gradient‖∞ = ${gradNorm.toExponential(2)} ≤ tol = ${this.tol}`);
    } else if (this.valueTol > 0 && previousValue - this.value <= this.valueTol * Math.max(1, Math.abs(this.value))) {
      this.stop(
        'value',
        `the last iteration lowered f by ${(previousValue - this.value).toExponential(2)}, within valueTol`,
      );
    }
  }

  /** Whether component i is on a bound with its gradient pushing outward. */
  private isActive(i: number): boolean {
    if (!this.bounds) return false;
    const xi = this.x[i];
    const gi = this.grad[i];
    return (xi <= this.bounds.lower[i] && gi > 0) || (xi >= this.bounds.upper[i] && gi < 0);
  }

  /**
   * −H·g on the free components by the two-loop recursion, or −g when `useMemory` is false.
   * With bounds the recursion runs in the free subspace: only pairs whose step left every
   * active component still (s_A = 0) are used, with y restricted to the free components.
   * For such a pair y_F = B_FF·s_F on a quadratic, so H approximates the inverse of the
   * *reduced* Hessian B_FF; using (B⁻¹)_FF instead converges only linearly when free and
   * active components are coupled.
   */
  private direction(useMemory: boolean): { direction: number[]; pairs: number } {
    const n = this.x.length;
    const free = new Array<boolean>(n);
    for (let i = 0; i < n; i++) free[i] = !this.isActive(i);
    const usable: number[] = [];
    if (useMemory) {
      for (let j = 0; j < this.s.length; j++) {
        if (this.s[j].every((sji, i) => free[i] || sji === 0)) usable.push(j);
      }
    }
    const freeDot = (u: Vector, v: Vector) => {
      let d = 0;
      for (let i = 0; i < n; i++) if (free[i]) d += u[i] * v[i];
      return d;
    };
    const q = new Array<number>(n);
    for (let i = 0; i < n; i++) q[i] = free[i] ? this.grad[i] : 0;
    const a = new Array<number>(usable.length);
    for (let k = usable.length - 1; k >= 0; k--) {
      const j = usable[k];
      a[k] = this.rho[j] * freeDot(this.s[j], q);
      const yj = this.y[j];
      for (let i = 0; i < n; i++) if (free[i]) q[i] -= a[k] * yj[i];
    }
    if (usable.length > 0) {
      const newest = usable[usable.length - 1];
      const yFree = this.y[newest];
      const gamma = 1 / (this.rho[newest] * freeDot(yFree, yFree));
      for (let i = 0; i < n; i++) q[i] *= gamma;
    }
    for (let k = 0; k < usable.length; k++) {
      const j = usable[k];
      const b = this.rho[j] * freeDot(this.y[j], q);
      const sj = this.s[j];
      for (let i = 0; i < n; i++) q[i] += (a[k] - b) * sj[i];
    }
    for (let i = 0; i < n; i++) q[i] = free[i] ? -q[i] : 0;
    return { direction: q, pairs: usable.length };
  }

  private remember(s: number[], y: number[]): void {
    const sy = dot(s, y);
    if (!(sy > Number.EPSILON * dot(y, y))) {
      this.skippedPairs++;
      return;
    }
    if (this.s.length === this.memory) {
      this.s.shift();
      this.y.shift();
      this.rho.shift();
    }
    this.s.push(s);
    this.y.push(y);
    this.rho.push(1 / sy);
  }

  private clearMemory(): void {
    this.s.length = 0;
    this.y.length = 0;
    this.rho.length = 0;
  }
}

/**
 * Minimises `fg` from `x0` by L-BFGS (projected L-BFGS with `bounds`).
 *
 * @example
 * const rosenbrock = ([x, y]: Real[]) => add(square(sub(1, x)), mul(100, square(sub(y, square(x)))));
 * const r = lbfgs((x) => valueAndGrad(rosenbrock, x), [-1.2, 1], { tol: 1e-10 });
 * // r.x ≈ [1, 1], r.converged === true, r.reason === 'gradient'
 */
export function lbfgs(fg: Objective, x0: Vector, opts: LbfgsOptions = {}): LbfgsResult {
  const solver = new LbfgsSolver(fg, x0, opts);
  while (solver.step());
  return solver.result();
}
