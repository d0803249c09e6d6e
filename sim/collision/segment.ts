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
 * Layout of the `branch` record of {@link closestPointsSegmentSegmentWithBranch}: the two
 * parameters, the scalars of Ericson's formula (with d1 = p1 − p0, d2 = q1 − q0,
 * r = p0 − q0: a = d1·d1, b = d1·d2, c = d1·r, e = d2·d2, f = d2·r, denom = a·e − b²),
 * and how each parameter was made. A reverse mode reads it to differentiate the branch
 * the narrowphase took instead of repeating the narrowphase to find it
 * (sim/contact/geometry-fast.ts). Scalars a branch does not reach are left as they were.
 */
export const SEGMENT_S = 0,
  SEGMENT_T = 1,
  SEGMENT_A = 2,
  SEGMENT_B = 3,
  SEGMENT_C = 4,
  SEGMENT_E = 5,
  SEGMENT_F = 6,
  SEGMENT_DENOM = 7,
  /** how s was made: one of the `S_*` codes below */
  SEGMENT_S_MADE = 8,
  /** 1 if t = (b·s + f)/e, 0 if t is clamped to a constant (or made by another branch) */
  SEGMENT_T_FREE = 9,
  /** length of a branch record */
  SEGMENT_BRANCH_SIZE = 10;

/** s is a constant: clamped to 0 or 1 (or landed exactly there) in the general branch */
export const S_CONSTANT = 0;
/** s = (b·f − c·e)/denom, the crossing of the two infinite lines, inside [0, 1] */
export const S_CROSSING = 1;
/** s = −c/a: t was clamped to 0 and s re-projected from q0 */
export const S_FROM_Q0 = 2;
/** s = (b − c)/a: t was clamped to 1 and s re-projected from q1 */
export const S_FROM_Q1 = 3;
/** a degenerate segment (a = 0 or e = 0): not the general branch */
export const S_DEGENERATE = 4;
/** parallel axes (denom ≤ PARALLEL_SIN2·a·e): the overlap rule, not the general branch */
export const S_PARALLEL = 5;

/**
 * The point of segment p0→p1 closest to `q`, written to `out` and returned. A degenerate
 * segment (p0 = p1) gives p0.
 */
export function closestPointOnSegment(out: Vec3, p0: Vec3, p1: Vec3, q: Vec3): Vec3 {
  return pointOnSegment(out, p0, p1, q, null);
}

/**
 * {@link closestPointOnSegment}, also writing the parameter t ∈ [0, 1] of the point
 * (out = p0 + t·(p1 − p0)) to `param[0]`; a clamped t is exactly 0 or 1.
 */
export function closestPointOnSegmentWithBranch(out: Vec3, p0: Vec3, p1: Vec3, q: Vec3, param: Float64Array): Vec3 {
  return pointOnSegment(out, p0, p1, q, param);
}

// the two entry points above call this with all its arguments: a call with fewer arguments
// than parameters is measurably slower in V8 (~1.3× in a micro-benchmark of the segment pair)
function pointOnSegment(out: Vec3, p0: Vec3, p1: Vec3, q: Vec3, param: Float64Array | null): Vec3 {
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
  if (param !== null) param[0] = t;
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
  segmentSegment(p0, p1, q0, q1, onP, onQ, null);
}

/**
 * {@link closestPointsSegmentSegment}, also writing the branch taken and its scalars to
 * `branch` (length SEGMENT_BRANCH_SIZE, see SEGMENT_S …): what a reverse mode needs to
 * differentiate it.
 */
export function closestPointsSegmentSegmentWithBranch(
  p0: Vec3,
  p1: Vec3,
  q0: Vec3,
  q1: Vec3,
  onP: Vec3,
  onQ: Vec3,
  branch: Float64Array,
): void {
  segmentSegment(p0, p1, q0, q1, onP, onQ, branch);
}

function segmentSegment(
  p0: Vec3,
  p1: Vec3,
  q0: Vec3,
  q1: Vec3,
  onP: Vec3,
  onQ: Vec3,
  branch: Float64Array | null,
): void {
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
  let sMade = S_DEGENERATE;
  let tFree = 0;
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
        sMade = s === 0 || s === 1 ? S_CONSTANT : S_CROSSING;
        tFree = 1;
      } else {
        sMade = S_PARALLEL;
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
          if (tFree === 1) sMade = s === 0 || s === 1 ? S_CONSTANT : S_FROM_Q0;
          tFree = 0;
        } else if (t > 1) {
          t = 1;
          s = (b - c) / a;
          s = s < 0 ? 0 : s > 1 ? 1 : s;
          if (tFree === 1) sMade = s === 0 || s === 1 ? S_CONSTANT : S_FROM_Q1;
          tFree = 0;
        }
      }
      if (branch !== null) {
        branch[SEGMENT_A] = a;
        branch[SEGMENT_B] = b;
        branch[SEGMENT_C] = c;
        branch[SEGMENT_E] = e;
        branch[SEGMENT_F] = f;
        branch[SEGMENT_DENOM] = denom;
      }
    }
  }
  if (branch !== null) {
    branch[SEGMENT_S] = s;
    branch[SEGMENT_T] = t;
    branch[SEGMENT_S_MADE] = sMade;
    branch[SEGMENT_T_FREE] = tFree;
  }
  onP[0] = p0[0] + s * d1x;
  onP[1] = p0[1] + s * d1y;
  onP[2] = p0[2] + s * d1z;
  onQ[0] = q0[0] + t * d2x;
  onQ[1] = q0[1] + t * d2y;
  onQ[2] = q0[2] + t * d2z;
}
