/**
 * Box bounds: projection onto `lower ≤ x ≤ upper` and the projected gradient, the
 * first-order optimality measure of a box-constrained problem.
 */
import type { Bounds, Vector } from './types.ts';
import { assertLength } from './vector.ts';

/** Throws unless `bounds` fits `n` parameters, has no NaN and `lower ≤ upper` everywhere. */
export function checkBounds(bounds: Bounds, n: number): void {
  assertLength(bounds.lower, n, 'bounds.lower');
  assertLength(bounds.upper, n, 'bounds.upper');
  for (let i = 0; i < n; i++) {
    const lo = bounds.lower[i];
    const hi = bounds.upper[i];
    // NaN fails the comparison too, so it lands here
    if (!(lo <= hi)) throw new RangeError(`bounds: lower[${i}] = ${lo} is not ≤ upper[${i}] = ${hi}`);
  }
}

/**
 * Euclidean projection onto the box: each component clamped to `[lower[i], upper[i]]`.
 * Returns a new array.
 *
 * @example
 * project([-1, 0.5, 7], { lower: [0, 0, 0], upper: [1, 1, 1] }); // [0, 0.5, 1]
 */
export function project(x: Vector, bounds: Bounds): number[] {
  const out = new Array<number>(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(Math.max(x[i], bounds.lower[i]), bounds.upper[i]);
  return out;
}

/**
 * The projected gradient `x − P(x − g)`: equal to g for interior components, and zero for
 * a component at a bound whose gradient pushes it outward. It vanishes exactly at the
 * first-order (KKT) points of min f over the box, so its norm is the stopping measure.
 * Without bounds it is g itself.
 */
export function projectedGradient(x: Vector, g: Vector, bounds?: Bounds): number[] {
  if (!bounds) return g.slice();
  const out = new Array<number>(x.length);
  for (let i = 0; i < x.length; i++) {
    out[i] = x[i] - Math.min(Math.max(x[i] - g[i], bounds.lower[i]), bounds.upper[i]);
  }
  return out;
}
