/**
 * Space-filling starting points for a multi-start search: a randomized Latin hypercube
 * (McKay, Beckman & Conover 1979) in a box. Each coordinate's range is cut into n equal
 * strata and every stratum holds exactly one of the n points, at a uniform position inside
 * it; the strata are matched across coordinates by independent random permutations. So n
 * starts cover every coordinate's whole range evenly (unlike n uniform draws, which leave
 * gaps and clumps), and the same seeded stream (ad/random.ts) gives the same starts.
 */
import type { Rng } from '../random.ts';
import type { Bounds } from './types.ts';

/**
 * `n` points of a randomized Latin hypercube in the box `bounds` (every side finite).
 *
 * @example
 * const starts = latinHypercube(16, { lower: [-5, 0], upper: [5, 10] }, seededRng(1));
 */
export function latinHypercube(n: number, bounds: Bounds, rng: Rng): number[][] {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`latinHypercube: n must be an integer ≥ 1, got ${n}`);
  const dims = bounds.lower.length;
  for (let j = 0; j < dims; j++) {
    const lo = bounds.lower[j];
    const hi = bounds.upper[j];
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi))
      throw new RangeError(`latinHypercube: coordinate ${j} needs a finite range, got [${lo}, ${hi}]`);
  }
  const points = Array.from({ length: n }, () => new Array<number>(dims));
  for (let j = 0; j < dims; j++) {
    const strata = permutation(n, rng);
    const lo = bounds.lower[j];
    const width = bounds.upper[j] - lo;
    for (let i = 0; i < n; i++) points[i][j] = lo + (width * (strata[i] + rng.uniform())) / n;
  }
  return points;
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(rng.uniform() * (i + 1));
    [p[i], p[k]] = [p[k], p[i]];
  }
  return p;
}
