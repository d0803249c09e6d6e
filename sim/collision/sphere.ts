/**
 * Narrowphase: a sphere (body A) against a sphere, a capsule or a box (body B).
 * One contact at most; its feature id is 0, except sphere–box (see there).
 */
import { createContactRecord, emitContact, RECORD_DIST } from './contacts.ts';
import type { CollideFn } from './types.ts';
import { anyPerpendicular, emitBallContact } from './ball.ts';
import { closestPointOnSegment } from './segment.ts';
import { loadCapsuleSegment, loadPose } from './pose.ts';
import { vec3Create, vec3Load, vec3Normalize, vec3Set, vec3Sub } from '../math/vec3.ts';
import { mat3MulVec3, mat3TransposeMulVec3 } from '../math/mat3.ts';

// normal used when two sphere centres coincide and no direction is preferred: world up
const UP = vec3Set(vec3Create(), 0, 0, 1);

const _centreA = vec3Create();
const _centreB = vec3Create();
const _axis = vec3Create();
const _p0 = vec3Create();
const _p1 = vec3Create();
const _onAxis = vec3Create();
const _fallback = vec3Create();
const _local = vec3Create();
const _record = createContactRecord();
const _surface = _record.subarray(0, 3);
const _normal = _record.subarray(3, 6);
const _rot = new Float64Array(9);

/**
 * Sphere A against sphere B: dist = |cB − cA| − rA − rB, normal along cB − cA (world
 * up when the centres coincide).
 *
 * @example
 * const n = collideSphereSphere(model, state.bodyQ, 1, 2, 0.01, contacts);
 */
export const collideSphereSphere: CollideFn = (input, bodyQ, a, b, margin, out) => {
  vec3Load(_centreA, bodyQ, 7 * a);
  vec3Load(_centreB, bodyQ, 7 * b);
  return emitBallContact(out, a, b, input.geomSize, _centreA, _centreB, margin, UP);
};

/**
 * Sphere A against capsule B: the sphere against the ball of radius r centred at the
 * point of the capsule's axis segment closest to the sphere centre. A centre exactly on
 * the axis takes a deterministic direction perpendicular to the axis as the normal.
 */
export const collideSphereCapsule: CollideFn = (input, bodyQ, a, b, margin, out) => {
  vec3Load(_centreA, bodyQ, 7 * a);
  loadCapsuleSegment(bodyQ, input.geomSize, b, _rot, _p0, _p1);
  closestPointOnSegment(_onAxis, _p0, _p1, _centreA);
  vec3Load(_axis, _rot, 6);
  anyPerpendicular(_fallback, _axis);
  return emitBallContact(out, a, b, input.geomSize, _centreA, _onAxis, margin, _fallback);
};

/**
 * Sphere A against box B. With the sphere centre c outside the box, the contact is
 * between c and its closest point q on the box: dist = |c − q| − r, normal (c − q)
 * reversed, feature id 0. With c inside, the box face nearest to c is the one to push
 * out through: dist = −(distance from c to that face) − r, normal the face's outward
 * normal reversed, feature id 1 + face (faces 0–5: −x, +x, −y, +y, −z, +z).
 */
export const collideSphereBox: CollideFn = (input, bodyQ, a, b, margin, out) => {
  const size = input.geomSize;
  const r = size[4 * a];
  vec3Load(_centreA, bodyQ, 7 * a);
  loadPose(bodyQ, b, _centreB, _rot);
  mat3TransposeMulVec3(_local, _rot, vec3Sub(_local, _centreA, _centreB));
  const px = _local[0],
    py = _local[1],
    pz = _local[2];
  const hx = size[4 * b],
    hy = size[4 * b + 1],
    hz = size[4 * b + 2];
  const qx = Math.min(Math.max(px, -hx), hx);
  const qy = Math.min(Math.max(py, -hy), hy);
  const qz = Math.min(Math.max(pz, -hz), hz);
  const outside = Math.sqrt((px - qx) * (px - qx) + (py - qy) * (py - qy) + (pz - qz) * (pz - qz));
  let dist: number;
  let feature: number;
  if (outside > 0) {
    dist = outside - r;
    if (dist > margin) return 0;
    // normal from the sphere to the box: (q − c)/|q − c|, box frame
    _normal[0] = qx - px;
    _normal[1] = qy - py;
    _normal[2] = qz - pz;
    vec3Normalize(_normal, _normal);
    feature = 0;
  } else {
    // the face with the least depth below it; ties go to the lower axis, + side at 0
    const dx = hx - Math.abs(px),
      dy = hy - Math.abs(py),
      dz = hz - Math.abs(pz);
    let k = 0;
    let depth = dx;
    if (dy < depth) {
      k = 1;
      depth = dy;
    }
    if (dz < depth) {
      k = 2;
      depth = dz;
    }
    dist = -depth - r;
    const side = _local[k] < 0 ? -1 : 1;
    vec3Set(_normal, 0, 0, 0);
    _normal[k] = -side;
    feature = 1 + 2 * k + (side > 0 ? 1 : 0);
  }
  mat3MulVec3(_normal, _rot, _normal);
  _surface[0] = _centreA[0] + r * _normal[0];
  _surface[1] = _centreA[1] + r * _normal[1];
  _surface[2] = _centreA[2] + r * _normal[2];
  _record[RECORD_DIST] = dist;
  return emitContact(out, a, b, _record, feature);
};
