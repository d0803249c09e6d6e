/**
 * The shape-pair table: every pair of shape types that can touch, one row each (row.ts),
 * laid out as an upper-triangular matrix indexed by `ShapeType` codes (MuJoCo's
 * `mjCOLLISIONFUNC`). The narrowphase (sim/collision/dispatch.ts), the differentiable
 * contact geometry (sim/contact/geometry.ts) and its fast adjoint all dispatch through
 * it, so a pair's narrowphase, feature count, feature formula and adjoint are read from
 * one row and cannot disagree.
 *
 * A pair without a row cannot be simulated: `unsupportedPair` names it, and the model
 * builder refuses a scene in which two such bodies could meet (planes never meet planes).
 */
import type { FastGeometryAdjoint } from '../contact/geometry-fast.ts';
import { UnsupportedGradientError } from '../contact/geometry-features.ts';
import { FEATURE_INPUTS, type DecisionSink } from '../contact/geometry-shared.ts';
import type { Real } from '../../ad/tape.ts';
import { SHAPE_NAMES, SHAPE_TYPE_COUNT, ShapeType } from '../shapes.ts';
import { boxBox } from './box-box.ts';
import { boxCapsule } from './box-capsule.ts';
import { capsuleCapsule } from './capsule-capsule.ts';
import { planeBox } from './plane-box.ts';
import { planeCapsule } from './plane-capsule.ts';
import { planeCylinder } from './plane-cylinder.ts';
import { planeSphere } from './plane-sphere.ts';
import type { ShapePair } from './row.ts';
import { sphereBox } from './sphere-box.ts';
import { sphereCapsule } from './sphere-capsule.ts';
import { sphereCylinder } from './sphere-cylinder.ts';
import { sphereSphere } from './sphere-sphere.ts';

export type { ShapePair } from './row.ts';

/** Every pair the simulator supports (order does not matter: the table is built from the codes). */
export const SHAPE_PAIRS: readonly ShapePair[] = Object.freeze([
  planeSphere,
  planeBox,
  planeCapsule,
  sphereSphere,
  sphereBox,
  sphereCapsule,
  boxBox,
  boxCapsule,
  capsuleCapsule,
  planeCylinder,
  sphereCylinder,
]);

/** `pairTable[typeA][typeB]` for typeA ≤ typeB: the pair's row, or null (no row). */
export const pairTable: readonly (readonly (ShapePair | null)[])[] = buildTable(SHAPE_PAIRS);

function buildTable(pairs: readonly ShapePair[]): (ShapePair | null)[][] {
  const table = Array.from({ length: SHAPE_TYPE_COUNT }, () =>
    new Array<ShapePair | null>(SHAPE_TYPE_COUNT).fill(null),
  );
  for (const row of pairs) {
    const a = ShapeType[row.a],
      b = ShapeType[row.b];
    if (a > b)
      throw new Error(`pair table: row ${row.a}–${row.b} is out of ShapeType order (write it as ${row.b}–${row.a})`);
    if (table[a][b] !== null) throw new Error(`pair table: two rows for ${row.a}–${row.b}`);
    if (!(Number.isInteger(row.features) && row.features > 0))
      throw new Error(`pair table: ${row.a}–${row.b} has ${row.features} features`);
    table[a][b] = row;
  }
  return table;
}

/**
 * The row of the pair of types `typeA`, `typeB` in either order (null: no row); `swapped`
 * tells whether the row's body A is the second argument.
 *
 * @example
 * pairOf(ShapeType.box, ShapeType.sphere); // the sphere–box row
 */
export function pairOf(typeA: number, typeB: number): ShapePair | null {
  return typeA <= typeB ? (pairTable[typeA]?.[typeB] ?? null) : (pairTable[typeB]?.[typeA] ?? null);
}

/**
 * Whether two bodies of these types could need a narrowphase the table lacks: both
 * planes never meet (static); any other pair without a row does. Returns the pair's
 * name (`'cylinder–box'`) or null.
 */
export function unsupportedPair(typeA: number, typeB: number): string | null {
  if (typeA === ShapeType.plane && typeB === ShapeType.plane) return null;
  if (pairOf(typeA, typeB) !== null) return null;
  const [lo, hi] = typeA <= typeB ? [typeA, typeB] : [typeB, typeA];
  return `${SHAPE_NAMES[lo] ?? `type ${lo}`}–${SHAPE_NAMES[hi] ?? `type ${hi}`}`;
}

/**
 * The row of types `typeA` ≤ `typeB` (table order), checking the feature id; throws
 * {@link UnsupportedGradientError} for a pair without a row, a RangeError for a feature
 * id the pair's narrowphase never writes.
 */
export function checkFeature(typeA: number, typeB: number, feature: number): ShapePair {
  const row = typeA <= typeB ? (pairTable[typeA]?.[typeB] ?? null) : null;
  if (row === null)
    throw new UnsupportedGradientError(SHAPE_NAMES[typeA] ?? `type ${typeA}`, SHAPE_NAMES[typeB] ?? `type ${typeB}`);
  if (!(Number.isInteger(feature) && feature >= 0 && feature < row.features)) {
    throw new RangeError(
      `contact geometry: feature id ${feature} is not one of the ${row.a}–${row.b} narrowphase's (0..${row.features - 1})`,
    );
  }
  return row;
}

/**
 * The geometry [dist, nx, ny, nz, px, py, pz] of the contact with feature id `feature`
 * between a body of type `typeA` (as A) and one of type `typeB` (as B), types in table
 * order, from the local inputs `x` (see `FEATURE_INPUTS`): the row's formula.
 *
 * @example
 * // a unit ball 0.5 m above the ground z = 0: dist −0.5, normal up, point (0, 0, −0.25)
 * const x = [0, 0, 0, 1, 0, 0, 0,  0, 0, 0.5, 1, 0, 0, 0,  0, 0, 1, 0,  1, 0, 0, 0];
 * featureGeometry(ShapeType.plane, ShapeType.sphere, 0, x, null);
 */
export function featureGeometry(
  typeA: number,
  typeB: number,
  feature: number,
  x: readonly Real[],
  sink: DecisionSink | null,
): Real[] {
  const row = checkFeature(typeA, typeB, feature);
  if (x.length !== FEATURE_INPUTS)
    throw new RangeError(`contact geometry: ${x.length} local inputs, expected ${FEATURE_INPUTS}`);
  return row.formula(feature, x, sink);
}

/**
 * The hand-written adjoint of the pair of types `typeA` ≤ `typeB` (its row's
 * `fastAdjoint`), or null; whether it covers a given feature and configuration is found
 * by running it (it returns false, touching nothing, where it does not).
 */
export function fastGeometryAdjoint(typeA: number, typeB: number): FastGeometryAdjoint | null {
  return typeA <= typeB ? (pairTable[typeA]?.[typeB]?.fastAdjoint ?? null) : null;
}
