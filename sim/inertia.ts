/**
 * Volumes and principal moments of inertia of the solid shapes, about their centre of
 * mass in the body frame (SI: m³, kg·m²). Every shape here is symmetric about the body
 * axes, so the inertia tensor is diagonal there and three moments describe it.
 *
 * Sizes follow `Model.geomSize`: sphere `[r]`, box `[hx, hy, hz]` (half extents), capsule
 * `[r, halfLength]` with its axis along body z, cylinder `[r, halfLength]` (axis body z, flat caps at ±halfLength). A plane has no finite volume or inertia.
 */
import { ShapeType, SHAPE_NAMES } from './shapes.ts';

// scratch so shapeInertia can write at an offset without allocating
const _moments = new Float64Array(3);

/** Volume of a solid sphere of radius `r` (m³): 4/3 π r³. */
export function sphereVolume(r: number): number {
  return (4 / 3) * Math.PI * r * r * r;
}

/** Volume of a solid box with half extents `hx, hy, hz` (m³): 8 hx hy hz. */
export function boxVolume(hx: number, hy: number, hz: number): number {
  return 8 * hx * hy * hz;
}

/** Volume of a solid capsule (m³): a cylinder of radius `r`, length 2·`halfLength`, plus a sphere of radius `r`. */
export function capsuleVolume(r: number, halfLength: number): number {
  return Math.PI * r * r * 2 * halfLength + sphereVolume(r);
}

/** Volume of a solid cylinder of radius `r` and length 2·`halfLength` (m³): 2π r² halfLength. */
export function cylinderVolume(r: number, halfLength: number): number {
  return Math.PI * r * r * 2 * halfLength;
}

/**
 * Principal moments of a solid cylinder of mass `m`, radius `r`, length H = 2·`halfLength`,
 * axis along z: Izz = m r²/2, Ixx = Iyy = m (r²/4 + H²/12). Writes `out[0..2]`.
 */
export function cylinderInertia<Out extends Float64Array | number[]>(m: number, r: number, halfLength: number, out: Out): Out {
  const r2 = r * r, length = 2 * halfLength;
  out[0] = m * (0.25 * r2 + (length * length) / 12);
  out[1] = out[0];
  out[2] = 0.5 * m * r2;
  return out;
}

/** Principal moments of a solid sphere of mass `m` (kg), radius `r` (m): 2/5 m r² about every axis. Writes `out[0..2]`. */
export function sphereInertia<Out extends Float64Array | number[]>(m: number, r: number, out: Out): Out {
  const i = 0.4 * m * r * r;
  out[0] = i;
  out[1] = i;
  out[2] = i;
  return out;
}

/**
 * Principal moments of a solid box of mass `m` with half extents `hx, hy, hz`:
 * Ixx = m/3 (hy² + hz²), and cyclically (the m/12 (b² + c²) of full side lengths b, c).
 * Writes `out[0..2]`.
 */
export function boxInertia<Out extends Float64Array | number[]>(
  m: number,
  hx: number,
  hy: number,
  hz: number,
  out: Out,
): Out {
  const x2 = hx * hx;
  const y2 = hy * hy;
  const z2 = hz * hz;
  out[0] = (m / 3) * (y2 + z2);
  out[1] = (m / 3) * (x2 + z2);
  out[2] = (m / 3) * (x2 + y2);
  return out;
}

/**
 * Principal moments of a solid capsule of mass `m`, radius `r`, axis along z, with the
 * hemisphere centres at z = ±`halfLength` (h). Writes `out[0..2]`.
 *
 * Standard decomposition (B. Lovrovic, "Capsule Inertia Tensor", GameDev.net, 2015,
 * https://www.gamedev.net/articles/programming/math-and-physics/capsule-inertia-tensor-r3856/):
 * the mass splits by volume into a cylinder `mc` (length H = 2h) and two hemispheres of
 * total mass `ms`. Each hemisphere's centre of mass sits 3r/8 from its flat face, where its
 * own transverse moment is 83/320 (ms/2) r²; shifting it by h + 3r/8 (parallel-axis rule)
 * and summing both gives ms (2/5 r² + h² + 3/4 h r) (= 2·mh(2r²/5 + H²/4 + 3Hr/8) in the
 * article's notation). So
 *   Izz = mc r²/2 + ms 2r²/5,
 *   Ixx = Iyy = mc (r²/4 + H²/12) + ms (2r²/5 + h² + 3hr/4).
 */
export function capsuleInertia<Out extends Float64Array | number[]>(
  m: number,
  r: number,
  halfLength: number,
  out: Out,
): Out {
  const h = halfLength;
  // split the mass by volume; the common factor π r² cancels: cylinder 2h, sphere 4r/3
  const cylinderShare = (2 * h) / (2 * h + (4 / 3) * r);
  const mc = m * cylinderShare;
  const ms = m - mc;
  const r2 = r * r;
  const axial = 0.5 * mc * r2 + 0.4 * ms * r2;
  const transverse = mc * (0.25 * r2 + (4 * h * h) / 12) + ms * (0.4 * r2 + h * h + 0.75 * h * r);
  out[0] = transverse;
  out[1] = transverse;
  out[2] = axial;
  return out;
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
  const moments = _moments;
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
