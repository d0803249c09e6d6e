/**
 * Hand-written reverse mode of the common contact features: the same maps as the
 * formulas of geometry-features.ts,
 *
 *   (pose A 7, pose B 7, size A 4, size B 4) ─▶ (dist, normal 3, point 3),
 *
 * differentiated by hand into straight-line adjoint code on plain numbers. The nested-AD
 * path records a few hundred scalar ops per contact and sweeps them (~10 µs); these loops
 * do the same arithmetic in well under a microsecond and allocate nothing (module
 * scratch). One function per pair, listed as the `fastAdjoint` of its row in sim/pairs/;
 * covered, in the pair table's body order (type A ≤ type B):
 *
 * | pair            | features                          |
 * | --------------- | --------------------------------- |
 * | plane–sphere    | 0                                 |
 * | plane–box       | 0..7 (corner i + 2j + 4k)         |
 * | plane–capsule   | 0, 1 (end cap at ∓ halfLength)    |
 * | sphere–sphere   | 0                                 |
 * | sphere–capsule  | 0 (either clamp branch, or inside)|
 * | capsule–capsule | 0, axes not parallel              |
 *
 * Everything else (box–sphere regions, box–box, box–capsule, parallel capsule axes,
 * coincident centres) returns false, and the caller runs the exact nested-AD formula,
 * which also raises the errors of degenerate configurations with the bodies' names.
 *
 * Conventions are those of the formulas (geometry-features.ts): the quaternion enters as
 * stored and the rotation divides by |q|², so q̄ ⟂ q; a plane's normal and offset are
 * differentiated as stored, not renormalized; a clamped segment parameter is a constant
 * (the derivative of the executed branch). The segment branches are the narrowphase's
 * own: `closestPointOnSegmentWithBranch` and `closestPointsSegmentSegmentWithBranch`
 * (sim/collision/segment.ts) report the parameters and the branch they took, and the formulas make the same
 * comparisons, so all three differentiate the same branch.
 */
// the thresholds are the narrowphase's own: the same decisions on every path
import { COINCIDENT_CENTRES } from '../collision/ball.ts';
import {
  closestPointOnSegmentWithBranch,
  closestPointsSegmentSegmentWithBranch,
  SEGMENT_A,
  SEGMENT_B,
  SEGMENT_BRANCH_SIZE,
  SEGMENT_C,
  SEGMENT_DENOM,
  SEGMENT_E,
  SEGMENT_F,
  SEGMENT_S,
  SEGMENT_S_MADE,
  SEGMENT_T,
  SEGMENT_T_FREE,
  S_CROSSING,
  S_DEGENERATE,
  S_FROM_Q0,
  S_FROM_Q1,
  S_PARALLEL,
} from '../collision/segment.ts';
import { mat3FromQuat } from '../math/mat3.ts';
import { vec3Load } from '../math/vec3.ts';

/** Local cotangent layout of a {@link FastGeometryAdjoint}: [dist | normal (3) | point (3)]. */
export const FAST_COTANGENTS = 7;

// ---- module scratch (nothing is allocated per call) ----------------------------------------

const _rot = new Float64Array(9);
const _rotBar = new Float64Array(9);
const _centreA = new Float64Array(3);
const _centreB = new Float64Array(3);
const _centreABar = new Float64Array(3);
const _centreBBar = new Float64Array(3);
/** segment ends of capsule A (p0, p1) and B (q0, q1), and their cotangents */
const _endsA = new Float64Array(6);
const _endsB = new Float64Array(6);
const _endsABar = new Float64Array(6);
const _endsBBar = new Float64Array(6);
/** views of the ends: the segments' end points as the narrowphase's 3-vectors */
const _p0 = _endsA.subarray(0, 3),
  _p1 = _endsA.subarray(3, 6),
  _q0 = _endsB.subarray(0, 3),
  _q1 = _endsB.subarray(3, 6);
/** the query point's cotangent (sphere centre) in the sphere–capsule adjoint */
const _queryBar = new Float64Array(3);
/** the segment closest-point branch the narrowphase's own function took (segment.ts layout) */
const _segment = new Float64Array(SEGMENT_BRANCH_SIZE);

/**
 * A hand-written adjoint of one pair's features (the `fastAdjoint` of its row in
 * sim/pairs/): with `w` the cotangent of the contact's [dist, normal (3), point (3)] IN
 * TABLE ORDER (body `a` of the row's type A, body `b` of its type B; negate the normal's
 * cotangent of a contact stored the other way round), ACCUMULATES the pose cotangents
 * into `qbar` (nbody×7, rows a and b) and the size cotangents into `sizeBar` (nbody×4).
 * Returns false, touching nothing, for a feature or configuration it does not cover (a
 * degenerate one, e.g. coincident centres): the caller then runs the nested-AD formula.
 *
 * @example
 * const w = Float64Array.of(1, 0, 0, 0, 0, 0, 0); // ∂dist
 * planeSphereAdjoint(0, ground, ball, q, size, w, qbar, sizeBar);
 * // qbar[7·ball + 0..2] += plane normal; sizeBar[4·ball] −= 1
 */
export type FastGeometryAdjoint = (
  feature: number,
  a: number,
  b: number,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  w: Float64Array,
  qbar: Float64Array,
  sizeBar: Float64Array,
) => boolean;

/** Plane–sphere, feature 0: the ball's contact with the plane. */
export const planeSphereAdjoint: FastGeometryAdjoint = (feature, a, b, bodyQ, geomSize, w, qbar, sizeBar) => {
  if (feature !== 0) return false;
  vec3Load(_centreB, bodyQ, 7 * b);
  planeBallAdjoint(a, b, geomSize, w, sizeBar);
  addPosition(qbar, b, _centreBBar);
  return true;
};

/** Plane–box, features 0..7: corner i + 2j + 4k. */
export const planeBoxAdjoint: FastGeometryAdjoint = (feature, a, b, bodyQ, geomSize, w, qbar, sizeBar) => {
  if (!(feature >= 0 && feature < 8)) return false;
  planeBoxCornerAdjoint(feature, a, b, bodyQ, geomSize, w, qbar, sizeBar);
  return true;
};

/** Plane–capsule, features 0, 1: the end cap at ∓ halfLength. */
export const planeCapsuleAdjoint: FastGeometryAdjoint = (feature, a, b, bodyQ, geomSize, w, qbar, sizeBar) => {
  if (feature !== 0 && feature !== 1) return false;
  loadCapsuleEnds(_endsB, bodyQ, geomSize, b);
  vec3Load(_centreB, _endsB, 3 * feature);
  planeBallAdjoint(a, b, geomSize, w, sizeBar);
  _endsBBar.fill(0);
  addEnd(_endsBBar, feature, _centreBBar);
  capsuleEndsAdjoint(_endsBBar, bodyQ, geomSize, b, qbar, sizeBar);
  return true;
};

/** Sphere–sphere, feature 0 (coincident centres: false). */
export const sphereSphereAdjoint: FastGeometryAdjoint = (feature, a, b, bodyQ, geomSize, w, qbar, sizeBar) => {
  if (feature !== 0) return false;
  vec3Load(_centreA, bodyQ, 7 * a);
  vec3Load(_centreB, bodyQ, 7 * b);
  if (!ballAdjoint(a, b, geomSize, w, sizeBar)) return false;
  addPosition(qbar, a, _centreABar);
  addPosition(qbar, b, _centreBBar);
  return true;
};

/** Sphere–capsule, feature 0: the ball on the axis at the point closest to the sphere's centre. */
export const sphereCapsuleAdjoint: FastGeometryAdjoint = (feature, a, b, bodyQ, geomSize, w, qbar, sizeBar) => {
  if (feature !== 0) return false;
  vec3Load(_centreA, bodyQ, 7 * a);
  loadCapsuleEnds(_endsB, bodyQ, geomSize, b);
  closestPointOnSegmentWithBranch(_centreB, _q0, _q1, _centreA, _segment);
  const t = _segment[0];
  if (!ballAdjoint(a, b, geomSize, w, sizeBar)) return false;
  addPosition(qbar, a, _centreABar);
  _endsBBar.fill(0);
  closestOnSegmentAdjoint(_endsB, _centreA, t, _centreBBar, _endsBBar, _queryBar);
  addPosition(qbar, a, _queryBar);
  capsuleEndsAdjoint(_endsBBar, bodyQ, geomSize, b, qbar, sizeBar);
  return true;
};

/** Capsule–capsule, feature 0 with axes not parallel: the balls at the closest points of the two axes. */
export const capsuleCapsuleAdjoint: FastGeometryAdjoint = (feature, a, b, bodyQ, geomSize, w, qbar, sizeBar) => {
  if (feature !== 0) return false;
  loadCapsuleEnds(_endsA, bodyQ, geomSize, a);
  loadCapsuleEnds(_endsB, bodyQ, geomSize, b);
  // the narrowphase's own closest points, and the branch it took: the general one only
  closestPointsSegmentSegmentWithBranch(_p0, _p1, _q0, _q1, _centreA, _centreB, _segment);
  const made = _segment[SEGMENT_S_MADE];
  if (made === S_DEGENERATE || made === S_PARALLEL) return false;
  if (!ballAdjoint(a, b, geomSize, w, sizeBar)) return false;
  _endsABar.fill(0);
  _endsBBar.fill(0);
  closestBetweenSegmentsAdjoint(_endsA, _endsB, _centreABar, _centreBBar, _endsABar, _endsBBar);
  capsuleEndsAdjoint(_endsABar, bodyQ, geomSize, a, qbar, sizeBar);
  capsuleEndsAdjoint(_endsBBar, bodyQ, geomSize, b, qbar, sizeBar);
  return true;
};

// ---- loading ------------------------------------------------------------------------------

function addPosition(qbar: Float64Array, i: number, v: Float64Array): void {
  qbar[7 * i] += v[0];
  qbar[7 * i + 1] += v[1];
  qbar[7 * i + 2] += v[2];
}

function addEnd(endsBar: Float64Array, end: number, v: Float64Array): void {
  endsBar[3 * end] += v[0];
  endsBar[3 * end + 1] += v[1];
  endsBar[3 * end + 2] += v[2];
}

/** Capsule i's axis ends centre ∓ halfLength·axis into ends[0..2], ends[3..5]; its rotation into _rot. */
function loadCapsuleEnds(ends: Float64Array, bodyQ: Float64Array, geomSize: Float64Array, i: number): void {
  mat3FromQuat(_rot, bodyQ, 7 * i + 3);
  const halfLength = geomSize[4 * i + 1];
  for (let k = 0; k < 3; k++) {
    const c = bodyQ[7 * i + k],
      h = _rot[6 + k] * halfLength;
    ends[k] = c - h;
    ends[3 + k] = c + h;
  }
}

// ---- adjoints of the shared pieces --------------------------------------------------------

/**
 * q̄ += (∂R/∂q)ᵀ R̄ for R = I + s·M(q), s = 2/|q|², M quadratic in q (the entries of
 * `mat3FromQuat`): q̄ = s·(∂M/∂q)ᵀ R̄ + (R̄ : M)·∂s/∂q, with ∂s/∂q = −s²·q.
 */
function rotationAdjoint(bodyQ: Float64Array, o: number, rotBar: Float64Array, qbar: Float64Array): void {
  const qw = bodyQ[o],
    qx = bodyQ[o + 1],
    qy = bodyQ[o + 2],
    qz = bodyQ[o + 3];
  const s = 2 / (qw * qw + qx * qx + qy * qy + qz * qz);
  const r0 = rotBar[0],
    r1 = rotBar[1],
    r2 = rotBar[2],
    r3 = rotBar[3],
    r4 = rotBar[4];
  const r5 = rotBar[5],
    r6 = rotBar[6],
    r7 = rotBar[7],
    r8 = rotBar[8];
  // s̄ = R̄ : M
  const sBar =
    -r0 * (qy * qy + qz * qz) +
    r1 * (qx * qy + qw * qz) +
    r2 * (qx * qz - qw * qy) +
    r3 * (qx * qy - qw * qz) -
    r4 * (qx * qx + qz * qz) +
    r5 * (qy * qz + qw * qx) +
    r6 * (qx * qz + qw * qy) +
    r7 * (qy * qz - qw * qx) -
    r8 * (qx * qx + qy * qy);
  const scale = -s * s * sBar;
  qbar[o] += s * (qz * (r1 - r3) + qy * (r6 - r2) + qx * (r5 - r7)) + scale * qw;
  qbar[o + 1] += s * (-2 * qx * (r4 + r8) + qy * (r1 + r3) + qz * (r2 + r6) + qw * (r5 - r7)) + scale * qx;
  qbar[o + 2] += s * (-2 * qy * (r0 + r8) + qx * (r1 + r3) + qz * (r5 + r7) + qw * (r6 - r2)) + scale * qy;
  qbar[o + 3] += s * (-2 * qz * (r0 + r4) + qx * (r2 + r6) + qy * (r5 + r7) + qw * (r1 - r3)) + scale * qz;
}

/**
 * The cotangents of capsule i's ends (`endsBar`: p̄0, p̄1) onto its pose and half length:
 * ends = c ∓ h·axis, so c̄ += p̄0 + p̄1, h̄ += (p̄1 − p̄0)·axis, axis̄ = h·(p̄1 − p̄0).
 */
function capsuleEndsAdjoint(
  endsBar: Float64Array,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  i: number,
  qbar: Float64Array,
  sizeBar: Float64Array,
): void {
  mat3FromQuat(_rot, bodyQ, 7 * i + 3);
  const halfLength = geomSize[4 * i + 1];
  let halfLengthBar = 0;
  _rotBar.fill(0);
  for (let k = 0; k < 3; k++) {
    const p0Bar = endsBar[k],
      p1Bar = endsBar[3 + k];
    qbar[7 * i + k] += p0Bar + p1Bar;
    halfLengthBar += (p1Bar - p0Bar) * _rot[6 + k];
    _rotBar[6 + k] = halfLength * (p1Bar - p0Bar);
  }
  sizeBar[4 * i + 1] += halfLengthBar;
  rotationAdjoint(bodyQ, 7 * i + 3, _rotBar, qbar);
}

/**
 * `emitPlaneBall`, reversed: plane a (normal n and offset o in geomSize row a) against the
 * ball of centre _centreB and radius geomSize[4b]. Forward:
 *   h = n·c − o, dist = h − r, surface = c − h·n, point = surface + dist/2·n.
 * Writes c̄ to _centreBBar; accumulates n̄, ō, r̄ into sizeBar.
 */
function planeBallAdjoint(a: number, b: number, geomSize: Float64Array, w: Float64Array, sizeBar: Float64Array): void {
  const n0 = geomSize[4 * a],
    n1 = geomSize[4 * a + 1],
    n2 = geomSize[4 * a + 2];
  const c0 = _centreB[0],
    c1 = _centreB[1],
    c2 = _centreB[2];
  const height = n0 * c0 + n1 * c1 + n2 * c2 - geomSize[4 * a + 3];
  const dist = height - geomSize[4 * b];
  const wp0 = w[4],
    wp1 = w[5],
    wp2 = w[6];
  // point = surface + dist/2·n
  const distBar = w[0] + 0.5 * (wp0 * n0 + wp1 * n1 + wp2 * n2);
  let nb0 = w[1] + 0.5 * dist * wp0,
    nb1 = w[2] + 0.5 * dist * wp1,
    nb2 = w[3] + 0.5 * dist * wp2;
  // surface = c − h·n (surfacē = w_p); dist = h − r
  const heightBar = distBar - (wp0 * n0 + wp1 * n1 + wp2 * n2);
  nb0 += heightBar * c0 - height * wp0;
  nb1 += heightBar * c1 - height * wp1;
  nb2 += heightBar * c2 - height * wp2;
  _centreBBar[0] = wp0 + heightBar * n0;
  _centreBBar[1] = wp1 + heightBar * n1;
  _centreBBar[2] = wp2 + heightBar * n2;
  sizeBar[4 * a] += nb0;
  sizeBar[4 * a + 1] += nb1;
  sizeBar[4 * a + 2] += nb2;
  sizeBar[4 * a + 3] -= heightBar;
  sizeBar[4 * b] -= distBar;
}

/**
 * `emitBallContact`, reversed: balls (_centreA, geomSize[4a]) and (_centreB, geomSize[4b]).
 * Forward: d = cB − cA, ℓ = |d|, dist = ℓ − rA − rB, n = d/ℓ, surface = cA + rA·n,
 * point = surface + dist/2·n. Writes c̄A, c̄B to _centreABar, _centreBBar; accumulates r̄A,
 * r̄B into sizeBar. False (nothing written) at coincident centres: no derivative there.
 */
function ballAdjoint(a: number, b: number, geomSize: Float64Array, w: Float64Array, sizeBar: Float64Array): boolean {
  const d0 = _centreB[0] - _centreA[0],
    d1 = _centreB[1] - _centreA[1],
    d2 = _centreB[2] - _centreA[2];
  const length = Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
  if (!(length > COINCIDENT_CENTRES)) return false;
  const rA = geomSize[4 * a],
    rB = geomSize[4 * b];
  const dist = length - rA - rB;
  const n0 = d0 / length,
    n1 = d1 / length,
    n2 = d2 / length;
  const wp0 = w[4],
    wp1 = w[5],
    wp2 = w[6];
  const wpn = wp0 * n0 + wp1 * n1 + wp2 * n2;
  // point = surface + dist/2·n; surface = cA + rA·n
  const distBar = w[0] + 0.5 * wpn;
  const nb0 = w[1] + (0.5 * dist + rA) * wp0;
  const nb1 = w[2] + (0.5 * dist + rA) * wp1;
  const nb2 = w[3] + (0.5 * dist + rA) * wp2;
  // n = d/ℓ: d̄ = (n̄ − (n̄·n)·n)/ℓ; ℓ = |d|: d̄ += ℓ̄·n with ℓ̄ = dist̄
  const radial = distBar - (nb0 * n0 + nb1 * n1 + nb2 * n2) / length;
  const db0 = nb0 / length + radial * n0;
  const db1 = nb1 / length + radial * n1;
  const db2 = nb2 / length + radial * n2;
  _centreABar[0] = wp0 - db0;
  _centreABar[1] = wp1 - db1;
  _centreABar[2] = wp2 - db2;
  _centreBBar[0] = db0;
  _centreBBar[1] = db1;
  _centreBBar[2] = db2;
  sizeBar[4 * a] += wpn - distBar;
  sizeBar[4 * b] -= distBar;
  return true;
}

// ---- segments ---------------------------------------------------------------------------------

/**
 * Reverse of x = p0 + t·d at the parameter `t` found by `closestPointOnSegmentWithBranch`: with
 * x̄ = `pointBar`, accumulates p̄0, p̄1 into `endsBar` and the query point's cotangent
 * into `queryBar`. A clamped t (0 or 1) is a constant; otherwise t = (q − p0)·d / d·d.
 */
function closestOnSegmentAdjoint(
  ends: Float64Array,
  q: Float64Array,
  t: number,
  pointBar: Float64Array,
  endsBar: Float64Array,
  queryBar: Float64Array,
): void {
  const d0 = ends[3] - ends[0],
    d1 = ends[4] - ends[1],
    d2 = ends[5] - ends[2];
  const x0 = pointBar[0],
    x1 = pointBar[1],
    x2 = pointBar[2];
  // x = (1 − t)·p0 + t·p1 for the t taken
  queryBar[0] = 0;
  queryBar[1] = 0;
  queryBar[2] = 0;
  endsBar[0] += (1 - t) * x0;
  endsBar[1] += (1 - t) * x1;
  endsBar[2] += (1 - t) * x2;
  endsBar[3] += t * x0;
  endsBar[4] += t * x1;
  endsBar[5] += t * x2;
  if (t === 0 || t === 1) return;
  const len2 = d0 * d0 + d1 * d1 + d2 * d2;
  const r0 = q[0] - ends[0],
    r1 = q[1] - ends[1],
    r2 = q[2] - ends[2];
  // t = r·d / d·d: r̄ = t̄/len2·d, d̄ = t̄/len2·(r − 2t·d)
  const tBar = (x0 * d0 + x1 * d1 + x2 * d2) / len2;
  const db0 = tBar * (r0 - 2 * t * d0),
    db1 = tBar * (r1 - 2 * t * d1),
    db2 = tBar * (r2 - 2 * t * d2);
  const rb0 = tBar * d0,
    rb1 = tBar * d1,
    rb2 = tBar * d2;
  queryBar[0] = rb0;
  queryBar[1] = rb1;
  queryBar[2] = rb2;
  // r = q − p0, d = p1 − p0
  endsBar[0] -= rb0 + db0;
  endsBar[1] -= rb1 + db1;
  endsBar[2] -= rb2 + db2;
  endsBar[3] += db0;
  endsBar[4] += db1;
  endsBar[5] += db2;
}

/**
 * Reverse of the closest points x = p0 + s·d1 (on A) and y = q0 + t·d2 (on B) through the
 * general branch recorded in `_segment` by `closestPointsSegmentSegment`: with x̄ = `onABar`, ȳ = `onBBar`, accumulates the ends' cotangents.
 * The scalars are a = d1·d1, b = d1·d2, c = d1·r, e = d2·d2, f = d2·r with r = p0 − q0.
 */
function closestBetweenSegmentsAdjoint(
  endsA: Float64Array,
  endsB: Float64Array,
  onABar: Float64Array,
  onBBar: Float64Array,
  endsABar: Float64Array,
  endsBBar: Float64Array,
): void {
  const s = _segment[SEGMENT_S],
    t = _segment[SEGMENT_T],
    a = _segment[SEGMENT_A],
    b = _segment[SEGMENT_B];
  const c = _segment[SEGMENT_C],
    e = _segment[SEGMENT_E],
    f = _segment[SEGMENT_F],
    denom = _segment[SEGMENT_DENOM];
  const d10 = endsA[3] - endsA[0],
    d11 = endsA[4] - endsA[1],
    d12 = endsA[5] - endsA[2];
  const d20 = endsB[3] - endsB[0],
    d21 = endsB[4] - endsB[1],
    d22 = endsB[5] - endsB[2];
  const r0 = endsA[0] - endsB[0],
    r1 = endsA[1] - endsB[1],
    r2 = endsA[2] - endsB[2];
  const x0 = onABar[0],
    x1 = onABar[1],
    x2 = onABar[2];
  const y0 = onBBar[0],
    y1 = onBBar[1],
    y2 = onBBar[2];
  let sBar = x0 * d10 + x1 * d11 + x2 * d12;
  const tBar = y0 * d20 + y1 * d21 + y2 * d22;
  let aBar = 0,
    bBar = 0,
    cBar = 0,
    eBar = 0,
    fBar = 0;
  if (_segment[SEGMENT_T_FREE] === 1) {
    // t = (b·s + f)/e
    bBar += (tBar * s) / e;
    sBar += (tBar * b) / e;
    fBar += tBar / e;
    eBar -= (tBar * t) / e;
  }
  switch (_segment[SEGMENT_S_MADE]) {
    case S_CROSSING: {
      // s = (b·f − c·e)/(a·e − b²)
      const numBar = sBar / denom;
      const denomBar = (-sBar * s) / denom;
      bBar += numBar * f - 2 * denomBar * b;
      fBar += numBar * b;
      cBar -= numBar * e;
      eBar += denomBar * a - numBar * c;
      aBar += denomBar * e;
      break;
    }
    case S_FROM_Q0:
      // s = −c/a
      cBar -= sBar / a;
      aBar -= (sBar * s) / a;
      break;
    case S_FROM_Q1:
      // s = (b − c)/a
      bBar += sBar / a;
      cBar -= sBar / a;
      aBar -= (sBar * s) / a;
      break;
    default:
      break;
  }
  // the scalars' cotangents onto d1, d2, r, plus the points' own shares (x = p0 + s·d1, y = q0 + t·d2)
  const d1b0 = 2 * aBar * d10 + bBar * d20 + cBar * r0 + s * x0;
  const d1b1 = 2 * aBar * d11 + bBar * d21 + cBar * r1 + s * x1;
  const d1b2 = 2 * aBar * d12 + bBar * d22 + cBar * r2 + s * x2;
  const d2b0 = 2 * eBar * d20 + bBar * d10 + fBar * r0 + t * y0;
  const d2b1 = 2 * eBar * d21 + bBar * d11 + fBar * r1 + t * y1;
  const d2b2 = 2 * eBar * d22 + bBar * d12 + fBar * r2 + t * y2;
  const rb0 = fBar * d20 + cBar * d10,
    rb1 = fBar * d21 + cBar * d11,
    rb2 = fBar * d22 + cBar * d12;
  // d1 = p1 − p0, d2 = q1 − q0, r = p0 − q0
  endsABar[0] += x0 - d1b0 + rb0;
  endsABar[1] += x1 - d1b1 + rb1;
  endsABar[2] += x2 - d1b2 + rb2;
  endsABar[3] += d1b0;
  endsABar[4] += d1b1;
  endsABar[5] += d1b2;
  endsBBar[0] += y0 - d2b0 - rb0;
  endsBBar[1] += y1 - d2b1 - rb1;
  endsBBar[2] += y2 - d2b2 - rb2;
  endsBBar[3] += d2b0;
  endsBBar[4] += d2b1;
  endsBBar[5] += d2b2;
}

// ---- plane–box ------------------------------------------------------------------------------

/**
 * `collidePlaneBox`'s contact of corner `corner` (i + 2j + 4k), reversed. Forward, with
 * H = (±hx, ±hy, ±hz) the corner in body axes and R the rotation:
 *   v = c + R·H, dist = n·v − o, surface = v − dist·n, point = surface + dist/2·n.
 */
function planeBoxCornerAdjoint(
  corner: number,
  a: number,
  b: number,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  w: Float64Array,
  qbar: Float64Array,
  sizeBar: Float64Array,
): void {
  const n0 = geomSize[4 * a],
    n1 = geomSize[4 * a + 1],
    n2 = geomSize[4 * a + 2];
  mat3FromQuat(_rot, bodyQ, 7 * b + 3);
  const sx = corner & 1 ? 1 : -1,
    sy = corner & 2 ? 1 : -1,
    sz = corner & 4 ? 1 : -1;
  const hx = sx * geomSize[4 * b],
    hy = sy * geomSize[4 * b + 1],
    hz = sz * geomSize[4 * b + 2];
  const v0 = bodyQ[7 * b] + hx * _rot[0] + hy * _rot[3] + hz * _rot[6];
  const v1 = bodyQ[7 * b + 1] + hx * _rot[1] + hy * _rot[4] + hz * _rot[7];
  const v2 = bodyQ[7 * b + 2] + hx * _rot[2] + hy * _rot[5] + hz * _rot[8];
  const dist = n0 * v0 + n1 * v1 + n2 * v2 - geomSize[4 * a + 3];
  const wp0 = w[4],
    wp1 = w[5],
    wp2 = w[6];
  const wpn = wp0 * n0 + wp1 * n1 + wp2 * n2;
  // point = surface + dist/2·n, surface = v − dist·n
  const distBar = w[0] - 0.5 * wpn;
  const nb0 = w[1] - 0.5 * dist * wp0 + distBar * v0;
  const nb1 = w[2] - 0.5 * dist * wp1 + distBar * v1;
  const nb2 = w[3] - 0.5 * dist * wp2 + distBar * v2;
  // v̄ = surfacē + dist̄·n
  const vb0 = wp0 + distBar * n0,
    vb1 = wp1 + distBar * n1,
    vb2 = wp2 + distBar * n2;
  qbar[7 * b] += vb0;
  qbar[7 * b + 1] += vb1;
  qbar[7 * b + 2] += vb2;
  // v = c + R·H: H̄ = Rᵀ v̄, R̄ (column k) = H_k·v̄
  sizeBar[4 * b] += sx * (vb0 * _rot[0] + vb1 * _rot[1] + vb2 * _rot[2]);
  sizeBar[4 * b + 1] += sy * (vb0 * _rot[3] + vb1 * _rot[4] + vb2 * _rot[5]);
  sizeBar[4 * b + 2] += sz * (vb0 * _rot[6] + vb1 * _rot[7] + vb2 * _rot[8]);
  _rotBar[0] = hx * vb0;
  _rotBar[1] = hx * vb1;
  _rotBar[2] = hx * vb2;
  _rotBar[3] = hy * vb0;
  _rotBar[4] = hy * vb1;
  _rotBar[5] = hy * vb2;
  _rotBar[6] = hz * vb0;
  _rotBar[7] = hz * vb1;
  _rotBar[8] = hz * vb2;
  rotationAdjoint(bodyQ, 7 * b + 3, _rotBar, qbar);
  sizeBar[4 * a] += nb0;
  sizeBar[4 * a + 1] += nb1;
  sizeBar[4 * a + 2] += nb2;
  sizeBar[4 * a + 3] -= distBar;
}
