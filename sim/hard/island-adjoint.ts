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

const _q = new Float64Array(6);

/**
 * Scratch that grows to the largest island seen and is reused by every call (an island
 * adjoint runs per island per step: allocating its dozen small arrays each time cost more
 * than its arithmetic). Sides are (contact, end) pairs, 2 per contact.
 */
const pool = {
  sideContact: new Int32Array(0),
  sideBody: new Int32Array(0),
  sideLocal: new Int32Array(0),
  sideSign: new Float64Array(0),
  sideBase: new Int32Array(0),
  sideR: new Int32Array(0),
  /** sides grouped by local body: order[bodyStart[b] .. bodyStart[b + 1]] */
  order: new Int32Array(0),
  bodyStart: new Int32Array(0),
  bodies: new Int32Array(0),
  /** body → local index + 1 (0: not in the island), for every body of the model */
  localOf: new Int32Array(0),
  /** (18 per side) the rows [d ; r × d] of n, t₁, t₂ */
  rows: new Float64Array(0),
  response: new Float64Array(0),
  W: new Float64Array(0),
  K: new Float64Array(0),
  dG: new Float64Array(0),
  u: new Float64Array(0),
  g: new Float64Array(0),
  coef: new Float64Array(0),
  slip: new Float64Array(0),
  h: new Float64Array(0),
};

function ensurePool(m: number, nbody: number): void {
  const sides = 2 * m;
  if (pool.sideContact.length < sides) {
    const cap = Math.max(sides, 2 * pool.sideContact.length);
    pool.sideContact = new Int32Array(cap);
    pool.sideBody = new Int32Array(cap);
    pool.sideLocal = new Int32Array(cap);
    pool.sideSign = new Float64Array(cap);
    pool.sideBase = new Int32Array(cap);
    pool.sideR = new Int32Array(cap);
    pool.order = new Int32Array(cap);
    pool.bodyStart = new Int32Array(cap + 1);
    pool.bodies = new Int32Array(cap);
    pool.response = new Float64Array(18 * cap);
    pool.rows = new Float64Array(18 * cap);
    pool.h = new Float64Array(6 * cap);
    const zcap = 3 * (cap / 2);
    pool.W = new Float64Array(zcap * zcap);
    pool.K = new Float64Array(zcap * zcap);
    pool.dG = new Float64Array(zcap);
    pool.u = new Float64Array(zcap);
    pool.g = new Float64Array(zcap);
    pool.coef = new Float64Array(zcap);
    pool.slip = new Float64Array(zcap);
  }
  if (pool.localOf.length < nbody) pool.localOf = new Int32Array(nbody);
}

/** The row [d ; r × d] of the direction at θ offset `d` and the lever arm at `r`, into `out[o..o+5]`. */
function rowOfSide(th: Float64Array, d: number, r: number, out: Float64Array, o: number): void {
  out[o] = th[d];
  out[o + 1] = th[d + 1];
  out[o + 2] = th[d + 2];
  out[o + 3] = th[r + 1] * th[d + 2] - th[r + 2] * th[d + 1];
  out[o + 4] = th[r + 2] * th[d] - th[r] * th[d + 2];
  out[o + 5] = th[r] * th[d + 1] - th[r + 1] * th[d];
}

/**
 * Zero the first `count` entries of `a`: a loop, not `fill` (the islands are small, most of
 * one contact, and a call into the fill builtin costs more than zeroing 3 to 9 entries).
 */
function zero(a: Float64Array | Int32Array, count: number): void {
  for (let i = 0; i < count; i++) a[i] = 0;
}

/** sideLocal of a static body's side: moving (its velocity enters u), or at rest (skipped). */
const STATIC_SIDE = -1;
const IDLE_SIDE = -2;

/** Whether body b's six velocities in `v` are all zero. */
function isAtRest(v: Float64Array, b: number): boolean {
  const o = 6 * b;
  return v[o] === 0 && v[o + 1] === 0 && v[o + 2] === 0 && v[o + 3] === 0 && v[o + 4] === 0 && v[o + 5] === 0;
}

/** A contact's friction branch at the solution (impulse-adjoint.ts `kindOf`). */
export type ContactKind = 'stick' | 'slide' | 'frictionless';

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
  ensurePool(m, s.nbody);
  const {
    sideContact,
    sideBody,
    sideLocal,
    sideSign,
    sideBase,
    sideR,
    order,
    bodyStart,
    bodies,
    localOf,
    rows,
    response,
  } = pool;
  // sides of each contact; the dynamic bodies (local index)
  let nb = 0;
  for (let i = 0; i < m; i++) {
    const k = islandContacts[first + i];
    const base = s.contactBase + s.contactWidth * k;
    for (let end = 0; end < 2; end++) {
      const side = 2 * i + end;
      const body = end === 0 ? s.bodyB[k] : s.bodyA[k];
      sideContact[side] = i;
      sideBody[side] = body;
      sideSign[side] = end === 0 ? 1 : -1;
      sideBase[side] = base;
      sideR[side] = base + (end === 0 ? R_B : R_A);
      if (s.isStatic[body]) {
        // a static body at rest adds exactly nothing to u or to θ̄ (its terms are products
        // with its zero velocity): its side is skipped (−2); a moving one is kept (−1)
        sideLocal[side] = isAtRest(vplus, body) ? IDLE_SIDE : STATIC_SIDE;
        continue;
      }
      if (localOf[body] === 0) {
        bodies[nb] = body;
        localOf[body] = ++nb;
      }
      sideLocal[side] = localOf[body] - 1;
    }
  }
  for (let b = 0; b < nb; b++) localOf[bodies[b]] = 0;
  // sides grouped by body (counting sort)
  zero(bodyStart, nb + 1);
  for (let side = 0; side < nSides; side++) if (sideLocal[side] >= 0) bodyStart[sideLocal[side] + 1]++;
  for (let b = 0; b < nb; b++) bodyStart[b + 1] += bodyStart[b];
  {
    const fill = pool.h; // borrowed as a cursor before h is used
    for (let b = 0; b < nb; b++) fill[b] = bodyStart[b];
    for (let side = 0; side < nSides; side++) {
      const local = sideLocal[side];
      if (local >= 0) order[fill[local]++] = side;
    }
  }
  // per side and direction j: the row a = [d ; r × d], and for a dynamic body the response
  // M⁻¹a = [m⁻¹ d ; I⁻¹(r × d)]
  for (let side = 0; side < nSides; side++) {
    if (sideLocal[side] === IDLE_SIDE) continue;
    const o = 18 * side;
    for (let j = 0; j < 3; j++) rowOfSide(th, sideBase[side] + 3 * j, sideR[side], rows, o + 6 * j);
    if (sideLocal[side] < 0) continue;
    const body = sideBody[side];
    const invMass = th[s.invMassBase + body];
    const I = s.invInertiaBase + 9 * body;
    for (let j = 0; j < 3; j++) {
      const a = o + 6 * j;
      for (let e = 0; e < 3; e++) response[a + e] = invMass * rows[a + e];
      for (let e = 0; e < 3; e++)
        response[a + 3 + e] =
          th[I + 3 * e] * rows[a + 3] + th[I + 3 * e + 1] * rows[a + 4] + th[I + 3 * e + 2] * rows[a + 5];
    }
  }

  // W (3m × 3m) and ∂G/∂λ = J M⁻¹ v̄⁺
  const W = pool.W,
    dG = pool.dG;
  zero(W, nz * nz);
  zero(dG, nz);
  for (let b = 0; b < nb; b++) {
    const body = bodies[b];
    for (let a = bodyStart[b]; a < bodyStart[b + 1]; a++) {
      const p = order[a];
      const ip = sideContact[p],
        sp = sideSign[p];
      for (let j = 0; j < 3; j++) {
        // ∂G/∂λ_pj = sign_p v̄⁺_b · M⁻¹a_pj
        let gdot = 0;
        for (let e = 0; e < 6; e++) gdot += ybar[6 * body + e] * response[18 * p + 6 * j + e];
        dG[3 * ip + j] += sp * gdot;
      }
      for (let c = bodyStart[b]; c < bodyStart[b + 1]; c++) {
        const q = order[c];
        const iq = sideContact[q],
          sq = sideSign[q];
        for (let j = 0; j < 3; j++) {
          const a = 18 * p + 6 * j;
          for (let i = 0; i < 3; i++) {
            const b = 18 * q + 6 * i;
            let w = 0;
            for (let e = 0; e < 6; e++) w += rows[a + e] * response[b + e];
            W[(3 * ip + j) * nz + 3 * iq + i] += sp * sq * w;
          }
        }
      }
    }
  }

  // contact velocities at v⁺, the tangential ones as slip from the target (for the sliding branch)
  const u = pool.u;
  zero(u, nz);
  for (let side = 0; side < nSides; side++) {
    if (sideLocal[side] === IDLE_SIDE) continue;
    const v = 6 * sideBody[side];
    for (let j = 0; j < 3; j++) {
      const a = 18 * side + 6 * j;
      let dot = 0;
      for (let e = 0; e < 6; e++) dot += rows[a + e] * vplus[v + e];
      u[3 * sideContact[side] + j] += sideSign[side] * dot;
    }
  }
  for (let i = 0; i < m; i++) {
    const target = s.contactBase + s.contactWidth * islandContacts[first + i] + SLIP_TARGET;
    u[3 * i + 1] -= th[target];
    u[3 * i + 2] -= th[target + 1];
  }

  // K = ∂F/∂λ; slip = (‖u_t‖, û) per contact
  const K = pool.K,
    slip = pool.slip;
  zero(K, nz * nz);
  for (let i = 0; i < m; i++) {
    const k = islandContacts[first + i];
    const kind = kinds[i];
    const wRows = kind === 'stick' ? 3 : 1;
    for (let j = 0; j < wRows; j++) for (let c = 0; c < nz; c++) K[(3 * i + j) * nz + c] = W[(3 * i + j) * nz + c];
    const speed = Math.sqrt(u[3 * i + 1] * u[3 * i + 1] + u[3 * i + 2] * u[3 * i + 2]);
    const u1 = u[3 * i + 1] / speed,
      u2 = u[3 * i + 2] / speed;
    slip[3 * i] = speed;
    slip[3 * i + 1] = u1;
    slip[3 * i + 2] = u2;
    if (kind === 'frictionless') {
      K[(3 * i + 1) * nz + 3 * i + 1] = 1;
      K[(3 * i + 2) * nz + 3 * i + 2] = 1;
    } else if (kind === 'slide') {
      const mu = th[s.contactBase + s.contactWidth * k + MU];
      const ln = s.lambda[3 * k];
      const scale = (mu * ln) / speed;
      // rows t₁, t₂: (μλ_n/‖u_t‖)(I − ûûᵀ) W_t, plus I on λ_t and μû on λ_n
      for (let a = 0; a < 2; a++) {
        const pa0 = a === 0 ? 1 - u1 * u1 : -u2 * u1;
        const pa1 = a === 0 ? -u1 * u2 : 1 - u2 * u2;
        for (let c = 0; c < nz; c++)
          K[(3 * i + 1 + a) * nz + c] = scale * (pa0 * W[(3 * i + 1) * nz + c] + pa1 * W[(3 * i + 2) * nz + c]);
        K[(3 * i + 1 + a) * nz + 3 * i + 1 + a] += 1;
        K[(3 * i + 1 + a) * nz + 3 * i] += mu * (a === 0 ? u1 : u2);
      }
    }
  }
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
