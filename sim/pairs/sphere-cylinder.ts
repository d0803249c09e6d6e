/**
 * The sphere–cylinder pair: narrowphase, feature formula and row, in one file.
 *
 * With p = Rᵀ(c_s − c) the sphere's centre in the cylinder's frame (radius r, half length
 * h, axis z), ρ = |(p_x, p_y)|:
 *
 * - feature 0, centre outside the cylinder: the closest point q of the solid cylinder
 *   (radial part clamped to the radius, axial part to the caps), normal from the sphere
 *   to the cylinder n = R(q − p)/|q − p|, dist = |q − p| − r_s;
 * - centre inside (ρ ≤ r and |p_z| ≤ h): the nearest face, dist = −depth − r_s: feature 1
 *   the side (depth r − ρ, n = −R(p_x, p_y, 0)/ρ), 2 / 3 the cap at −h / +h (depth
 *   h − |p_z|, n = ±R e_z pointing into the cylinder). The side needs ρ > 1e-8 m (on the
 *   axis its direction is undefined: the cap is taken).
 *
 * The surface point on the sphere is c_s + r_s·n, as for every ball contact.
 */
import { add, div, mul, neg, sqrt, sub, value } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { COINCIDENT_CENTRES } from '../collision/ball.ts';
import { createContactRecord, emitContact, RECORD_DIST } from '../collision/contacts.ts';
import type { CollideFn } from '../collision/types.ts';
import type { FeatureFormula } from '../contact/geometry-features.ts';
import {
  DECISION_BOX_REGION,
  emit,
  LOCAL_POSE_A,
  LOCAL_POSE_B,
  LOCAL_SIZE_A,
  LOCAL_SIZE_B,
  rotation,
  type DecisionSink,
  type V3,
} from '../contact/geometry-shared.ts';
import { mat3FromQuat } from '../math/mat3.ts';
import type { ShapePair } from './row.ts';

/** outside (0), inside: side (1), cap −h (2), cap +h (3) */
export const SPHERE_CYLINDER_FEATURES = 4;

// ---- narrowphase (plain numbers, module scratch) ---------------------------------------------

const _record = createContactRecord();
const _rot = new Float64Array(9);
/** the normal in the cylinder's frame */
const _local = new Float64Array(3);

/**
 * Sphere A against cylinder B: one contact, from the closest point of the cylinder or,
 * with the centre inside, the nearest face (see the file header).
 *
 * @example
 * const n = collideSphereCylinder(model, state.bodyQ, ball, can, 0.01, contacts);
 */
export const collideSphereCylinder: CollideFn = (input, bodyQ, a, b, margin, out) => {
  const s = input.geomSize;
  const rs = s[4 * a],
    r = s[4 * b],
    h = s[4 * b + 1];
  mat3FromQuat(_rot, bodyQ, 7 * b + 3);
  const dx = bodyQ[7 * a] - bodyQ[7 * b],
    dy = bodyQ[7 * a + 1] - bodyQ[7 * b + 1],
    dz = bodyQ[7 * a + 2] - bodyQ[7 * b + 2];
  const px = _rot[0] * dx + _rot[1] * dy + _rot[2] * dz;
  const py = _rot[3] * dx + _rot[4] * dy + _rot[5] * dz;
  const pz = _rot[6] * dx + _rot[7] * dy + _rot[8] * dz;
  const rho = Math.sqrt(px * px + py * py);
  const absZ = Math.abs(pz);
  let dist: number, feature: number;
  if (rho <= r && absZ <= h) {
    const side = r - rho,
      cap = h - absZ;
    if (side < cap && rho > COINCIDENT_CENTRES) {
      feature = 1;
      dist = -side - rs;
      _local[0] = -px / rho;
      _local[1] = -py / rho;
      _local[2] = 0;
    } else {
      feature = pz < 0 ? 2 : 3;
      dist = -cap - rs;
      _local[0] = 0;
      _local[1] = 0;
      _local[2] = pz < 0 ? 1 : -1;
    }
  } else {
    feature = 0;
    const k = r / rho;
    const qx = rho > r ? px * k : px,
      qy = rho > r ? py * k : py;
    const qz = pz < -h ? -h : pz > h ? h : pz;
    const gx = qx - px,
      gy = qy - py,
      gz = qz - pz;
    const g = Math.sqrt(gx * gx + gy * gy + gz * gz);
    dist = g - rs;
    _local[0] = gx / g;
    _local[1] = gy / g;
    _local[2] = gz / g;
  }
  if (dist > margin) return 0;
  const l0 = _local[0],
    l1 = _local[1],
    l2 = _local[2];
  const n0 = _rot[0] * l0 + _rot[3] * l1 + _rot[6] * l2;
  const n1 = _rot[1] * l0 + _rot[4] * l1 + _rot[7] * l2;
  const n2 = _rot[2] * l0 + _rot[5] * l1 + _rot[8] * l2;
  _record[0] = bodyQ[7 * a] + rs * n0;
  _record[1] = bodyQ[7 * a + 1] + rs * n1;
  _record[2] = bodyQ[7 * a + 2] + rs * n2;
  _record[3] = n0;
  _record[4] = n1;
  _record[5] = n2;
  _record[RECORD_DIST] = dist;
  return emitContact(out, a, b, _record, feature);
};

// ---- the feature formula (ad ops, the narrowphase's arithmetic) --------------------------------

/** Sphere–cylinder feature `feature` (see the file header) from the local inputs; decisions to `sink`. */
export const sphereCylinderFeature: FeatureFormula = (
  feature: number,
  x: readonly Real[],
  sink: DecisionSink | null,
) => {
  const rs = x[LOCAL_SIZE_A],
    r = x[LOCAL_SIZE_B],
    h = x[LOCAL_SIZE_B + 1];
  const rot = rotation(x, LOCAL_POSE_B + 3);
  const d: V3 = [
    sub(x[LOCAL_POSE_A], x[LOCAL_POSE_B]),
    sub(x[LOCAL_POSE_A + 1], x[LOCAL_POSE_B + 1]),
    sub(x[LOCAL_POSE_A + 2], x[LOCAL_POSE_B + 2]),
  ];
  const p = [0, 1, 2].map((k) => add(add(mul(rot[3 * k], d[0]), mul(rot[3 * k + 1], d[1])), mul(rot[3 * k + 2], d[2])));
  const rho = sqrt(add(mul(p[0], p[0]), mul(p[1], p[1])));
  const absZ = value(p[2]) < 0 ? neg(p[2]) : p[2];
  let dist: Real;
  let local: V3;
  if (sink !== null) {
    // region switches: the rim (ρ = r) and the caps' planes (|z| = h)
    sink.decision(Math.abs(value(rho) - value(r)), DECISION_BOX_REGION);
    sink.decision(Math.abs(value(absZ) - value(h)), DECISION_BOX_REGION);
  }
  if (feature === 1) {
    const side = sub(r, rho);
    if (sink !== null) sink.decision(Math.abs(value(side) - (value(h) - value(absZ))), DECISION_BOX_REGION);
    dist = sub(neg(side), rs);
    local = [neg(div(p[0], rho)), neg(div(p[1], rho)), 0];
  } else if (feature === 2 || feature === 3) {
    const cap = sub(h, absZ);
    if (sink !== null) sink.decision(Math.abs(value(r) - value(rho) - value(cap)), DECISION_BOX_REGION);
    dist = sub(neg(cap), rs);
    local = [0, 0, feature === 2 ? 1 : -1];
  } else {
    const rv = value(rho) > value(r);
    const k = rv ? div(r, rho) : 1;
    const qx = rv ? mul(p[0], k) : p[0],
      qy = rv ? mul(p[1], k) : p[1];
    const zv = value(p[2]);
    const qz = zv < -value(h) ? neg(h) : zv > value(h) ? h : p[2];
    const g: V3 = [sub(qx, p[0]), sub(qy, p[1]), sub(qz, p[2])];
    const len = sqrt(add(add(mul(g[0], g[0]), mul(g[1], g[1])), mul(g[2], g[2])));
    dist = sub(len, rs);
    local = [div(g[0], len), div(g[1], len), div(g[2], len)];
  }
  const n = [0, 1, 2].map((i) =>
    add(add(mul(rot[i], local[0]), mul(rot[3 + i], local[1])), mul(rot[6 + i], local[2])),
  ) as V3;
  return emit(dist, n, [
    add(x[LOCAL_POSE_A], mul(rs, n[0])),
    add(x[LOCAL_POSE_A + 1], mul(rs, n[1])),
    add(x[LOCAL_POSE_A + 2], mul(rs, n[2])),
  ]);
};

export const sphereCylinder: ShapePair = {
  a: 'sphere',
  b: 'cylinder',
  collide: collideSphereCylinder,
  features: SPHERE_CYLINDER_FEATURES,
  formula: sphereCylinderFeature,
  fastAdjoint: null,
  fastTangent: null,
  choosesFeatures: true,
};
