/**
 * Narrowphase: a plane (body A, static, world frame) against a sphere, a box or a
 * capsule (body B). The plane's solid side is n·p ≤ offset; the normal of every contact
 * is the plane normal n (it points from the plane, A, to the other body, B), and the
 * distance of a point p of B's surface to the plane is n·p − offset.
 */
import type { Contacts } from './contacts.ts';
import { createContactRecord, emitContact, RECORD_DIST } from './contacts.ts';
import type { CollideFn } from './types.ts';
import { loadCapsuleSegment, loadPose } from './pose.ts';
import { vec3Create, type Vec3 } from '../math/vec3.ts';

// a box–plane manifold keeps at most this many corners, the deepest: four are the face
// resting on the plane, and more would over-weight one box in a penalty contact model
const MAX_BOX_PLANE_CONTACTS = 4;

const _record = createContactRecord();
const _surface = _record.subarray(0, 3);
const _normal = _record.subarray(3, 6);
const _centre = vec3Create();
const _p0 = vec3Create();
const _p1 = vec3Create();
const _rot = new Float64Array(9);
const _cornerDist = new Float64Array(8);

/** Load plane `a`'s normal into the record's normal. */
function loadPlaneNormal(geomSize: Float64Array, a: number): void {
  _normal[0] = geomSize[4 * a];
  _normal[1] = geomSize[4 * a + 1];
  _normal[2] = geomSize[4 * a + 2];
}

/**
 * Contact of plane `a` (normal already loaded) with the ball of radius `radius` centred at
 * `centre` (spheres and capsules: r = geomSize[4b]; a surface point: 0), if within the margin.
 */
function emitPlaneBall(
  out: Contacts,
  a: number,
  b: number,
  geomSize: Float64Array,
  centre: Vec3,
  radius: number,
  margin: number,
  feature: number,
): number {
  const height = _normal[0] * centre[0] + _normal[1] * centre[1] + _normal[2] * centre[2] - geomSize[4 * a + 3];
  const dist = height - radius;
  if (dist > margin) return 0;
  _surface[0] = centre[0] - height * _normal[0];
  _surface[1] = centre[1] - height * _normal[1];
  _surface[2] = centre[2] - height * _normal[2];
  _record[RECORD_DIST] = dist;
  return emitContact(out, a, b, _record, feature);
}

/**
 * Contact of plane `a` with the surface point `point` of body b (a ball of radius 0), if
 * within the margin: for shapes whose candidate contacts are points of their surface
 * (sim/pairs/plane-cylinder.ts). Feature id `feature`.
 */
export function emitPlanePoint(
  out: Contacts,
  geomSize: Float64Array,
  a: number,
  b: number,
  point: Vec3,
  margin: number,
  feature: number,
): number {
  loadPlaneNormal(geomSize, a);
  return emitPlaneBall(out, a, b, geomSize, point, 0, margin, feature);
}

/**
 * Plane A against sphere B: one contact, dist = n·c − offset − r. Feature id 0.
 *
 * @example
 * const n = collidePlaneSphere(model, state.bodyQ, ground, ball, 0.01, contacts);
 */
export const collidePlaneSphere: CollideFn = (input, bodyQ, a, b, margin, out) => {
  loadPlaneNormal(input.geomSize, a);
  _centre[0] = bodyQ[7 * b];
  _centre[1] = bodyQ[7 * b + 1];
  _centre[2] = bodyQ[7 * b + 2];
  return emitPlaneBall(out, a, b, input.geomSize, _centre, input.geomSize[4 * b], margin, 0);
};

/**
 * Plane A against capsule B: each end cap (the sphere of radius r at either end of the
 * axis segment) within the margin gives a contact, so a capsule lying on the plane has
 * two. Feature id 0 for the end at −halfLength along body z, 1 for the end at +halfLength.
 */
export const collidePlaneCapsule: CollideFn = (input, bodyQ, a, b, margin, out) => {
  loadPlaneNormal(input.geomSize, a);
  loadCapsuleSegment(bodyQ, input.geomSize, b, _rot, _p0, _p1);
  const n0 = emitPlaneBall(out, a, b, input.geomSize, _p0, input.geomSize[4 * b], margin, 0);
  return n0 + emitPlaneBall(out, a, b, input.geomSize, _p1, input.geomSize[4 * b], margin, 1);
};

/**
 * Plane A against box B: the corners of the box within the margin, at most the 4
 * deepest, deepest first; each contact's dist is its corner's height n·v − offset. A box
 * resting on a face gives its four bottom corners. Feature id: the corner index
 * i + 2j + 4k for the corner at (±hx, ±hy, ±hz) with i, j, k = 1 for the + sign.
 */
export const collidePlaneBox: CollideFn = (input, bodyQ, a, b, margin, out) => {
  const size = input.geomSize;
  loadPlaneNormal(size, a);
  loadPose(bodyQ, b, _centre, _rot);
  const nx = _normal[0],
    ny = _normal[1],
    nz = _normal[2];
  // each half extent's contribution to a corner's height
  const ex = size[4 * b] * (nx * _rot[0] + ny * _rot[1] + nz * _rot[2]);
  const ey = size[4 * b + 1] * (nx * _rot[3] + ny * _rot[4] + nz * _rot[5]);
  const ez = size[4 * b + 2] * (nx * _rot[6] + ny * _rot[7] + nz * _rot[8]);
  const centreHeight = nx * _centre[0] + ny * _centre[1] + nz * _centre[2] - size[4 * a + 3];
  for (let corner = 0; corner < 8; corner++) {
    const sx = corner & 1 ? 1 : -1,
      sy = corner & 2 ? 1 : -1,
      sz = corner & 4 ? 1 : -1;
    _cornerDist[corner] = centreHeight + sx * ex + sy * ey + sz * ez;
  }
  // repeatedly take the deepest remaining corner within the margin
  let written = 0;
  let taken = 0;
  for (let c = 0; c < MAX_BOX_PLANE_CONTACTS; c++) {
    let best = -1;
    for (let corner = 0; corner < 8; corner++) {
      if (taken & (1 << corner) || _cornerDist[corner] > margin) continue;
      if (best < 0 || _cornerDist[corner] < _cornerDist[best]) best = corner;
    }
    if (best < 0) break;
    taken |= 1 << best;
    const sx = best & 1 ? 1 : -1,
      sy = best & 2 ? 1 : -1,
      sz = best & 4 ? 1 : -1;
    const hx = sx * size[4 * b],
      hy = sy * size[4 * b + 1],
      hz = sz * size[4 * b + 2];
    const dist = _cornerDist[best];
    // the corner, moved onto the plane along −n
    _surface[0] = _centre[0] + hx * _rot[0] + hy * _rot[3] + hz * _rot[6] - dist * nx;
    _surface[1] = _centre[1] + hx * _rot[1] + hy * _rot[4] + hz * _rot[7] - dist * ny;
    _surface[2] = _centre[2] + hx * _rot[2] + hy * _rot[5] + hz * _rot[8] - dist * nz;
    _record[RECORD_DIST] = dist;
    written += emitContact(out, a, b, _record, best);
  }
  return written;
};
