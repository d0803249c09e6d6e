/**
 * Plain 3-vector kernels on `Float64Array`s, gl-matrix style: the result goes to a
 * caller-owned `out`, which is also returned; nothing allocates. Each kernel reads its
 * inputs into locals before writing, so `out` may alias an input.
 *
 * These are for the non-differentiated forward path (collision geometry, broadphase);
 * differentiable code uses the `ad/` ops instead.
 *
 * On hot paths prefer kernels whose arguments are arrays and integers (`vec3Load`,
 * `vec3Copy`, `vec3Normalize`) to passing computed non-integer numbers (`vec3Set`): V8
 * boxes a double that crosses a call it does not inline into a heap number, i.e.
 * garbage, and whether it inlines depends on the size of the caller. Lengths are
 * `Math.sqrt(x*x + y*y + z*z)` written out: `Math.hypot` allocates an array for its
 * arguments on every call in V8 (measured: ~1,400 GC events per 2·10⁷ calls).
 */

/** A 3-vector: a `Float64Array` of length 3 (x, y, z). */
export type Vec3 = Float64Array;

/** A new zero 3-vector. Allocates: for module scratch and setup, never in a hot loop. */
export function vec3Create(): Vec3 {
  return new Float64Array(3);
}

/** out = (x, y, z). */
export function vec3Set(out: Vec3, x: number, y: number, z: number): Vec3 {
  out[0] = x;
  out[1] = y;
  out[2] = z;
  return out;
}

/** out = src[offset..offset+2], e.g. a body's position from `State.bodyQ` (offset 7i). */
export function vec3Load(out: Vec3, src: Float64Array, offset: number): Vec3 {
  out[0] = src[offset];
  out[1] = src[offset + 1];
  out[2] = src[offset + 2];
  return out;
}

/** out = a. */
export function vec3Copy(out: Vec3, a: Vec3): Vec3 {
  out[0] = a[0];
  out[1] = a[1];
  out[2] = a[2];
  return out;
}

/** out = a + b. */
export function vec3Add(out: Vec3, a: Vec3, b: Vec3): Vec3 {
  out[0] = a[0] + b[0];
  out[1] = a[1] + b[1];
  out[2] = a[2] + b[2];
  return out;
}

/** out = a − b. */
export function vec3Sub(out: Vec3, a: Vec3, b: Vec3): Vec3 {
  out[0] = a[0] - b[0];
  out[1] = a[1] - b[1];
  out[2] = a[2] - b[2];
  return out;
}

/** out = a × b. */
export function vec3Cross(out: Vec3, a: Vec3, b: Vec3): Vec3 {
  const ax = a[0],
    ay = a[1],
    az = a[2];
  const bx = b[0],
    by = b[1],
    bz = b[2];
  out[0] = ay * bz - az * by;
  out[1] = az * bx - ax * bz;
  out[2] = ax * by - ay * bx;
  return out;
}

/** out = a/|a| (a ≠ 0). */
export function vec3Normalize(out: Vec3, a: Vec3): Vec3 {
  const x = a[0],
    y = a[1],
    z = a[2];
  const inverse = 1 / Math.sqrt(x * x + y * y + z * z);
  out[0] = x * inverse;
  out[1] = y * inverse;
  out[2] = z * inverse;
  return out;
}
