/**
 * Narrowphase: box A against capsule B. The capsule is the set of points within r of its
 * axis segment, so this is the signed distance between a segment and a box, minus r.
 *
 * Method, in the box frame:
 * - Segment outside the box (a slab test finds no common point): the exact closest point.
 *   The squared distance from P(t) to the box is Σₖ (Pₖ(t) − clamp(Pₖ(t), ±hₖ))², a
 *   piecewise quadratic in t whose pieces change only where a coordinate crosses a face
 *   plane (±hₖ). Minimizing each piece in closed form over its interval gives the global
 *   minimum exactly, with no iteration.
 * - Segment through the box: separating axes. The box–segment Minkowski difference has
 *   face normals eₖ (the box faces) and axis × eₖ (the segment against a box edge), so the
 *   least overlap over those six axes is the exact penetration depth.
 *
 * Manifold: a capsule lying along a face or an edge has a whole stretch of closest points
 * (a flat minimum), and one contact there would be an arbitrary pick that rocks the
 * capsule. So, when the closest point lies over a face or beside an edge, the contacts
 * are the two ends of the part of the segment over that face (alongside that edge), each
 * with its own distance; if the nearest of the two is not as near as the closest point
 * (the segment crosses the edge, or dips toward it in between), one contact at the
 * closest point. Penetrating with a face axis: the ends of the part over that face.
 *
 * Feature ids: 0 for a single contact when separated; 1 + end (end 0 or 1) for the two
 * ends when separated; 3 + 2·face + end for the face contacts when penetrating (faces
 * 0–5: −x, +x, −y, +y, −z, +z); 15 + k for the segment against a box edge along axis k
 * when penetrating.
 */
import type { Contacts } from './contacts.ts';
import { createContactRecord, emitContact, RECORD_DIST } from './contacts.ts';
import type { CollideFn } from './types.ts';
import { closestPointsSegmentSegment } from './segment.ts';
import { loadCapsuleSegment, loadPose } from './pose.ts';
import { EDGE_AXIS_MIN_SINE, EDGE_AXIS_TOLERANCE } from './sat.ts';
import { vec3Add, vec3Copy, vec3Create, vec3Load, vec3Normalize, vec3Set, vec3Sub, type Vec3 } from '../math/vec3.ts';
import { mat3MulVec3, mat3TransposeMulVec3 } from '../math/mat3.ts';

/**
 * lengths (m) this close are equal up to rounding (~1e-16 m at metre scale): whether a
 * coordinate of the closest point is clamped (it could flip with the last bit at a face's
 * rim), and whether a stretch's nearest end is as near as the closest point
 */
export const FLAT_TOLERANCE = 1e-12;

const ALL_AXES = 0b111;

// segment parameters kept in `_t` (and the distances to the box found there in `_gap`):
// non-integer values pass between the helpers below through these arrays, never as
// arguments or results (see ContactRecord)
const T_CLOSEST = 0;
const T_ENTER = 1;
const T_EXIT = 2;
const _t = new Float64Array(3);
const _gap = new Float64Array(3);
// the capsule radius, m
const _radius = new Float64Array(1);

// box frame: rotation, centre, half extents; the capsule segment P(t) = p0 + t·dir
const _boxRot = new Float64Array(9);
const _boxCentre = vec3Create();
const _half = vec3Create();
const _p0 = vec3Create();
const _dir = vec3Create();
const _capRot = new Float64Array(9);
const _end0 = vec3Create();
const _end1 = vec3Create();
const _breaks = new Float64Array(8);
const _record = createContactRecord();
const _surface = _record.subarray(0, 3);
const _normal = _record.subarray(3, 6);
const _edge0 = vec3Create();
const _edge1 = vec3Create();
const _onSegment = vec3Create();

/**
 * Clip the parameter range [0, 1] of P(t) = p0 + t·dir to the slabs |Pₖ| ≤ hₖ of the axes
 * k in the bit mask `axes`, writing the range left to `_t[T_ENTER]`, `_t[T_EXIT]`.
 * Returns false if nothing remains (Liang–Barsky).
 */
function clipToSlabs(axes: number): boolean {
  let enter = 0;
  let exit = 1;
  for (let k = 0; k < 3; k++) {
    if (!(axes & (1 << k))) continue;
    const p = _p0[k],
      d = _dir[k],
      h = _half[k];
    if (d === 0) {
      if (p > h || p < -h) return false;
      continue;
    }
    let t1 = (-h - p) / d;
    let t2 = (h - p) / d;
    if (t1 > t2) {
      const swap = t1;
      t1 = t2;
      t2 = swap;
    }
    if (t1 > enter) enter = t1;
    if (t2 < exit) exit = t2;
    if (enter > exit) return false;
  }
  _t[T_ENTER] = enter;
  _t[T_EXIT] = exit;
  return true;
}

/** The parameter of the segment point closest to the box (segment outside it), to `_t[T_CLOSEST]`. */
function findClosestParameter(): void {
  // breakpoints: the ends, and where a coordinate crosses a face plane inside (0, 1)
  let count = 0;
  _breaks[count++] = 0;
  _breaks[count++] = 1;
  for (let k = 0; k < 3; k++) {
    const d = _dir[k];
    if (d === 0) continue;
    for (let side = -1; side <= 1; side += 2) {
      const t = (side * _half[k] - _p0[k]) / d;
      if (t > 0 && t < 1) _breaks[count++] = t;
    }
  }
  for (let i = 1; i < count; i++) {
    const t = _breaks[i];
    let j = i - 1;
    while (j >= 0 && _breaks[j] > t) {
      _breaks[j + 1] = _breaks[j];
      j--;
    }
    _breaks[j + 1] = t;
  }
  // on each piece the clamped coordinates are fixed: f(t) = α t² + 2β t + γ
  let bestT = 0;
  let bestF = Infinity;
  for (let i = 0; i + 1 < count; i++) {
    const lo = _breaks[i],
      hi = _breaks[i + 1];
    if (hi <= lo) continue;
    const mid = 0.5 * (lo + hi);
    let alpha = 0,
      beta = 0,
      gamma = 0;
    for (let k = 0; k < 3; k++) {
      const p = _p0[k],
        d = _dir[k],
        h = _half[k];
      const x = p + mid * d;
      if (x <= h && x >= -h) continue;
      const bound = x > h ? h : -h;
      alpha += d * d;
      beta += d * (p - bound);
      gamma += (p - bound) * (p - bound);
    }
    let t = alpha > 0 ? -beta / alpha : lo;
    t = t < lo ? lo : t > hi ? hi : t;
    const f = (alpha * t + 2 * beta) * t + gamma;
    if (f < bestF) {
      bestF = f;
      bestT = t;
    }
  }
  _t[T_CLOSEST] = bestT;
}

/**
 * The segment point P(_t[slot]) into `_onSegment`, the box point nearest to it into
 * `_surface` (box frame), their distance into `_gap[slot]` (segment outside the box).
 */
function pointAt(slot: number): void {
  const t = _t[slot];
  for (let k = 0; k < 3; k++) {
    const x = _p0[k] + t * _dir[k];
    _onSegment[k] = x;
    _surface[k] = x > _half[k] ? _half[k] : x < -_half[k] ? -_half[k] : x;
  }
  const dx = _onSegment[0] - _surface[0],
    dy = _onSegment[1] - _surface[1],
    dz = _onSegment[2] - _surface[2];
  _gap[slot] = Math.sqrt(dx * dx + dy * dy + dz * dz);
}

function toWorld(local: Vec3): void {
  mat3MulVec3(local, _boxRot, local);
  local[0] += _boxCentre[0];
  local[1] += _boxCentre[1];
  local[2] += _boxCentre[2];
}

/** The contact of the segment point P(_t[slot]) with the box, segment outside the box. */
function emitPointContact(a: number, b: number, slot: number, feature: number, out: Contacts): number {
  pointAt(slot);
  vec3Normalize(_normal, vec3Sub(_normal, _onSegment, _surface));
  mat3MulVec3(_normal, _boxRot, _normal);
  toWorld(_surface);
  _record[RECORD_DIST] = _gap[slot] - _radius[0];
  return emitContact(out, a, b, _record, feature);
}

/** Segment outside the box: exact closest points, then a two-end manifold or one contact. */
function collideSeparated(a: number, b: number, margin: number, out: Contacts): number {
  const r = _radius[0];
  findClosestParameter();
  pointAt(T_CLOSEST);
  const gap = _gap[T_CLOSEST];
  if (gap - r > margin) return 0;
  // the axes along which the closest point lies within the box's extent: the feature it
  // faces is the face or edge spanned by them (none: a corner)
  let free = 0;
  for (let k = 0; k < 3; k++) if (Math.abs(_onSegment[k] - _surface[k]) <= FLAT_TOLERANCE) free |= 1 << k;
  if (free !== 0 && clipToSlabs(free) && _t[T_EXIT] > _t[T_ENTER]) {
    pointAt(T_ENTER);
    pointAt(T_EXIT);
    if (Math.abs(Math.min(_gap[T_ENTER], _gap[T_EXIT]) - gap) <= FLAT_TOLERANCE) {
      let written = 0;
      if (_gap[T_ENTER] - r <= margin) written += emitPointContact(a, b, T_ENTER, 1, out);
      if (_gap[T_EXIT] - r <= margin) written += emitPointContact(a, b, T_EXIT, 2, out);
      return written;
    }
  }
  return emitPointContact(a, b, T_CLOSEST, 0, out);
}

/**
 * Contacts with box face `face` (axis k = face >> 1, outward sign from its low bit) of a
 * penetrating segment: the ends of the part of the segment over the face (the range in
 * `_t` from clipping to the other two axes' slabs), each within the margin.
 */
function emitFaceContacts(a: number, b: number, face: number, margin: number, out: Contacts): number {
  const k = face >> 1;
  const side = face & 1 ? 1 : -1;
  let written = 0;
  for (let end = 0; end < 2; end++) {
    if (end === 1 && !(_t[T_EXIT] > _t[T_ENTER])) break;
    const t = _t[end === 0 ? T_ENTER : T_EXIT];
    const dist = side * (_p0[k] + t * _dir[k]) - _half[k] - _radius[0];
    if (dist > margin) continue;
    // the axis point moved onto the face plane: on the box surface
    for (let j = 0; j < 3; j++) _surface[j] = _p0[j] + t * _dir[j];
    _surface[k] = side * _half[k];
    toWorld(_surface);
    vec3Set(_normal, 0, 0, 0);
    _normal[k] = side;
    mat3MulVec3(_normal, _boxRot, _normal);
    _record[RECORD_DIST] = dist;
    written += emitContact(out, a, b, _record, 3 + 2 * face + end);
  }
  return written;
}

/** Segment through the box: least overlap over the six separating axes. */
function collidePenetrating(a: number, b: number, margin: number, out: Contacts): number {
  const hx = _half[0],
    hy = _half[1],
    hz = _half[2];
  const dx = _dir[0],
    dy = _dir[1],
    dz = _dir[2];
  // segment midpoint relative to the box centre
  const mx = _p0[0] + 0.5 * dx,
    my = _p0[1] + 0.5 * dy,
    mz = _p0[2] + 0.5 * dz;
  // face axes: overlap of [−hₖ, hₖ] with the segment's extent [mₖ − |dₖ|/2, mₖ + |dₖ|/2]
  let bestFace = -1;
  let bestOverlap = Infinity;
  for (let k = 0; k < 3; k++) {
    const m = _p0[k] + 0.5 * _dir[k];
    const overlap = _half[k] + 0.5 * Math.abs(_dir[k]) - Math.abs(m);
    if (overlap < bestOverlap) {
      bestOverlap = overlap;
      bestFace = 2 * k + (m >= 0 ? 1 : 0);
    }
  }
  // edge axes u = dir × eₖ (u ⊥ dir, so the segment projects to a point)
  const dirLength = Math.sqrt(dx * dx + dy * dy + dz * dz);
  let bestEdge = -1;
  let edgeOverlap = bestOverlap - EDGE_AXIS_TOLERANCE;
  let ux = 0,
    uy = 0,
    uz = 0;
  for (let k = 0; k < 3; k++) {
    const cx = k === 0 ? 0 : k === 1 ? -dz : dy;
    const cy = k === 0 ? dz : k === 1 ? 0 : -dx;
    const cz = k === 0 ? -dy : k === 1 ? dx : 0;
    const len = Math.sqrt(cx * cx + cy * cy + cz * cz);
    if (len <= EDGE_AXIS_MIN_SINE * dirLength) continue;
    const ex = cx / len,
      ey = cy / len,
      ez = cz / len;
    const overlap = hx * Math.abs(ex) + hy * Math.abs(ey) + hz * Math.abs(ez) - Math.abs(mx * ex + my * ey + mz * ez);
    if (overlap < edgeOverlap) {
      edgeOverlap = overlap;
      bestEdge = k;
      const s = mx * ex + my * ey + mz * ez >= 0 ? 1 : -1;
      ux = s * ex;
      uy = s * ey;
      uz = s * ez;
    }
  }
  if (bestEdge < 0) {
    // the segment meets the box, so the part of it over any face is non-empty
    return clipToSlabs(ALL_AXES & ~(1 << (bestFace >> 1))) ? emitFaceContacts(a, b, bestFace, margin, out) : 0;
  }
  // the box edge along axis k that is extreme along u, against the segment
  const k = bestEdge;
  _edge0[0] = ux >= 0 ? hx : -hx;
  _edge0[1] = uy >= 0 ? hy : -hy;
  _edge0[2] = uz >= 0 ? hz : -hz;
  vec3Copy(_edge1, _edge0);
  _edge0[k] = -_half[k];
  _edge1[k] = _half[k];
  vec3Add(_end1, _p0, _dir);
  closestPointsSegmentSegment(_edge0, _edge1, _p0, _end1, _surface, _onSegment);
  toWorld(_surface);
  _normal[0] = ux;
  _normal[1] = uy;
  _normal[2] = uz;
  mat3MulVec3(_normal, _boxRot, _normal);
  _record[RECORD_DIST] = -edgeOverlap - _radius[0];
  return emitContact(out, a, b, _record, 15 + k);
}

/**
 * Box A against capsule B: see the file comment for the method. dist is the exact
 * signed distance between the box and the capsule for the deepest contact.
 *
 * @example
 * const n = collideBoxCapsule(model, state.bodyQ, crate, rod, 0.01, contacts);
 */
export const collideBoxCapsule: CollideFn = (input, bodyQ, a, b, margin, out) => {
  const size = input.geomSize;
  loadPose(bodyQ, a, _boxCentre, _boxRot);
  vec3Load(_half, size, 4 * a);
  _radius[0] = size[4 * b];
  loadCapsuleSegment(bodyQ, size, b, _capRot, _end0, _end1);
  mat3TransposeMulVec3(_p0, _boxRot, vec3Sub(_p0, _end0, _boxCentre));
  mat3TransposeMulVec3(_dir, _boxRot, vec3Sub(_dir, _end1, _end0));
  if (clipToSlabs(ALL_AXES)) return collidePenetrating(a, b, margin, out);
  return collideSeparated(a, b, margin, out);
};
