/**
 * The front door of diffcontact's AD core.
 *
 * @example
 * import * as ad from './ad/index.ts';
 * const { value, grad, kinks } = ad.valueAndGrad(([x, y]) => ad.max(ad.mul(x, y), 0), [1, 2]);
 */
export { Var, NonFiniteError, withLabel, type Real, type Kink } from './tape.ts';
export {
  valueAndGrad,
  grad,
  jvp,
  vjp,
  jacrev,
  jacfwd,
  DEFAULT_KINK_TOL,
  type ValueAndGrad,
  type JvpResult,
  type VjpResult,
  type TraceOptions,
} from './transforms.ts';
export {
  value,
  values,
  add,
  sub,
  mul,
  div,
  neg,
  square,
  exp,
  log,
  log1p,
  sqrt,
  pow,
  sin,
  cos,
  tan,
  tanh,
  asin,
  acos,
  atan,
  atan2,
  hypot,
  sum,
} from './ops.ts';
export { abs, relu, max, min, clamp, sign, step, floor, round, where, type KinkOptions } from './nonsmooth.ts';
export { customVjp, type PrimitiveRule, type KinkSink } from './primitive.ts';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.ts';
