/**
 * Gradient clipping by global norm: rescale g so ‖g‖₂ ≤ maxNorm, keeping its direction.
 * With one flat parameter vector the "global" norm is its Euclidean norm; the name
 * follows optax, where it is the norm over every leaf of a parameter tree.
 */
import type { Vector } from './types.ts';
import { assertFinite, norm2 } from './vector.ts';

/**
 * Returns `g · min(1, maxNorm / ‖g‖₂)` as a new array; `g` itself is left untouched.
 *
 * Clipping caps the size of a gradient-descent step (`lr · maxNorm`) and stops a single
 * huge gradient, e.g. from a stiff contact, from swamping Adam's moment estimates.
 *
 * @example
 * clipByGlobalNorm([3, 4], 1); // [0.6, 0.8]
 */
export function clipByGlobalNorm(g: Vector, maxNorm: number): number[] {
  if (!(maxNorm > 0) || maxNorm === Infinity) {
    throw new RangeError(`clipByGlobalNorm: maxNorm must be a positive finite number, got ${maxNorm}`);
  }
  assertFinite(g, 'clipByGlobalNorm: gradient');
  const n = norm2(g);
  if (n <= maxNorm) return g.slice();
  const scale = maxNorm / n;
  return g.map((gi) => gi * scale);
}
