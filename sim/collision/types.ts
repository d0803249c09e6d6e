/**
 * What collision detection reads from the model: the narrow interface that the real
 * `Model` (sim/model.ts) satisfies structurally, so tests and tools can build a minimal
 * input by hand.
 */
import type { Contacts } from './contacts.ts';

/**
 * Geometry of `nbody` bodies, one shape per body.
 *
 * @example
 * // a unit sphere above the ground plane z = 0
 * const input: CollisionInput = {
 *   nbody: 2,
 *   geomType: Uint8Array.of(ShapeType.plane, ShapeType.sphere),
 *   geomSize: Float64Array.of(0, 0, 1, 0, 1, 0, 0, 0),
 *   bodyStatic: Uint8Array.of(1, 0),
 * };
 */
export interface CollisionInput {
  /** number of bodies */
  readonly nbody: number;
  /** (nbody) shape type of each body, a `ShapeType` code */
  readonly geomType: Uint8Array;
  /**
   * (nbody×4) shape sizes, metres: each shape's size fields in its row's order, then zeros
   * (sim/shapes/<shape>.ts): sphere `[r, 0, 0, 0]`; box `[hx, hy, hz, 0]` (half extents);
   * capsule and cylinder `[r, halfLength, 0, 0]` (axis = body z); plane `[nx, ny, nz,
   * offset]`, unit normal, solid half-space n·p ≤ offset in world coordinates (a plane
   * ignores its body pose).
   */
  readonly geomSize: Float64Array;
  /** (nbody) 1 for a static body: static–static pairs are never tested */
  readonly bodyStatic: Uint8Array;
}

/**
 * A narrowphase function: test bodies `a` and `b` (shape types fixed by the function's
 * name, in that order) and append their contacts to `out`; returns how many it wrote.
 * `bodyQ` is `State.bodyQ` (nbody×7: centre of mass, then the quaternion w, x, y, z).
 * Contacts are generated while the surfaces are within `margin` metres (dist ≤ margin).
 */
export type CollideFn = (
  input: CollisionInput,
  bodyQ: Float64Array,
  a: number,
  b: number,
  margin: number,
  out: Contacts,
) => number;
