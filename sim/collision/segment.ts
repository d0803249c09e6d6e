/**
 * Closest points between segments (Ericson, *Real-Time Collision Detection*, §5.1.9),
 * the core of every capsule test and of box edge–edge contacts. Parameters are clamped
 * to [0, 1] inline rather than by a helper, so no double crosses a call (see
 * `ContactRecord` in contacts.ts).
 */
import type { Vec3 } from '../math/vec3.ts';

/**
 * squared sine of the angle below which two segments count as parallel: the 2×2 system
 * for the closest points becomes singular there, and 1e-12 (an angle of 1e-6 rad) keeps
 * its condition number well inside float64 precision
 */
export const PARALLEL_SIN2 = 1e-12;

/**
 * The point of segment p0→p1 closest to `q`, written to `out` and returned. A degenerate
 * segment (p0 = p1) gives p0.
 */
export function closestPointOnSegment(out: Vec3, p0: Vec3, p1: Vec3, q: Vec3): Vec3 {
  const dx = p1[0] - p0[0],
    dy = p1[1] - p0[1],
    dz = p1[2] - p0[2];
  const len2 = dx * dx + dy * dy + dz * dz;
  let t = 0;
  if (len2 > 0) {
    t = ((q[0] - p0[0]) * dx + (q[1] - p0[1]) * dy + (q[2] - p0[2]) * dz) / len2;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
  }
  out[0] = p0[0] + t * dx;
  out[1] = p0[1] + t * dy;
  out[2] = p0[2] + t * dz;
  return out;
}

/**
 * Closest points of segments p0→p1 and q0→q1: writes the point on the first to `onP`
 * and the point on the second to `onQ`.
 *
 * The closest points are unique unless the segments are parallel (within an angle of
 * 1e-6 rad) and their projections overlap; then the convention is the middle of the
 * overlap, which makes the result independent of the order of the two segments.
 *
 * @example
 * closestPointsSegmentSegment(a0, a1, b0, b1, onA, onB);
 * // capsule–capsule: the gap between the axes, less the radii, along onB − onA
 */
export function closestPointsSegmentSegment(p0: Vec3, p1: Vec3, q0: Vec3, q1: Vec3, onP: Vec3, onQ: Vec3): void {
  const d1x = p1[0] - p0[0],
    d1y = p1[1] - p0[1],
    d1z = p1[2] - p0[2];
  const d2x = q1[0] - q0[0],
    d2y = q1[1] - q0[1],
    d2z = q1[2] - q0[2];
  const rx = p0[0] - q0[0],
    ry = p0[1] - q0[1],
    rz = p0[2] - q0[2];
  const a = d1x * d1x + d1y * d1y + d1z * d1z;
  const e = d2x * d2x + d2y * d2y + d2z * d2z;
  const f = d2x * rx + d2y * ry + d2z * rz;
  let s = 0;
  let t = 0;
  if (a === 0 && e === 0) {
    // both degenerate: the two points
  } else if (a === 0) {
    t = f / e;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
  } else {
    const c = d1x * rx + d1y * ry + d1z * rz;
    if (e === 0) {
      s = -c / a;
      s = s < 0 ? 0 : s > 1 ? 1 : s;
    } else {
      const b = d1x * d2x + d1y * d2y + d1z * d2z;
      const denom = a * e - b * b;
      let overlapping = false;
      if (denom > PARALLEL_SIN2 * a * e) {
        s = (b * f - c * e) / denom;
        s = s < 0 ? 0 : s > 1 ? 1 : s;
      } else {
        // parallel: the middle of the overlap, found on each segment from the other's
        // ends (so swapping the segments swaps the points exactly), else the nearer ends
        const sq0 = -c / a;
        const sq1 = (b - c) / a;
        const sLo = Math.max(0, Math.min(sq0, sq1));
        const sHi = Math.min(1, Math.max(sq0, sq1));
        overlapping = sLo <= sHi;
        if (overlapping) {
          const tp0 = f / e;
          const tp1 = (b + f) / e;
          s = 0.5 * (sLo + sHi);
          t = 0.5 * (Math.max(0, Math.min(tp0, tp1)) + Math.min(1, Math.max(tp0, tp1)));
        } else {
          // q lies wholly before p0 or wholly after p1
          s = Math.min(sq0, sq1) > 1 ? 1 : 0;
        }
      }
      if (!overlapping) {
        t = (b * s + f) / e;
        if (t < 0) {
          t = 0;
          s = -c / a;
          s = s < 0 ? 0 : s > 1 ? 1 : s;
        } else if (t > 1) {
          t = 1;
          s = (b - c) / a;
          s = s < 0 ? 0 : s > 1 ? 1 : s;
        }
      }
    }
  }
  onP[0] = p0[0] + s * d1x;
  onP[1] = p0[1] + s * d1y;
  onP[2] = p0[2] + s * d1z;
  onQ[0] = q0[0] + t * d2x;
  onQ[1] = q0[1] + t * d2y;
  onQ[2] = q0[2] + t * d2z;
}
