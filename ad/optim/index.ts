/**
 * Optimizers for diffcontact: first-order methods as pure `{ init, update }` pairs (Adam,
 * SGD), L-BFGS with a line search (also projected onto box bounds), gradient clipping,
 * box projection, learning-rate schedules, and `minimize` for both kinds.
 *
 * They act on plain number vectors and know nothing of physics or of the tape: the
 * gradient comes from the caller, typically `valueAndGrad`.
 *
 * @example
 * import { valueAndGrad } from '../transforms.ts';
 * import { adam } from './index.ts';
 * const opt = adam({ lr: 0.01, clipNorm: 10 });
 * let x = [0, 0];
 * let state = opt.init(x);
 * for (let k = 0; k < 500; k++) {
 *   const { grad } = valueAndGrad(loss, x);
 *   ({ params: x, state } = opt.update(grad, state, x));
 * }
 */
export type { Bounds, Objective, Optimizer, ValueGrad, Vector } from './types.ts';
export { adam, type AdamOptions, type AdamState } from './adam.ts';
export { sgd, type SgdOptions, type SgdState } from './sgd.ts';
export type { FirstOrderOptions } from './first-order.ts';
export { clipByGlobalNorm } from './clip.ts';
export { project, projectedGradient } from './bounds.ts';
export { cosineDecay, exponentialDecay, type Schedule } from './schedule.ts';
export {
  lbfgs,
  LbfgsSolver,
  type LbfgsOptions,
  type LbfgsResult,
  type MinimizeResult,
  type HistoryEntry,
  type StopReason,
} from './lbfgs.ts';
export type { LineSearchKind, LineSearchOptions } from './line-search.ts';
export { minimize, runOptimizer, type MinimizeOptions, type FirstOrderRunOptions } from './minimize.ts';
