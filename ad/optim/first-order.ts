/**
 * What every first-order optimizer here shares: argument checks, optional gradient
 * clipping before the update, optional projection onto box bounds after it.
 *
 * Composition is by options (`clipNorm`, `bounds`) rather than an optax-style `chain`: the
 * order is fixed (clip, then the method's step, then project), which is the only order that
 * makes sense for these two, and a call site stays one line.
 */
import { checkBounds, project } from './bounds.ts';
import { clipByGlobalNorm } from './clip.ts';
import type { Bounds, Vector } from './types.ts';
import { assertFinite, assertLength } from './vector.ts';

/** Options every first-order optimizer accepts. */
export interface FirstOrderOptions {
  /** clip each gradient to this Euclidean norm before it is used (default: no clipping) */
  clipNorm?: number;
  /** keep the parameters in this box by projecting after each update (default: unbounded) */
  bounds?: Bounds;
}

/** Checks the starting parameters (finite, fitting the bounds) for `init`. */
export function checkInit(name: string, params: Vector, opts: FirstOrderOptions): void {
  assertFinite(params, `${name}.init: params`);
  if (opts.bounds) checkBounds(opts.bounds, params.length);
}

/** Checks `update`'s arguments and returns the gradient to use (clipped if asked). */
export function prepareGradient(
  name: string,
  grad: Vector,
  params: Vector,
  stateLength: number,
  opts: FirstOrderOptions,
): Vector {
  assertLength(params, stateLength, `${name}.update: params`);
  assertLength(grad, stateLength, `${name}.update: grad`);
  assertFinite(grad, `${name}.update: grad`);
  return opts.clipNorm === undefined ? grad : clipByGlobalNorm(grad, opts.clipNorm);
}

/** Projects onto the bounds if there are any; `x` is a fresh array the caller owns. */
export function applyBounds(x: number[], bounds: Bounds | undefined): number[] {
  return bounds ? project(x, bounds) : x;
}
