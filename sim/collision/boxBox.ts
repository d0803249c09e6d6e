/**
 * Narrowphase: box A against box B, by the separating-axis test over the 15 candidate
 * axes (3 face normals of each box, 9 cross products of an edge of A with an edge of B),
 * then a contact manifold for the axis of least penetration (or greatest separation):
 *
 * - Face axis: the face of the other box most opposed to this reference face (the
 *   incident face) is clipped to the reference face's sides (Sutherland–Hodgman). Each
 *   clipped point within the margin of the reference face is a contact: its surface
 *   point on the incident box is the clipped point, on the reference box its projection
 *   onto the face. That is up to 8 contacts (a box resting on another turned 45° meets
 *   it in an octagon). They are not reduced to 4: with parallel faces all are equally
 *   deep, and any choice among them would depend on the order of A and B. Points that
 *   add no support are dropped (`supportPoints`): a point within
 *   {@link MANIFOLD_MERGE_FRACTION} of the face's size of the line through its two
 *   neighbours (or of the other point of a pair). So two boxes side by side touching
 *   along an edge (a sliver of the clip a rounding error wide) give its 2 ends, not 4
 *   points pairwise a nanometre apart, and two touching at a corner give 1. Such
 *   near-duplicate rows make the Delassus matrix nearly singular, which stalls the
 *   Gauss–Seidel solve of hard contacts (sim/hard/solver.ts); what a dropped point
 *   supported its neighbours support to within that distance (the gap is affine along
 *   the incident face).
 * - Edge–edge axis: one contact between the closest points of the two support edges
 *   (when separated and one of them is an edge's end, its normal and distance are those
 *   of the two points, a better estimate than the axis).
 *
 * For penetrating boxes the least overlap over the 15 axes is the exact penetration
 * depth. For separated boxes within the margin the greatest separation over the axes is
 * a lower bound on the distance, exact unless the nearest features are two corners or a
 * corner and an edge; such pairs (boxes meeting corner to corner) can get no contact
 * before they touch.
 *
 * Feature ids: face contacts 8·face + i (face 0–5: A's −x, +x, −y, +y, −z, +z; 6–11 the
 * same of B; i the clipped point's index in the whole clip, dropped points included; not
 * stable across steps); edge–edge 96 + 3i + j for A's edge along axis i against B's along
 * axis j.
 */
import type { Contacts } from './contacts.ts';
import { createContactRecord, emitContact, RECORD_DIST } from './contacts.ts';
import type { CollideFn } from './types.ts';
import { clipPolygonToHalfSpace } from './clip.ts';
import { closestPointsSegmentSegment } from './segment.ts';
import { loadPose } from './pose.ts';
import { EDGE_AXIS_MIN_SINE, EDGE_AXIS_TOLERANCE } from './sat.ts';
import { vec3Copy, vec3Create, vec3Load, vec3Set, vec3Sub, type Vec3 } from '../math/vec3.ts';
import { mat3MulVec3, mat3TransposeMul, mat3TransposeMulVec3, type Mat3 } from '../math/mat3.ts';

// an incident quad clipped by four half-spaces has at most 4 + 4 points
const MAX_CLIPPED = 8;
/**
 * A face contact point closer than this fraction of the reference face's smaller half
 * extent to the line through its neighbours in the manifold (or to the other point of a
 * pair) adds no support and is dropped (file header). 1e-3: a quarter millimetre on a
 * half-metre box, far above the rounding-level slivers of boxes placed side by side,
 * far below anything that changes when a box tips.
 */
export const MANIFOLD_MERGE_FRACTION = 1e-3;
/**
 * lengths (m) this close are equal up to rounding (~1e-16 m at metre scale): whether the
 * nearest points of two edges are farther apart than their lines
 */
export const CORNER_TOLERANCE = 1e-12;

const _centreA = vec3Create();
const _centreB = vec3Create();
const _rotA = new Float64Array(9);
const _rotB = new Float64Array(9);
const _halfA = vec3Create();
const _halfB = vec3Create();
// B relative to A, in A's frame: centre and axes (column j = B's axis j)
const _centreBinA = vec3Create();
const _axesBinA = new Float64Array(9);
// A relative to B, in B's frame, for B's faces as reference
const _centreAinB = vec3Create();
const _axesAinB = new Float64Array(9);
// candidate axes (A's frame) and the separation along each; see candidateAxes
const _candidates = new Float64Array(3 * 15);
const _axisSep = new Float64Array(15);
const _polygon = new Float64Array(3 * MAX_CLIPPED);
const _clipped = new Float64Array(3 * MAX_CLIPPED);
const _pointSep = new Float64Array(MAX_CLIPPED);
// clipped points kept in the manifold, in polygon order
const _kept = new Int32Array(MAX_CLIPPED);
const _record = createContactRecord();
const _surface = _record.subarray(0, 3);
const _normal = _record.subarray(3, 6);
const _edgeA0 = vec3Create();
const _edgeA1 = vec3Create();
const _edgeB0 = vec3Create();
const _edgeB1 = vec3Create();
const _onA = vec3Create();
const _onB = vec3Create();

/**
 * The 15 candidate axes in A's frame, unit, into `_candidates`: 0–2 A's face normals,
 * 3–5 B's, 6–14 the cross products A axis i × B axis j (n = 6 + 3i + j); an edge pair
 * closer to parallel than EDGE_AXIS_MIN_SINE gets the zero vector (no axis).
 */
function candidateAxes(): void {
  const c = _axesBinA,
    u = _candidates;
  u.fill(0);
  u[0] = u[4] = u[8] = 1;
  for (let m = 0; m < 9; m++) u[9 + m] = c[m];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const bx = c[3 * j],
        by = c[3 * j + 1],
        bz = c[3 * j + 2];
      // eᵢ × b
      const ux = i === 0 ? 0 : i === 1 ? bz : -by;
      const uy = i === 0 ? -bz : i === 1 ? 0 : bx;
      const uz = i === 0 ? by : i === 1 ? -bx : 0;
      const len = Math.sqrt(ux * ux + uy * uy + uz * uz);
      if (len < EDGE_AXIS_MIN_SINE) continue;
      const o = 3 * (6 + 3 * i + j);
      u[o] = ux / len;
      u[o + 1] = uy / len;
      u[o + 2] = uz / len;
    }
  }
}

/**
 * Clip the incident box's face most opposed to the reference face `k`, side `side`, in
 * the reference box's frame. Leaves the clipped points in `_polygon`; returns the count.
 */
function clipIncidentFace(
  halfRef: Vec3,
  k: number,
  side: number,
  centreInc: Vec3,
  axesInc: Mat3,
  halfInc: Vec3,
): number {
  // incident axis: the one most parallel to the reference normal
  let j = 0;
  let best = -1;
  for (let m = 0; m < 3; m++) {
    const alignment = Math.abs(axesInc[3 * m + k]);
    if (alignment > best) {
      best = alignment;
      j = m;
    }
  }
  // its face turned toward the reference box
  const faceSign = side * axesInc[3 * j + k] > 0 ? -1 : 1;
  const j1 = (j + 1) % 3,
    j2 = (j + 2) % 3;
  for (let v = 0; v < 4; v++) {
    // quad corners in order around the face: (+,+), (−,+), (−,−), (+,−)
    const s1 = v === 0 || v === 3 ? 1 : -1;
    const s2 = v < 2 ? 1 : -1;
    for (let c = 0; c < 3; c++) {
      _polygon[3 * v + c] =
        centreInc[c] +
        faceSign * halfInc[j] * axesInc[3 * j + c] +
        s1 * halfInc[j1] * axesInc[3 * j1 + c] +
        s2 * halfInc[j2] * axesInc[3 * j2 + c];
    }
  }
  // clip to the reference face's four sides, ping-ponging between two buffers
  let count = 4;
  const k1 = (k + 1) % 3,
    k2 = (k + 2) % 3;
  count = clipPolygonToHalfSpace(_polygon, count, _clipped, k1, 1, halfRef);
  count = clipPolygonToHalfSpace(_clipped, count, _polygon, k1, -1, halfRef);
  count = clipPolygonToHalfSpace(_polygon, count, _clipped, k2, 1, halfRef);
  count = clipPolygonToHalfSpace(_clipped, count, _polygon, k2, -1, halfRef);
  return count;
}

/** the merge tolerance handed to `supportPoints`, m */
const _mergeTolerance = new Float64Array(1);

/**
 * Of the `count` clipped points in `_polygon` (a convex polygon in the reference frame,
 * in order), those within `margin` of the reference face that give support: into
 * `_kept`, in order; returns how many. A point is dropped while it lies within
 * `tolerance` = `_mergeTolerance[0]` (m) of the line through its two neighbours in the
 * kept list, in the face plane (axes k1, k2); of a last pair closer than `tolerance`, the
 * shallower goes. (The tolerance comes in an array: a double computed by the caller and
 * passed to a call V8 does not inline is boxed, 16 bytes per manifold.)
 */
function supportPoints(count: number, k1: number, k2: number, margin: number): number {
  const tolerance = _mergeTolerance[0];
  let m = 0;
  for (let i = 0; i < count; i++) if (_pointSep[i] <= margin) _kept[m++] = i;
  let dropped = true;
  while (dropped && m > 2) {
    dropped = false;
    for (let i = 0; i < m && m > 2; i++) {
      const p = 3 * _kept[i === 0 ? m - 1 : i - 1],
        c = 3 * _kept[i],
        n = 3 * _kept[i === m - 1 ? 0 : i + 1];
      const ex = _polygon[n + k1] - _polygon[p + k1],
        ey = _polygon[n + k2] - _polygon[p + k2];
      const cx = _polygon[c + k1] - _polygon[p + k1],
        cy = _polygon[c + k2] - _polygon[p + k2];
      // distance of c from the line p–n (from p when p and n coincide)
      const length = Math.sqrt(ex * ex + ey * ey);
      const off = length > tolerance ? Math.abs(ex * cy - ey * cx) / length : Math.sqrt(cx * cx + cy * cy);
      if (off > tolerance) continue;
      for (let j = i; j < m - 1; j++) _kept[j] = _kept[j + 1];
      m--;
      dropped = true;
    }
  }
  if (m === 2) {
    const p = 3 * _kept[0],
      c = 3 * _kept[1];
    const dx = _polygon[c + k1] - _polygon[p + k1],
      dy = _polygon[c + k2] - _polygon[p + k2];
    if (dx * dx + dy * dy <= tolerance * tolerance) {
      if (_pointSep[_kept[1]] < _pointSep[_kept[0]]) _kept[0] = _kept[1];
      m = 1;
    }
  }
  return m;
}

/**
 * Face contacts on reference face (axis k, side `side`) of box `refIsA ? A : B`. Points
 * are computed in the reference frame, then mapped to world with (`rotRef`, `centreRef`).
 */
function emitFaceManifold(
  a: number,
  b: number,
  refIsA: boolean,
  k: number,
  side: number,
  margin: number,
  out: Contacts,
): number {
  const halfRef = refIsA ? _halfA : _halfB;
  const rotRef = refIsA ? _rotA : _rotB;
  const centreRef = refIsA ? _centreA : _centreB;
  const count = refIsA
    ? clipIncidentFace(_halfA, k, side, _centreBinA, _axesBinA, _halfB)
    : clipIncidentFace(_halfB, k, side, _centreAinB, _axesAinB, _halfA);
  for (let i = 0; i < count; i++) _pointSep[i] = side * _polygon[3 * i + k] - halfRef[k];
  // normal from A to B: the reference normal if A is the reference, else reversed
  vec3Set(_normal, 0, 0, 0);
  _normal[k] = refIsA ? side : -side;
  mat3MulVec3(_normal, rotRef, _normal);
  const face = (refIsA ? 0 : 6) + 2 * k + (side > 0 ? 1 : 0);
  const k1 = (k + 1) % 3,
    k2 = (k + 2) % 3;
  _mergeTolerance[0] = MANIFOLD_MERGE_FRACTION * Math.min(halfRef[k1], halfRef[k2]);
  const kept = supportPoints(count, k1, k2, margin);
  let written = 0;
  for (let m = 0; m < kept; m++) {
    const i = _kept[m];
    vec3Load(_surface, _polygon, 3 * i);
    // on A: the reference face (projection) or the incident face (the clipped point)
    if (refIsA) _surface[k] = side * halfRef[k];
    mat3MulVec3(_surface, rotRef, _surface);
    _surface[0] += centreRef[0];
    _surface[1] += centreRef[1];
    _surface[2] += centreRef[2];
    _record[RECORD_DIST] = _pointSep[i];
    written += emitContact(out, a, b, _record, 8 * face + i);
  }
  return written;
}

/**
 * Edge–edge contact for candidate axis n = 6 + 3i + j (A's axis i × B's axis j): the
 * closest points of A's edge along i that is extreme along the axis (oriented from A to
 * B) and B's edge along j that is extreme against it.
 */
function emitEdgeContact(a: number, b: number, n: number, margin: number, out: Contacts): number {
  const c = _axesBinA,
    t = _centreBinA;
  // integer division kept integral (`| 0`): a Math.floor result is a float to V8, and the
  // feature id built from it would be boxed when passed on
  const i = ((n - 6) / 3) | 0,
    j = (n - 6) % 3;
  // the axis, oriented from A to B
  let ux = _candidates[3 * n],
    uy = _candidates[3 * n + 1],
    uz = _candidates[3 * n + 2];
  if (ux * t[0] + uy * t[1] + uz * t[2] < 0) {
    ux = -ux;
    uy = -uy;
    uz = -uz;
  }
  _edgeA0[0] = ux >= 0 ? _halfA[0] : -_halfA[0];
  _edgeA0[1] = uy >= 0 ? _halfA[1] : -_halfA[1];
  _edgeA0[2] = uz >= 0 ? _halfA[2] : -_halfA[2];
  vec3Copy(_edgeA1, _edgeA0);
  _edgeA0[i] = -_halfA[i];
  _edgeA1[i] = _halfA[i];
  vec3Copy(_edgeB0, t);
  for (let l = 0; l < 3; l++) {
    if (l === j) continue;
    const along = ux * c[3 * l] + uy * c[3 * l + 1] + uz * c[3 * l + 2];
    const offset = along >= 0 ? -_halfB[l] : _halfB[l];
    for (let m = 0; m < 3; m++) _edgeB0[m] += offset * c[3 * l + m];
  }
  for (let m = 0; m < 3; m++) {
    _edgeB1[m] = _edgeB0[m] + _halfB[j] * c[3 * j + m];
    _edgeB0[m] -= _halfB[j] * c[3 * j + m];
  }
  closestPointsSegmentSegment(_edgeA0, _edgeA1, _edgeB0, _edgeB1, _onA, _onB);
  let dist = _axisSep[n];
  if (dist > 0) {
    // separated, and the nearest points are an edge's end (a corner): they are farther
    // apart than the lines, and their join is the better normal and distance (SAT only
    // bounds the gap from below), the same whichever box is A
    const gx = _onB[0] - _onA[0],
      gy = _onB[1] - _onA[1],
      gz = _onB[2] - _onA[2];
    const gap = Math.sqrt(gx * gx + gy * gy + gz * gz);
    if (gap - dist > CORNER_TOLERANCE) {
      if (gap > margin) return 0;
      dist = gap;
      ux = gx / gap;
      uy = gy / gap;
      uz = gz / gap;
    }
  }
  mat3MulVec3(_surface, _rotA, _onA);
  _surface[0] += _centreA[0];
  _surface[1] += _centreA[1];
  _surface[2] += _centreA[2];
  _normal[0] = ux;
  _normal[1] = uy;
  _normal[2] = uz;
  mat3MulVec3(_normal, _rotA, _normal);
  _record[RECORD_DIST] = dist;
  return emitContact(out, a, b, _record, 96 + 3 * i + j);
}

/**
 * Box A against box B: SAT over 15 axes, then a clipped face manifold (up to 8 contacts)
 * or one edge–edge contact; see the file comment. Separated by more than `margin` along
 * any axis: no contacts.
 *
 * @example
 * // a cube resting on a larger one: 4 contacts at the corners of its bottom face
 * const n = collideBoxBox(model, state.bodyQ, lower, upper, 0.01, contacts);
 */
export const collideBoxBox: CollideFn = (input, bodyQ, a, b, margin, out) => {
  const size = input.geomSize;
  loadPose(bodyQ, a, _centreA, _rotA);
  loadPose(bodyQ, b, _centreB, _rotB);
  vec3Load(_halfA, size, 4 * a);
  vec3Load(_halfB, size, 4 * b);
  mat3TransposeMul(_axesBinA, _rotA, _rotB);
  mat3TransposeMulVec3(_centreBinA, _rotA, vec3Sub(_centreBinA, _centreB, _centreA));
  const c = _axesBinA,
    t = _centreBinA;

  // separation along each candidate axis: |t·u| − (A's extent + B's extent along u)
  candidateAxes();
  let face = 0;
  let edge = -1;
  for (let n = 0; n < 15; n++) {
    const ux = _candidates[3 * n],
      uy = _candidates[3 * n + 1],
      uz = _candidates[3 * n + 2];
    if (ux === 0 && uy === 0 && uz === 0) continue;
    const extentA = _halfA[0] * Math.abs(ux) + _halfA[1] * Math.abs(uy) + _halfA[2] * Math.abs(uz);
    const extentB =
      _halfB[0] * Math.abs(ux * c[0] + uy * c[1] + uz * c[2]) +
      _halfB[1] * Math.abs(ux * c[3] + uy * c[4] + uz * c[5]) +
      _halfB[2] * Math.abs(ux * c[6] + uy * c[7] + uz * c[8]);
    const sep = Math.abs(ux * t[0] + uy * t[1] + uz * t[2]) - extentA - extentB;
    if (sep > margin) return 0;
    _axisSep[n] = sep;
    // the best face axis (ties keep the earlier: A's faces first), the best edge axis
    if (n < 6) {
      if (sep > _axisSep[face]) face = n;
    } else if (edge < 0 || sep > _axisSep[edge]) {
      edge = n;
    }
  }
  if (edge >= 0 && _axisSep[edge] > _axisSep[face] + EDGE_AXIS_TOLERANCE)
    return emitEdgeContact(a, b, edge, margin, out);

  const faceIsA = face < 3;
  const faceAxis = faceIsA ? face : face - 3;
  if (faceIsA) {
    const side = t[faceAxis] >= 0 ? 1 : -1;
    return emitFaceManifold(a, b, true, faceAxis, side, margin, out);
  }
  // B's face as reference: A seen from B's frame (centre −cᵀt, axes the rows of c)
  for (let j = 0; j < 3; j++) {
    _centreAinB[j] = -(c[3 * j] * t[0] + c[3 * j + 1] * t[1] + c[3 * j + 2] * t[2]);
    for (let i = 0; i < 3; i++) _axesAinB[3 * i + j] = c[3 * j + i];
  }
  const side = _centreAinB[faceAxis] >= 0 ? 1 : -1;
  return emitFaceManifold(a, b, false, faceAxis, side, margin, out);
};
