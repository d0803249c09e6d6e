/**
 * Volumes and principal moments of inertia of the solid shapes, about their centre of
 * mass in the body frame (SI: m³, kg·m²), read from the shape table: each formula is
 * written once, in its shape's row (sim/shapes/<shape>.ts `solid.volume`, `solid.moments`).
 * Every shape is symmetric about the body axes, so the inertia tensor is diagonal there
 * and three moments describe it. A plane has no finite volume or inertia.
 */
import type { Real } from '../ad/tape.ts';
import { SHAPE_NAMES, shapeRow, type ShapeName } from './shapes.ts';
import type { SolidRow } from './shapes/row.ts';

/** The solid shapes (every shape but the plane). */
export type SolidShapeName = Exclude<ShapeName, 'plane'>;

function solidOf(type: number | ShapeName, caller: string, what: string): SolidRow {
  const solid = shapeRow(type).solid;
  if (solid === null) {
    const name = typeof type === 'number' ? (SHAPE_NAMES[type] ?? `shape of type ${type}`) : type;
    throw new RangeError(`${caller}: a ${name} has no finite ${what}`);
  }
  return solid;
}

/**
 * Volume (m³) of a solid shape from its size vector (`geomSize` order: `[r]`, `[hx, hy, hz]`
 * or `[r, halfLength]`), with ad ops: numbers in, a number out; traced Reals in (a size
 * being differentiated, sim/param-inputs.ts), a traced Real out.
 */
export function solidVolume(type: SolidShapeName, size: readonly Real[]): Real {
  return solidOf(type, 'solidVolume', 'volume').volume(size);
}

/** Principal moments (body frame, kg·m²) of a solid shape of mass `m` from its size vector, with ad ops. */
export function principalMoments(type: SolidShapeName, m: Real, size: readonly Real[]): [Real, Real, Real] {
  return solidOf(type, 'principalMoments', 'inertia').moments(m, size);
}

/** The row's size vector at `size[offset..]`. */
function sizeAt(type: number, size: ArrayLike<number>, offset: number): number[] {
  const width = shapeRow(type).sizeFields.reduce((sum, f) => sum + f.width, 0);
  return Array.from({ length: width }, (_, k) => size[offset + k]);
}

/**
 * Volume (m³) of a shape from its `ShapeType` code and `geomSize` entries at
 * `size[offset..]`. Throws for a plane.
 */
export function shapeVolume(type: number, size: ArrayLike<number>, offset = 0): number {
  return solidOf(type, 'shapeVolume', 'volume').volume(sizeAt(type, size, offset)) as number;
}

/**
 * Principal moments (kg·m²) of a solid shape of mass `m` from its `ShapeType` code and `geomSize`
 * entries at `size[offset..]`; writes `out[outOffset..outOffset+2]`. Throws for a plane.
 *
 * @example
 * const I = shapeInertia(ShapeType.box, [0.25, 0.25, 0.25, 0], 1, new Float64Array(3));
 * // I = [1/24, 1/24, 1/24] (a 0.5 m cube of 1 kg: m s²/6)
 */
export function shapeInertia<Out extends Float64Array | number[]>(
  type: number,
  size: ArrayLike<number>,
  m: number,
  out: Out,
  offset = 0,
  outOffset = 0,
): Out {
  const moments = solidOf(type, 'shapeInertia', 'inertia').moments(m, sizeAt(type, size, offset));
  for (let k = 0; k < 3; k++) out[outOffset + k] = moments[k] as number;
  return out;
}
