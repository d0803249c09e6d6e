/**
 * Hand-written forward mode of the ball contacts (plane–sphere, sphere–sphere: the
 * formulas of collision/ball.ts `emitBallContact` and plane.ts `emitPlaneBall`), written
 * straight into the tangent block of `contactGeometryTangents` (geometry-tangent.ts)
 * without building the contact's local Jacobian: the contacts of ball scenes. One
 * function per pair, listed as the `fastTangent` of its row in sim/pairs/; a pair
 * without one goes through the Jacobian of its adjoint.
 *
 * In table order (A the plane or the first sphere, B the sphere), with c the centres, r
 * the radii, n̂ the plane's unit normal and o its offset (its size row):
 *
 *   plane–sphere   h = n̂·c_B − o, dist = h − r_B, n = n̂, point = c_B − ½(h + r_B)·n̂
 *   sphere–sphere  δ = c_B − c_A, ℓ = |δ|, dist = ℓ − r_A − r_B, n = δ/ℓ,
 *                  point = c_A + (r_A + ½dist)·n
 */
import { COINCIDENT_CENTRES } from '../collision/ball.ts';
import { FEATURE_OUTPUTS } from './geometry-shared.ts';

/** Floats per body of a pose and of a size row. */
const POSE = 7;
const SIZE = 4;

/**
 * Where and along what a tangent is written (`contactGeometryTangents`' arguments, held in
 * one reused object so the per-pair functions take few arguments): direction j's pose
 * tangents are `stateDot[j·stateStride ..]` (nbody×7), its size tangents
 * `sizeDot[j·sizeStride ..]` (nbody×4); contact k of `count` goes to `out` at direction j's
 * block j·7·count, `[ḋ (count) | ṅ (3·count) | ṗ (3·count)]`, entries k.
 */
export interface TangentBlock {
  count: number;
  dirs: number;
  stateDot: Float64Array;
  stateStride: number;
  sizeDot: Float64Array;
  sizeStride: number;
  out: Float64Array;
}

/**
 * A hand-written forward mode of one pair's features (the `fastTangent` of its row in
 * sim/pairs/): the tangents of contact k, bodies `a`, `b` IN TABLE ORDER (body `a` of the
 * row's type A), along every direction of `t`, written into `t.out`. `flip` is −1 for a
 * contact stored the other way round (its normal negated), else 1. Returns false, writing
 * nothing, for a feature or configuration it does not cover (coincident centres): the
 * caller then takes the Jacobian path.
 */
export type FastGeometryTangent = (
  feature: number,
  a: number,
  b: number,
  flip: number,
  k: number,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  t: TangentBlock,
) => boolean;

/** Plane–sphere, feature 0. */
export const planeSphereTangent: FastGeometryTangent = (feature, a, b, flip, k, bodyQ, geomSize, t) =>
  feature === 0 && ballTangent(true, a, b, flip, k, bodyQ, geomSize, t);

/** Sphere–sphere, feature 0 (coincident centres: false). */
export const sphereSphereTangent: FastGeometryTangent = (feature, a, b, flip, k, bodyQ, geomSize, t) =>
  feature === 0 && ballTangent(false, a, b, flip, k, bodyQ, geomSize, t);

/** The ball contact's tangents (see the file header): A a plane (`plane`) or a sphere, B a sphere. */
function ballTangent(
  plane: boolean,
  A: number,
  B: number,
  flip: number,
  k: number,
  bodyQ: Float64Array,
  geomSize: Float64Array,
  t: TangentBlock,
): boolean {
  const { count: c, stateDot, stateStride, sizeDot, sizeStride, out } = t;
  const os = FEATURE_OUTPUTS * c;
  const cx = bodyQ[POSE * B],
    cy = bodyQ[POSE * B + 1],
    cz = bodyQ[POSE * B + 2];
  const rB = geomSize[SIZE * B];
  if (plane) {
    const nx = geomSize[SIZE * A],
      ny = geomSize[SIZE * A + 1],
      nz = geomSize[SIZE * A + 2];
    const h = nx * cx + ny * cy + nz * cz - geomSize[SIZE * A + 3];
    for (let j = 0; j < t.dirs; j++) {
      const qo = j * stateStride + POSE * B,
        sa = j * sizeStride + SIZE * A;
      const dcx = stateDot[qo],
        dcy = stateDot[qo + 1],
        dcz = stateDot[qo + 2];
      const dnx = sizeDot[sa],
        dny = sizeDot[sa + 1],
        dnz = sizeDot[sa + 2];
      const dr = sizeDot[j * sizeStride + SIZE * B];
      const dh = dnx * cx + dny * cy + dnz * cz + nx * dcx + ny * dcy + nz * dcz - sizeDot[sa + 3];
      const o = j * os;
      out[o + k] = dh - dr;
      out[o + c + 3 * k] = flip * dnx;
      out[o + c + 3 * k + 1] = flip * dny;
      out[o + c + 3 * k + 2] = flip * dnz;
      const half = 0.5 * (h + rB),
        halfDot = 0.5 * (dh + dr);
      out[o + 4 * c + 3 * k] = dcx - halfDot * nx - half * dnx;
      out[o + 4 * c + 3 * k + 1] = dcy - halfDot * ny - half * dny;
      out[o + 4 * c + 3 * k + 2] = dcz - halfDot * nz - half * dnz;
    }
    return true;
  }
  const ax = bodyQ[POSE * A],
    ay = bodyQ[POSE * A + 1],
    az = bodyQ[POSE * A + 2];
  const dx = cx - ax,
    dy = cy - ay,
    dz = cz - az;
  const length = Math.sqrt(dx * dx + dy * dy + dz * dz);
  if (!(length > COINCIDENT_CENTRES)) return false;
  const rA = geomSize[SIZE * A];
  const dist = length - rA - rB;
  const nx = dx / length,
    ny = dy / length,
    nz = dz / length;
  const lever = rA + 0.5 * dist;
  for (let j = 0; j < t.dirs; j++) {
    const qa = j * stateStride + POSE * A,
      qb = j * stateStride + POSE * B;
    const dax = stateDot[qa],
      day = stateDot[qa + 1],
      daz = stateDot[qa + 2];
    const ddx = stateDot[qb] - dax,
      ddy = stateDot[qb + 1] - day,
      ddz = stateDot[qb + 2] - daz;
    const drA = sizeDot[j * sizeStride + SIZE * A],
      drB = sizeDot[j * sizeStride + SIZE * B];
    const dLength = nx * ddx + ny * ddy + nz * ddz;
    const dDist = dLength - drA - drB;
    const dnx = (ddx - nx * dLength) / length,
      dny = (ddy - ny * dLength) / length,
      dnz = (ddz - nz * dLength) / length;
    const dLever = drA + 0.5 * dDist;
    const o = j * os;
    out[o + k] = dDist;
    out[o + c + 3 * k] = flip * dnx;
    out[o + c + 3 * k + 1] = flip * dny;
    out[o + c + 3 * k + 2] = flip * dnz;
    out[o + 4 * c + 3 * k] = dax + dLever * nx + lever * dnx;
    out[o + 4 * c + 3 * k + 1] = day + dLever * ny + lever * dny;
    out[o + 4 * c + 3 * k + 2] = daz + dLever * nz + lever * dnz;
  }
  return true;
}
