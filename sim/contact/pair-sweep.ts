/**
 * The pair sweep of the force modes (one Gauss–Seidel pass over the contact pairs), for
 * steps whose dashpots would overshoot together; the kernel (wrenches.ts) calls it.
 *
 * Each contact's exact-step dashpot takes up to all of its own relative normal speed per
 * step (wrenches.ts: the gain g = 1 − e^{−y_n}, y_n = dt·b·a·W_n), split only among its
 * pair's parallel contacts. A body touching many neighbours has its velocity taken by all
 * of them at once (a Jacobi step), and the sum can reverse and grow it: the face-to-face
 * soft pile of bench/pile.ts flew apart (1 s: sink 872 mm). The sweep takes the pairs one
 * after another (ordered by their bodies' indices, `sweepOrder`), each reading its bodies'
 * velocities as the pairs before it have moved them by their dissipative wrench,
 * v += dt·M⁻¹·D, D = f_d·n − s·v_t, f_d = f_n − weight − (the normal law without its
 * dashpot): the dashpot and the friction. The springs and the weight feed-forward stay
 * explicit (they carry the static load, which the sweep's velocities must not see).
 *
 * When the sweep runs: a Jacobi step of the contacts' dashpots is, in the bodies' mass
 * metric, v ← (I − A)v with A = Σ_j g_j u_j u_jᵀ (u_j the unit direction contact j damps,
 * split over its two bodies as s_jb² = un_jb / W_n,j). It grows a velocity only where an
 * eigenvalue of A exceeds 2. By Cauchy–Schwarz over a contact's two bodies,
 * xᵀAx ≤ 2·Σ_b |x_b|²·S_b with S_b = Σ_{j ∋ b} g_j·un_jb / W_n,j, so λ_max(A) ≤ 2·max_b S_b:
 * while every moving body's S_b ≤ 1 ({@link SWEEP_GAIN_LIMIT}) the step cannot overshoot
 * into growth and runs as before, bit for bit (a ball alone on the ground has S = g < 1; the
 * billiards break never sweeps: its pose-only bound is ≈ 0.03 a pair). Above it the whole step sweeps. The switch is a
 * decision of the state (a jump in the force where max S_b crosses 1: at rest the
 * dissipative wrenches it changes are near 0, at impacts they are not), reported as the
 * kink `<body> pair sweep` of each moving body with the dimensionless margin |1 − S_b|
 * ({@link reportSweepDecision}; its tangents: pair-sweep-decision.ts).
 *
 * This file: the gains and the decision, the order, the sweep's velocities, a pair's
 * dissipative wrench and its update. The adjoint (reverse sweep) is in
 * pair-sweep-adjoint.ts, the tangent (forward) in pair-sweep-tangent.ts.
 */
import type { KinkSink } from '../../ad/primitive.ts';
import { loadUnitRotation } from '../integrator/semiImplicitEuler.ts';
import { bodyKinkLabel, KINK_PAIR_SWEEP, reportRadius } from './kinks.ts';
import { createNormalForce, type NormalForceArgs } from './normal-force.ts';
import type { ContactForceParams } from './params.ts';
import { penaltyNormalForce } from './penalty.ts';
import { createDampingRatio, dampingRatioOfRestitution } from './restitution.ts';
import { softNormalForce } from './soft.ts';

/**
 * The largest sum S_b of dashpot gains (dimensionless, module comment) a moving body may
 * carry before the step sweeps: λ_max(A) ≤ 2·max S_b, and a Jacobi step of dashpots grows a
 * velocity only for λ > 2.
 */
export const SWEEP_GAIN_LIMIT = 1;

/** What the sweep reads of the kernel's current contact (wrenches.ts `_e`). */
export interface SweepContact {
  a: number;
  b: number;
  nx: number;
  ny: number;
  nz: number;
  rAx: number;
  rAy: number;
  rAz: number;
  rBx: number;
  rBy: number;
  rBz: number;
  vtx: number;
  vty: number;
  vtz: number;
  unA: number;
  unB: number;
  wn: number;
  yn: number;
  phiN: number;
  fn: number;
  weight: number;
  slip: number;
  /** its dissipative normal force f_d = f_n − weight − spring (set by {@link dissipativeNormal}) */
  fd: number;
}

/** The contact pairs of the contact buffer (geometry's body indices). */
interface PairGeometry {
  count: number;
  bodyA: ArrayLike<number>;
  bodyB: ArrayLike<number>;
}
/** The contact points of the contact buffer (3 per contact, world). */
interface PointGeometry {
  point: ArrayLike<number>;
}

/** Per body: the sum S_b of its pairs' dashpot gains (module comment). */
let _gain = new Float64Array(64);
/** The pair being summed (its run index, bodies) and its gains on A and B so far. */
const _pairGain = { run: -1, a: 0, b: 0, onA: 0, onB: 0 };

/** Start a step's gains (before its contacts' forces). */
export function sweepGainReset(nbody: number): void {
  if (_gain.length < nbody) _gain = new Float64Array(2 * nbody);
  _gain.fill(0, 0, nbody);
  _pairGain.run = -1;
}

/** Add the summed pair's gains to its bodies, each at most 1 (its parallel contacts share the pair's mass). */
function flushPairGain(): void {
  const g = _pairGain;
  if (g.run < 0) return;
  _gain[g.a] += g.onA < 1 ? g.onA : 1;
  _gain[g.b] += g.onB < 1 ? g.onB : 1;
  g.run = -1;
}

/**
 * Add the current contact's (of run `run`) dashpot gain g = 1 − e^{−y_n} = y_n·φ₁(y_n)
 * (after its force) to its pair's, for each body by its share un / W_n of the contact's
 * inverse mass. A pair counts at most 1 on a body: its parallel contacts already share
 * its effective mass (wrenches.ts, mass splitting), which is what keeps a box on its four
 * corners from overshooting; the sweep is for a body's several pairs.
 */
export function sweepGainAdd(e: SweepContact, run: number, i: number): void {
  const counts = e.fn !== 0 && e.yn !== 0;
  if (_counted.length <= i) {
    const grown = new Uint8Array(2 * (i + 1));
    grown.set(_counted);
    _counted = grown;
  }
  _counted[i] = counts ? 1 : 0;
  sweepGainAddAs(e, run, counts);
}

/** Per contact (its index in the step): whether {@link sweepGainAdd} counted its gain (f_n ≠ 0, y_n ≠ 0). */
let _counted = new Uint8Array(64);

/** Whether the step's contact `i` counted in its gain sums (after {@link sweepGainAdd}). */
export function sweepGainCounted(i: number): number {
  return _counted[i];
}

/** {@link sweepGainAdd} with whether the contact counts given. */
function sweepGainAddAs(e: SweepContact, run: number, counts: boolean): void {
  const pg = _pairGain;
  if (run !== pg.run) {
    flushPairGain();
    pg.run = run;
    pg.a = e.a;
    pg.b = e.b;
    pg.onA = pg.onB = 0;
  }
  if (!counts) return;
  const g = (e.yn * e.phiN) / e.wn;
  pg.onA += g * e.unA;
  pg.onB += g * e.unB;
}

/** Whether some moving body's gains sum beyond {@link SWEEP_GAIN_LIMIT} (after every contact's {@link sweepGainAdd}). */
export function sweepNeeded(p: ContactForceParams): boolean {
  flushPairGain();
  for (let b = 0; b < p.nbody; b++) if (_gain[b] > SWEEP_GAIN_LIMIT && p.invMass[b] > 0) return true;
  return false;
}

/** Per body: how many pairs (runs) it is a side of, counted up to 2 ({@link sweepBodies}). */
let _touched = new Uint8Array(64);

/**
 * The bodies whose gain sum is a decision of the step (into a reused array: ≥ 2 for them):
 * the moving bodies in two or more pairs (runs). A pair adds at most 1 to S_b, so a body in
 * one pair never passes {@link SWEEP_GAIN_LIMIT} (a ball alone on the table). The step
 * sweeps iff one of them has S_b > 1: each S_b = 1 is a boundary of the switch, and the
 * nearest of them is where it flips.
 */
export function sweepBodies(p: ContactForceParams, geom: PairGeometry): Uint8Array {
  if (_touched.length < p.nbody) _touched = new Uint8Array(2 * p.nbody);
  const t = _touched;
  t.fill(0, 0, p.nbody);
  if (geom.count < 2) return t;
  for (let i = 0; i < geom.count; i++) {
    const a = geom.bodyA[i],
      b = geom.bodyB[i];
    if (i > 0 && geom.bodyA[i - 1] === a && geom.bodyB[i - 1] === b) continue;
    if (p.invMass[a] > 0 && t[a] < 2) t[a]++;
    if (p.invMass[b] > 0 && t[b] < 2) t[b]++;
  }
  return t;
}

/** Body b's gain sum S_b (after every contact's {@link sweepGainAdd}). */
export function sweepGainOf(b: number): number {
  flushPairGain();
  return _gain[b];
}

/**
 * Report the sweep's decision (after the kernel's first pass over the contacts `geom`) to
 * `sink`: for each body of {@link sweepBodies} (in two or more pairs), in index order, its margin
 * |{@link SWEEP_GAIN_LIMIT} − S_b| (dimensionless) when within the sink's radius, on either
 * side, labelled `<body> pair sweep` (a jump in the force). Per body rather than only the
 * max's: the label of a body stays the same when the max passes from one body to another.
 */
export function reportSweepDecision(p: ContactForceParams, geom: PairGeometry, sink: KinkSink): void {
  if (geom.count < 2) return;
  const bodies = sweepBodies(p, geom);
  const radius = reportRadius(sink);
  flushPairGain();
  for (let b = 0; b < p.nbody; b++) {
    if (bodies[b] < 2) continue;
    const m = Math.abs(SWEEP_GAIN_LIMIT - _gain[b]);
    if (m <= radius) sink.kink(m, bodyKinkLabel(p.bodyName, b, KINK_PAIR_SWEEP), true);
  }
}

const _zeta = createDampingRatio();
let _zetaOf = NaN;

/**
 * Whether the step may sweep, from the pose alone and cheaply (no force): false only when
 * {@link sweepNeeded} would say false. Per contact and moving side b, g·un_b/W_n ≤ y_n·un_b/W_n
 * = dt·b·a·un_b ≤ 2ζ·dt·√(k·ūn_b) (b = 2ζ√(k/W₀), W₀ ≥ un_b, a ≤ 1; an override dashpot
 * b: dt·b·ūn_b) with ūn_b = m⁻¹ + |r|²·max(I⁻¹) ≥ un_b; pairs capped at 1 as in the exact sum.
 * For an adjoint without the forward step's kept decision: the billiards rack is far below.
 */
export function sweepMayBeNeeded(p: ContactForceParams, geom: PairGeometry & PointGeometry, q: Float64Array): boolean {
  const count = geom.count;
  if (count < 2) return false;
  sweepGainReset(p.nbody);
  let onA = 0,
    onB = 0;
  for (let i = 0; i < count; i++) {
    const a = geom.bodyA[i],
      b = geom.bodyB[i];
    let scale: number;
    if (p.dampingFromRestitution) {
      const eA = p.bodyRestitution[a],
        eB = p.bodyRestitution[b];
      const e = eB > eA ? eB : eA;
      if (e !== _zetaOf) {
        dampingRatioOfRestitution(e, _zeta);
        _zetaOf = e;
      }
      scale = 2 * _zeta.value * p.dt * Math.sqrt(p.stiffness);
    } else scale = p.dt * p.damping;
    for (let side = 0; side < 2; side++) {
      const body = side === 0 ? a : b;
      const m = p.invMass[body];
      if (!(m > 0)) continue;
      const rx = geom.point[3 * i] - q[7 * body],
        ry = geom.point[3 * i + 1] - q[7 * body + 1],
        rz = geom.point[3 * i + 2] - q[7 * body + 2];
      const l0 = p.invInertia[3 * body],
        l1 = p.invInertia[3 * body + 1],
        l2 = p.invInertia[3 * body + 2];
      const lMax = l0 > l1 ? (l0 > l2 ? l0 : l2) : l1 > l2 ? l1 : l2;
      const un = m + (rx * rx + ry * ry + rz * rz) * lMax;
      const bound = p.dampingFromRestitution ? scale * Math.sqrt(un) : scale * un;
      if (side === 0) onA += bound;
      else onB += bound;
    }
    const last = i === count - 1 || geom.bodyA[i + 1] !== a || geom.bodyB[i + 1] !== b;
    if (last) {
      _gain[a] += onA < 1 ? onA : 1;
      _gain[b] += onB < 1 ? onB : 1;
      onA = onB = 0;
    }
  }
  return sweepNeeded(p);
}

/** Each run's first contact (runs + 1 entries), a counting sort's counts, its pass by body B, the contacts in sweep order. */
let _runStart = new Int32Array(64);
let _bodyCount = new Int32Array(64);
let _byB = new Int32Array(64);
let _order = new Int32Array(64);

/**
 * The sweep's order of the contacts (indices; returned, valid until the next call): the
 * runs (`run[i]`: consecutive same-pair contacts) sorted by their bodies' indices (A, then
 * B; two counting sorts), each run's contacts in their own order. The collision pass lists
 * pairs in its broadphase's order, which follows the poses: a sweep in that order would jump
 * when two pairs swap places; by body indices it does not.
 */
export function sweepOrder(nbody: number, geom: PairGeometry, run: Int32Array): Int32Array {
  const count = geom.count;
  const runs = count > 0 ? run[count - 1] + 1 : 0;
  if (_runStart.length < runs + 1) {
    _runStart = new Int32Array(2 * runs + 2);
    _byB = new Int32Array(2 * runs + 2);
  }
  if (_order.length < count) _order = new Int32Array(2 * count);
  if (_bodyCount.length < nbody + 1) _bodyCount = new Int32Array(2 * nbody + 2);
  for (let i = 0; i < count; i++) if (i === 0 || run[i] !== run[i - 1]) _runStart[run[i]] = i;
  _runStart[runs] = count;
  const cnt = _bodyCount;
  // by B
  cnt.fill(0, 0, nbody + 1);
  for (let r = 0; r < runs; r++) cnt[geom.bodyB[_runStart[r]] + 1]++;
  for (let k = 0; k < nbody; k++) cnt[k + 1] += cnt[k];
  for (let r = 0; r < runs; r++) _byB[cnt[geom.bodyB[_runStart[r]]]++] = r;
  // then by A (stable), expanding each run into its contacts
  cnt.fill(0, 0, nbody + 1);
  for (let r = 0; r < runs; r++) cnt[geom.bodyA[_runStart[r]] + 1] += _runStart[r + 1] - _runStart[r];
  for (let k = 0; k < nbody; k++) cnt[k + 1] += cnt[k];
  for (let k = 0; k < runs; k++) {
    const r = _byB[k];
    let at = cnt[geom.bodyA[_runStart[r]]];
    for (let i = _runStart[r]; i < _runStart[r + 1]; i++) _order[at++] = i;
    cnt[geom.bodyA[_runStart[r]]] = at;
  }
  return _order;
}

/**
 * The sweep's body velocities (nbody×6), and the current pair's dissipative wrench:
 * [force on B (3) | torque on B (3) | torque on A (3)] (the force on A is minus B's).
 */
let _v = new Float64Array(0);
/** the current pair's dissipative wrench (layout above) */
export const pairDissipation = new Float64Array(9);
/** Per pair (run index): its bodies' sweep velocities at its start (A then B, 12) and its dissipative wrench (9). */
let _pairStartV = new Float64Array(0);
let _pairDiss = new Float64Array(0);

/** Start a sweep over `runs` pairs: the velocities are `qd`'s; returns the sweep's velocity array. */
export function sweepStart(p: ContactForceParams, qd: Float64Array, runs: number): Float64Array {
  const n6 = 6 * p.nbody;
  if (_v.length < n6) _v = new Float64Array(2 * n6);
  if (_pairStartV.length < 12 * runs) {
    _pairStartV = new Float64Array(24 * runs);
    _pairDiss = new Float64Array(18 * runs);
  }
  for (let k = 0; k < n6; k++) _v[k] = qd[k];
  pairDissipation.fill(0);
  return _v;
}

/** The sweep's velocity array (after the sweep: the last pair's end; the reverse pass restores each pair's start). */
export function sweepVelocities(): Float64Array {
  return _v;
}

/** The start of pair `run` (bodies a, b): its bodies' sweep velocities kept for the reverse pass. */
export function sweepPairStart(v: Float64Array, run: number, a: number, b: number): void {
  const o = 12 * run;
  for (let k = 0; k < 6; k++) {
    _pairStartV[o + k] = v[6 * a + k];
    _pairStartV[o + 6 + k] = v[6 * b + k];
  }
}

/** The kept start velocities (12 per pair) and dissipative wrenches (9 per pair) of the last sweep. */
export function sweepKept(): { startV: Float64Array; diss: Float64Array } {
  _kept.startV = _pairStartV;
  _kept.diss = _pairDiss;
  return _kept;
}
const _kept = { startV: _pairStartV, diss: _pairDiss };

/** The current contact's normal law without its dashpot (value and partials, after {@link dissipativeNormal}). */
export const sweepSpring = createNormalForce();

/**
 * The current contact's dissipative normal force into `e.fd` (after its force, f_n ≠ 0):
 * f_n minus the weight feed-forward minus the normal law with no dashpot, evaluated at the
 * law's own arguments `args` (which it leaves as it found them).
 */
export function dissipativeNormal(p: ContactForceParams, args: NormalForceArgs, e: SweepContact): void {
  const damping = args.damping;
  args.damping = 0;
  if (p.mode === 'penalty') penaltyNormalForce(args, sweepSpring);
  else softNormalForce(args, sweepSpring);
  args.damping = damping;
  e.fd = e.fn - e.weight - sweepSpring.value;
}

/** Add the current contact's dissipative force D = f_d·n − s·v_t to its pair's wrench {@link pairDissipation}. */
export function addDissipative(e: SweepContact): void {
  const fd = e.fd,
    s = e.slip;
  const dx = fd * e.nx - s * e.vtx,
    dy = fd * e.ny - s * e.vty,
    dz = fd * e.nz - s * e.vtz;
  const w = pairDissipation;
  w[0] += dx;
  w[1] += dy;
  w[2] += dz;
  w[3] += e.rBy * dz - e.rBz * dy;
  w[4] += e.rBz * dx - e.rBx * dz;
  w[5] += e.rBx * dy - e.rBy * dx;
  w[6] -= e.rAy * dz - e.rAz * dy;
  w[7] -= e.rAz * dx - e.rAx * dz;
  w[8] -= e.rAx * dy - e.rAy * dx;
}

const _qHat = new Float64Array(4);
const _qLen = new Float64Array(1);
const _rot = new Float64Array(9);

/**
 * The end of pair `run` (bodies `a`, `b`): its dissipative wrench {@link pairDissipation}
 * (kept for the reverse pass) moves the sweep's velocities `v` of both bodies by
 * dt·M⁻¹·wrench (world inverse inertia R·diag(invInertia)·Rᵀ at pose `q`, R of the
 * normalized quaternion as the effective masses use it; a static side does not move). The
 * wrench is then zeroed for the next pair.
 */
export function sweepPairEnd(
  p: ContactForceParams,
  q: Float64Array,
  v: Float64Array,
  run: number,
  a: number,
  b: number,
): void {
  const w = pairDissipation;
  const d0 = 9 * run;
  for (let k = 0; k < 9; k++) _pairDiss[d0 + k] = w[k];
  const h = p.dt;
  for (let side = 0; side < 2; side++) {
    const body = side === 0 ? b : a;
    const m = p.invMass[body];
    const l0 = p.invInertia[3 * body],
      l1 = p.invInertia[3 * body + 1],
      l2 = p.invInertia[3 * body + 2];
    if (m === 0 && l0 === 0 && l1 === 0 && l2 === 0) continue;
    const sign = side === 0 ? 1 : -1;
    const to = side === 0 ? 3 : 6;
    const o = 6 * body;
    v[o] += sign * h * m * w[0];
    v[o + 1] += sign * h * m * w[1];
    v[o + 2] += sign * h * m * w[2];
    // Δω = dt·R·Λ·Rᵀτ (R row-major)
    loadUnitRotation(q, 7 * body, _qHat, _rot, _qLen, 0);
    const R = _rot;
    const tx = w[to],
      ty = w[to + 1],
      tz = w[to + 2];
    const t0 = l0 * (R[0] * tx + R[3] * ty + R[6] * tz),
      t1 = l1 * (R[1] * tx + R[4] * ty + R[7] * tz),
      t2 = l2 * (R[2] * tx + R[5] * ty + R[8] * tz);
    v[o + 3] += h * (R[0] * t0 + R[1] * t1 + R[2] * t2);
    v[o + 4] += h * (R[3] * t0 + R[4] * t1 + R[5] * t2);
    v[o + 5] += h * (R[6] * t0 + R[7] * t1 + R[8] * t2);
  }
  w.fill(0);
}
