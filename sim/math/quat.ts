/**
 * Plain quaternion kernels on packed buffers. Quaternions are (w, x, y, z), as in
 * `State.bodyQ`; every argument comes with an offset so a kernel reads and writes SoA
 * arrays in place (three.js `slerpFlat` style). Components are loaded into locals first,
 * so an output may alias an input.
 */

/**
 * Rotate the 3-vector `v[vOff..vOff+2]` by the unit quaternion `q[qOff..qOff+3]`;
 * writes `out[outOff..outOff+2]` and returns `out`.
 *
 * Uses v' = v + 2w (u × v) + 2 u × (u × v) with u = (x, y, z), which is q v q* for a
 * unit quaternion.
 *
 * @example
 * // world position of a body-frame point p of body i
 * quatRotate(world, 0, state.bodyQ, 7 * i + 3, p, 0);
 */
export function quatRotate(
  out: Float64Array,
  outOff: number,
  q: Float64Array,
  qOff: number,
  v: Float64Array,
  vOff: number,
): Float64Array {
  const w = q[qOff],
    x = q[qOff + 1],
    y = q[qOff + 2],
    z = q[qOff + 3];
  const vx = v[vOff],
    vy = v[vOff + 1],
    vz = v[vOff + 2];
  // t = 2 u × v
  const tx = 2 * (y * vz - z * vy);
  const ty = 2 * (z * vx - x * vz);
  const tz = 2 * (x * vy - y * vx);
  out[outOff] = vx + w * tx + (y * tz - z * ty);
  out[outOff + 1] = vy + w * ty + (z * tx - x * tz);
  out[outOff + 2] = vz + w * tz + (x * ty - y * tx);
  return out;
}

/**
 * Hamilton product a ⊗ b (apply b, then a): writes `out[outOff..outOff+3]`, returns `out`.
 *
 * @example
 * // turn body i by the world-frame rotation r: q ← r ⊗ q
 * quatMultiply(state.bodyQ, 7 * i + 3, r, 0, state.bodyQ, 7 * i + 3);
 */
export function quatMultiply(
  out: Float64Array,
  outOff: number,
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
): Float64Array {
  const aw = a[aOff],
    ax = a[aOff + 1],
    ay = a[aOff + 2],
    az = a[aOff + 3];
  const bw = b[bOff],
    bx = b[bOff + 1],
    by = b[bOff + 2],
    bz = b[bOff + 3];
  out[outOff] = aw * bw - ax * bx - ay * by - az * bz;
  out[outOff + 1] = aw * bx + ax * bw + ay * bz - az * by;
  out[outOff + 2] = aw * by - ax * bz + ay * bw + az * bx;
  out[outOff + 3] = aw * bz + ax * by - ay * bx + az * bw;
  return out;
}
