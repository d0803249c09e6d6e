/** Reading a body's pose out of `State.bodyQ` into plain scratch vectors. */
import { mat3FromQuat, type Mat3 } from '../math/mat3.ts';
import type { Vec3 } from '../math/vec3.ts';

/**
 * Load body `i`'s centre (world, m) into `pos` and its orientation as a rotation matrix
 * (column k = body axis k in world) into `rot`. `bodyQ` is nbody×7: x, y, z, w, qx, qy, qz.
 */
export function loadPose(bodyQ: Float64Array, i: number, pos: Vec3, rot: Mat3): void {
  const o = 7 * i;
  pos[0] = bodyQ[o];
  pos[1] = bodyQ[o + 1];
  pos[2] = bodyQ[o + 2];
  mat3FromQuat(rot, bodyQ, o + 3);
}

/**
 * Load the axis segment of capsule `i` (half length `geomSize[4i+1]` along body z):
 * `p0` = centre − halfLength·axis, `p1` = centre + halfLength·axis, world; its
 * orientation goes to `rot`.
 */
export function loadCapsuleSegment(
  bodyQ: Float64Array,
  geomSize: Float64Array,
  i: number,
  rot: Mat3,
  p0: Vec3,
  p1: Vec3,
): void {
  const o = 7 * i;
  const halfLength = geomSize[4 * i + 1];
  mat3FromQuat(rot, bodyQ, o + 3);
  const ax = rot[6] * halfLength,
    ay = rot[7] * halfLength,
    az = rot[8] * halfLength;
  p0[0] = bodyQ[o] - ax;
  p0[1] = bodyQ[o + 1] - ay;
  p0[2] = bodyQ[o + 2] - az;
  p1[0] = bodyQ[o] + ax;
  p1[1] = bodyQ[o + 1] + ay;
  p1[2] = bodyQ[o + 2] + az;
}
