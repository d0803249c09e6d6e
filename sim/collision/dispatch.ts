/**
 * Narrowphase dispatch: one function per unordered pair of shape types, the `collide` of
 * the pair's row in the pair table (sim/pairs/table.ts).
 */
import { pairTable } from '../pairs/table.ts';
import type { CollideFn } from './types.ts';

/**
 * `collideTable[typeA][typeB]` for typeA ≤ typeB: the narrowphase for a body of type
 * typeA (as A) against one of typeB (as B), read from the pair table (sim/pairs/); null
 * where there is no row (planes never meet planes) and in the lower triangle.
 *
 * @example
 * const fn = collideTable[ShapeType.sphere][ShapeType.box];   // collideSphereBox
 */
export const collideTable: readonly (readonly (CollideFn | null)[])[] = Object.freeze(
  pairTable.map((row, a) => Object.freeze(row.map((pair, b) => (b >= a && pair !== null ? pair.collide : null)))),
);

/**
 * Narrowphase of bodies `a` and `b` in either type order: contacts go to `out` with
 * body A = `a`, body B = `b` and normals from a to b. A pair whose table entry is below
 * the diagonal (type of a > type of b) runs the entry for (b, a), then swaps the bodies
 * and flips the normals of what it wrote; distances and points are symmetric. Returns the
 * number of contacts written.
 *
 * @example
 * const n = collidePair(model, state.bodyQ, box, ball, 0.01, contacts); // runs collideSphereBox(ball, box)
 */
export const collidePair: CollideFn = (input, bodyQ, a, b, margin, out) => {
  const typeA = input.geomType[a];
  const typeB = input.geomType[b];
  if (typeA <= typeB) {
    const fn = collideTable[typeA][typeB];
    return fn === null ? 0 : fn(input, bodyQ, a, b, margin, out);
  }
  const fn = collideTable[typeB][typeA];
  if (fn === null) return 0;
  const first = out.count;
  const written = fn(input, bodyQ, b, a, margin, out);
  for (let k = first; k < out.count; k++) {
    out.bodyA[k] = a;
    out.bodyB[k] = b;
    out.normal[3 * k] = -out.normal[3 * k];
    out.normal[3 * k + 1] = -out.normal[3 * k + 1];
    out.normal[3 * k + 2] = -out.normal[3 * k + 2];
  }
  return written;
};
