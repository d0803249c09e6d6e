/**
 * Shared shapes of the optimizers: parameter vectors, objectives, box bounds, and the
 * pure `{ init, update }` contract of the first-order methods.
 */

/** A parameter or gradient vector. Optimizers read it and never write to it. */
export type Vector = readonly number[];

/** An objective's value and gradient at one point, e.g. the result of `valueAndGrad`. */
export interface ValueGrad {
  value: number;
  grad: readonly number[];
}

/**
 * An objective as the optimizers call it: x -> { value, grad }.
 * `(x) => valueAndGrad(f, x)` is one; so is any hand-written function.
 */
export type Objective = (x: number[]) => ValueGrad;

/**
 * A box `lower ≤ x ≤ upper`, componentwise. Either side may be ±Infinity for a free
 * component; `lower[i] ≤ upper[i]` is required.
 */
export interface Bounds {
  lower: Vector;
  upper: Vector;
}

/**
 * A first-order optimizer as a pure pair (the optax `GradientTransformation` shape, with
 * the parameter update applied): `update` returns new parameters and a new state and never
 * mutates its arguments, so an optimisation can be replayed, forked or undone.
 */
export interface Optimizer<S> {
  init(params: Vector): S;
  update(grad: Vector, state: S, params: Vector): { params: number[]; state: S };
}
