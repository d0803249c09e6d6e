/**
 * Volumes and principal moments of inertia of the solid shapes, about their centre of
 * mass in the body frame (SI: m³, kg·m²), read from the shape table: each formula is
 * written once, in its shape's row (sim/shapes/<shape>.ts `solid.volume`, `solid.moments`).
 * Every shape is symmetric about the body axes, so the inertia tensor is diagonal there
 * and three moments describe it. A plane has no finite volume or inertia.
 */
import { SHAPE_NAMES, shapeRow } from './shapes.ts';
import { sizeWidth, type SolidRow } from './shapes/table.ts';

function solidOf(type: number, caller: string, what: string): SolidRow {
  const solid = shapeRow(type).solid;
  if (solid === null)
    throw new RangeError(`${caller}: a ${SHAPE_NAMES[type] ?? `shape of type ${type}`} has no finite ${what}`);
  return solid;
}

/** The row's size vector at `size[offset..]`. */
function sizeAt(type: number, size: ArrayLike<number>, offset: number): number[] {
  return Array.from({ length: sizeWidth(shapeRow(type)) }, (_, k) => size[offset + k]);
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
