/**
 * One entry point for both kinds of method: `minimize(fg, x0, { method, ... })`.
 * L-BFGS runs as in `lbfgs()`; a first-order method (Adam, SGD) is run for `maxIter`
 * updates, stopping early once the projected gradient is below `tol`.
 */
import { adam, type AdamOptions } from './adam.ts';
import { checkBounds, project, projectedGradient } from './bounds.ts';
import { lbfgs, type HistoryEntry, type LbfgsOptions, type MinimizeResult } from './lbfgs.ts';
import { sgd, type SgdOptions } from './sgd.ts';
import type { Bounds, Objective, Optimizer, Vector } from './types.ts';
import { firstNonFinite, norm2, normInf } from './vector.ts';

/** Loop settings of a first-order run. */
export interface FirstOrderRunOptions {
  /** updates to take (default 1000) */
  maxIter?: number;
  /** stop early when ‖projected gradient‖∞ ≤ tol (default 0: run all maxIter updates) */
  tol?: number;
}

export type MinimizeOptions =
  | ({ method: 'lbfgs' } & LbfgsOptions)
  | ({ method: 'adam' } & AdamOptions & FirstOrderRunOptions)
  | ({ method: 'sgd' } & SgdOptions & FirstOrderRunOptions);

/**
 * Runs any `{ init, update }` optimizer on `fg` from `x0`. Evaluates the objective once per
 * update; the result is the last iterate, with its value and gradient. A non-finite value
 * or gradient stops the run with reason 'nonFinite' and the last finite iterate.
 *
 * @example
 * const r = runOptimizer(adam({ lr: 0.01 }), (x) => valueAndGrad(f, x), x0, { maxIter: 500 });
 */
export function runOptimizer<S>(
  optimizer: Optimizer<S>,
  fg: Objective,
  x0: Vector,
  opts: FirstOrderRunOptions & { bounds?: Bounds } = {},
): MinimizeResult {
  const maxIter = opts.maxIter ?? 1000;
  const tol = opts.tol ?? 0;
  if (opts.bounds) checkBounds(opts.bounds, x0.length);
  // the first-order methods only project after a step, so start inside the box
  let x = opts.bounds ? project(x0, opts.bounds) : x0.slice();
  let state = optimizer.init(x);
  const history: HistoryEntry[] = [];
  let evaluations = 0;
  let last: { x: number[]; value: number; grad: number[] } | null = null;
  const finish = (reason: MinimizeResult['reason'], converged: boolean, message: string): MinimizeResult => ({
    x: last ? last.x : x.slice(),
    value: last ? last.value : NaN,
    grad: last ? last.grad : [],
    iterations: Math.max(0, history.length - 1),
    evaluations,
    converged,
    reason,
    message,
    history,
  });
  for (let k = 0; ; k++) {
    const { value, grad } = fg(x);
    evaluations++;
    if (value - value !== 0 || firstNonFinite(grad) >= 0) {
      return finish(
        'nonFinite',
        false,
        `the objective or its gradient is not finite after ${k} updates (value ${value})`,
      );
    }
    const previous = last;
    last = { x, value, grad: grad.slice() };
    const gradNorm = normInf(projectedGradient(x, grad, opts.bounds));
    const stepNorm = previous ? norm2(x.map((xi, i) => xi - previous.x[i])) : 0;
    history.push({ iteration: k, value, gradNorm, stepNorm, evaluations });
    if (gradNorm <= tol)
      return finish('gradient', true, `‖projected gradient‖∞ = ${gradNorm.toExponential(2)} ≤ tol = ${tol}`);
    if (k >= maxIter) return finish('maxIter', false, `took maxIter = ${maxIter} updates`);
    ({ params: x, state } = optimizer.update(grad, state, x));
  }
}

/**
 * Minimises `fg` (x -> { value, grad }) from `x0` with the chosen method.
 *
 * @example
 * const f = ([x, y]: Real[]) => add(square(sub(1, x)), mul(100, square(sub(y, square(x)))));
 * const r = minimize((x) => valueAndGrad(f, x), [-1.2, 1], { method: 'lbfgs', tol: 1e-10 });
 */
export function minimize(fg: Objective, x0: Vector, opts: MinimizeOptions): MinimizeResult {
  switch (opts.method) {
    case 'lbfgs':
      return lbfgs(fg, x0, opts);
    case 'adam':
      return runOptimizer(adam(opts), fg, x0, opts);
    case 'sgd':
      return runOptimizer(sgd(opts), fg, x0, opts);
    default: {
      const method: never = opts;
      throw new RangeError(`minimize: unknown method ${JSON.stringify((method as { method: unknown }).method)}`);
    }
  }
}
