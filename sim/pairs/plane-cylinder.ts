/**
 * The plane–cylinder pair: narrowphase, feature formula and row, in one file (the first
 * pair added through the table: nothing outside this folder dispatches on it).
 *
 * A cylinder (radius r, half length h, axis = body z, flat caps at z = ∓h) meets a plane
 * (normal n, solid side n·p ≤ offset) at points of its two rim circles: the lowest point
 * of a convex body is always on a rim. Per cap (σ = ∓1, cap centre e = c + σh·a, a the
 * axis in world):
 *
 * - feature `cap` (0: −h, 1: +h): the deepest rim point e − r·v/|v|, v = n − (n·a)a the
 *   plane normal's part across the axis. Skipped when the cylinder stands within
 *   `FLAT_CAP_TILT` of upright (|v| small: the deepest point is undefined on a flat cap
 *   and its position turns as r/|v| with the tilt);
 * - features 2 + 3·cap + m (m = 0, 1, 2): the rim points at body angles 0°, 120°, 240°
 *   (e + r(cos θ·x_body + sin θ·y_body)), the tripod that carries a cylinder standing on
 *   a cap.
 *
 * Every contact is a true point of the surface with its exact signed distance n·p −
 * offset, normal n, and is written when within the margin. Lying on its side, the two
 * deepest points are the ends of the contact line; standing, the bottom tripod.
 */
import { add, div, mul, sqrt, sub } from '../../ad/ops.ts';
import type { Real } from '../../ad/tape.ts';
import { emitPlanePoint } from '../collision/plane.ts';
import type { CollideFn } from '../collision/types.ts';
import type { FeatureFormula } from '../contact/geometry-features.ts';
import { emit, LOCAL_POSE_B, LOCAL_SIZE_A, LOCAL_SIZE_B, rotation, type V3 } from '../contact/geometry-shared.ts';
import { mat3FromQuat } from '../math/mat3.ts';
import type { ShapePair } from './row.ts';

/**
 * |v| = sin(tilt) below which a cap counts as flat on the plane (no deepest-point
 * contact): 1e-3 rad, where the cap's rim is within 1e-3·r of level and the tripod holds it
 */
export const FLAT_CAP_TILT = 1e-3;
/** the rim points of the tripod, per cap */
const RIM_POINTS = 3;
const RIM_COS = [1, Math.cos((2 * Math.PI) / 3), Math.cos((4 * Math.PI) / 3)];
const RIM_SIN = [0, Math.sin((2 * Math.PI) / 3), Math.sin((4 * Math.PI) / 3)];
/** deepest point of each cap (2), then the tripods (2 × 3) */
export const PLANE_CYLINDER_FEATURES = 2 + 2 * RIM_POINTS;

// ---- narrowphase (plain numbers, module scratch) ---------------------------------------------

const _rot = new Float64Array(9);
/** the candidate point (world) */
const _p = new Float64Array(3);

/**
 * Plane A against cylinder B: the deepest rim point of each cap (unless the cylinder is
 * upright) and each cap's rim tripod, those within `margin` (see the file header).
 *
 * @example
 * const n = collidePlaneCylinder(model, state.bodyQ, ground, can, 0.01, contacts);
 */
export const collidePlaneCylinder: CollideFn = (input, bodyQ, a, b, margin, out) => {
  const s = input.geomSize;
  const n0 = s[4 * a],
    n1 = s[4 * a + 1],
    n2 = s[4 * a + 2];
  mat3FromQuat(_rot, bodyQ, 7 * b + 3);
  const r = s[4 * b],
    h = s[4 * b + 1];
  const ax = _rot[6],
    ay = _rot[7],
    az = _rot[8];
  const na = n0 * ax + n1 * ay + n2 * az;
  const vx = n0 - na * ax,
    vy = n1 - na * ay,
    vz = n2 - na * az;
  const across = Math.sqrt(vx * vx + vy * vy + vz * vz);
  let written = 0;
  for (let cap = 0; cap < 2; cap++) {
    const along = (cap === 0 ? -1 : 1) * h;
    const ex = bodyQ[7 * b] + along * ax,
      ey = bodyQ[7 * b + 1] + along * ay,
      ez = bodyQ[7 * b + 2] + along * az;
    if (across > FLAT_CAP_TILT) {
      _p[0] = ex - (r * vx) / across;
      _p[1] = ey - (r * vy) / across;
      _p[2] = ez - (r * vz) / across;
      written += emitPlanePoint(out, s, a, b, _p, margin, cap);
    }
    for (let m = 0; m < RIM_POINTS; m++) {
      const co = RIM_COS[m],
        si = RIM_SIN[m];
      _p[0] = ex + r * (co * _rot[0] + si * _rot[3]);
      _p[1] = ey + r * (co * _rot[1] + si * _rot[4]);
      _p[2] = ez + r * (co * _rot[2] + si * _rot[5]);
      written += emitPlanePoint(out, s, a, b, _p, margin, 2 + RIM_POINTS * cap + m);
    }
  }
  return written;
};

// ---- the feature formula (ad ops, the narrowphase's arithmetic) --------------------------------

/** Plane–cylinder feature `feature` (see the file header) from the local inputs. */
export const planeCylinderFeature: FeatureFormula = (feature, x) => {
  const n: V3 = [x[LOCAL_SIZE_A], x[LOCAL_SIZE_A + 1], x[LOCAL_SIZE_A + 2]];
  const rot = rotation(x, LOCAL_POSE_B + 3);
  const r = x[LOCAL_SIZE_B],
    h = x[LOCAL_SIZE_B + 1];
  const cap = feature < 2 ? feature : feature - 2 < RIM_POINTS ? 0 : 1;
  const along = mul(cap === 0 ? -1 : 1, h);
  const e: V3 = [
    add(x[LOCAL_POSE_B], mul(along, rot[6])),
    add(x[LOCAL_POSE_B + 1], mul(along, rot[7])),
    add(x[LOCAL_POSE_B + 2], mul(along, rot[8])),
  ];
  let p: V3;
  if (feature < 2) {
    const na = add(add(mul(n[0], rot[6]), mul(n[1], rot[7])), mul(n[2], rot[8]));
    const v: V3 = [sub(n[0], mul(na, rot[6])), sub(n[1], mul(na, rot[7])), sub(n[2], mul(na, rot[8]))];
    const across = sqrt(add(add(mul(v[0], v[0]), mul(v[1], v[1])), mul(v[2], v[2])));
    p = [
      sub(e[0], div(mul(r, v[0]), across)),
      sub(e[1], div(mul(r, v[1]), across)),
      sub(e[2], div(mul(r, v[2]), across)),
    ];
  } else {
    const m = (feature - 2) % RIM_POINTS;
    const co = RIM_COS[m],
      si = RIM_SIN[m];
    p = [0, 1, 2].map((i) => add(e[i], mul(r, add(mul(co, rot[i]), mul(si, rot[3 + i]))))) as V3;
  }
  const dist: Real = sub(add(add(mul(n[0], p[0]), mul(n[1], p[1])), mul(n[2], p[2])), x[LOCAL_SIZE_A + 3]);
  return emit(dist, n, [sub(p[0], mul(dist, n[0])), sub(p[1], mul(dist, n[1])), sub(p[2], mul(dist, n[2]))]);
};

export const planeCylinder: ShapePair = {
  a: 'plane',
  b: 'cylinder',
  collide: collidePlaneCylinder,
  features: PLANE_CYLINDER_FEATURES,
  formula: planeCylinderFeature,
  fastAdjoint: null,
  fastTangent: null,
  choosesFeatures: false,
};
