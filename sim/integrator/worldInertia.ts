/**
 * World-frame inertia of a rigid body from its principal moments (body frame, as in
 * `Model.bodyInertia` / `Model.bodyInvInertia`) and its orientation q (body → world):
 *
 *   I_w = R diag(I) Rᵀ,   I_w⁻¹ = R diag(I⁻¹) Rᵀ,   R = R(q).
 *
 * Plain kernels for the non-differentiated path (impulse solvers, diagnostics, tests):
 * offsets into packed SoA buffers, module scratch, nothing allocated per call. The
 * quaternion need not be exactly unit (`mat3FromQuat` divides by |q|²).
 */
import { mat3FromQuat } from '../math/mat3.ts';

const _rot = new Float64Array(9);

/**
 * out = R diag(d) Rᵀ v for the 3 diagonal entries `d[dOff..dOff+2]` (moments or inverse
 * moments) and the quaternion `q[qOff..qOff+3]`; writes `out[outOff..outOff+2]`, returns
 * `out`. `out` may alias `v`.
 *
 * @example
 * // angular-velocity change of body i under the world impulse p: Δω = I_w⁻¹ p
 * worldInertiaMul(dw, 0, state.bodyQ, 7 * i + 3, model.bodyInvInertia, 3 * i, p, 0);
 * // world angular momentum: L = I_w ω
 * worldInertiaMul(L, 0, state.bodyQ, 7 * i + 3, model.bodyInertia, 3 * i, state.bodyQd, 6 * i + 3);
 */
export function worldInertiaMul(
  out: Float64Array,
  outOff: number,
  q: Float64Array,
  qOff: number,
  d: Float64Array,
  dOff: number,
  v: Float64Array,
  vOff: number,
): Float64Array {
  // column-major: column k is body axis k in world coordinates
  const r = mat3FromQuat(_rot, q, qOff);
  const vx = v[vOff],
    vy = v[vOff + 1],
    vz = v[vOff + 2];
  // body-frame components, scaled
  const b0 = d[dOff] * (r[0] * vx + r[1] * vy + r[2] * vz);
  const b1 = d[dOff + 1] * (r[3] * vx + r[4] * vy + r[5] * vz);
  const b2 = d[dOff + 2] * (r[6] * vx + r[7] * vy + r[8] * vz);
  out[outOff] = r[0] * b0 + r[3] * b1 + r[6] * b2;
  out[outOff + 1] = r[1] * b0 + r[4] * b1 + r[7] * b2;
  out[outOff + 2] = r[2] * b0 + r[5] * b1 + r[8] * b2;
  return out;
}

/**
 * The symmetric matrix R diag(d) Rᵀ (column-major `Float64Array(9)`, as in sim/math/mat3.ts)
 * for the diagonal `d[dOff..dOff+2]` and quaternion `q[qOff..qOff+3]`; returns `out`.
 * With `d = bodyInvInertia` this is the world inverse inertia an impulse solver needs for
 * its effective masses.
 *
 * @example
 * worldInertiaMatrix(invIw, model.bodyInvInertia, 3 * i, state.bodyQ, 7 * i + 3);
 */
export function worldInertiaMatrix(
  out: Float64Array,
  d: Float64Array,
  dOff: number,
  q: Float64Array,
  qOff: number,
): Float64Array {
  const r = mat3FromQuat(_rot, q, qOff);
  const d0 = d[dOff],
    d1 = d[dOff + 1],
    d2 = d[dOff + 2];
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++) {
      // element (i, j) = Σ_k R_ik d_k R_jk, with R_ik = r[3k + i]
      const e = r[i] * d0 * r[j] + r[3 + i] * d1 * r[3 + j] + r[6 + i] * d2 * r[6 + j];
      out[3 * j + i] = e;
      out[3 * i + j] = e;
    }
  }
  return out;
}
