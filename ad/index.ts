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
export {
  ste,
  softplus,
  sigmoid,
  smoothMax,
  smoothMin,
  smoothAbs,
  softClamp,
  softmax,
  softRank,
  softTopK,
  softPermutation,
  softSort,
  gumbelSoftmax,
  type GumbelOptions,
} from './relax.ts';
export { argmax, topk, gather, stopGradient, type SelectOptions } from './select.ts';
export {
  dot,
  cross,
  norm,
  normalize,
  scale,
  addVec,
  subVec,
  quatMul,
  quatConj,
  quatRotate,
  quatNormalize,
  type NormOptions,
} from './vec.ts';
export { seededRng, Xoshiro128StarStar, type Rng } from './random.ts';
export {
  customRoot,
  customFixedPoint,
  rootVjp,
  rootJvp,
  solveGmres,
  solveCg,
  ImplicitDiffError,
  DEFAULT_MAX_COND,
  DEFAULT_RESIDUAL_TOL,
  DEFAULT_LINEAR_TOL,
  type CustomRootOptions,
  type RootDiffOptions,
  type ConditioningOptions,
  type RootJacobians,
  type RootVjpCallbacks,
  type RootJvpCallbacks,
  type AdjointSolution,
  type TangentSolution,
  type LinearSolve,
  type IterativeSolveOptions,
  type ImplicitDiffErrorKind,
  type MatrixLike,
} from './implicit.ts';
export {
  checkpointedScan,
  CheckpointCaptureError,
  type ScanStep,
  type CheckpointOptions,
  type CheckpointStats,
} from './checkpoint.ts';
export * as optim from './optim/index.ts';
