/**
 * The velocity solve of a hard-contact step as one AD primitive, differentiated
 * implicitly through its optimality conditions at the active set (never through the
 * Gauss–Seidel iterations).
 *
 *   inputs θ  [v* (6n) | per contact: n, t₁, t₂, r_A, r_B (3 each), μ, b, u°_t₁, u°_t₂ | m⁻¹ (n) | I_w⁻¹ (9n)]
 *   outputs   [v⁺ (6n) | λ (3c)]        λ_k = (λ_n, λ_t₁, λ_t₂) along (n, t₁, t₂)
 *
 * with v⁺ = v* + M⁻¹Jᵀλ. The forward rule does not solve: it is handed the solution the
 * plain step's solver found (solver.ts), so the values are the executed ones.
 *
 * ## The adjoint
 *
 * With u = J v⁺ the contact velocities, the conditions of solver.ts, restricted to the
 * active set the solve ended in, are a square system F(λ, θ) = 0, per contact k:
 *
 *   separated (λ_n = 0):                 λ_k = 0 — drops out (no effect on v⁺, no θ̄)
 *   sticking  (‖λ_t‖ < μλ_n):            F = (u_n − b, w_t₁, w_t₂)
 *   sliding   (‖λ_t‖ = μλ_n):            F = (u_n − b, λ_t + μλ_n·w_t/‖w_t‖)
 *
 * with w_t = u_t − u°_t the slip measured from the contact's slip target (solver.ts).
 *   frictionless (μ = 0):                F = (u_n − b, λ_t₁, λ_t₂)
 *
 * Contacts couple only through shared dynamic bodies, so F splits into islands (union–
 * find over bodies) solved one by one. For an island with cotangents (v̄⁺, λ̄):
 *
 *   g  = λ̄ + ∂(v̄⁺·M⁻¹Jᵀλ)/∂λ                  (the total cotangent of λ)
 *   Kᵀw = g,  K = ∂F/∂λ                          (3m × 3m, dense; m contacts of the island)
 *   θ̄  = ∂(v̄⁺·M⁻¹Jᵀλ)/∂θ − (∂F/∂θ)ᵀ w,   v̄* += v̄⁺   (λ held at the solution)
 *
 * island-adjoint.ts computes this in plain arithmetic (the default). This file keeps the
 * reference form (`adjoint: 'trace'`): F and v̄⁺·M⁻¹Jᵀλ written once with ad ops on a
 * nested trace, whose Jacobian rows give K, ∂F/∂θ and the λ/θ gradients of the second term
 * together (3m + 1 reverse sweeps of an O(m) trace); the tests compare the two.
 *
 * ## Conventions at degenerate points (documented; the forward pass reports them as kinks)
 *
 * - Weakly active contacts (λ_n = 0 with u_n = b): separated — the branch executed.
 * - The stick/slip boundary: a contact on the friction circle whose slip speed is below
 *   `STICK_SLIP_SPEED` is treated as sticking (u/‖u‖ has no derivative at u = 0; the
 *   sticking branch is the limit from inside the cone).
 * - Redundant contacts (a box's four corners on a plane: W is singular on their normals,
 *   so λ is not unique though v⁺ is): w is the minimum-norm solution (SVD pseudo-inverse),
 *   chosen whenever the island has more constraint rows than its bodies have degrees of
 *   freedom, or the LU pivots show K singular to working precision.
 */
import { add, div, mul, sqrt, sub } from '../../ad/ops.ts';
import { customVjp, type PrimitiveRule } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';
import { vjp } from '../../ad/transforms.ts';
import { cross, dot } from '../../ad/vec.ts';
import {
  CONTACT_BOUND,
  CONTACT_MU,
  CONTACT_R_A,
  CONTACT_R_B,
  CONTACT_SLIP_TARGET,
  IMPULSE_CONTACT_WIDTH,
  impulseLayout,
  impulseLayoutInto,
  type ImpulseLayout,
} from './impulse-layout.ts';
import { islandAdjointHand, singleStaticContactAdjoint } from './island-adjoint.ts';
import { islandInputOf, type ContactKind } from './island-k.ts';
import { minNormSolve } from './svd-min-norm.ts';
import { unionRoot } from '../math/union-find.ts';

/**
 * Slip speed below which a contact on the friction circle is taken as sticking, m/s:
 * 100× the solver's default tolerance (1e-6 m/s), since a solve stopped at its tolerance
 * leaves slips of a few µm/s on contacts that are sticking (measured: 6.5e-6 m/s in a
 * settling 3-box stack), and u/‖u‖ at such noise would amplify it by 1/‖u‖.
 */
export const STICK_SLIP_SPEED = 1e-4;
/** Relative distance to the friction circle within which ‖λ_t‖ counts as on it (rounding of the disk solve). */
const ON_CIRCLE = 1e-9;
/** Smallest |pivot| of K's LU, relative to the largest, still treated as non-singular. */
const MIN_RELATIVE_PIVOT = 1e-11;

export { IMPULSE_CONTACT_WIDTH, impulseLayout, type ImpulseLayout } from './impulse-layout.ts';

/** What is fixed about one step's solve: the bodies of each contact and the solution. */
export interface ImpulseStructure {
  readonly nbody: number;
  readonly count: number;
  readonly bodyA: Int32Array;
  readonly bodyB: Int32Array;
  /** (nbody) 1 for a static body (its velocity, mass and inertia are not differentiated) */
  readonly isStatic: Uint8Array;
  /** (3·count) the solver's impulses in the (n, t₁, t₂) frames of the inputs, N·s */
  readonly lambda: Float64Array;
}

/**
 * The solve as a primitive `(θ: Real[]) => [v⁺ (6n) | λ (3c)]` for one step's fixed
 * structure (bodies, active set and solution).
 *
 * @example
 * const solve = impulseSolvePrimitive({ nbody, count, bodyA, bodyB, isStatic, lambda });
 * const out = solve(theta); // out[6 * b + 2]: body b's vertical velocity after the impulses
 */
export function impulseSolvePrimitive(
  s: ImpulseStructure,
  adjoint: IslandAdjointForm = 'hand',
): (theta: readonly Real[]) => Real[] {
  return customVjp(impulseSolveRule(s, adjoint));
}

/**
 * The rule behind {@link impulseSolvePrimitive}, for callers that compose kernels'
 * adjoints by hand without a tape (step-adjoint.ts).
 */
export function impulseSolveRule(
  s: ImpulseStructure,
  adjoint: IslandAdjointForm = 'hand',
): PrimitiveRule<Float64Array> {
  const L = impulseLayout(s.nbody, s.count);
  return {
    name: 'contact impulses',
    fwd(theta) {
      if (theta.length !== L.size) throw new RangeError(`contact impulses: ${theta.length} inputs, expected ${L.size}`);
      return [impulseSolveValues(s, theta, new Float64Array(6 * s.nbody + 3 * s.count)), theta];
    },
    bwd: (theta, ybar) => impulseAdjoint(s, L, theta, ybar, adjoint),
  };
}

/**
 * The rule's forward into `out` (6n + 3c): [v⁺ = v* + M⁻¹Jᵀλ | λ]; returns `out`. With
 * `skip`, the contacts it marks (λ = 0: their terms are zeros) are left out.
 */
export function impulseSolveValues(
  s: ImpulseStructure,
  theta: Float64Array,
  out: Float64Array,
  skip: Uint8Array | null = null,
): Float64Array {
  const L = impulseLayoutInto(_valuesLayout, s.nbody, s.count);
  for (let j = 0; j < 6 * s.nbody; j++) out[j] = theta[j];
  for (let k = 0; k < s.count; k++)
    if (skip === null || skip[k] === 0) applyImpulsePlain(s, L, theta, k, s.lambda, out);
  for (let j = 0; j < 3 * s.count; j++) out[6 * s.nbody + j] = s.lambda[j];
  return out;
}

/**
 * How an island's adjoint is computed: `hand`, in plain arithmetic (island-adjoint.ts, the
 * default); `trace`, by reverse sweeps of F written with ad ops (this file), the
 * reference the tests compare the hand form against.
 */
export type IslandAdjointForm = 'hand' | 'trace';

/** y[v] += M⁻¹J_kᵀλ_k for contact k (plain numbers). */
function applyImpulsePlain(
  s: ImpulseStructure,
  L: ImpulseLayout,
  th: Float64Array,
  k: number,
  lambda: Float64Array,
  y: Float64Array,
): void {
  const c = L.contacts + IMPULSE_CONTACT_WIDTH * k;
  const l0 = lambda[3 * k],
    l1 = lambda[3 * k + 1],
    l2 = lambda[3 * k + 2];
  const P = _P;
  P[0] = l0 * th[c] + l1 * th[c + 3] + l2 * th[c + 6];
  P[1] = l0 * th[c + 1] + l1 * th[c + 4] + l2 * th[c + 7];
  P[2] = l0 * th[c + 2] + l1 * th[c + 5] + l2 * th[c + 8];
  applyToBody(s, L, th, y, s.bodyB[k], 1, c + CONTACT_R_B);
  applyToBody(s, L, th, y, s.bodyA[k], -1, c + CONTACT_R_A);
}

/**
 * The world impulse P of {@link applyImpulsePlain}, passed to {@link applyToBody} in this
 * scratch: doubles passed to a call V8 does not inline are boxed (a heap number each).
 */
const _P = new Float64Array(3);

/** y[v] += sign·[m⁻¹P ; I⁻¹(r × P)] for one side of a contact (r at θ offset `r`, P in `_P`). */
function applyToBody(
  s: ImpulseStructure,
  L: ImpulseLayout,
  th: Float64Array,
  y: Float64Array,
  body: number,
  sign: number,
  r: number,
): void {
  if (s.isStatic[body]) return;
  const P0 = _P[0],
    P1 = _P[1],
    P2 = _P[2];
  const m = th[L.invMass + body];
  const t0 = th[r + 1] * P2 - th[r + 2] * P1,
    t1 = th[r + 2] * P0 - th[r] * P2,
    t2 = th[r] * P1 - th[r + 1] * P0;
  const I = L.invInertia + 9 * body;
  const v = 6 * body;
  y[v] += sign * m * P0;
  y[v + 1] += sign * m * P1;
  y[v + 2] += sign * m * P2;
  for (let i = 0; i < 3; i++)
    y[v + 3 + i] += sign * (th[I + 3 * i] * t0 + th[I + 3 * i + 1] * t1 + th[I + 3 * i + 2] * t2);
}

/** The implicit adjoint (header): θ̄ from (v̄⁺, λ̄), island by island, into a new array. */
function impulseAdjoint(
  s: ImpulseStructure,
  L: ImpulseLayout,
  th: Float64Array,
  ybar: Float64Array,
  form: IslandAdjointForm,
): Float64Array {
  const n = s.nbody;
  // v⁺ at the solution, for the slip directions
  const vplus = new Float64Array(6 * n);
  vplus.set(th.subarray(0, 6 * n));
  for (let k = 0; k < s.count; k++) applyImpulsePlain(s, L, th, k, s.lambda, vplus);
  return impulseAdjointInto(s, th, vplus, ybar, new Float64Array(L.size), form);
}

/**
 * The solve's adjoint into caller-owned memory: θ̄ (layout `impulseLayout(s.nbody,
 * s.count)`, overwritten) for the cotangent `ybar` of [v⁺ | λ], with `vplus` the rule's
 * forward output v⁺ = v* + M⁻¹Jᵀλ (its first 6n entries). Returns `thbar`. For callers
 * that run it every step (step-adjoint.ts): nothing allocated.
 */
export function impulseAdjointInto(
  s: ImpulseStructure,
  th: Float64Array,
  vplus: Float64Array,
  ybar: Float64Array,
  thbar: Float64Array,
  form: IslandAdjointForm = 'hand',
): Float64Array {
  const n = s.nbody;
  const L = impulseLayoutInto(_adjointLayout, n, s.count);
  for (let b = 0; b < n; b++) {
    const fixed = s.isStatic[b] !== 0;
    for (let e = 0; e < 6; e++) thbar[6 * b + e] = fixed ? 0 : ybar[6 * b + e];
  }
  thbar.fill(0, 6 * n, L.size);
  const islands = activeIslands(s);
  const input = islandInputOf(s, L.contacts, L.invMass, L.invInertia);
  const kinds = _kinds;
  for (let g = 0; g < islands.count; g++) {
    const first = islands.start[g],
      m = islands.start[g + 1] - first;
    // (the list only grows: setting an array's length is a slow path; the adjoints read m entries)
    for (let i = 0; i < m; i++) kinds[i] = kindOf(s, th, L, vplus, islands.contacts[first + i]);
    // one contact against a static body at rest: the same arithmetic without the pool's bookkeeping
    if (
      form === 'hand' &&
      m === 1 &&
      singleStaticContactAdjoint(input, th, ybar, vplus, islands.contacts[first], kinds[0], thbar, MIN_RELATIVE_PIVOT)
    )
      continue;
    if (form === 'hand')
      islandAdjointHand(input, th, ybar, vplus, islands.contacts, first, m, kinds, thbar, solveTransposed);
    else
      islandAdjoint(s, L, th, ybar, Array.from(islands.contacts.subarray(first, first + m)), kinds.slice(0, m), thbar);
  }
  return thbar;
}

const _kinds: ContactKind[] = [];

/** The layouts of {@link impulseSolveValues} and {@link impulseAdjointInto}, which run every step (impulse-layout.ts `impulseLayoutInto`). */
const _valuesLayout = impulseLayout(0, 0);
const _adjointLayout = impulseLayout(0, 0);

let _parent = new Int32Array(0);

/**
 * Active contacts grouped into islands, in module scratch (read before the next call):
 * island g's contacts are `contacts[start[g] .. start[g + 1]]`, in increasing index;
 * islands in the order of their first contact.
 */
const _islands = {
  count: 0,
  start: new Int32Array(1),
  contacts: new Int32Array(0),
  /** per contact: its island, −1 when inactive */
  islandOf: new Int32Array(0),
  /** per body root: its island + 1 (0: none yet) */
  rootIsland: new Int32Array(0),
  /** per island: where its next contact goes while filling */
  cursor: new Int32Array(0),
};

/** Active contacts (λ_n > 0) grouped by the dynamic bodies they share (union–find). */
function activeIslands(s: ImpulseStructure): typeof _islands {
  const out = _islands;
  const c = s.count;
  if (_parent.length < s.nbody) {
    _parent = new Int32Array(s.nbody);
    out.rootIsland = new Int32Array(s.nbody);
  }
  if (out.contacts.length < c) {
    out.contacts = new Int32Array(Math.max(c, 2 * out.contacts.length));
    out.islandOf = new Int32Array(out.contacts.length);
    out.start = new Int32Array(out.contacts.length + 1);
    out.cursor = new Int32Array(out.contacts.length);
  }
  const parent = _parent;
  for (let i = 0; i < s.nbody; i++) parent[i] = i;
  for (let k = 0; k < c; k++) {
    if (!(s.lambda[3 * k] > 0)) continue;
    const a = s.bodyA[k],
      b = s.bodyB[k];
    if (!s.isStatic[a] && !s.isStatic[b]) parent[unionRoot(parent, a)] = unionRoot(parent, b);
  }
  // islands numbered by first contact; their sizes, then their contacts in order
  const rootIsland = out.rootIsland,
    start = out.start,
    islandOf = out.islandOf;
  rootIsland.fill(0, 0, s.nbody);
  let count = 0;
  for (let k = 0; k < c; k++) {
    islandOf[k] = -1;
    if (!(s.lambda[3 * k] > 0)) continue;
    const a = s.bodyA[k];
    const root = unionRoot(parent, s.isStatic[a] ? s.bodyB[k] : a);
    if (rootIsland[root] === 0) {
      rootIsland[root] = ++count;
      start[count] = 0;
    }
    islandOf[k] = rootIsland[root] - 1;
    start[rootIsland[root]]++;
  }
  start[0] = 0;
  for (let g = 0; g < count; g++) start[g + 1] += start[g];
  const cursor = out.cursor;
  for (let g = 0; g < count; g++) cursor[g] = start[g];
  for (let k = 0; k < c; k++) if (islandOf[k] >= 0) out.contacts[cursor[islandOf[k]]++] = k;
  out.count = count;
  return out;
}

function kindOf(s: ImpulseStructure, th: Float64Array, L: ImpulseLayout, vplus: Float64Array, k: number): ContactKind {
  const c = L.contacts + IMPULSE_CONTACT_WIDTH * k;
  const mu = th[c + CONTACT_MU];
  const ln = s.lambda[3 * k],
    l1 = s.lambda[3 * k + 1],
    l2 = s.lambda[3 * k + 2];
  if (!(mu * ln > 0)) return 'frictionless';
  const onCircle = Math.sqrt(l1 * l1 + l2 * l2) >= mu * ln * (1 - ON_CIRCLE);
  if (!onCircle) return 'stick';
  const u1 = rowVelocityPlain(s, L, th, vplus, k, 1) - th[c + CONTACT_SLIP_TARGET];
  const u2 = rowVelocityPlain(s, L, th, vplus, k, 2) - th[c + CONTACT_SLIP_TARGET + 1];
  return Math.sqrt(u1 * u1 + u2 * u2) < STICK_SLIP_SPEED ? 'stick' : 'slide';
}

/** u_kj = d_j·(v_B − v_A) + (r_B × d_j)·ω_B − (r_A × d_j)·ω_A, plain. */
function rowVelocityPlain(
  s: ImpulseStructure,
  L: ImpulseLayout,
  th: Float64Array,
  v: Float64Array,
  k: number,
  j: number,
): number {
  return contactRowVelocity(th, L.contacts + IMPULSE_CONTACT_WIDTH * k, v, s.bodyA[k], s.bodyB[k], j);
}

/**
 * The velocity of the contact whose θ block starts at `c` (bodies a, b) along its direction
 * j (0: n, 1–2: the tangents), at the body velocities `v` (6 per body):
 * u = d_j·(v_B − v_A) + (r_B × d_j)·ω_B − (r_A × d_j)·ω_A.
 */
export function contactRowVelocity(
  th: Float64Array,
  c: number,
  v: Float64Array,
  a: number,
  b: number,
  j: number,
): number {
  return sideVelocity(th, v, b, c + CONTACT_R_B, c + 3 * j) - sideVelocity(th, v, a, c + CONTACT_R_A, c + 3 * j);
}

/** d·v + (r × d)·ω of one body at a contact (r at θ offset `r`, d at `d`: offsets, as doubles passed to a call are boxed). */
function sideVelocity(th: Float64Array, v: Float64Array, body: number, r: number, d: number): number {
  const d0 = th[d],
    d1 = th[d + 1],
    d2 = th[d + 2];
  const o = 6 * body;
  const x0 = th[r + 1] * d2 - th[r + 2] * d1,
    x1 = th[r + 2] * d0 - th[r] * d2,
    x2 = th[r] * d1 - th[r + 1] * d0;
  return d0 * v[o] + d1 * v[o + 1] + d2 * v[o + 2] + x0 * v[o + 3] + x1 * v[o + 4] + x2 * v[o + 5];
}

/**
 * One island, the reference form: build F and v̄⁺·M⁻¹Jᵀλ on a nested trace over (λ_island, θ_island), solve
 * Kᵀw = g, scatter θ̄.
 */
function islandAdjoint(
  s: ImpulseStructure,
  L: ImpulseLayout,
  th: Float64Array,
  ybar: Float64Array,
  contacts: number[],
  kinds: readonly ContactKind[],
  thbar: Float64Array,
): void {
  const m = contacts.length;
  // local bodies (dynamic only) and the θ entries the island reads, in one index list
  const bodies: number[] = [];
  const localOf = new Map<number, number>();
  for (const k of contacts) {
    for (const b of [s.bodyA[k], s.bodyB[k]]) {
      if (!s.isStatic[b] && !localOf.has(b)) {
        localOf.set(b, bodies.length);
        bodies.push(b);
      }
    }
  }
  const thetaIndex: number[] = [];
  for (const k of contacts)
    for (let j = 0; j < IMPULSE_CONTACT_WIDTH; j++) thetaIndex.push(L.contacts + IMPULSE_CONTACT_WIDTH * k + j);
  for (const b of bodies) {
    for (let j = 0; j < 6; j++) thetaIndex.push(6 * b + j);
    thetaIndex.push(L.invMass + b);
    for (let j = 0; j < 9; j++) thetaIndex.push(L.invInertia + 9 * b + j);
  }
  const z0: number[] = [];
  for (const k of contacts) for (let j = 0; j < 3; j++) z0.push(s.lambda[3 * k + j]);
  const nz = 3 * m;
  const x0 = [...z0, ...thetaIndex.map((i) => th[i])];
  const bodyBase = nz + IMPULSE_CONTACT_WIDTH * m;
  const vbar = bodies.map((b) => Array.from(ybar.subarray(6 * b, 6 * b + 6)));

  const lin = vjp(
    (x) => {
      const lam = x.slice(0, nz);
      const contactIn = (i: number, off: number, w: number) =>
        x.slice(nz + IMPULSE_CONTACT_WIDTH * i + off, nz + IMPULSE_CONTACT_WIDTH * i + off + w);
      // body velocities of the island after the impulses: v* + M⁻¹Jᵀλ, and the Δ part alone
      const vel: Real[][] = bodies.map((_, i) => x.slice(bodyBase + 16 * i, bodyBase + 16 * i + 6));
      const delta: Real[][] = bodies.map(() => [0, 0, 0, 0, 0, 0]);
      const invM = (i: number) => x[bodyBase + 16 * i + 6];
      const invI = (i: number, v: Real[]): Real[] => {
        const o = bodyBase + 16 * i + 7;
        return [0, 1, 2].map((r) =>
          add(add(mul(x[o + 3 * r], v[0]), mul(x[o + 3 * r + 1], v[1])), mul(x[o + 3 * r + 2], v[2])),
        );
      };
      const dirs = contacts.map((_, i) => [contactIn(i, 0, 3), contactIn(i, 3, 3), contactIn(i, 6, 3)]);
      contacts.forEach((k, i) => {
        const l = lam.slice(3 * i, 3 * i + 3);
        const [dn, d1, d2] = dirs[i];
        const P = [0, 1, 2].map((r) => add(add(mul(l[0], dn[r]), mul(l[1], d1[r])), mul(l[2], d2[r])));
        for (const [body, sign, off] of [
          [s.bodyB[k], 1, CONTACT_R_B],
          [s.bodyA[k], -1, CONTACT_R_A],
        ] as const) {
          const li = localOf.get(body);
          if (li === undefined) continue;
          const dv = P.map((p) => mul(sign * 1, mul(invM(li), p)));
          const dw = invI(li, cross(contactIn(i, off, 3), P)).map((w) => mul(sign * 1, w));
          for (let r = 0; r < 3; r++) {
            delta[li][r] = add(delta[li][r], dv[r]);
            delta[li][3 + r] = add(delta[li][3 + r], dw[r]);
          }
        }
      });
      const velAfter = vel.map((v, i) => v.map((vj, j) => add(vj, delta[i][j])));
      let vdotDelta: Real = 0;
      delta.forEach((d, i) =>
        d.forEach((dj, j) => (vdotDelta = vbar[i][j] === 0 ? vdotDelta : add(vdotDelta, mul(vbar[i][j], dj)))),
      );
      // contact velocities along each direction at v⁺ (static bodies: their constant velocity)
      const rowVelocity = (i: number, j: number): Real => {
        const k = contacts[i];
        const d = dirs[i][j];
        let u: Real = 0;
        for (const [body, sign, off] of [
          [s.bodyB[k], 1, CONTACT_R_B],
          [s.bodyA[k], -1, CONTACT_R_A],
        ] as const) {
          const li = localOf.get(body);
          const v: Real[] = li === undefined ? Array.from(th.subarray(6 * body, 6 * body + 6)) : velAfter[li];
          const rxd = cross(contactIn(i, off, 3), d);
          const term = add(dot(d, v.slice(0, 3)), dot(rxd, v.slice(3, 6)));
          u = sign > 0 ? add(u, term) : sub(u, term);
        }
        return u;
      };
      const F: Real[] = [];
      contacts.forEach((_, i) => {
        const mu = x[nz + IMPULSE_CONTACT_WIDTH * i + CONTACT_MU];
        const b = x[nz + IMPULSE_CONTACT_WIDTH * i + CONTACT_BOUND];
        const target = nz + IMPULSE_CONTACT_WIDTH * i + CONTACT_SLIP_TARGET;
        F.push(sub(rowVelocity(i, 0), b));
        const kind = kinds[i];
        // the slip from the target
        const slip = (j: number): Real => sub(rowVelocity(i, j), x[target + j - 1]);
        if (kind === 'stick') {
          F.push(slip(1), slip(2));
        } else if (kind === 'frictionless') {
          F.push(lam[3 * i + 1], lam[3 * i + 2]);
        } else {
          const u1 = slip(1),
            u2 = slip(2);
          const speed = sqrt(add(mul(u1, u1), mul(u2, u2)));
          const radius = mul(mu, lam[3 * i]);
          F.push(add(lam[3 * i + 1], div(mul(radius, u1), speed)), add(lam[3 * i + 2], div(mul(radius, u2), speed)));
        }
      });
      return [...F, vdotDelta];
    },
    x0,
    { kinkTol: 0 },
  );
  // rows of the Jacobian: one reverse sweep each (the trace is O(m))
  const rows: number[][] = [];
  const e = new Array<number>(nz + 1).fill(0);
  for (let r = 0; r <= nz; r++) {
    e[r] = 1;
    rows.push(lin.vjp(e));
    e[r] = 0;
  }
  const K = new Float64Array(nz * nz);
  const g = new Array<number>(nz);
  for (let r = 0; r < nz; r++) {
    for (let c = 0; c < nz; c++) K[r * nz + c] = rows[r][c];
  }
  contacts.forEach((k, i) => {
    for (let j = 0; j < 3; j++) g[3 * i + j] = ybar[6 * s.nbody + 3 * k + j] + rows[nz][3 * i + j];
  });
  const w = solveTransposed(K, nz, g, nz > 6 * bodies.length);
  const np = thetaIndex.length;
  for (let p = 0; p < np; p++) {
    let v = rows[nz][nz + p];
    for (let r = 0; r < nz; r++) v -= rows[r][nz + p] * w[r];
    const i = thetaIndex[p];
    // static bodies' entries are not in the list; the explicit v̄⁺ → v̄* part was added already
    thbar[i] += v;
  }
}

/**
 * w with Kᵀw = g for the row-major n×n matrix `K`: LU, or the minimum-norm solution by
 * SVD when the island is redundant (`redundant`: more rows than degrees of freedom) or
 * LU's pivots show K singular. The LU result lives in module scratch: read it before the
 * next call.
 */
export function solveTransposed(
  K: Float64Array,
  n: number,
  g: ArrayLike<number>,
  redundant: boolean,
): ArrayLike<number> {
  if (!redundant) {
    const w = luSolveTransposed(K, n, g);
    if (w !== null) return w;
  }
  if (_minNorm.length < n) _minNorm = new Float64Array(Math.max(n, 2 * _minNorm.length));
  // the SVD of Kᵀ (bitwise ml-matrix's), given K as Kᵀ's transpose
  return minNormSolve(K, n, g, _minNorm);
}

let _minNorm = new Float64Array(0);

let _lu = new Float64Array(0);
let _rhs = new Float64Array(0);
let _sol = new Float64Array(0);

/**
 * Kᵀw = g by Gaussian elimination with partial pivoting on a flat copy (the islands are
 * small, 3–30 rows, and solved once per island per step: ml-matrix's LU objects cost more
 * than the arithmetic here). Null when a pivot is below MIN_RELATIVE_PIVOT of the largest
 * entry (singular to working precision: the caller takes the SVD path).
 */
function luSolveTransposed(K: Float64Array, n: number, g: ArrayLike<number>): Float64Array | null {
  if (_lu.length < n * n) _lu = new Float64Array(Math.max(n * n, 2 * _lu.length));
  if (_rhs.length < n) {
    _rhs = new Float64Array(Math.max(n, 2 * _rhs.length));
    _sol = new Float64Array(_rhs.length);
  }
  const a = _lu;
  let scale = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = K[c * n + r]; // Kᵀ
      a[r * n + c] = v;
      scale = Math.max(scale, Math.abs(v));
    }
  }
  const b = _rhs;
  for (let r = 0; r < n; r++) b[r] = g[r];
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[piv * n + col])) piv = r;
    const p = a[piv * n + col];
    if (!(Math.abs(p) > MIN_RELATIVE_PIVOT * scale)) return null;
    if (piv !== col) {
      for (let c = 0; c < n; c++) {
        const t = a[col * n + c];
        a[col * n + c] = a[piv * n + c];
        a[piv * n + c] = t;
      }
      const t = b[col];
      b[col] = b[piv];
      b[piv] = t;
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / p;
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] -= f * a[col * n + c];
      b[r] -= f * b[col];
    }
  }
  const w = _sol;
  for (let r = n - 1; r >= 0; r--) {
    let v = b[r];
    for (let c = r + 1; c < n; c++) v -= a[r * n + c] * w[c];
    w[r] = v / a[r * n + r];
  }
  return w;
}

/**
 * The active contacts grouped into islands, as the adjoint groups them (module scratch:
 * read before the next call): for the solve's tangent (impulse-tangent.ts), which must
 * take the same islands and branches as this file's adjoint.
 */
export function impulseIslands(s: ImpulseStructure): {
  readonly count: number;
  readonly start: Int32Array;
  readonly contacts: Int32Array;
} {
  return activeIslands(s);
}

/** Contact k's branch at the solution, as the adjoint classifies it (for impulse-tangent.ts). */
export function impulseContactKind(s: ImpulseStructure, th: Float64Array, vplus: Float64Array, k: number): ContactKind {
  return kindOf(s, th, impulseLayout(s.nbody, s.count), vplus, k);
}
