/**
 * Gradient descent with optional heavy-ball momentum: the baseline the other methods are
 * measured against, and the one where clipping bounds the step exactly (‖Δx‖ ≤ lr·clipNorm
 * without momentum).
 */
import { applyBounds, checkInit, prepareGradient, type FirstOrderOptions } from './first-order.ts';
import { toSchedule, type Schedule } from './schedule.ts';
import type { Optimizer, Vector } from './types.ts';

/** Options of {@link sgd}. */
export interface SgdOptions extends FirstOrderOptions {
  /** learning rate, or a schedule of it (parameter units per gradient unit) */
  lr: number | Schedule;
  /** heavy-ball momentum μ in [0, 1): velocity ← μ·velocity + g (default 0) */
  momentum?: number;
}

/** SGD's state: the number of updates taken and the momentum velocity. */
export interface SgdState {
  readonly step: number;
  readonly velocity: readonly number[];
}

/**
 * Gradient descent `x ← x − lr·velocity` as a pure `{ init, update }` pair.
 *
 * @example
 * const opt = sgd({ lr: 0.1, clipNorm: 1 });
 * let state = opt.init(x);
 * ({ params: x, state } = opt.update(grad, state, x));
 */
export function sgd(opts: SgdOptions): Optimizer<SgdState> {
  const lr = toSchedule(opts.lr);
  const momentum = opts.momentum ?? 0;
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`sgd: momentum must be in [0, 1), got ${momentum}`);
  return {
    init(params: Vector): SgdState {
      checkInit('sgd', params, opts);
      return { step: 0, velocity: new Array<number>(params.length).fill(0) };
    },
    update(grad: Vector, state: SgdState, params: Vector) {
      const g = prepareGradient('sgd', grad, params, state.velocity.length, opts);
      const rate = lr(state.step);
      const n = params.length;
      const velocity = new Array<number>(n);
      const x = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        velocity[i] = momentum * state.velocity[i] + g[i];
        x[i] = params[i] - rate * velocity[i];
      }
      return { params: applyBounds(x, opts.bounds), state: { step: state.step + 1, velocity } };
    },
  };
}
