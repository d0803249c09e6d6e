/**
 * Forward mode of the impulse solve (impulse-adjoint.ts) along several directions at once:
 * the transpose of its implicit adjoint. At the solution the active set's conditions
 * F(λ, θ) = 0 hold (impulse-adjoint.ts header), so along a tangent θ̇
 *
 *   K λ̇ = −(∂F/∂θ) θ̇,   K = ∂F/∂λ        (island by island, the adjoint's islands and branches)
 *   v̇⁺ = v̇* + (∂(M⁻¹Jᵀλ)/∂θ) θ̇ + M⁻¹Jᵀ λ̇
 *
 * with, per contact of an island (u = J v⁺, w_t = u_t − u°_t, û = w_t/‖w_t‖, u̇ the change of
 * u at fixed λ):
 *
 *   normal row:           u̇_n − ḃ
 *   sticking tangents:    u̇_t − u̇°_t
 *   frictionless:         0
 *   sliding tangents:     μ̇ λ_n û + (μλ_n/‖w_t‖)(I − ûûᵀ)(u̇_t − u̇°_t)
 *
 * K is built by island-k.ts, as for the adjoint, and factored ONCE per island (LU of Kᵀ with
 * the adjoint's own pivoting and singularity test, so both take the same branch; the
 * SVD pseudo-inverse where the adjoint takes the minimum-norm solution), then every
 * direction costs a right-hand side and two triangular solves. Static bodies' velocities
 * are not differentiated (as in the adjoint): their v̇⁺ is 0 and u̇ does not read it.
 *
 * Inputs: θ (impulseLayout), the solve's output v⁺ (its first 6n entries), and θ̇ for each
 * direction j at `thetaDot[j·thetaStride ..]`. Output: [v̇⁺ (6n) | λ̇ (3c)] for direction j
 * at `out[j·outStride ..]` (overwritten). The islands' scratch grows to the largest seen.
 */
import { impulseContactKind, impulseIslands, type ImpulseStructure } from './impulse-adjoint.ts';
import {
  CONTACT_BOUND as BOUND,
  CONTACT_MU as MU,
  CONTACT_SLIP_TARGET as SLIP_TARGET,
  IMPULSE_CONTACT_WIDTH,
  impulseLayout,
} from './impulse-layout.ts';
import { islandInputOf, islandK, islandPool, type ContactKind } from './island-k.ts';
import { pseudoInverse } from './svd-min-norm.ts';

/** Smallest |pivot| of Kᵀ's LU relative to its largest entry (impulse-adjoint.ts's own threshold). */
const MIN_RELATIVE_PIVOT = 1e-11;

/** The tangent's own scratch beside the island's (island-k.ts), grown to the largest island seen. */
const pool = {
  /** LU of Kᵀ (row-major), its row permutation; or K⁺ (row-major) on the minimum-norm path */
  lu: new Float64Array(0),
  perm: new Int32Array(0),
  pinv: new Float64Array(0),
  kinds: [] as ContactKind[],
  /** per direction scratch: v̇ at fixed λ per local body (6), u̇ (3m), rhs (3m), λ̇ (3m) */
  vfix: new Float64Array(0),
  udot: new Float64Array(0),
  rhs: new Float64Array(0),
  z: new Float64Array(0),
};

function ensurePool(m: number): void {
  if (pool.rhs.length < 3 * m) {
    const zcap = Math.max(3 * m, 2 * pool.rhs.length);
    pool.lu = new Float64Array(zcap * zcap);
    pool.perm = new Int32Array(zcap);
    pool.pinv = new Float64Array(zcap * zcap);
    pool.vfix = new Float64Array(4 * zcap); // 6 per dynamic body, at most 2 per contact
    pool.udot = new Float64Array(zcap);
    pool.rhs = new Float64Array(zcap);
    pool.z = new Float64Array(zcap);
  }
}

/**
 * The solve's tangents (module header) for `dirs` directions.
 *
 * @example
 * impulseTangentInto(solve, theta, solved, 2, thetaDot, IM.size, solvedDot, 6 * n + 3 * c);
 */
export function impulseTangentInto(
  s: ImpulseStructure,
  th: Float64Array,
  vplus: Float64Array,
  dirs: number,
  thetaDot: Float64Array,
  thetaStride: number,
  out: Float64Array,
  outStride: number,
): void {
  const n = s.nbody;
  const L = impulseLayout(n, s.count);
  // v̇⁺ = v̇* outside the islands (static bodies: not differentiated), λ̇ = 0 for inactive contacts
  for (let j = 0; j < dirs; j++) {
    const o = j * outStride,
      t = j * thetaStride;
    for (let b = 0; b < n; b++)
      for (let e = 0; e < 6; e++) out[o + 6 * b + e] = s.isStatic[b] ? 0 : thetaDot[t + L.velocity + 6 * b + e];
    out.fill(0, o + 6 * n, o + 6 * n + 3 * s.count);
  }
  const islands = impulseIslands(s);
  for (let g = 0; g < islands.count; g++) {
    const first = islands.start[g],
      m = islands.start[g + 1] - first;
    islandTangent(
      s,
      L.contacts,
      L.invMass,
      L.invInertia,
      th,
      vplus,
      islands.contacts,
      first,
      m,
      dirs,
      thetaDot,
      thetaStride,
      out,
      outStride,
    );
  }
}

/** One island: K (island-k.ts), factored once, then each direction's λ̇ and v̇⁺. */
function islandTangent(
  s: ImpulseStructure,
  contactBase: number,
  invMassBase: number,
  invInertiaBase: number,
  th: Float64Array,
  vplus: Float64Array,
  islandContacts: Int32Array,
  first: number,
  m: number,
  dirs: number,
  thetaDot: Float64Array,
  thetaStride: number,
  out: Float64Array,
  outStride: number,
): void {
  const nz = 3 * m,
    nSides = 2 * m;
  const n = s.nbody;
  ensurePool(m);
  const kinds = pool.kinds;
  for (let i = 0; i < m; i++) kinds[i] = impulseContactKind(s, th, vplus, islandContacts[first + i]);
  const input = islandInputOf(s, contactBase, invMassBase, invInertiaBase);
  const nb = islandK(input, th, vplus, islandContacts, first, m, kinds, null);
  const { sideBody, sideLocal, sideSign, sideBase, sideR, bodies, rows, response, K, slip } = islandPool;
  const byLU = !(nz > 6 * nb) && factorTransposed(K, nz);
  if (!byLU) pseudoInverseInto(K, nz, pool.pinv);

  const { vfix, udot, rhs, z } = pool;
  for (let j = 0; j < dirs; j++) {
    const t = j * thetaStride,
      oo = j * outStride;
    // v̇ at fixed λ: v̇* plus the change of M⁻¹Jᵀλ with the directions, lever arms, m⁻¹, I⁻¹
    for (let b = 0; b < nb; b++) for (let e = 0; e < 6; e++) vfix[6 * b + e] = thetaDot[t + 6 * bodies[b] + e];
    for (let side = 0; side < nSides; side++) {
      const local = sideLocal[side];
      if (local < 0) continue;
      const body = sideBody[side];
      const k = islandContacts[first + (side >> 1)];
      const o = sideBase[side],
        r = sideR[side];
      const l0 = s.lambda[3 * k],
        l1 = s.lambda[3 * k + 1],
        l2 = s.lambda[3 * k + 2];
      const P0 = l0 * th[o] + l1 * th[o + 3] + l2 * th[o + 6];
      const P1 = l0 * th[o + 1] + l1 * th[o + 4] + l2 * th[o + 7];
      const P2 = l0 * th[o + 2] + l1 * th[o + 5] + l2 * th[o + 8];
      const Pd0 = l0 * thetaDot[t + o] + l1 * thetaDot[t + o + 3] + l2 * thetaDot[t + o + 6];
      const Pd1 = l0 * thetaDot[t + o + 1] + l1 * thetaDot[t + o + 4] + l2 * thetaDot[t + o + 7];
      const Pd2 = l0 * thetaDot[t + o + 2] + l1 * thetaDot[t + o + 5] + l2 * thetaDot[t + o + 8];
      const rx = th[r],
        ry = th[r + 1],
        rz = th[r + 2];
      const rdx = thetaDot[t + r],
        rdy = thetaDot[t + r + 1],
        rdz = thetaDot[t + r + 2];
      // τ = r × P and its tangent ṙ × P + r × Ṗ
      const t0 = ry * P2 - rz * P1,
        t1 = rz * P0 - rx * P2,
        t2 = rx * P1 - ry * P0;
      const td0 = rdy * P2 - rdz * P1 + ry * Pd2 - rz * Pd1,
        td1 = rdz * P0 - rdx * P2 + rz * Pd0 - rx * Pd2,
        td2 = rdx * P1 - rdy * P0 + rx * Pd1 - ry * Pd0;
      const sg = sideSign[side];
      const im = th[invMassBase + body],
        imd = thetaDot[t + invMassBase + body];
      const I = invInertiaBase + 9 * body;
      const v = 6 * local;
      vfix[v] += sg * (imd * P0 + im * Pd0);
      vfix[v + 1] += sg * (imd * P1 + im * Pd1);
      vfix[v + 2] += sg * (imd * P2 + im * Pd2);
      for (let e = 0; e < 3; e++) {
        const row = I + 3 * e;
        vfix[v + 3 + e] +=
          sg *
          (thetaDot[t + row] * t0 +
            thetaDot[t + row + 1] * t1 +
            thetaDot[t + row + 2] * t2 +
            th[row] * td0 +
            th[row + 1] * td1 +
            th[row + 2] * td2);
      }
    }
    // u̇ at fixed λ: ȧ·v⁺ (every side) + a·v̇ (dynamic sides)
    udot.fill(0, 0, nz);
    for (let side = 0; side < nSides; side++) {
      const body = 6 * sideBody[side];
      const r = sideR[side];
      const local = sideLocal[side];
      const rx = th[r],
        ry = th[r + 1],
        rz = th[r + 2];
      const rdx = thetaDot[t + r],
        rdy = thetaDot[t + r + 1],
        rdz = thetaDot[t + r + 2];
      const wx = vplus[body + 3],
        wy = vplus[body + 4],
        wz = vplus[body + 5];
      for (let i = 0; i < 3; i++) {
        const d = sideBase[side] + 3 * i;
        const dx = th[d],
          dy = th[d + 1],
          dz = th[d + 2];
        const ddx = thetaDot[t + d],
          ddy = thetaDot[t + d + 1],
          ddz = thetaDot[t + d + 2];
        // d(d·v + (r × d)·ω) at fixed v = ḋ·v + (ṙ × d + r × ḋ)·ω
        let du =
          ddx * vplus[body] +
          ddy * vplus[body + 1] +
          ddz * vplus[body + 2] +
          (rdy * dz - rdz * dy + ry * ddz - rz * ddy) * wx +
          (rdz * dx - rdx * dz + rz * ddx - rx * ddz) * wy +
          (rdx * dy - rdy * dx + rx * ddy - ry * ddx) * wz;
        if (local >= 0) {
          const a = 18 * side + 6 * i;
          for (let e = 0; e < 6; e++) du += rows[a + e] * vfix[6 * local + e];
        }
        udot[3 * (side >> 1) + i] += sideSign[side] * du;
      }
    }
    // −(∂F/∂θ)θ̇ per contact
    for (let i = 0; i < m; i++) {
      const k = islandContacts[first + i];
      const o = contactBase + IMPULSE_CONTACT_WIDTH * k;
      rhs[3 * i] = -(udot[3 * i] - thetaDot[t + o + BOUND]);
      const w1 = udot[3 * i + 1] - thetaDot[t + o + SLIP_TARGET],
        w2 = udot[3 * i + 2] - thetaDot[t + o + SLIP_TARGET + 1];
      const kind = kinds[i];
      if (kind === 'stick') {
        rhs[3 * i + 1] = -w1;
        rhs[3 * i + 2] = -w2;
      } else if (kind === 'frictionless') {
        rhs[3 * i + 1] = 0;
        rhs[3 * i + 2] = 0;
      } else {
        const speed = slip[3 * i],
          h1 = slip[3 * i + 1],
          h2 = slip[3 * i + 2];
        const ln = s.lambda[3 * k];
        const scale = (th[o + MU] * ln) / speed;
        const along = h1 * w1 + h2 * w2;
        const muDot = thetaDot[t + o + MU];
        rhs[3 * i + 1] = -(muDot * ln * h1 + scale * (w1 - h1 * along));
        rhs[3 * i + 2] = -(muDot * ln * h2 + scale * (w2 - h2 * along));
      }
    }
    if (byLU) solveFactored(nz, rhs, z);
    else {
      const P = pool.pinv;
      for (let r = 0; r < nz; r++) {
        let v = 0;
        for (let c = 0; c < nz; c++) v += P[r * nz + c] * rhs[c];
        z[r] = v;
      }
    }
    // λ̇, and v̇⁺ = v̇_fix + M⁻¹Jᵀλ̇
    for (let i = 0; i < m; i++) {
      const k = islandContacts[first + i];
      for (let e = 0; e < 3; e++) out[oo + 6 * n + 3 * k + e] = z[3 * i + e];
    }
    for (let side = 0; side < nSides; side++) {
      const local = sideLocal[side];
      if (local < 0) continue;
      const i = side >> 1;
      const sg = sideSign[side];
      for (let jj = 0; jj < 3; jj++) {
        const lz = sg * z[3 * i + jj];
        if (lz === 0) continue;
        const a = 18 * side + 6 * jj;
        for (let e = 0; e < 6; e++) vfix[6 * local + e] += lz * response[a + e];
      }
    }
    for (let b = 0; b < nb; b++) for (let e = 0; e < 6; e++) out[oo + 6 * bodies[b] + e] = vfix[6 * b + e];
  }
}

/**
 * LU with partial pivoting of A = Kᵀ into the pool (the elimination of impulse-adjoint.ts's
 * `luSolveTransposed`, same pivots and singularity test), kept for many right-hand sides.
 * False when a pivot is below the threshold (the caller takes the minimum-norm path).
 */
function factorTransposed(K: Float64Array, n: number): boolean {
  const a = pool.lu,
    perm = pool.perm;
  let scale = 0;
  for (let r = 0; r < n; r++) {
    perm[r] = r;
    for (let c = 0; c < n; c++) {
      const v = K[c * n + r];
      a[r * n + c] = v;
      scale = Math.max(scale, Math.abs(v));
    }
  }
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[piv * n + col])) piv = r;
    const p = a[piv * n + col];
    if (!(Math.abs(p) > MIN_RELATIVE_PIVOT * scale)) return false;
    if (piv !== col) {
      for (let c = 0; c < n; c++) {
        const t = a[col * n + c];
        a[col * n + c] = a[piv * n + c];
        a[piv * n + c] = t;
      }
      const t = perm[col];
      perm[col] = perm[piv];
      perm[piv] = t;
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / p;
      a[r * n + col] = f; // the multiplier, L below the diagonal
      if (f === 0) continue;
      for (let c = col + 1; c < n; c++) a[r * n + c] -= f * a[col * n + c];
    }
  }
  return true;
}

/**
 * z = K⁻¹ rhs from the factors of Kᵀ: with P Kᵀ = L U, K = Uᵀ Lᵀ P, so Uᵀy = rhs
 * (forward), Lᵀx = y (backward, unit diagonal), z = Pᵀx.
 */
function solveFactored(n: number, rhs: Float64Array, z: Float64Array): void {
  const a = pool.lu,
    perm = pool.perm;
  const y = pool.udot; // free once the right-hand side is built
  for (let r = 0; r < n; r++) {
    let v = rhs[r];
    for (let c = 0; c < r; c++) v -= a[c * n + r] * y[c];
    y[r] = v / a[r * n + r];
  }
  for (let r = n - 1; r >= 0; r--) {
    let v = y[r];
    for (let c = r + 1; c < n; c++) v -= a[c * n + r] * y[c];
    y[r] = v;
  }
  for (let r = 0; r < n; r++) z[perm[r]] = y[r];
}

/** K⁺ (row-major) by the SVD, the minimum-norm solution the adjoint takes for Kᵀ (bitwise ml-matrix's). */
function pseudoInverseInto(K: Float64Array, n: number, out: Float64Array): void {
  const kt = pool.lu; // free on this path: Kᵀ, the transpose pseudoInverse takes
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) kt[c * n + r] = K[r * n + c];
  pseudoInverse(kt, n, out);
}
