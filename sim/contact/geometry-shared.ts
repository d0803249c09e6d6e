/**
 * The pieces both formula files use (geometry-features.ts, geometry-box.ts): the local
 * input layout, the decision codes and their sink, the narrowphase's small arithmetic
 * (dot, difference, `mat3FromQuat`, capsule ends, `emitContact`) and its segment closest
 * points (segment.ts), all written with ad ops as in the narrowphase, operation by
 * operation, so on plain numbers they give its values bit for bit.
 *
 * Imports run one way: geometry-features.ts → geometry-box.ts → here, and
 * geometry-features.ts → here. Nothing here imports either formula file.
 */
import { add, div, mul, neg, sub, value } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { PARALLEL_SIN2 } from '../collision/segment.ts';

/** Local inputs of one contact: [pose A (7) | pose B (7) | size A (4) | size B (4)]. */
export const FEATURE_INPUTS = 22;
/** Offset of pose A (x, y, z, qw, qx, qy, qz) in the local inputs. */
export const LOCAL_POSE_A = 0;
/** Offset of pose B in the local inputs. */
export const LOCAL_POSE_B = 7;
/** Offset of size A (`geomSize` row) in the local inputs. */
export const LOCAL_SIZE_A = 14;
/** Offset of size B in the local inputs. */
export const LOCAL_SIZE_B = 18;
/** Local outputs of one contact: [dist | normal (3) | point (3)]. */
export const FEATURE_OUTPUTS = 7;

/** The non-smooth decisions a formula reports, as codes (index into {@link GEOMETRY_DECISION_KINDS}). */
export const DECISION_SEGMENT_CLAMP = 0;
export const DECISION_PARALLEL_AXES = 1;
export const DECISION_OVERLAP = 2;
export const DECISION_BOX_REGION = 3;
export const DECISION_SEPARATING_AXIS = 4;
export const DECISION_INCIDENT_FACE = 5;
export const DECISION_FACE_CLIP = 6;
export const DECISION_SUPPORT_EDGE = 7;

/**
 * Label suffix of each decision code. Margins: `segment clamp` (m) the distance along the
 * segment from the closest point to the nearer end of its clamp range; `parallel axes`
 * (rad, as a sine) |sin θ − √PARALLEL_SIN2| (segment.ts; 1e-6), how far the axes are from
 * the parallel rule's threshold; `overlap` (m) a min/max tie in the parallel-axes rule;
 * `box region` (m) how far a sphere centre is from changing the box feature it meets
 * (face, edge, corner or the inside face chosen). Box–box and box–capsule
 * (geometry-box.ts): `separating axis` (m) the gap between the chosen axis's separation
 * (or overlap) and the best competitor's, the centre offset that picks the reference
 * side, and the depth at which penetrating becomes separated; `incident face` (cosine)
 * how much better the incident face's axis is aligned with the reference normal than the
 * next; `face clip` (m) the distance of an incident-face polygon point from a reference
 * side plane; `support edge` (m) how far apart along the axis the chosen edge and its
 * parallel neighbour are.
 */
export const GEOMETRY_DECISION_KINDS = [
  'segment clamp',
  'parallel axes',
  'overlap',
  'box region',
  'separating axis',
  'incident face',
  'face clip',
  'support edge',
] as const;

/** Receives the non-smooth decisions a formula executes (margin in the kind's unit). */
export interface DecisionSink {
  decision(margin: number, kind: number): void;
}

/** A 3-vector of Reals (world or body frame). */
export type V3 = [Real, Real, Real];

// ---- vectors, rotations, capsule ends, the emitted contact -------------------------------

/** a·b, summed x, y, z in that order (the narrowphase's order). */
export function dot3(a: V3, b: V3): Real {
  return add(add(mul(a[0], b[0]), mul(a[1], b[1])), mul(a[2], b[2]));
}

/** a − b. */
export function sub3(a: V3, b: V3): V3 {
  return [sub(a[0], b[0]), sub(a[1], b[1]), sub(a[2], b[2])];
}

/** x[o..o+2] as a V3. */
export function load3(x: readonly Real[], o: number): V3 {
  return [x[o], x[o + 1], x[o + 2]];
}

/** `mat3FromQuat` of the quaternion at x[o..o+3], column-major (column k = body axis k). */
export function rotation(x: readonly Real[], o: number): Real[] {
  const w = x[o],
    qx = x[o + 1],
    qy = x[o + 2],
    qz = x[o + 3];
  const s = div(2, add(add(add(mul(w, w), mul(qx, qx)), mul(qy, qy)), mul(qz, qz)));
  const xs = mul(qx, s),
    ys = mul(qy, s),
    zs = mul(qz, s);
  const wx = mul(w, xs),
    wy = mul(w, ys),
    wz = mul(w, zs);
  const xx = mul(qx, xs),
    xy = mul(qx, ys),
    xz = mul(qx, zs);
  const yy = mul(qy, ys),
    yz = mul(qy, zs),
    zz = mul(qz, zs);
  return [
    sub(sub(1, yy), zz),
    add(xy, wz),
    sub(xz, wy),
    sub(xy, wz),
    sub(sub(1, xx), zz),
    add(yz, wx),
    add(xz, wy),
    sub(yz, wx),
    sub(sub(1, xx), yy),
  ];
}

/** Body z axis of the quaternion at x[o..o+3] (`mat3FromQuat` column 2, same arithmetic). */
function zAxis(x: readonly Real[], o: number): V3 {
  const w = x[o],
    qx = x[o + 1],
    qy = x[o + 2],
    qz = x[o + 3];
  const s = div(2, add(add(add(mul(w, w), mul(qx, qx)), mul(qy, qy)), mul(qz, qz)));
  const xs = mul(qx, s),
    ys = mul(qy, s),
    zs = mul(qz, s);
  return [add(mul(qx, zs), mul(w, ys)), sub(mul(qy, zs), mul(w, xs)), sub(sub(1, mul(qx, xs)), mul(qy, ys))];
}

/** `loadCapsuleSegment`: the axis ends centre ∓ halfLength·axis. */
export function capsuleSegment(x: readonly Real[], pose: number, size: number): [V3, V3] {
  const axis = zAxis(x, pose + 3);
  const halfLength = x[size + 1];
  const ax = mul(axis[0], halfLength),
    ay = mul(axis[1], halfLength),
    az = mul(axis[2], halfLength);
  const c = load3(x, pose);
  return [
    [sub(c[0], ax), sub(c[1], ay), sub(c[2], az)],
    [add(c[0], ax), add(c[1], ay), add(c[2], az)],
  ];
}

/** `emitContact`: the stored point is the surface point on A moved dist/2 along n. */
export function emit(dist: Real, n: V3, surfaceA: V3): Real[] {
  const half = mul(0.5, dist);
  return [
    dist,
    n[0],
    n[1],
    n[2],
    add(surfaceA[0], mul(half, n[0])),
    add(surfaceA[1], mul(half, n[1])),
    add(surfaceA[2], mul(half, n[2])),
  ];
}

// ---- segments (segment.ts) --------------------------------------------------------------

// the parallel rule's threshold as a sine (the `parallel axes` margin's zero)
const PARALLEL_SINE = Math.sqrt(PARALLEL_SIN2);

/**
 * `t` clamped to [0, 1] as `t < 0 ? 0 : t > 1 ? 1 : t`; reports the distance
 * `length`·(parameter distance to the nearer end) as a segment-clamp decision.
 */
function clampUnit(t: Real, length: () => number, sink: DecisionSink | null): Real {
  const tv = value(t);
  if (sink !== null) sink.decision(Math.min(Math.abs(tv), Math.abs(tv - 1)) * length(), DECISION_SEGMENT_CLAMP);
  return tv < 0 ? 0 : tv > 1 ? 1 : t;
}

/** Math.min on Reals (the first on a tie, as Math.min returns the same value); reports the gap. */
function minReal(a: Real, b: Real, scale: () => number, sink: DecisionSink | null): Real {
  if (sink !== null) sink.decision(Math.abs(value(a) - value(b)) * scale(), DECISION_OVERLAP);
  return value(b) < value(a) ? b : a;
}

function maxReal(a: Real, b: Real, scale: () => number, sink: DecisionSink | null): Real {
  if (sink !== null) sink.decision(Math.abs(value(a) - value(b)) * scale(), DECISION_OVERLAP);
  return value(b) > value(a) ? b : a;
}

/** `closestPointOnSegment(p0, p1, q)`; the clamp goes to `sink`. */
export function closestOnSegment(p0: V3, p1: V3, q: V3, sink: DecisionSink | null): V3 {
  const d = sub3(p1, p0);
  const len2 = dot3(d, d);
  let t: Real = 0;
  if (value(len2) > 0) {
    t = clampUnit(div(dot3(sub3(q, p0), d), len2), () => Math.sqrt(value(len2)), sink);
  }
  return [add(p0[0], mul(t, d[0])), add(p0[1], mul(t, d[1])), add(p0[2], mul(t, d[2]))];
}

/** `closestPointsSegmentSegment(p0, p1, q0, q1)`: [on the first, on the second]; clamps and the parallel rule go to `sink`. */
export function closestBetweenSegments(p0: V3, p1: V3, q0: V3, q1: V3, sink: DecisionSink | null): [V3, V3] {
  const d1 = sub3(p1, p0);
  const d2 = sub3(q1, q0);
  const r = sub3(p0, q0);
  const a = dot3(d1, d1);
  const e = dot3(d2, d2);
  const f = dot3(d2, r);
  const av = value(a),
    ev = value(e);
  const lengthP = (): number => Math.sqrt(av);
  const lengthQ = (): number => Math.sqrt(ev);
  let s: Real = 0;
  let t: Real = 0;
  if (av === 0 && ev === 0) {
    // both degenerate: the two points
  } else if (av === 0) {
    t = clampUnit(div(f, e), lengthQ, sink);
  } else {
    const c = dot3(d1, r);
    if (ev === 0) {
      s = clampUnit(div(neg(c), a), lengthP, sink);
    } else {
      const b = dot3(d1, d2);
      const denom = sub(mul(a, e), mul(b, b));
      let overlapping = false;
      if (sink !== null) {
        sink.decision(
          Math.abs(Math.sqrt(Math.max(0, value(denom) / (av * ev))) - PARALLEL_SINE),
          DECISION_PARALLEL_AXES,
        );
      }
      if (value(denom) > PARALLEL_SIN2 * av * ev) {
        s = clampUnit(div(sub(mul(b, f), mul(c, e)), denom), lengthP, sink);
      } else {
        const sq0 = div(neg(c), a);
        const sq1 = div(sub(b, c), a);
        const sLo = maxReal(0, minReal(sq0, sq1, lengthP, sink), lengthP, sink);
        const sHi = minReal(1, maxReal(sq0, sq1, lengthP, sink), lengthP, sink);
        overlapping = value(sLo) <= value(sHi);
        if (sink !== null) sink.decision(Math.abs(value(sHi) - value(sLo)) * lengthP(), DECISION_OVERLAP);
        if (overlapping) {
          const tp0 = div(f, e);
          const tp1 = div(add(b, f), e);
          s = mul(0.5, add(sLo, sHi));
          const tLo = maxReal(0, minReal(tp0, tp1, lengthQ, sink), lengthQ, sink);
          const tHi = minReal(1, maxReal(tp0, tp1, lengthQ, sink), lengthQ, sink);
          t = mul(0.5, add(tLo, tHi));
        } else {
          // q lies wholly before p0 or wholly after p1
          s = Math.min(value(sq0), value(sq1)) > 1 ? 1 : 0;
        }
      }
      if (!overlapping) {
        t = div(add(mul(b, s), f), e);
        const tv = value(t);
        if (sink !== null) sink.decision(Math.min(Math.abs(tv), Math.abs(tv - 1)) * lengthQ(), DECISION_SEGMENT_CLAMP);
        if (tv < 0) {
          t = 0;
          s = clampUnit(div(neg(c), a), lengthP, sink);
        } else if (tv > 1) {
          t = 1;
          s = clampUnit(div(sub(b, c), a), lengthP, sink);
        }
      }
    }
  }
  return [
    [add(p0[0], mul(s, d1[0])), add(p0[1], mul(s, d1[1])), add(p0[2], mul(s, d1[2]))],
    [add(q0[0], mul(t, d2[0])), add(q0[1], mul(t, d2[1])), add(q0[2], mul(t, d2[2]))],
  ];
}
