/**
 * The implicit adjoint of one island of the impulse solve, in plain arithmetic (the
 * derivation is impulse-adjoint.ts's header; that file keeps the same computation on a
 * nested trace as the reference the tests compare this one against).
 *
 * With λ held at the solution, W = J M⁻¹ Jᵀ the island's Delassus matrix and
 * G = v̄⁺·M⁻¹Jᵀλ:
 *
 *   K = ∂F/∂λ:  normal and sticking rows: W's rows; frictionless tangent rows: the
 *               identity on λ_t; sliding tangent rows, F_t = λ_t + μλ_n û (û = w_t/‖w_t‖,
 *               w_t = u_t − u°_t the slip from the slip target):
 *               I_t + μ û e_nᵀ + (μλ_n/‖w_t‖)(I − ûûᵀ) W_t
 *   g = λ̄ + J M⁻¹ v̄⁺,   Kᵀw = g
 *   θ̄ += ∂Φ/∂θ,  Φ = G − wᵀF  (one pass: F depends on θ through u = J v⁺, b, u°_t and μ;
 *               F reads b and u°_t only as u − b, u_t − u°_t, so their θ̄ is −c below)
 *
 * Writing c_kj = −(∂F/∂u_kj)ᵀw for the coefficient of each contact velocity in Φ, the
 * pass collects h_b = Σ c_kj ∂u_kj/∂v_b per body (Φ is linear in v⁺_b through u), so
 * v̄*_b += h_b and the impulses' response M⁻¹Jᵀλ sees q_b = v̄⁺_b + h_b; then the direct
 * dependence of u on the directions and lever arms at fixed v⁺, and of M⁻¹Jᵀλ on the
 * directions, lever arms, m⁻¹ and I_w⁻¹.
 */
import {
  CONTACT_BOUND as BOUND,
  CONTACT_MU as MU,
  CONTACT_R_A as R_A,
  CONTACT_R_B as R_B,
  CONTACT_SLIP_TARGET as SLIP_TARGET,
} from './impulse-layout.ts';
import { IDLE_SIDE, islandK, islandPool, zero, type ContactKind, type IslandInput } from './island-k.ts';

export type { ContactKind, IslandInput } from './island-k.ts';

const _q = new Float64Array(6);

/** The adjoint's own scratch beside the island's (island-k.ts), grown to the largest island seen. */
const pool = {
  g: new Float64Array(0),
  coef: new Float64Array(0),
  h: new Float64Array(0),
};

function ensurePool(m: number): void {
  if (pool.g.length < 3 * m) {
    const zcap = Math.max(3 * m, 2 * pool.g.length);
    pool.g = new Float64Array(zcap);
    pool.coef = new Float64Array(zcap);
    pool.h = new Float64Array(4 * zcap); // 6 per dynamic body, at most 2 per contact
  }
}

/**
 * Add the island's θ̄ into `thbar` (the explicit v̄⁺ → v̄* part is the caller's). The
 * island's contacts are `islandContacts[first .. first + m]`; `vplus`: velocities after
 * the impulses (6n); `kinds`: each contact's branch (same order); `solveTransposed`:
 * the caller's Kᵀw = g solver (LU, or minimum norm when `redundant`; its result is read
 * before the next call).
 */
export function islandAdjointHand(
  s: IslandInput,
  th: Float64Array,
  ybar: Float64Array,
  vplus: Float64Array,
  islandContacts: Int32Array,
  first: number,
  m: number,
  kinds: readonly ContactKind[],
  thbar: Float64Array,
  solveTransposed: (K: Float64Array, n: number, g: Float64Array, redundant: boolean) => ArrayLike<number>,
): void {
  const nz = 3 * m;
  const nSides = 2 * m;
  ensurePool(m);
  const nb = islandK(s, th, vplus, islandContacts, first, m, kinds, ybar);
  const { sideContact, sideBody, sideLocal, sideSign, sideBase, sideR, order, bodyStart, bodies, rows, K, slip, dG } =
    islandPool;
  const g = pool.g;
  for (let i = 0; i < m; i++) {
    const k = islandContacts[first + i];
    for (let j = 0; j < 3; j++) g[3 * i + j] = ybar[6 * s.nbody + 3 * k + j] + dG[3 * i + j];
  }
  const w = solveTransposed(K, nz, g, nz > 6 * nb);

  // c_kj = −(∂F/∂u_kj)ᵀw, and the b̄, μ̄, ū°_t of F
  const coef = pool.coef;
  zero(coef, nz);
  for (let i = 0; i < m; i++) {
    const k = islandContacts[first + i];
    const o = s.contactBase + s.contactWidth * k;
    coef[3 * i] = -w[3 * i];
    thbar[o + BOUND] += w[3 * i];
    const kind = kinds[i];
    if (kind === 'stick') {
      coef[3 * i + 1] = -w[3 * i + 1];
      coef[3 * i + 2] = -w[3 * i + 2];
    } else if (kind === 'slide') {
      const speed = slip[3 * i],
        u1 = slip[3 * i + 1],
        u2 = slip[3 * i + 2];
      const mu = th[o + MU];
      const ln = s.lambda[3 * k];
      const w1 = w[3 * i + 1],
        w2 = w[3 * i + 2];
      const along = w1 * u1 + w2 * u2;
      coef[3 * i + 1] = (-mu * ln * (w1 - u1 * along)) / speed;
      coef[3 * i + 2] = (-mu * ln * (w2 - u2 * along)) / speed;
      thbar[o + MU] += -ln * along;
    }
    // F reads the slip target as u_t − u°_t
    thbar[o + SLIP_TARGET] -= coef[3 * i + 1];
    thbar[o + SLIP_TARGET + 1] -= coef[3 * i + 2];
  }

  // u's direct dependence on the directions and lever arms (v⁺ fixed), and h_b
  const h = pool.h;
  zero(h, 6 * nb);
  for (let side = 0; side < nSides; side++) {
    if (sideLocal[side] === IDLE_SIDE) continue;
    const v = 6 * sideBody[side];
    const vx = vplus[v],
      vy = vplus[v + 1],
      vz = vplus[v + 2];
    const wx = vplus[v + 3],
      wy = vplus[v + 4],
      wz = vplus[v + 5];
    const r = sideR[side];
    const local = sideLocal[side];
    for (let j = 0; j < 3; j++) {
      const cj = sideSign[side] * coef[3 * sideContact[side] + j];
      if (cj === 0) continue;
      const d = sideBase[side] + 3 * j;
      // u ∋ d·v + (r × d)·ω = d·(v + ω × r) = r·(d × ω)
      thbar[d] += cj * (vx + wy * th[r + 2] - wz * th[r + 1]);
      thbar[d + 1] += cj * (vy + wz * th[r] - wx * th[r + 2]);
      thbar[d + 2] += cj * (vz + wx * th[r + 1] - wy * th[r]);
      thbar[r] += cj * (th[d + 1] * wz - th[d + 2] * wy);
      thbar[r + 1] += cj * (th[d + 2] * wx - th[d] * wz);
      thbar[r + 2] += cj * (th[d] * wy - th[d + 1] * wx);
      if (local >= 0) for (let e = 0; e < 6; e++) h[6 * local + e] += cj * rows[18 * side + 6 * j + e];
    }
  }

  // v̄* += h_b; the response M⁻¹Jᵀλ with q_b = v̄⁺_b + h_b
  const q = _q;
  for (let b = 0; b < nb; b++) {
    const body = bodies[b];
    for (let e = 0; e < 6; e++) {
      thbar[6 * body + e] += h[6 * b + e];
      q[e] = ybar[6 * body + e] + h[6 * b + e];
    }
    const I = s.invInertiaBase + 9 * body;
    // τ̄ = Iᵀ q_ang (the same for every impulse on the body, up to the side's sign)
    const tb = _tb;
    tb[0] = th[I] * q[3] + th[I + 3] * q[4] + th[I + 6] * q[5];
    tb[1] = th[I + 1] * q[3] + th[I + 4] * q[4] + th[I + 7] * q[5];
    tb[2] = th[I + 2] * q[3] + th[I + 5] * q[4] + th[I + 8] * q[5];
    for (let a = bodyStart[b]; a < bodyStart[b + 1]; a++) {
      const side = order[a];
      const k = islandContacts[first + sideContact[side]];
      addResponseBar(s, th, thbar, body, k, sideBase[side], sideR[side], sideSign[side], q, s.invMassBase + body, I);
    }
  }
}

/**
 * τ̄ = Iᵀ q_ang for {@link addResponseBar}, passed in this scratch: doubles passed to a
 * call V8 does not inline are boxed (a heap number each, 16k calls a rollout on billiards).
 */
const _tb = new Float64Array(3);

/**
 * θ̄ of the impulses' response M⁻¹Jᵀλ on one side of contact k (its θ block at `o`, lever
 * arm at `r`, sign `sg`) of dynamic `body` (m⁻¹ `invMass`, I_w⁻¹ at θ offset `I`), for the
 * body's cotangent q = v̄⁺ + h and τ̄ = Iᵀ q_ang (in `_tb`): m̄⁻¹, Ī_w⁻¹, r̄ and d̄.
 */
function addResponseBar(
  s: IslandInput,
  th: Float64Array,
  thbar: Float64Array,
  body: number,
  k: number,
  o: number,
  r: number,
  sg: number,
  q: Float64Array,
  invMassAt: number,
  I: number,
): void {
  const invMass = th[invMassAt];
  const tb0 = _tb[0],
    tb1 = _tb[1],
    tb2 = _tb[2];
  const l0 = s.lambda[3 * k],
    l1 = s.lambda[3 * k + 1],
    l2 = s.lambda[3 * k + 2];
  // P = Σ λ_j d_j, the world impulse; Δv = sign [m⁻¹P ; I⁻¹(r × P)]
  const P0 = l0 * th[o] + l1 * th[o + 3] + l2 * th[o + 6];
  const P1 = l0 * th[o + 1] + l1 * th[o + 4] + l2 * th[o + 7];
  const P2 = l0 * th[o + 2] + l1 * th[o + 5] + l2 * th[o + 8];
  const rx = th[r],
    ry = th[r + 1],
    rz = th[r + 2];
  const t0 = ry * P2 - rz * P1,
    t1 = rz * P0 - rx * P2,
    t2 = rx * P1 - ry * P0;
  thbar[s.invMassBase + body] += sg * (q[0] * P0 + q[1] * P1 + q[2] * P2);
  for (let e = 0; e < 3; e++) {
    const qa = sg * q[3 + e];
    thbar[I + 3 * e] += qa * t0;
    thbar[I + 3 * e + 1] += qa * t1;
    thbar[I + 3 * e + 2] += qa * t2;
  }
  // τ̄·(r × P): r̄ += P × τ̄, P̄ += τ̄ × r; P̄ += m⁻¹ q_lin
  const s0 = sg * tb0,
    s1 = sg * tb1,
    s2 = sg * tb2;
  thbar[r] += P1 * s2 - P2 * s1;
  thbar[r + 1] += P2 * s0 - P0 * s2;
  thbar[r + 2] += P0 * s1 - P1 * s0;
  const pb0 = s1 * rz - s2 * ry + sg * invMass * q[0];
  const pb1 = s2 * rx - s0 * rz + sg * invMass * q[1];
  const pb2 = s0 * ry - s1 * rx + sg * invMass * q[2];
  // P = Σ λ_j d_j: d̄_j += λ_j P̄
  for (let j = 0; j < 3; j++) {
    const lj = s.lambda[3 * k + j];
    thbar[o + 3 * j] += lj * pb0;
    thbar[o + 3 * j + 1] += lj * pb1;
    thbar[o + 3 * j + 2] += lj * pb2;
  }
}

const _W = new Float64Array(9);
const _K = new Float64Array(9);
const _a = new Float64Array(9);
const _coef = new Float64Array(3);

/**
 * {@link islandAdjointHand} for the commonest island, one contact between a dynamic body
 * and a static body at rest (a ball on the cloth, a box corner alone on the floor: all of
 * billiards' resting contacts): the same expressions in the same order as island-k.ts's
 * `singleContactIsland`, `contactK`, impulse-adjoint.ts's LU solve of Kᵀw = g and the
 * general pass above (so the same bits), in straight-line code over the one dynamic side
 * without the pool's bookkeeping. Returns false, having written nothing, when the contact
 * is not of that kind or K's LU meets a pivot the LU solve would refuse (the caller then
 * takes the general path, and its minimum-norm solve).
 */
export function singleStaticContactAdjoint(
  s: IslandInput,
  th: Float64Array,
  ybar: Float64Array,
  vplus: Float64Array,
  k: number,
  kind: ContactKind,
  thbar: Float64Array,
  minRelativePivot: number,
): boolean {
  const bodyB = s.bodyB[k],
    bodyA = s.bodyA[k];
  const staticB = s.isStatic[bodyB] !== 0,
    staticA = s.isStatic[bodyA] !== 0;
  if (staticA === staticB) return false;
  const fixed = 6 * (staticA ? bodyA : bodyB);
  if (
    vplus[fixed] !== 0 ||
    vplus[fixed + 1] !== 0 ||
    vplus[fixed + 2] !== 0 ||
    vplus[fixed + 3] !== 0 ||
    vplus[fixed + 4] !== 0 ||
    vplus[fixed + 5] !== 0
  )
    return false;
  const base = s.contactBase + s.contactWidth * k;
  const body = staticA ? bodyB : bodyA;
  const sign = staticA ? 1 : -1;
  const r = base + (staticA ? R_B : R_A);
  // rows [d ; r × d] and responses [m⁻¹ d ; I⁻¹(r × d)] (island-k.ts rowOfSide, responseOfSide),
  // row j in locals xj0..xj5 and mj0..mj5 (arrays in module scratch were a fifth of this
  // function: every element a store and a bounds-checked load); each sum below in the
  // order of the loops it replaced, so the same bits
  const invMass = th[s.invMassBase + body];
  const I = s.invInertiaBase + 9 * body;
  const i0 = th[I],
    i1 = th[I + 1],
    i2 = th[I + 2],
    i3 = th[I + 3],
    i4 = th[I + 4],
    i5 = th[I + 5],
    i6 = th[I + 6],
    i7 = th[I + 7],
    i8 = th[I + 8];
  const rx = th[r],
    ry = th[r + 1],
    rz = th[r + 2];
  const x00 = th[base],
    x01 = th[base + 1],
    x02 = th[base + 2];
  const x03 = ry * x02 - rz * x01,
    x04 = rz * x00 - rx * x02,
    x05 = rx * x01 - ry * x00;
  const x10 = th[base + 3],
    x11 = th[base + 4],
    x12 = th[base + 5];
  const x13 = ry * x12 - rz * x11,
    x14 = rz * x10 - rx * x12,
    x15 = rx * x11 - ry * x10;
  const x20 = th[base + 6],
    x21 = th[base + 7],
    x22 = th[base + 8];
  const x23 = ry * x22 - rz * x21,
    x24 = rz * x20 - rx * x22,
    x25 = rx * x21 - ry * x20;
  const m00 = invMass * x00,
    m01 = invMass * x01,
    m02 = invMass * x02,
    m03 = i0 * x03 + i1 * x04 + i2 * x05,
    m04 = i3 * x03 + i4 * x04 + i5 * x05,
    m05 = i6 * x03 + i7 * x04 + i8 * x05;
  const m10 = invMass * x10,
    m11 = invMass * x11,
    m12 = invMass * x12,
    m13 = i0 * x13 + i1 * x14 + i2 * x15,
    m14 = i3 * x13 + i4 * x14 + i5 * x15,
    m15 = i6 * x13 + i7 * x14 + i8 * x15;
  const m20 = invMass * x20,
    m21 = invMass * x21,
    m22 = invMass * x22,
    m23 = i0 * x23 + i1 * x24 + i2 * x25,
    m24 = i3 * x23 + i4 * x24 + i5 * x25,
    m25 = i6 * x23 + i7 * x24 + i8 * x25;
  // W, g = λ̄ + J M⁻¹ v̄⁺, u at v⁺ (tangential as slip from the target)
  const W = _W;
  const ss = sign * sign;
  const v = 6 * body;
  const lambdaBar = 6 * s.nbody + 3 * k;
  const y0 = ybar[v],
    y1 = ybar[v + 1],
    y2 = ybar[v + 2],
    y3 = ybar[v + 3],
    y4 = ybar[v + 4],
    y5 = ybar[v + 5];
  const vx = vplus[v],
    vy = vplus[v + 1],
    vz = vplus[v + 2];
  const wx = vplus[v + 3],
    wy = vplus[v + 4],
    wz = vplus[v + 5];
  const g0 = ybar[lambdaBar] + (0 + sign * (0 + y0 * m00 + y1 * m01 + y2 * m02 + y3 * m03 + y4 * m04 + y5 * m05));
  const g1 = ybar[lambdaBar + 1] + (0 + sign * (0 + y0 * m10 + y1 * m11 + y2 * m12 + y3 * m13 + y4 * m14 + y5 * m15));
  const g2 = ybar[lambdaBar + 2] + (0 + sign * (0 + y0 * m20 + y1 * m21 + y2 * m22 + y3 * m23 + y4 * m24 + y5 * m25));
  // W = J M⁻¹ Jᵀ is symmetric: the upper triangle, mirrored
  W[0] = 0 + ss * (0 + x00 * m00 + x01 * m01 + x02 * m02 + x03 * m03 + x04 * m04 + x05 * m05);
  W[1] = W[3] = 0 + ss * (0 + x00 * m10 + x01 * m11 + x02 * m12 + x03 * m13 + x04 * m14 + x05 * m15);
  W[2] = W[6] = 0 + ss * (0 + x00 * m20 + x01 * m21 + x02 * m22 + x03 * m23 + x04 * m24 + x05 * m25);
  W[4] = 0 + ss * (0 + x10 * m10 + x11 * m11 + x12 * m12 + x13 * m13 + x14 * m14 + x15 * m15);
  W[5] = W[7] = 0 + ss * (0 + x10 * m20 + x11 * m21 + x12 * m22 + x13 * m23 + x14 * m24 + x15 * m25);
  W[8] = 0 + ss * (0 + x20 * m20 + x21 * m21 + x22 * m22 + x23 * m23 + x24 * m24 + x25 * m25);
  const target = base + SLIP_TARGET;
  let u1 = 0 + sign * (0 + x10 * vx + x11 * vy + x12 * vz + x13 * wx + x14 * wy + x15 * wz);
  let u2 = 0 + sign * (0 + x20 * vx + x21 * vy + x22 * vz + x23 * wx + x24 * wy + x25 * wz);
  u1 -= th[target];
  u2 -= th[target + 1];
  // K (island-k.ts contactK)
  const K = _K;
  for (let i = 0; i < 9; i++) K[i] = 0;
  const wRows = kind === 'stick' ? 3 : 1;
  for (let j = 0; j < wRows; j++) for (let c = 0; c < 3; c++) K[3 * j + c] = W[3 * j + c];
  const speed = Math.sqrt(u1 * u1 + u2 * u2);
  const n1 = u1 / speed,
    n2 = u2 / speed;
  const mu = th[base + MU];
  const ln = s.lambda[3 * k];
  if (kind === 'frictionless') {
    K[4] = 1;
    K[8] = 1;
  } else if (kind === 'slide') {
    const scale = (mu * ln) / speed;
    for (let a = 0; a < 2; a++) {
      const pa0 = a === 0 ? 1 - n1 * n1 : -n2 * n1;
      const pa1 = a === 0 ? -n1 * n2 : 1 - n2 * n2;
      for (let c = 0; c < 3; c++) K[3 * (1 + a) + c] = scale * (pa0 * W[3 + c] + pa1 * W[6 + c]);
      K[3 * (1 + a) + 1 + a] += 1;
      K[3 * (1 + a)] += mu * (a === 0 ? n1 : n2);
    }
  }
  // Kᵀw = g: impulse-adjoint.ts luSolveTransposed's elimination for n = 3, on locals
  const A = _a;
  let scaleK = 0;
  for (let row = 0; row < 3; row++)
    for (let c = 0; c < 3; c++) {
      const e = K[3 * c + row];
      A[3 * row + c] = e;
      scaleK = Math.max(scaleK, Math.abs(e));
    }
  let b0 = g0,
    b1 = g1,
    b2 = g2;
  // column 0
  {
    let piv = 0;
    if (Math.abs(A[3]) > Math.abs(A[0])) piv = 1;
    if (Math.abs(A[6]) > Math.abs(A[3 * piv])) piv = 2;
    const p = A[3 * piv];
    if (!(Math.abs(p) > minRelativePivot * scaleK)) return false;
    if (piv !== 0) {
      for (let c = 0; c < 3; c++) {
        const t = A[c];
        A[c] = A[3 * piv + c];
        A[3 * piv + c] = t;
      }
      const t = b0;
      if (piv === 1) {
        b0 = b1;
        b1 = t;
      } else {
        b0 = b2;
        b2 = t;
      }
    }
    const f1 = A[3] / p;
    if (f1 !== 0) {
      for (let c = 0; c < 3; c++) A[3 + c] -= f1 * A[c];
      b1 -= f1 * b0;
    }
    const f2 = A[6] / p;
    if (f2 !== 0) {
      for (let c = 0; c < 3; c++) A[6 + c] -= f2 * A[c];
      b2 -= f2 * b0;
    }
  }
  // column 1
  {
    const piv = Math.abs(A[7]) > Math.abs(A[4]) ? 2 : 1;
    const p = A[3 * piv + 1];
    if (!(Math.abs(p) > minRelativePivot * scaleK)) return false;
    if (piv !== 1) {
      for (let c = 0; c < 3; c++) {
        const t = A[3 + c];
        A[3 + c] = A[6 + c];
        A[6 + c] = t;
      }
      const t = b1;
      b1 = b2;
      b2 = t;
    }
    const f = A[7] / p;
    if (f !== 0) {
      for (let c = 1; c < 3; c++) A[6 + c] -= f * A[3 + c];
      b2 -= f * b1;
    }
  }
  if (!(Math.abs(A[8]) > minRelativePivot * scaleK)) return false;
  const w2 = b2 / A[8];
  let t1 = b1;
  t1 -= A[5] * w2;
  const w1 = t1 / A[4];
  let t0 = b0;
  t0 -= A[1] * w1;
  t0 -= A[2] * w2;
  const w0 = t0 / A[0];

  // θ̄ (the general pass of islandAdjointHand for one dynamic side)
  const coef = _coef;
  coef[0] = -w0;
  coef[1] = 0;
  coef[2] = 0;
  thbar[base + BOUND] += w0;
  if (kind === 'stick') {
    coef[1] = -w1;
    coef[2] = -w2;
  } else if (kind === 'slide') {
    const along = w1 * n1 + w2 * n2;
    coef[1] = (-mu * ln * (w1 - n1 * along)) / speed;
    coef[2] = (-mu * ln * (w2 - n2 * along)) / speed;
    thbar[base + MU] += -ln * along;
  }
  thbar[target] -= coef[1];
  thbar[target + 1] -= coef[2];
  let h0 = 0,
    h1 = 0,
    h2 = 0,
    h3 = 0,
    h4 = 0,
    h5 = 0;
  for (let j = 0; j < 3; j++) {
    const cj = sign * coef[j];
    if (cj === 0) continue;
    const d = base + 3 * j;
    thbar[d] += cj * (vx + wy * rz - wz * ry);
    thbar[d + 1] += cj * (vy + wz * rx - wx * rz);
    thbar[d + 2] += cj * (vz + wx * ry - wy * rx);
    thbar[r] += cj * (th[d + 1] * wz - th[d + 2] * wy);
    thbar[r + 1] += cj * (th[d + 2] * wx - th[d] * wz);
    thbar[r + 2] += cj * (th[d] * wy - th[d + 1] * wx);
    h0 += cj * (j === 0 ? x00 : j === 1 ? x10 : x20);
    h1 += cj * (j === 0 ? x01 : j === 1 ? x11 : x21);
    h2 += cj * (j === 0 ? x02 : j === 1 ? x12 : x22);
    h3 += cj * (j === 0 ? x03 : j === 1 ? x13 : x23);
    h4 += cj * (j === 0 ? x04 : j === 1 ? x14 : x24);
    h5 += cj * (j === 0 ? x05 : j === 1 ? x15 : x25);
  }
  const q = _q;
  thbar[v] += h0;
  q[0] = y0 + h0;
  thbar[v + 1] += h1;
  q[1] = y1 + h1;
  thbar[v + 2] += h2;
  q[2] = y2 + h2;
  thbar[v + 3] += h3;
  q[3] = y3 + h3;
  thbar[v + 4] += h4;
  q[4] = y4 + h4;
  thbar[v + 5] += h5;
  q[5] = y5 + h5;
  _tb[0] = i0 * q[3] + i3 * q[4] + i6 * q[5];
  _tb[1] = i1 * q[3] + i4 * q[4] + i7 * q[5];
  _tb[2] = i2 * q[3] + i5 * q[4] + i8 * q[5];
  addResponseBar(s, th, thbar, body, k, base, r, sign, q, s.invMassBase + body, I);
  return true;
}
