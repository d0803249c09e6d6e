/**
 * Volumes and principal moments of inertia of the solid shapes, about their centre of
 * mass in the body frame (SI: m³, kg·m²). Every shape here is symmetric about the body
 * axes, so the inertia tensor is diagonal there and three moments describe it.
 *
 * Sizes follow `Model.geomSize`: sphere `[r]`, box `[hx, hy, hz]` (half extents), capsule
 * `[r, halfLength]` with its axis along body z, cylinder `[r, halfLength]` (axis body z, flat caps at ±halfLength). A plane has no finite volume or inertia.
 */
import { add, div, mul, sub } from '../ad/ops.ts';
import type { Real } from '../ad/tape.ts';
import { ShapeType, SHAPE_NAMES } from './shapes.ts';

/** The solid shapes (every shape but the plane). */
export type SolidShapeName = 'sphere' | 'box' | 'capsule' | 'cylinder';

/**
 * Volume (m³) of a solid shape from its `geomSize` row (`[r]`, `[hx, hy, hz]` or
 * `[r, halfLength]`), with ad ops: numbers in, a number out; traced Reals in (a size
 * being differentiated, sim/gradient.ts), a traced Real out. The one place the volume
 * formulas are written.
 */
export function solidVolume(type: SolidShapeName, size: readonly Real[]): Real {
  // 4/3 π r³
  const ball = (r: Real) => mul(mul(mul((4 / 3) * Math.PI, r), r), r);
  if (type === 'sphere') return ball(size[0]);
  // 8 hx hy hz
  if (type === 'box') return mul(mul(mul(8, size[0]), size[1]), size[2]);
  const [r, h] = size;
  // a cylinder of radius r and length 2·halfLength: 2π r² halfLength
  if (type === 'cylinder') return mul(mul(mul(mul(Math.PI, r), r), 2), h);
  // a capsule: that cylinder plus a sphere of radius r
  return add(solidVolume('cylinder', size), ball(r));
}

/**
 * Principal moments (body frame, kg·m²) of a solid shape of mass `m` from its `geomSize`
 * row, with ad ops (numbers in, numbers out). The one place the inertia formulas are
 * written:
 *
 * - sphere: 2/5 m r² about every axis;
 * - box with half extents hx, hy, hz: Ixx = m/3 (hy² + hz²), and cyclically (the
 *   m/12 (b² + c²) of full side lengths b, c);
 * - capsule of radius r, axis along z, hemisphere centres at z = ±h: the standard
 *   decomposition (B. Lovrovic, "Capsule Inertia Tensor", GameDev.net, 2015,
 *   https://www.gamedev.net/articles/programming/math-and-physics/capsule-inertia-tensor-r3856/).
 *   The mass splits by volume into a cylinder `mc` (length H = 2h) and two hemispheres of
 *   total mass `ms`. Each hemisphere's centre of mass sits 3r/8 from its flat face, where
 *   its own transverse moment is 83/320 (ms/2) r²; shifting it by h + 3r/8 (parallel-axis
 *   rule) and summing both gives ms (2/5 r² + h² + 3/4 h r) (= 2·mh(2r²/5 + H²/4 + 3Hr/8)
 *   in the article's notation). So
 *     Izz = mc r²/2 + ms 2r²/5,
 *     Ixx = Iyy = mc (r²/4 + H²/12) + ms (2r²/5 + h² + 3hr/4).
 */
export function principalMoments(type: SolidShapeName, m: Real, size: readonly Real[]): [Real, Real, Real] {
  if (type === 'sphere') {
    const r = size[0];
    const i = mul(mul(mul(0.4, m), r), r);
    return [i, i, i];
  }
  if (type === 'box') {
    const [x2, y2, z2] = [0, 1, 2].map((k) => mul(size[k], size[k]));
    const third = div(m, 3);
    return [mul(third, add(y2, z2)), mul(third, add(x2, z2)), mul(third, add(x2, y2))];
  }
  const [r, h] = size;
  if (type === 'cylinder') {
    // length H = 2h: Izz = m r²/2, Ixx = Iyy = m (r²/4 + H²/12)
    const r2 = mul(r, r);
    const transverse = mul(m, add(mul(0.25, r2), div(mul(mul(4, h), h), 12)));
    return [transverse, transverse, mul(mul(0.5, m), r2)];
  }
  // split the mass by volume; the common factor π r² cancels: cylinder 2h, sphere 4r/3
  const cylinderShare = div(mul(2, h), add(mul(2, h), mul(4 / 3, r)));
  const mc = mul(m, cylinderShare);
  const ms = sub(m, mc);
  const r2 = mul(r, r);
  const axial = add(mul(mul(0.5, mc), r2), mul(mul(0.4, ms), r2));
  const transverse = add(
    mul(mc, add(mul(0.25, r2), div(mul(mul(4, h), h), 12))),
    mul(ms, add(add(mul(0.4, r2), mul(h, h)), mul(mul(0.75, h), r))),
  );
  return [transverse, transverse, axial];
}

/** Write plain moments into `out[0..2]`. */
function writeMoments<Out extends Float64Array | number[]>(moments: readonly Real[], out: Out): Out {
  for (let k = 0; k < 3; k++) out[k] = moments[k] as number;
  return out;
}

/** Volume of a solid sphere of radius `r` (m³): 4/3 π r³. */
export function sphereVolume(r: number): number {
  return solidVolume('sphere', [r]) as number;
}

/** Volume of a solid box with half extents `hx, hy, hz` (m³): 8 hx hy hz. */
export function boxVolume(hx: number, hy: number, hz: number): number {
  return solidVolume('box', [hx, hy, hz]) as number;
}

/** Volume of a solid capsule (m³): a cylinder of radius `r`, length 2·`halfLength`, plus a sphere of radius `r`. */
export function capsuleVolume(r: number, halfLength: number): number {
  return solidVolume('capsule', [r, halfLength]) as number;
}

/** Volume of a solid cylinder of radius `r` and length 2·`halfLength` (m³): 2π r² halfLength ({@link solidVolume}). */
export function cylinderVolume(r: number, halfLength: number): number {
  return solidVolume('cylinder', [r, halfLength]) as number;
}

/** Principal moments of a solid cylinder of mass `m`, radius `r`, axis along z ({@link principalMoments}). Writes `out[0..2]`. */
export function cylinderInertia<Out extends Float64Array | number[]>(
  m: number,
  r: number,
  halfLength: number,
  out: Out,
): Out {
  return writeMoments(principalMoments('cylinder', m, [r, halfLength]), out);
}

/** Principal moments of a solid sphere of mass `m` (kg), radius `r` (m): 2/5 m r² about every axis. Writes `out[0..2]`. */
export function sphereInertia<Out extends Float64Array | number[]>(m: number, r: number, out: Out): Out {
  return writeMoments(principalMoments('sphere', m, [r]), out);
}

/** Principal moments of a solid box of mass `m` with half extents `hx, hy, hz` ({@link principalMoments}). Writes `out[0..2]`. */
export function boxInertia<Out extends Float64Array | number[]>(
  m: number,
  hx: number,
  hy: number,
  hz: number,
  out: Out,
): Out {
  return writeMoments(principalMoments('box', m, [hx, hy, hz]), out);
}

/**
 * Principal moments of a solid capsule of mass `m`, radius `r`, axis along z, with the
 * hemisphere centres at z = ±`halfLength` ({@link principalMoments}). Writes `out[0..2]`.
 */
export function capsuleInertia<Out extends Float64Array | number[]>(
  m: number,
  r: number,
  halfLength: number,
  out: Out,
): Out {
  return writeMoments(principalMoments('capsule', m, [r, halfLength]), out);
}

/**
 * Volume (m³) of a shape from its `ShapeType` code and `geomSize` entries at
 * `size[offset..offset+3]`. Throws for a plane.
 */
export function shapeVolume(type: number, size: ArrayLike<number>, offset = 0): number {
  switch (type) {
    case ShapeType.sphere:
      return sphereVolume(size[offset]);
    case ShapeType.box:
      return boxVolume(size[offset], size[offset + 1], size[offset + 2]);
    case ShapeType.capsule:
      return capsuleVolume(size[offset], size[offset + 1]);
    case ShapeType.cylinder:
      return cylinderVolume(size[offset], size[offset + 1]);
    default:
      throw new RangeError(`shapeVolume: a ${SHAPE_NAMES[type] ?? `shape of type ${type}`} has no finite volume`);
  }
}

/**
 * Principal moments (kg·m²) of a solid shape of mass `m` from its `ShapeType` code and `geomSize`
 * entries at `size[offset..]`; writes `out[outOffset..outOffset+2]`. Throws for a plane.
 *
 * @example
 * const I = shapeInertia(ShapeType.box, [0.25, 0.25, 0.25, 0], 1, new Float64Array(3));
 * // I = [1/24, 1/24, 1/24] (a 0.5 m cube of 1 kg: m s²/6)
 */
export function shapeInertia(
  type: number,
  size: ArrayLike<number>,
  m: number,
  out: Float64Array,
  offset = 0,
  outOffset = 0,
): Float64Array {
  const moments = new Float64Array(3);
  switch (type) {
    case ShapeType.sphere:
      sphereInertia(m, size[offset], moments);
      break;
    case ShapeType.box:
      boxInertia(m, size[offset], size[offset + 1], size[offset + 2], moments);
      break;
    case ShapeType.capsule:
      capsuleInertia(m, size[offset], size[offset + 1], moments);
      break;
    case ShapeType.cylinder:
      cylinderInertia(m, size[offset], size[offset + 1], moments);
      break;
    default:
      throw new RangeError(`shapeInertia: a ${SHAPE_NAMES[type] ?? `shape of type ${type}`} has no finite inertia`);
  }
  out[outOffset] = moments[0];
  out[outOffset + 1] = moments[1];
  out[outOffset + 2] = moments[2];
  return out;
}
