/**
 * Narrowphase dispatch: one function per unordered pair of shape types, held in an
 * upper-triangular table indexed by `ShapeType` codes (MuJoCo's `mjCOLLISIONFUNC`).
 */
import { ShapeType } from '../shapes.ts';
import type { Contacts } from './contacts.ts';
import type { CollideFn, CollisionInput } from './types.ts';
import { collidePlaneBox, collidePlaneCapsule, collidePlaneSphere } from './plane.ts';
import { collideSphereBox, collideSphereCapsule, collideSphereSphere } from './sphere.ts';
import { collideBoxCapsule } from './boxCapsule.ts';
import { collideBoxBox } from './boxBox.ts';
import { collideCapsuleCapsule } from './capsule.ts';

// the table below is written out for these codes
if (ShapeType.plane !== 0 || ShapeType.sphere !== 1 || ShapeType.box !== 2 || ShapeType.capsule !== 3) {
  throw new Error('collideTable is laid out for ShapeType codes plane 0, sphere 1, box 2, capsule 3');
}

/**
 * `collideTable[typeA][typeB]` for typeA ≤ typeB: the narrowphase for a body of type
 * typeA (as A) against one of typeB (as B); the lower triangle is empty.
 *
 * @example
 * const fn = collideTable[ShapeType.sphere][ShapeType.box];   // collideSphereBox
 */
export const collideTable: readonly (readonly (CollideFn | null)[])[] = Object.freeze([
  // rows A, columns B, in ShapeType order; null: no test (planes are static, never meet)
  //              plane  sphere               box                capsule
  /* plane   */ [null, collidePlaneSphere,  collidePlaneBox,   collidePlaneCapsule],
  /* sphere  */ [null, collideSphereSphere, collideSphereBox,  collideSphereCapsule],
  /* box     */ [null, null,                collideBoxBox,     collideBoxCapsule],
  /* capsule */ [null, null,                null,              collideCapsuleCapsule],
]);

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
export function collidePair(
  input: CollisionInput,
  bodyQ: Float64Array,
  a: number,
  b: number,
  margin: number,
  out: Contacts,
): number {
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
}
