/**
 * The implicit adjoint of one island of the impulse solve, in plain arithmetic (the
 * derivation is impulse-adjoint.ts's header; that file keeps the same computation on a
 * nested trace as the reference the tests compare this one against).
 *
 * With λ held at the solution, W = J M⁻¹ Jᵀ the island's Delassus matrix and
 * G = v̄⁺·M⁻¹Jᵀλ:
 *
 *   K = ∂F/∂λ:  normal and sticking rows: W's rows; frictionless tangent rows: the
 *               identity on λ_t; sliding tangent rows, F_t = λ_t + μλ_n û (û = u_t/‖u_t‖):
 *               I_t + μ û e_nᵀ + (μλ_n/‖u_t‖)(I − ûûᵀ) W_t
 *   g = λ̄ + J M⁻¹ v̄⁺,   Kᵀw = g
 *   θ̄ += ∂Φ/∂θ,  Φ = G − wᵀF  (one pass: F depends on θ through u = J v⁺, b and μ)
 *
 * Writing c_kj = −(∂F/∂u_kj)ᵀw for the coefficient of each contact velocity in Φ, the
 * pass collects h_b = Σ c_kj ∂u_kj/∂v_b per body (Φ is linear in v⁺_b through u), so
 * v̄*_b += h_b and the impulses' response M⁻¹Jᵀλ sees q_b = v̄⁺_b + h_b; then the direct
 * dependence of u on the directions and lever arms at fixed v⁺, and of M⁻¹Jᵀλ on the
 * directions, lever arms, m⁻¹ and I_w⁻¹.
 */
/** θ layout of a contact (impulse-adjoint.ts): n, t₁, t₂ (3 each), r_A, r_B, μ, b. */
const R_A = 9, R_B = 12, MU = 15, BOUND = 16;

/** What the island adjoint reads of the solve (impulse-adjoint.ts's structure and layout). */
export interface IslandInput {
  nbody: number;
  bodyA: Int32Array;
  bodyB: Int32Array;
  isStatic: Uint8Array;
  lambda: Float64Array;
  /** offset of contact k's θ block: contactBase + width·k */
  contactBase: number;
  contactWidth: number;
  invMassBase: number;
  invInertiaBase: number;
}

const _row = new Float64Array(6);
const _rowP = new Float64Array(6);
const _q = new Float64Array(6);

/** The row [d ; r × d] of the direction at θ offset `d` and the lever arm at `r`, into `out`. */
function rowOfSide(th: Float64Array, d: number, r: number, out: Float64Array): Float64Array {
  out[0] = th[d];
  out[1] = th[d + 1];
  out[2] = th[d + 2];
  out[3] = th[r + 1] * th[d + 2] - th[r + 2] * th[d + 1];
  out[4] = th[r + 2] * th[d] - th[r] * th[d + 2];
  out[5] = th[r] * th[d + 1] - th[r + 1] * th[d];
  return out;
}

/** A contact's friction branch at the solution (impulse-adjoint.ts `kindOf`). */
export type ContactKind = 'stick' | 'slide' | 'frictionless';

interface Side {
  /** island contact index */
  i: number;
  body: number;
  /** the body's index among the island's dynamic bodies; −1: static */
  local: number;
  sign: number;
  /** θ offset of the contact's block */
  base: number;
  /** θ offset of this side's lever arm */
  r: number;
  /** (18) M⁻¹ times the row of each direction; null for a static body */
  response: Float64Array | null;
}

/**
 * Add the island's θ̄ into `thbar` (the explicit v̄⁺ → v̄* part is the caller's). `vplus`:
 * velocities after the impulses (6n); `kinds`: each contact's branch; `solveTransposed`:
 * the caller's Kᵀw = g solver (LU, or minimum norm when `redundant`).
 */
export function islandAdjointHand(
  s: IslandInput,
  th: Float64Array,
  ybar: Float64Array,
  vplus: Float64Array,
  contacts: readonly number[],
  kinds: readonly ContactKind[],
  thbar: Float64Array,
  solveTransposed: (K: Float64Array, g: ArrayLike<number>, redundant: boolean) => number[],
): void {
  const m = contacts.length;
  const nz = 3 * m;
  // sides of each contact; the dynamic bodies (local index) and their sides
  const sides: Side[] = [];
  const bodies: number[] = [];
  const bodySides: Side[][] = [];
  for (let i = 0; i < m; i++) {
    const k = contacts[i];
    for (let end = 0; end < 2; end++) {
      const body = end === 0 ? s.bodyB[k] : s.bodyA[k];
      const sign = end === 0 ? 1 : -1;
      const r = end === 0 ? R_B : R_A;
      const dynamic = !s.isStatic[body];
      let local = dynamic ? bodies.indexOf(body) : -1;
      if (dynamic && local < 0) {
        local = bodies.length;
        bodies.push(body);
        bodySides.push([]);
      }
      const base = s.contactBase + s.contactWidth * k;
      const side: Side = { i, body, local, sign, base, r: base + r, response: null };
      sides.push(side);
      if (dynamic) bodySides[local].push(side);
    }
  }
  // per dynamic side and direction j: the row a = [d ; r × d] and the response M⁻¹a = [m⁻¹ d ; I⁻¹(r × d)]
  const row = _row;
  for (const side of sides) {
    if (side.local < 0) continue;
    const invMass = th[s.invMassBase + side.body];
    const I = s.invInertiaBase + 9 * side.body;
    const resp = new Float64Array(18);
    for (let j = 0; j < 3; j++) {
      rowOfSide(th, side.base + 3 * j, side.r, row);
      for (let e = 0; e < 3; e++) resp[6 * j + e] = invMass * row[e];
      for (let e = 0; e < 3; e++) resp[6 * j + 3 + e] = th[I + 3 * e] * row[3] + th[I + 3 * e + 1] * row[4] + th[I + 3 * e + 2] * row[5];
    }
    side.response = resp;
  }

  // W (3m × 3m) and ∂G/∂λ = J M⁻¹ v̄⁺
  const W = new Float64Array(nz * nz);
  const dG = new Float64Array(nz);
  const rowP = _rowP;
  bodySides.forEach((list, local) => {
    const body = bodies[local];
    for (const p of list) {
      const resp = p.response as Float64Array;
      for (let j = 0; j < 3; j++) {
        // ∂G/∂λ_pj = sign_p v̄⁺_b · M⁻¹a_pj
        let gdot = 0;
        for (let e = 0; e < 6; e++) gdot += ybar[6 * body + e] * resp[6 * j + e];
        dG[3 * p.i + j] += p.sign * gdot;
      }
      for (const q of list) {
        const respQ = q.response as Float64Array;
        for (let j = 0; j < 3; j++) {
          rowOfSide(th, p.base + 3 * j, p.r, rowP);
          for (let i = 0; i < 3; i++) {
            let w = 0;
            for (let e = 0; e < 6; e++) w += rowP[e] * respQ[6 * i + e];
            W[(3 * p.i + j) * nz + 3 * q.i + i] += p.sign * q.sign * w;
          }
        }
      }
    }
  });

  // contact velocities at v⁺ (tangential, for the sliding branch)
  const u = new Float64Array(nz);
  for (const side of sides) {
    const v = 6 * side.body;
    for (let j = 0; j < 3; j++) {
      rowOfSide(th, side.base + 3 * j, side.r, row);
      let dot = 0;
      for (let e = 0; e < 6; e++) dot += row[e] * vplus[v + e];
      u[3 * side.i + j] += side.sign * dot;
    }
  }

  // K = ∂F/∂λ
  const K = new Float64Array(nz * nz);
  const slip: { speed: number; u1: number; u2: number }[] = [];
  for (let i = 0; i < m; i++) {
    const k = contacts[i];
    const kind = kinds[i];
    const rowsFromW = kind === 'frictionless' ? [0] : kind === 'stick' ? [0, 1, 2] : [0];
    for (const j of rowsFromW) for (let c = 0; c < nz; c++) K[(3 * i + j) * nz + c] = W[(3 * i + j) * nz + c];
    const speed = Math.hypot(u[3 * i + 1], u[3 * i + 2]);
    const u1 = u[3 * i + 1] / speed, u2 = u[3 * i + 2] / speed;
    slip.push({ speed, u1, u2 });
    if (kind === 'frictionless') {
      K[(3 * i + 1) * nz + 3 * i + 1] = 1;
      K[(3 * i + 2) * nz + 3 * i + 2] = 1;
    } else if (kind === 'slide') {
      const mu = th[s.contactBase + s.contactWidth * contacts[i] + MU];
      const ln = s.lambda[3 * k];
      const scale = (mu * ln) / speed;
      // (I − ûûᵀ) rows
      const P = [
        [1 - u1 * u1, -u1 * u2],
        [-u2 * u1, 1 - u2 * u2],
      ];
      for (let a = 0; a < 2; a++) {
        for (let c = 0; c < nz; c++) {
          const v = scale * (P[a][0] * W[(3 * i + 1) * nz + c] + P[a][1] * W[(3 * i + 2) * nz + c]);
          K[(3 * i + 1 + a) * nz + c] = v;
        }
        K[(3 * i + 1 + a) * nz + 3 * i + 1 + a] += 1;
        K[(3 * i + 1 + a) * nz + 3 * i] += mu * (a === 0 ? u1 : u2);
      }
    }
  }
  const g = new Array<number>(nz);
  contacts.forEach((k, i) => {
    for (let j = 0; j < 3; j++) g[3 * i + j] = ybar[6 * s.nbody + 3 * k + j] + dG[3 * i + j];
  });
  const w = solveTransposed(K, g, nz > 6 * bodies.length);

  // c_kj = −(∂F/∂u_kj)ᵀw, and the b̄, μ̄ of F
  const coef = new Float64Array(nz);
  for (let i = 0; i < m; i++) {
    const k = contacts[i];
    const o = s.contactBase + s.contactWidth * contacts[i];
    coef[3 * i] = -w[3 * i];
    thbar[o + BOUND] += w[3 * i];
    const kind = kinds[i];
    if (kind === 'stick') {
      coef[3 * i + 1] = -w[3 * i + 1];
      coef[3 * i + 2] = -w[3 * i + 2];
    } else if (kind === 'slide') {
      const { speed, u1, u2 } = slip[i];
      const mu = th[o + MU];
      const ln = s.lambda[3 * k];
      const w1 = w[3 * i + 1], w2 = w[3 * i + 2];
      const along = w1 * u1 + w2 * u2;
      coef[3 * i + 1] = (-mu * ln * (w1 - u1 * along)) / speed;
      coef[3 * i + 2] = (-mu * ln * (w2 - u2 * along)) / speed;
      thbar[o + MU] += -ln * along;
    }
  }

  // u's direct dependence on the directions and lever arms (v⁺ fixed), and h_b
  const h = new Float64Array(6 * bodies.length);
  for (const side of sides) {
    const v = 6 * side.body;
    const vx = vplus[v], vy = vplus[v + 1], vz = vplus[v + 2];
    const wx = vplus[v + 3], wy = vplus[v + 4], wz = vplus[v + 5];
    const r = side.r;
    for (let j = 0; j < 3; j++) {
      const cj = side.sign * coef[3 * side.i + j];
      if (cj === 0) continue;
      const d = side.base + 3 * j;
      // u ∋ d·v + (r × d)·ω = d·(v + ω × r) = r·(d × ω)
      thbar[d] += cj * (vx + wy * th[r + 2] - wz * th[r + 1]);
      thbar[d + 1] += cj * (vy + wz * th[r] - wx * th[r + 2]);
      thbar[d + 2] += cj * (vz + wx * th[r + 1] - wy * th[r]);
      thbar[r] += cj * (th[d + 1] * wz - th[d + 2] * wy);
      thbar[r + 1] += cj * (th[d + 2] * wx - th[d] * wz);
      thbar[r + 2] += cj * (th[d] * wy - th[d + 1] * wx);
      if (side.local >= 0) {
        rowOfSide(th, side.base + 3 * j, side.r, row);
        for (let e = 0; e < 6; e++) h[6 * side.local + e] += cj * row[e];
      }
    }
  }

  // v̄* += h_b; the response M⁻¹Jᵀλ with q_b = v̄⁺_b + h_b
  const q = _q;
  bodySides.forEach((list, local) => {
    const body = bodies[local];
    for (let e = 0; e < 6; e++) {
      thbar[6 * body + e] += h[6 * local + e];
      q[e] = ybar[6 * body + e] + h[6 * local + e];
    }
    const invMass = th[s.invMassBase + body];
    const I = s.invInertiaBase + 9 * body;
    // τ̄ = Iᵀ q_ang (the same for every impulse on the body, up to the side's sign)
    const tb0 = th[I] * q[3] + th[I + 3] * q[4] + th[I + 6] * q[5];
    const tb1 = th[I + 1] * q[3] + th[I + 4] * q[4] + th[I + 7] * q[5];
    const tb2 = th[I + 2] * q[3] + th[I + 5] * q[4] + th[I + 8] * q[5];
    for (const side of list) {
      const k = contacts[side.i];
      const o = side.base;
      const l0 = s.lambda[3 * k], l1 = s.lambda[3 * k + 1], l2 = s.lambda[3 * k + 2];
      // P = Σ λ_j d_j, the world impulse; Δv = sign [m⁻¹P ; I⁻¹(r × P)]
      const P0 = l0 * th[o] + l1 * th[o + 3] + l2 * th[o + 6];
      const P1 = l0 * th[o + 1] + l1 * th[o + 4] + l2 * th[o + 7];
      const P2 = l0 * th[o + 2] + l1 * th[o + 5] + l2 * th[o + 8];
      const r = side.r;
      const rx = th[r], ry = th[r + 1], rz = th[r + 2];
      const t0 = ry * P2 - rz * P1, t1 = rz * P0 - rx * P2, t2 = rx * P1 - ry * P0;
      const sg = side.sign;
      thbar[s.invMassBase + body] += sg * (q[0] * P0 + q[1] * P1 + q[2] * P2);
      const tau = [t0, t1, t2];
      for (let a = 0; a < 3; a++) for (let c = 0; c < 3; c++) thbar[I + 3 * a + c] += sg * q[3 + a] * tau[c];
      // τ̄·(r × P): r̄ += P × τ̄, P̄ += τ̄ × r; P̄ += m⁻¹ q_lin
      const s0 = sg * tb0, s1 = sg * tb1, s2 = sg * tb2;
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
  });
}
