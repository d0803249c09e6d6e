/**
 * One row of the shape-pair table: everything the simulator knows about one unordered
 * pair of shape types, in one place. Adding a pair is writing one row (one file in this
 * folder) and listing it in table.ts; nothing else dispatches on a pair of types.
 */
import type { CollideFn } from '../collision/types.ts';
import type { FastGeometryAdjoint } from '../contact/geometry-fast.ts';
import type { FeatureFormula } from '../contact/geometry-features.ts';
import type { FastGeometryTangent } from '../contact/geometry-tangent-fast.ts';
import type { ShapeName } from '../shapes.ts';

/**
 * A pair of shape types, `a` ≤ `b` in `ShapeType` order (the table's order: the
 * narrowphase, the formula and the adjoint all take the body of type `a` as body A).
 *
 * @example
 * const planeSphere: ShapePair = {
 *   a: 'plane', b: 'sphere', features: 1, choosesFeatures: false,
 *   collide: collidePlaneSphere, formula: planeSphereFeature,
 *   fastAdjoint: planeSphereAdjoint, fastTangent: planeSphereTangent,
 * };
 */
export interface ShapePair {
  /** shape type of body A */
  readonly a: ShapeName;
  /** shape type of body B (`ShapeType[a] ≤ ShapeType[b]`) */
  readonly b: ShapeName;
  /** the narrowphase: appends the contacts of bodies A and B, normal from A to B */
  readonly collide: CollideFn;
  /** how many feature ids the narrowphase writes into `Contacts.pair` (0 .. features − 1) */
  readonly features: number;
  /**
   * the differentiable geometry (dist, normal, point) of one feature, written with ad ops
   * so that on plain numbers it repeats the narrowphase's arithmetic (sim/contact/geometry.ts)
   */
  readonly formula: FeatureFormula;
  /**
   * hand-written reverse mode of the formula for the common features (allocation-free),
   * or null: the nested-AD formula is then the adjoint (exact, ~10 µs per contact)
   */
  readonly fastAdjoint: FastGeometryAdjoint | null;
  /**
   * hand-written forward mode of the formula (allocation-free, straight into the tangent
   * block), or null: the Jacobian of the adjoint is then applied (geometry-tangent.ts)
   */
  readonly fastTangent: FastGeometryTangent | null;
  /**
   * whether the formula makes a feature choice with a margin (reports decisions to its
   * sink: segment clamps, box regions, separating axes): the validity log then evaluates
   * the pair's contacts for their feature decisions (sim/validity/features.ts)
   */
  readonly choosesFeatures: boolean;
}
