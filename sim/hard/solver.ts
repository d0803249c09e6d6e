/**
 * The velocity-level contact solve: impulses λ_k = (λ_n, λ_t) of every contact such that
 * the end-of-step velocities v⁺ = v* + M⁻¹Jᵀλ satisfy non-penetration (with Newton
 * restitution and speculative bounds, problem.ts) and Coulomb friction. Method:
 * projected (block) Gauss–Seidel with warm start, each contact solved exactly in turn.
 *
 * ## Optimality conditions (what a solution is; the adjoint differentiates these)
 *
 * With u_k = (u_n, u_t) the contact velocities at v⁺, b_k the normal bound, μ_k the pair
 * friction, for every contact k:
 *
 *   normal (Signorini at velocity level):  0 ≤ λ_n  ⊥  u_n − b ≥ 0
 *   friction (Coulomb, maximal dissipation): ‖λ_t‖ ≤ μλ_n, and, with the slip
 *   w_t = u_t − u°_t measured from the contact's slip target u°_t (problem.ts `slipTarget`:
 *   0, except at a placed impact, where stick means no slip AT the impact),
 *       stick  ‖λ_t‖ < μλ_n  ⇒  w_t = 0
 *       slip   ‖λ_t‖ = μλ_n  ⇒  w_t = −s·λ_t/‖λ_t‖ for some s ≥ 0 (s = ‖w_t‖)
 *
 * i.e. λ_t minimises the power λ_t·w_t over the disk of radius μλ_n: friction opposes
 * the slip exactly (the isotropic Coulomb cone, not a pyramid). Equivalently, for any
 * scalar step σ > 0 the natural-map residual vanishes:
 *
 *   λ_n = max(0, λ_n − σ(u_n − b)),   λ_t = Π_{‖·‖ ≤ μλ_n}(λ_t − σ w_t)      (★)
 *
 * which `complementarityResidual` evaluates independently of the solver.
 *
 * At the active set (the adjoint's system F(λ, θ) = 0, one row block per contact):
 *   separated  (λ_n = 0):                     F = λ_k                          (3 rows)
 *   sticking   (λ_n > 0, ‖λ_t‖ < μλ_n):        F = (u_n − b, w_t)
 *   sliding    (λ_n > 0, ‖λ_t‖ = μλ_n > 0):    F = (u_n − b, λ_t + μλ_n·w_t/‖w_t‖)
 * with u = J v* + W λ affine in λ. Degenerate (weakly active) points, where the
 * derivative is one-sided and the adjoint must pick a branch and report a kink:
 * λ_n = 0 with u_n = b (contact onset or release), ‖λ_t‖ = μλ_n with w_t = 0 (the
 * stick/slip boundary), and the restitution/speculative switch of the bound b itself
 * (problem.ts). In a resting box's 4-corner manifold the normal impulses are not unique
 * (W is singular on them); the solver returns the one its sweep order and warm start
 * reach, and the adjoint needs a minimum-norm convention there.
 *
 * ## The iteration
 *
 * One sweep visits the contacts in buffer order (after `FORWARD_SWEEPS` in reverse). For each: the normal impulse by the
 * exact scalar update λ_n ← max(0, λ_n − (u_n − b)/W_nn); then the friction impulse by
 * the exact solution of the contact's own 2-D problem — minimise ½ xᵀW_tt x + cᵀx over
 * ‖x‖ ≤ μλ_n, c = w_t − W_tt λ_t — with W_tt diagonal in the contact's tangents
 * (problem.ts): the unconstrained minimiser if it lies in the disk, else the boundary
 * point where W_tt x + c = −νx, ν ≥ 0 (a 1-D secular equation, Newton from ν = 0, which
 * converges monotonically because 1/‖x(ν)‖ is concave: Moré & Sorensen 1983). Any fixed
 * point of the sweep satisfies (★). Body velocities are updated in place after every
 * contact (sequential impulses), so one sweep costs O(contacts).
 *
 * Why this method (measured; see README.md): contact counts run from 1 (a ball) to ~500
 * (the 100-box pile), and from one step to the next the solution barely moves, so the
 * previous step's impulses (warm start, matched by contact point or feature id) leave
 * the sweep a few iterations from tolerance at O(contacts) each. A dense LCP pivot (Lemke) or an
 * interior-point method costs O(contacts³) per step (≈10⁸ flops at 500 contacts, ~100×
 * PGS's budget) and cannot warm start; both would be reasonable only for a handful of
 * contacts, where PGS with warm start already converges to 1e-6 m/s in a few sweeps.
 * The weakness of PGS is slow convergence on long chains of heavy-on-light contacts; the
 * residual left at the iteration cap is reported rather than hidden (`stats.converged`).
 * A second slow case, measured on stacks and the 256-box pile: the corners of a resting
 * face at gaps of ±1e-7 m, where an open corner may approach by its gap (speculative bound
 * −d/dt) and a closed one may not; no rigid motion meets both, and the sweep moves load
 * off the open corner at a constant rate (the residual stays flat for hundreds of sweeps)
 * until the gaps all close, after which the warm-started solve converges in 1–2 sweeps.
 * Stopping such solves early (tried: when the residual fell < 10 % in 5 sweeps) keeps a
 * 5-box stack from ever settling, so the cap stays the only early stop.
 */
import { applyContactImpulse, contactVelocity, type ContactProblem } from './problem.ts';
import type { HardContactSettings } from './settings.ts';

/** What the last solve did, written by {@link solveContactVelocities} and the position pass. */
export interface HardSolveStats {
  /** contacts in the problem */
  contacts: number;
  /** Gauss–Seidel sweeps of the velocity solve */
  iterations: number;
  /** largest velocity change of the last velocity sweep, m/s (≤ tolerance when converged) */
  residual: number;
  /**
   * whether the velocity solve met its tolerance; false: it stopped at the iteration cap
   * with `residual` left (the implicit adjoint assumes a converged solve)
   */
  converged: boolean;
  /** sweeps of the position pass (0: it did not run) */
  positionIterations: number;
  /** largest pseudo-velocity change of its last sweep, m/s */
  positionResidual: number;
  /** whether the positions moved with pseudo-velocities (impact placement or drift correction) */
  moved: boolean;
  /**
   * the smallest first-order end-of-step gap d + dt·u_n(v⁺ + v_place) over the contacts (m;
   * the position pass runs where it is below −penetrationTolerance), and its contact (−1: none)
   */
  positionGap: number;
  positionGapContact: number;
}

/** Fresh, zeroed stats. */
export function createHardSolveStats(): HardSolveStats {
  return {
    contacts: 0,
    iterations: 0,
    residual: 0,
    converged: true,
    positionIterations: 0,
    positionResidual: 0,
    moved: false,
    positionGap: Infinity,
    positionGapContact: -1,
  };
}

/** Newton iterations of the friction-disk secular equation (it converges to rounding in ≤ 8 in practice). */
const MAX_DISK_NEWTON = 30;
/** Relative accuracy of the radius reached by the secular-equation Newton iteration. */
const DISK_RADIUS_TOLERANCE = 1e-13;

/**
 * Exact solution of the 2-D friction problem minimise ½(a₁x₁² + a₂x₂²) + c₁x₁ + c₂x₂ over
 * ‖x‖ ≤ r (a₁, a₂ > 0, r ≥ 0). `work` holds the inputs [a₁, a₂, c₁, c₂, r] at 0–4 and
 * receives x at 5–6 and the multiplier ν ≥ 0 of the disk at 7 (a x + c = −ν x); the
 * array interface keeps doubles from being boxed across the call. Returns `work`.
 *
 * @example
 * const w = new Float64Array(8);
 * w.set([1, 1, -3, -4, 1]);        // unconstrained (3, 4) lies outside the unit disk
 * frictionDiskSolve(w);            // w[5], w[6] = 0.6, 0.8; w[7] = 4
 */
export function frictionDiskSolve(work: Float64Array): Float64Array {
  const a1 = work[0],
    a2 = work[1],
    c1 = work[2],
    c2 = work[3],
    r = work[4];
  let x1 = -c1 / a1,
    x2 = -c2 / a2;
  let nu = 0;
  if (x1 * x1 + x2 * x2 > r * r) {
    if (r <= 0) {
      x1 = 0;
      x2 = 0;
    } else {
      // Newton on φ(ν) = 1/‖x(ν)‖ − 1/r, x_i(ν) = −c_i/(a_i + ν): φ concave, increasing, φ(0) < 0
      for (let it = 0; it < MAX_DISK_NEWTON; it++) {
        const d1 = a1 + nu,
          d2 = a2 + nu;
        x1 = -c1 / d1;
        x2 = -c2 / d2;
        const norm2 = x1 * x1 + x2 * x2;
        const norm = Math.sqrt(norm2);
        if (Math.abs(norm - r) <= DISK_RADIUS_TOLERANCE * r) break;
        // φ' = Σ c_i²/(a_i+ν)³ / ‖x‖³
        const slope = ((x1 * x1) / d1 + (x2 * x2) / d2) / (norm2 * norm);
        nu += (norm - r) / (r * norm * slope);
        if (nu < 0) nu = 0;
      }
      // land exactly on the circle: the Coulomb bound then holds to rounding
      const scale = r / Math.sqrt(x1 * x1 + x2 * x2);
      x1 *= scale;
      x2 *= scale;
    }
  }
  work[5] = x1;
  work[6] = x2;
  work[7] = nu;
  return work;
}

const _disk = new Float64Array(8);
const _u = new Float64Array(3);
const _delta = new Float64Array(3);

/**
 * Add the velocity changes of the impulses already in `p.impulse` (a warm start) to `qd`.
 * Allocates nothing.
 */
export function applyImpulses(p: ContactProblem, qd: Float64Array): void {
  for (let k = 0; k < p.count; k++) {
    _delta[0] = p.impulse[3 * k];
    _delta[1] = p.impulse[3 * k + 1];
    _delta[2] = p.impulse[3 * k + 2];
    if (_delta[0] !== 0 || _delta[1] !== 0 || _delta[2] !== 0) applyContactImpulse(p, qd, k, _delta);
  }
}

/** The largest velocity change of the last {@link gaussSeidelSweep}, m/s, at [0] (an array: no boxed double). */
const _sweep = new Float64Array(1);

/** Doubles per 64-byte cache line. */
const CACHE_LINE_DOUBLES = 8;

/**
 * The packed row of one contact in {@link _packed}: its fields in the order the sweep reads
 * them, widths in doubles; the offsets below are generated from this list. The normal
 * update's fields come first (a contact that stays open reads only its first two cache
 * lines): n, r_A × n, r_B × n, W_nn, the bound b, μ, the inverse masses of A and B,
 * I_A⁻¹(r_A × n), I_B⁻¹(r_B × n); then the tangents' rows: t₁ and t₂, r_A × t₁ and
 * r_A × t₂, r_B × t₁ and r_B × t₂, W_t₁t₁ and W_t₂t₂, the slip target, I_A⁻¹(r_A × t₁)
 * and I_A⁻¹(r_A × t₂), I_B⁻¹(r_B × t₁) and I_B⁻¹(r_B × t₂).
 */
const PACKED_ROW = packedRowLayout({
  normal: 3,
  armA: 3,
  armB: 3,
  wnn: 1,
  bound: 1,
  friction: 1,
  invMassA: 1,
  invMassB: 1,
  responseA: 3,
  responseB: 3,
  tangents: 6,
  tangentArmA: 6,
  tangentArmB: 6,
  wtt: 2,
  slip: 2,
  tangentResponseA: 6,
  tangentResponseB: 6,
});
// module consts, which TurboFan folds into the sweep's code as constants
const {
  normal: NORMAL,
  armA: ARM_A,
  armB: ARM_B,
  wnn: W_NN,
  bound: BOUND,
  friction: FRICTION,
  invMassA: INV_MASS_A,
  invMassB: INV_MASS_B,
  responseA: RESPONSE_A,
  responseB: RESPONSE_B,
  tangents: TANGENTS,
  tangentArmA: TANGENT_ARM_A,
  tangentArmB: TANGENT_ARM_B,
  wtt: W_TT,
  slip: SLIP,
  tangentResponseA: TANGENT_RESPONSE_A,
  tangentResponseB: TANGENT_RESPONSE_B,
} = PACKED_ROW.offset;
/** Doubles per contact in {@link _packed}: the row's 54, rounded up to whole cache lines (7). */
const PACKED_WIDTH = PACKED_ROW.width;

/** Offsets of `widths`' fields laid out one after another, and the row's width rounded up to whole cache lines. */
function packedRowLayout<K extends string>(widths: Record<K, number>): { offset: Record<K, number>; width: number } {
  const offset = {} as Record<K, number>;
  let end = 0;
  for (const key of Object.keys(widths) as K[]) {
    offset[key] = end;
    end += widths[key];
  }
  return { offset, width: Math.ceil(end / CACHE_LINE_DOUBLES) * CACHE_LINE_DOUBLES };
}
/**
 * The rows a sweep reads, contact by contact in one array ({@link packContacts}): the sweep
 * streams one array instead of eleven (the 256-box pile's 4,500 contacts are 2 MB, beyond
 * the core's cache, at every sweep).
 */
let _packed = new Float64Array(0);

/** Copy the problem's rows the sweep reads into {@link _packed}: the same doubles, packed. */
function packContacts(p: ContactProblem): void {
  const n = p.count;
  if (_packed.length < PACKED_WIDTH * n)
    _packed = new Float64Array(PACKED_WIDTH * Math.max(n, 2 * (_packed.length / PACKED_WIDTH)));
  const P = _packed,
    dir = p.dir,
    ra = p.angA,
    rb = p.angB,
    ia = p.invAngA,
    ib = p.invAngB;
  for (let k = 0; k < n; k++) {
    const s = PACKED_WIDTH * k,
      r = 9 * k;
    for (let i = 0; i < 3; i++) {
      P[s + NORMAL + i] = dir[r + i];
      P[s + ARM_A + i] = ra[r + i];
      P[s + ARM_B + i] = rb[r + i];
      P[s + RESPONSE_A + i] = ia[r + i];
      P[s + RESPONSE_B + i] = ib[r + i];
    }
    for (let i = 0; i < 6; i++) {
      P[s + TANGENTS + i] = dir[r + 3 + i];
      P[s + TANGENT_ARM_A + i] = ra[r + 3 + i];
      P[s + TANGENT_ARM_B + i] = rb[r + 3 + i];
      P[s + TANGENT_RESPONSE_A + i] = ia[r + 3 + i];
      P[s + TANGENT_RESPONSE_B + i] = ib[r + 3 + i];
    }
    P[s + W_NN] = p.diag[3 * k];
    P[s + BOUND] = p.bound[k];
    P[s + FRICTION] = p.friction[k];
    P[s + INV_MASS_A] = p.invMass[2 * k];
    P[s + INV_MASS_B] = p.invMass[2 * k + 1];
    P[s + W_TT] = p.diag[3 * k + 1];
    P[s + W_TT + 1] = p.diag[3 * k + 2];
    P[s + SLIP] = p.slipTarget[2 * k];
    P[s + SLIP + 1] = p.slipTarget[2 * k + 1];
  }
}

/**
 * One Gauss–Seidel sweep over the contacts of `p`, in buffer order or (`reverse`) in
 * reverse, updating `p.impulse` and the body velocities `qd` in place (the iteration of
 * the file header); the largest velocity change of a contact goes to `_sweep[0]`. The two
 * bodies' velocities are held in locals across a contact's normal and friction updates:
 * what `contactRowVelocities`, `applyNormalImpulse` and `applyContactImpulse` (problem.ts)
 * compute, written out so each contact reads and writes its 12 velocities once; its rows
 * come from {@link _packed}.
 */
function gaussSeidelSweep(p: ContactProblem, qd: Float64Array, reverse: boolean): void {
  const lam = p.impulse,
    P = _packed,
    bodyA = p.bodyA,
    bodyB = p.bodyB,
    disk = _disk;
  let change = 0;
  const n = p.count,
    first = reverse ? n - 1 : 0,
    stride = reverse ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const k = first + stride * i;
    const o = 3 * k,
      s = PACKED_WIDTH * k;
    const ln = lam[o],
      l1 = lam[o + 1],
      l2 = lam[o + 2];
    const a = 6 * bodyA[k],
      b = 6 * bodyB[k];
    let vax = qd[a],
      vay = qd[a + 1],
      vaz = qd[a + 2],
      wax = qd[a + 3],
      way = qd[a + 4],
      waz = qd[a + 5];
    let vbx = qd[b],
      vby = qd[b + 1],
      vbz = qd[b + 2],
      wbx = qd[b + 3],
      wby = qd[b + 4],
      wbz = qd[b + 5];
    // normal: exact scalar projection
    const wnn = P[s + W_NN];
    const un =
      P[s + NORMAL] * (vbx - vax) +
      P[s + NORMAL + 1] * (vby - vay) +
      P[s + NORMAL + 2] * (vbz - vaz) +
      P[s + ARM_B] * wbx +
      P[s + ARM_B + 1] * wby +
      P[s + ARM_B + 2] * wbz -
      P[s + ARM_A] * wax -
      P[s + ARM_A + 1] * way -
      P[s + ARM_A + 2] * waz;
    let lnNext = ln - (un - P[s + BOUND]) / wnn;
    if (lnNext < 0) lnNext = 0;
    const dn = lnNext - ln;
    // friction: exact 2-D disk problem in the diagonalizing tangents, at the new λ_n
    const radius = P[s + FRICTION] * lnNext;
    if (dn === 0 && radius === 0 && l1 === 0 && l2 === 0) continue;
    const ma = P[s + INV_MASS_A],
      mb = P[s + INV_MASS_B];
    // the tangential velocities once dn is applied (W_tn couples them)
    if (dn !== 0) {
      const px = dn * P[s + NORMAL],
        py = dn * P[s + NORMAL + 1],
        pz = dn * P[s + NORMAL + 2];
      vbx += mb * px;
      vby += mb * py;
      vbz += mb * pz;
      wbx += dn * P[s + RESPONSE_B];
      wby += dn * P[s + RESPONSE_B + 1];
      wbz += dn * P[s + RESPONSE_B + 2];
      vax -= ma * px;
      vay -= ma * py;
      vaz -= ma * pz;
      wax -= dn * P[s + RESPONSE_A];
      way -= dn * P[s + RESPONSE_A + 1];
      waz -= dn * P[s + RESPONSE_A + 2];
    }
    const dvx = vbx - vax,
      dvy = vby - vay,
      dvz = vbz - vaz;
    const u1 =
      P[s + TANGENTS] * dvx +
      P[s + TANGENTS + 1] * dvy +
      P[s + TANGENTS + 2] * dvz +
      P[s + TANGENT_ARM_B] * wbx +
      P[s + TANGENT_ARM_B + 1] * wby +
      P[s + TANGENT_ARM_B + 2] * wbz -
      P[s + TANGENT_ARM_A] * wax -
      P[s + TANGENT_ARM_A + 1] * way -
      P[s + TANGENT_ARM_A + 2] * waz;
    const u2 =
      P[s + TANGENTS + 3] * dvx +
      P[s + TANGENTS + 4] * dvy +
      P[s + TANGENTS + 5] * dvz +
      P[s + TANGENT_ARM_B + 3] * wbx +
      P[s + TANGENT_ARM_B + 4] * wby +
      P[s + TANGENT_ARM_B + 5] * wbz -
      P[s + TANGENT_ARM_A + 3] * wax -
      P[s + TANGENT_ARM_A + 4] * way -
      P[s + TANGENT_ARM_A + 5] * waz;
    const a1 = P[s + W_TT],
      a2 = P[s + W_TT + 1];
    const c1 = u1 - P[s + SLIP] - a1 * l1,
      c2 = u2 - P[s + SLIP + 1] - a2 * l2;
    // frictionDiskSolve's first line inline: the unconstrained minimiser, kept when it lies
    // in the disk (a sticking contact, most of a resting pile's); else the secular equation
    let x1 = -c1 / a1,
      x2 = -c2 / a2;
    if (x1 * x1 + x2 * x2 > radius * radius) {
      disk[0] = a1;
      disk[1] = a2;
      disk[2] = c1;
      disk[3] = c2;
      disk[4] = radius;
      frictionDiskSolve(disk);
      x1 = disk[5];
      x2 = disk[6];
    }
    const d1 = x1 - l1,
      d2 = x2 - l2;
    if (d1 !== 0 || d2 !== 0) {
      const px = d1 * P[s + TANGENTS] + d2 * P[s + TANGENTS + 3],
        py = d1 * P[s + TANGENTS + 1] + d2 * P[s + TANGENTS + 4],
        pz = d1 * P[s + TANGENTS + 2] + d2 * P[s + TANGENTS + 5];
      vbx += mb * px;
      vby += mb * py;
      vbz += mb * pz;
      wbx += d1 * P[s + TANGENT_RESPONSE_B] + d2 * P[s + TANGENT_RESPONSE_B + 3];
      wby += d1 * P[s + TANGENT_RESPONSE_B + 1] + d2 * P[s + TANGENT_RESPONSE_B + 4];
      wbz += d1 * P[s + TANGENT_RESPONSE_B + 2] + d2 * P[s + TANGENT_RESPONSE_B + 5];
      vax -= ma * px;
      vay -= ma * py;
      vaz -= ma * pz;
      wax -= d1 * P[s + TANGENT_RESPONSE_A] + d2 * P[s + TANGENT_RESPONSE_A + 3];
      way -= d1 * P[s + TANGENT_RESPONSE_A + 1] + d2 * P[s + TANGENT_RESPONSE_A + 4];
      waz -= d1 * P[s + TANGENT_RESPONSE_A + 2] + d2 * P[s + TANGENT_RESPONSE_A + 5];
    }
    qd[a] = vax;
    qd[a + 1] = vay;
    qd[a + 2] = vaz;
    qd[a + 3] = wax;
    qd[a + 4] = way;
    qd[a + 5] = waz;
    qd[b] = vbx;
    qd[b + 1] = vby;
    qd[b + 2] = vbz;
    qd[b + 3] = wbx;
    qd[b + 4] = wby;
    qd[b + 5] = wbz;
    lam[o] = lnNext;
    lam[o + 1] = x1;
    lam[o + 2] = x2;
    const du = Math.max(Math.abs(dn) * wnn, Math.sqrt(a1 * a1 * d1 * d1 + a2 * a2 * d2 * d2));
    if (du > change) change = du;
  }
  _sweep[0] = change;
}

/**
 * Sweeps in buffer order before a solve still short of its tolerance turns to the reverse
 * order. The buffer order is by body pair, A < B (contact-order.ts), and scenes list a
 * support before what rests on it (the ground first, a pile layer by layer from the
 * bottom), so a forward sweep meets a stack's lowest contacts first and the weight of its
 * top reaches the ground one layer per sweep; the reverse order carries it down in one.
 * Measured over the first 120 steps of piles of touching cubes at rest, dt = 1/240:
 * sweeps per step 33.8 → 19.8 (8×8×4, the bench's pile), 28.6 → 21.2 (6×6×4), 19.4 → 8.8
 * (8×8×3), 34.1 → 4.9 (8×8×2), 50 → 50 (5×5×5, 4×4×6: every step at the cap either way).
 * After 4, 6 or 8 forward sweeps alike, within the scatter of these chaotic transients;
 * reversing from the first sweep (or the third) lost on the 3-layer pile (19.4 → 21.1, 33.6)
 * and changed the solves that converge in a few sweeps, which two tolerance-level tests of
 * billiards' rack and a placed impact's chain notice. Solves that converge within these
 * sweeps (a ball, billiards, a sliding box) are the forward sweep's bit for bit.
 */
const FORWARD_SWEEPS = 5;

/**
 * Projected Gauss–Seidel on the problem `p`, starting from the impulses in `p.impulse`
 * whose effect `qd` (nbody×6) already includes; updates both in place until a sweep
 * changes no contact velocity by more than `settings.tolerance` or `maxIterations`
 * sweeps. Writes `stats.iterations`, `residual`, `converged`. Allocates nothing.
 *
 * @example
 * applyImpulses(problem, velocity);                    // warm start
 * solveContactVelocities(problem, velocity, settings, stats);
 */
export function solveContactVelocities(
  p: ContactProblem,
  qd: Float64Array,
  settings: HardContactSettings,
  stats: HardSolveStats,
): HardSolveStats {
  const n = p.count;
  let sweeps = 0;
  let change = 0;
  packContacts(p);
  while (sweeps < settings.maxIterations) {
    sweeps++;
    gaussSeidelSweep(p, qd, sweeps > FORWARD_SWEEPS);
    change = _sweep[0];
    if (change <= settings.tolerance) break;
  }
  stats.contacts = n;
  stats.iterations = sweeps;
  stats.residual = change;
  stats.converged = change <= settings.tolerance;
  return stats;
}

/**
 * The natural-map residual (★) of the solution in `p.impulse` at the velocities `qd`, in
 * m/s: the largest over contacts of W_nn·|λ_n − max(0, λ_n − (u_n − b)/W_nn)| and
 * ā·‖λ_t − Π_{‖·‖≤μλ_n}(λ_t − w_t/ā)‖, ā = max(W_t₁t₁, W_t₂t₂). Zero exactly when every
 * optimality condition of the file header holds. Independent of the solver's own update
 * (a Euclidean projection with one scalar step, not the exact block solve). Allocates
 * nothing.
 *
 * @example
 * complementarityResidual(problem, velocity); // ≤ ~tolerance after a converged solve
 */
export function complementarityResidual(p: ContactProblem, qd: Float64Array): number {
  let worst = 0;
  for (let k = 0; k < p.count; k++) {
    const o = 3 * k;
    const wnn = p.diag[o];
    const ln = p.impulse[o];
    contactVelocity(p, qd, k, _u);
    const normal = wnn * Math.abs(ln - Math.max(0, ln - (_u[0] - p.bound[k]) / wnn));
    const step = Math.max(p.diag[o + 1], p.diag[o + 2]);
    const l1 = p.impulse[o + 1],
      l2 = p.impulse[o + 2];
    let y1 = l1 - (_u[1] - p.slipTarget[2 * k]) / step;
    let y2 = l2 - (_u[2] - p.slipTarget[2 * k + 1]) / step;
    const radius = p.friction[k] * Math.max(ln, 0);
    const norm = Math.sqrt(y1 * y1 + y2 * y2);
    if (norm > radius) {
      const scale = norm > 0 ? radius / norm : 0;
      y1 *= scale;
      y2 *= scale;
    }
    const tangent = step * Math.sqrt((l1 - y1) * (l1 - y1) + (l2 - y2) * (l2 - y2));
    // a friction impulse outside its disk is a violation too (the projection measures it)
    worst = Math.max(worst, normal, tangent);
  }
  return worst;
}
