/**
 * One island of the impulse solve at its solution, as its implicit adjoint
 * (island-adjoint.ts) and its implicit tangent (impulse-tangent.ts) both need it: the
 * island's sides and dynamic bodies, each side's rows [d ; r × d] of n, t₁, t₂ and their
 * responses M⁻¹a, the Delassus matrix W = J M⁻¹ Jᵀ, the contact velocities at v⁺ (the
 * tangential ones as slip from the target), and K = ∂F/∂λ of the active set's conditions
 * (impulse-adjoint.ts header):
 *
 *   normal and sticking rows: W's rows; frictionless tangent rows: the identity on λ_t;
 *   sliding tangent rows, F_t = λ_t + μλ_n û (û = w_t/‖w_t‖, w_t = u_t − u°_t):
 *   I_t + μ û e_nᵀ + (μλ_n/‖w_t‖)(I − ûûᵀ) W_t
 *
 * Built once per island into module scratch ({@link islandPool}, grown to the largest
 * island seen: an island runs per island per step, and allocating its dozen small arrays
 * each time cost more than its arithmetic); read it before the next call.
 */
import {
  IMPULSE_CONTACT_WIDTH,
  CONTACT_MU as MU,
  CONTACT_R_A as R_A,
  CONTACT_R_B as R_B,
  CONTACT_SLIP_TARGET as SLIP_TARGET,
} from './impulse-layout.ts';

/** What an island reads of the solve (impulse-adjoint.ts's structure and layout). */
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

const _input: IslandInput = {
  nbody: 0,
  bodyA: new Int32Array(0),
  bodyB: new Int32Array(0),
  isStatic: new Uint8Array(0),
  lambda: new Float64Array(0),
  contactBase: 0,
  contactWidth: IMPULSE_CONTACT_WIDTH,
  invMassBase: 0,
  invInertiaBase: 0,
};

/**
 * The island view of the solve `s` whose θ has its contacts, m⁻¹ and I_w⁻¹ at the given
 * offsets (impulse-layout.ts): one object refilled per call.
 */
export function islandInputOf(
  s: Pick<IslandInput, 'nbody' | 'bodyA' | 'bodyB' | 'isStatic' | 'lambda'>,
  contactBase: number,
  invMassBase: number,
  invInertiaBase: number,
): IslandInput {
  const input = _input;
  input.nbody = s.nbody;
  input.bodyA = s.bodyA;
  input.bodyB = s.bodyB;
  input.isStatic = s.isStatic;
  input.lambda = s.lambda;
  input.contactBase = contactBase;
  input.invMassBase = invMassBase;
  input.invInertiaBase = invInertiaBase;
  return input;
}

/** A contact's friction branch at the solution (impulse-adjoint.ts `kindOf`). */
export type ContactKind = 'stick' | 'slide' | 'frictionless';

/** sideLocal of a static body's side: moving (its velocity enters u), or at rest (skipped). */
export const STATIC_SIDE = -1;
export const IDLE_SIDE = -2;

/**
 * The island's values after {@link islandK}. Sides are (contact, end) pairs, 2 per
 * contact: side 2i is contact i's body B (sign +1), 2i + 1 its body A (sign −1).
 */
export const islandPool = {
  sideContact: new Int32Array(0),
  sideBody: new Int32Array(0),
  /** the side's dynamic body's local index, or STATIC_SIDE / IDLE_SIDE */
  sideLocal: new Int32Array(0),
  sideSign: new Float64Array(0),
  /** θ offsets of the side's contact block and of its lever arm */
  sideBase: new Int32Array(0),
  sideR: new Int32Array(0),
  /** sides grouped by local body: order[bodyStart[b] .. bodyStart[b + 1]] */
  order: new Int32Array(0),
  bodyStart: new Int32Array(0),
  cursor: new Int32Array(0),
  /** the island's dynamic bodies by local index */
  bodies: new Int32Array(0),
  /** body → local index + 1 (0: not in the island), for every body of the model; zero between calls */
  localOf: new Int32Array(0),
  /** (18 per side) the rows [d ; r × d] of n, t₁, t₂, and the responses M⁻¹a (dynamic sides) */
  rows: new Float64Array(0),
  response: new Float64Array(0),
  /** (3m × 3m, row-major) W and K */
  W: new Float64Array(0),
  K: new Float64Array(0),
  /** (3m) u = J v⁺, the tangential entries less the slip target */
  u: new Float64Array(0),
  /** (3 per contact) ‖w_t‖, û */
  slip: new Float64Array(0),
  /** (3m) J M⁻¹ v̄⁺, when asked for */
  dG: new Float64Array(0),
};

function ensurePool(m: number, nbody: number): void {
  const pool = islandPool;
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
    pool.cursor = new Int32Array(cap);
    pool.bodies = new Int32Array(cap);
    pool.response = new Float64Array(18 * cap);
    pool.rows = new Float64Array(18 * cap);
    const zcap = 3 * (cap / 2);
    pool.W = new Float64Array(zcap * zcap);
    pool.K = new Float64Array(zcap * zcap);
    pool.u = new Float64Array(zcap);
    pool.slip = new Float64Array(zcap);
    pool.dG = new Float64Array(zcap);
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
export function zero(a: Float64Array | Int32Array, count: number): void {
  for (let i = 0; i < count; i++) a[i] = 0;
}

/** Whether body b's six velocities in `v` are all zero. */
function isAtRest(v: Float64Array, b: number): boolean {
  const o = 6 * b;
  return v[o] === 0 && v[o + 1] === 0 && v[o + 2] === 0 && v[o + 3] === 0 && v[o + 4] === 0 && v[o + 5] === 0;
}

/**
 * Build the island `islandContacts[first .. first + m]` into {@link islandPool} (header),
 * at θ `th` and the velocities after the impulses `vplus` (6n), with each contact's branch
 * in `kinds` (same order); with the cotangent `vbar` of v⁺ (the adjoint's), also
 * `dG` = ∂(v̄⁺·M⁻¹Jᵀλ)/∂λ = J M⁻¹ v̄⁺. Returns the count of the island's dynamic bodies.
 */
export function islandK(
  s: IslandInput,
  th: Float64Array,
  vplus: Float64Array,
  islandContacts: Int32Array,
  first: number,
  m: number,
  kinds: readonly ContactKind[],
  vbar: Float64Array | null,
): number {
  const nz = 3 * m;
  const nSides = 2 * m;
  ensurePool(m, s.nbody);
  const pool = islandPool;
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
    const fill = pool.cursor;
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

  // W = J M⁻¹ Jᵀ (3m × 3m) over the shared dynamic bodies; with a cotangent, ∂G/∂λ = J M⁻¹ v̄⁺
  const W = pool.W,
    dG = pool.dG;
  zero(W, nz * nz);
  if (vbar !== null) zero(dG, nz);
  for (let b = 0; b < nb; b++) {
    const body = bodies[b];
    for (let a = bodyStart[b]; a < bodyStart[b + 1]; a++) {
      const p = order[a];
      const ip = sideContact[p],
        sp = sideSign[p];
      if (vbar !== null)
        for (let j = 0; j < 3; j++) {
          // ∂G/∂λ_pj = sign_p v̄⁺_b · M⁻¹a_pj
          let gdot = 0;
          for (let e = 0; e < 6; e++) gdot += vbar[6 * body + e] * response[18 * p + 6 * j + e];
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
  return nb;
}
