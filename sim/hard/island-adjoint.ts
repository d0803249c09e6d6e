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
import { CONTACT_BOUND as BOUND, CONTACT_MU as MU, CONTACT_SLIP_TARGET as SLIP_TARGET } from './impulse-layout.ts';
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
    const invMass = th[s.invMassBase + body];
    const I = s.invInertiaBase + 9 * body;
    // τ̄ = Iᵀ q_ang (the same for every impulse on the body, up to the side's sign)
    const tb0 = th[I] * q[3] + th[I + 3] * q[4] + th[I + 6] * q[5];
    const tb1 = th[I + 1] * q[3] + th[I + 4] * q[4] + th[I + 7] * q[5];
    const tb2 = th[I + 2] * q[3] + th[I + 5] * q[4] + th[I + 8] * q[5];
    for (let a = bodyStart[b]; a < bodyStart[b + 1]; a++) {
      const side = order[a];
      const k = islandContacts[first + sideContact[side]];
      const o = sideBase[side];
      const l0 = s.lambda[3 * k],
        l1 = s.lambda[3 * k + 1],
        l2 = s.lambda[3 * k + 2];
      // P = Σ λ_j d_j, the world impulse; Δv = sign [m⁻¹P ; I⁻¹(r × P)]
      const P0 = l0 * th[o] + l1 * th[o + 3] + l2 * th[o + 6];
      const P1 = l0 * th[o + 1] + l1 * th[o + 4] + l2 * th[o + 7];
      const P2 = l0 * th[o + 2] + l1 * th[o + 5] + l2 * th[o + 8];
      const r = sideR[side];
      const rx = th[r],
        ry = th[r + 1],
        rz = th[r + 2];
      const t0 = ry * P2 - rz * P1,
        t1 = rz * P0 - rx * P2,
        t2 = rx * P1 - ry * P0;
      const sg = sideSign[side];
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
  }
}
