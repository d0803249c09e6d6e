/**
 * Adam (Kingma & Ba, 2015): per-parameter step sizes from running estimates of the first
 * and second moments of the gradient, with bias correction for the early steps.
 */
import { applyBounds, checkInit, prepareGradient, type FirstOrderOptions } from './first-order.ts';
import { toSchedule, type Schedule } from './schedule.ts';
import type { Optimizer, Vector } from './types.ts';

/** Options of {@link adam}. */
export interface AdamOptions extends FirstOrderOptions {
  /** learning rate, or a schedule of it (default 1e-3), in parameter units per step */
  lr?: number | Schedule;
  /** decay of the first-moment (mean) estimate (default 0.9) */
  beta1?: number;
  /** decay of the second-moment estimate (default 0.999) */
  beta2?: number;
  /** added to √v̂ so a vanishing gradient does not divide by zero (default 1e-8, gradient units) */
  eps?: number;
}

/** Adam's state: the number of updates taken and the two moment estimates. */
export interface AdamState {
  readonly step: number;
  readonly m: readonly number[];
  readonly v: readonly number[];
}

/**
 * Adam as a pure `{ init, update }` pair. `update(grad, state, params)` returns new
 * parameters and state and mutates nothing. Gradient clipping (`clipNorm`) happens before
 * the moments see the gradient; projection onto `bounds` after the step.
 *
 * @example
 * const opt = adam({ lr: 0.01 });
 * let x = [-1.2, 1];
 * let state = opt.init(x);
 * for (let k = 0; k < 1000; k++) {
 *   const { grad } = valueAndGrad(f, x);
 *   ({ params: x, state } = opt.update(grad, state, x));
 * }
 */
export function adam(opts: AdamOptions = {}): Optimizer<AdamState> {
  const lr = toSchedule(opts.lr ?? 1e-3);
  const beta1 = opts.beta1 ?? 0.9;
  const beta2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  if (!(beta1 >= 0 && beta1 < 1)) throw new RangeError(`adam: beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new RangeError(`adam: beta2 must be in [0, 1), got ${beta2}`);
  if (!(eps >= 0)) throw new RangeError(`adam: eps must be ≥ 0, got ${eps}`);
  return {
    init(params: Vector): AdamState {
      checkInit('adam', params, opts);
      const zeros = new Array<number>(params.length).fill(0);
      return { step: 0, m: zeros, v: zeros.slice() };
    },
    update(grad: Vector, state: AdamState, params: Vector) {
      const g = prepareGradient('adam', grad, params, state.m.length, opts);
      const step = state.step + 1;
      const rate = lr(state.step);
      // bias corrections undo the zero initialisation of m and v
      const c1 = 1 - Math.pow(beta1, step);
      const c2 = 1 - Math.pow(beta2, step);
      const n = params.length;
      const m = new Array<number>(n);
      const v = new Array<number>(n);
      const x = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        m[i] = beta1 * state.m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * state.v[i] + (1 - beta2) * g[i] * g[i];
        x[i] = params[i] - (rate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
      return { params: applyBounds(x, opts.bounds), state: { step, m, v } };
    },
  };
}
