/**
 * Plain 3×3 rotation-matrix kernels, gl-matrix style (caller-owned `out`, returned, no
 * allocation). Matrices are `Float64Array(9)` in column-major order, as in gl-matrix:
 * column k (`m[3k]`, `m[3k+1]`, `m[3k+2]`) is the body's k-th axis in world coordinates,
 * so `world = m · local`.
 */
import type { Vec3 } from './vec3.ts';

/** A 3×3 matrix: `Float64Array(9)`, column-major. */
export type Mat3 = Float64Array;

/**
 * Rotation matrix of the quaternion (w, x, y, z) stored at `q[qOff..qOff+3]`.
 *
 * The quaternion need not be exactly unit: the formula divides by |q|², so a quaternion
 * that drifted by rounding still gives a rotation (the zero quaternion gives NaNs).
 *
 * @example
 * // orientation of body i from State.bodyQ (position first, then w, x, y, z)
 * mat3FromQuat(rot, state.bodyQ, 7 * i + 3);
 */
export function mat3FromQuat(out: Mat3, q: Float64Array, qOff: number): Mat3 {
  const w = q[qOff],
    x = q[qOff + 1],
    y = q[qOff + 2],
    z = q[qOff + 3];
  const s = 2 / (w * w + x * x + y * y + z * z);
  const xs = x * s,
    ys = y * s,
    zs = z * s;
  const wx = w * xs,
    wy = w * ys,
    wz = w * zs;
  const xx = x * xs,
    xy = x * ys,
    xz = x * zs;
  const yy = y * ys,
    yz = y * zs,
    zz = z * zs;
  out[0] = 1 - yy - zz;
  out[1] = xy + wz;
  out[2] = xz - wy;
  out[3] = xy - wz;
  out[4] = 1 - xx - zz;
  out[5] = yz + wx;
  out[6] = xz + wy;
  out[7] = yz - wx;
  out[8] = 1 - xx - yy;
  return out;
}

/** out = m · v (local to world for a rotation). */
export function mat3MulVec3(out: Vec3, m: Mat3, v: Vec3): Vec3 {
  const x = v[0],
    y = v[1],
    z = v[2];
  out[0] = m[0] * x + m[3] * y + m[6] * z;
  out[1] = m[1] * x + m[4] * y + m[7] * z;
  out[2] = m[2] * x + m[5] * y + m[8] * z;
  return out;
}

/** out = mᵀ · v (world to local for a rotation). */
export function mat3TransposeMulVec3(out: Vec3, m: Mat3, v: Vec3): Vec3 {
  const x = v[0],
    y = v[1],
    z = v[2];
  out[0] = m[0] * x + m[1] * y + m[2] * z;
  out[1] = m[3] * x + m[4] * y + m[5] * z;
  out[2] = m[6] * x + m[7] * y + m[8] * z;
  return out;
}

/** out = aᵀ · b: the rotation taking b's local frame into a's local frame. */
export function mat3TransposeMul(out: Mat3, a: Mat3, b: Mat3): Mat3 {
  const a0 = a[0],
    a1 = a[1],
    a2 = a[2],
    a3 = a[3],
    a4 = a[4],
    a5 = a[5],
    a6 = a[6],
    a7 = a[7],
    a8 = a[8];
  for (let c = 0; c < 3; c++) {
    const x = b[3 * c],
      y = b[3 * c + 1],
      z = b[3 * c + 2];
    out[3 * c] = a0 * x + a1 * y + a2 * z;
    out[3 * c + 1] = a3 * x + a4 * y + a5 * z;
    out[3 * c + 2] = a6 * x + a7 * y + a8 * z;
  }
  return out;
}
