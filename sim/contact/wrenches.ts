/**
 * Contact wrenches of the force-based modes (`penalty`, `soft`): from contact geometry
 * and body velocities to a force and a torque on every body. Two faces, one model:
 * - `contactWrenches`, the plain kernel on typed arrays (no tape, no allocation);
 * - `contactWrenchPrimitive`, the same kernel as an AD primitive over a flat input
 *   vector, with a hand-written adjoint loop (reverse) and tangent loop (forward).
 *
 * Model, per contact between bodies A and B (n unit from A to B, p the contact point):
 *
 *   r_A = p − x_A,  r_B = p − x_B                                  m
 *   v_rel = (v_B + ω_B × r_B) − (v_A + ω_A × r_A)                  m/s, B relative to A
 *   v_n = n·v_rel (> 0 separating),  φ̇ = −v_n,  v_t = v_rel − v_n n
 *   f_n = penalty or soft normal law of (d, φ̇; k, c, τ)          N (penalty.ts, soft.ts)
 *   f_t = −μ f_n w(|v_t|², ε) v_t,  μ = √(μ_A μ_B)                 N (friction.ts)
 *   F = f_n n + f_t on B at p, −F on A at p
 *   wrench_B += [F, r_B × F],  wrench_A += [−F, −r_A × F]          N, N·m about the COM
 *
 * Static bodies accumulate too (the integrator ignores them). Body orientations do not
 * enter: forces act at the world point p, so the quaternion inputs get zero gradients.
 * Non-smooth decisions are reported through the kink sink (kinks.ts) in traced calls.
 */
import { customVjp, type KinkSink } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';
import type { Contacts } from '../collision/contacts.ts';
import {
  createFrictionWeight,
  createPairFriction,
  pairFriction,
  penaltyFrictionWeight,
  penaltyWeightBranch,
  softFrictionWeight,
} from './friction.ts';
import { contactKinkLabel, KINK_DAMPING_CLAMP, KINK_MARGIN, KINK_ONSET, KINK_STICK_SLIP, reportRadius } from './kinks.ts';
import { createNormalForce, normalForceArgs } from './normal-force.ts';
import { checkFriction, checkScalars, type ContactForceParams } from './params.ts';
import { penaltyNormalForce, penaltyNormalTangent } from './penalty.ts';
import { softNormalForce } from './soft.ts';

/** The parts of a contact buffer the force kernel reads (a `Contacts` is one). */
export type ContactGeometry = Pick<Contacts, 'count' | 'bodyA' | 'bodyB' | 'dist' | 'normal' | 'point'>;

/** The static configuration of a primitive call: the non-differentiable part of the params. */
export type ContactStaticConfig = Pick<ContactForceParams, 'mode' | 'nbody' | 'margin' | 'bodyName'>;

// ---- per-contact evaluation (shared by all faces) ---------------------------------------

/** Kinematics of the contact being evaluated; one module-private record, never allocated per contact. */
const _e = {
  a: 0,
  b: 0,
  dist: 0,
  nx: 0, ny: 0, nz: 0,
  rAx: 0, rAy: 0, rAz: 0,
  rBx: 0, rBy: 0, rBz: 0,
  wAx: 0, wAy: 0, wAz: 0,
  wBx: 0, wBy: 0, wBz: 0,
  vrx: 0, vry: 0, vrz: 0,
  vn: 0,
  vtx: 0, vty: 0, vtz: 0,
  speed2: 0,
};
const _args = normalForceArgs();
const _argsDot = normalForceArgs();
const _fn = createNormalForce();
const _w = createFrictionWeight();
const _mu = createPairFriction();

/** Fill `_e` for contact `i`. */
function contactKinematics(geom: ContactGeometry, q: Float64Array, qd: Float64Array, i: number): void {
  const a = geom.bodyA[i];
  const b = geom.bodyB[i];
  const nx = geom.normal[3 * i], ny = geom.normal[3 * i + 1], nz = geom.normal[3 * i + 2];
  const px = geom.point[3 * i], py = geom.point[3 * i + 1], pz = geom.point[3 * i + 2];
  const rAx = px - q[7 * a], rAy = py - q[7 * a + 1], rAz = pz - q[7 * a + 2];
  const rBx = px - q[7 * b], rBy = py - q[7 * b + 1], rBz = pz - q[7 * b + 2];
  const wAx = qd[6 * a + 3], wAy = qd[6 * a + 4], wAz = qd[6 * a + 5];
  const wBx = qd[6 * b + 3], wBy = qd[6 * b + 4], wBz = qd[6 * b + 5];
  // v_rel = (v_B + ω_B × r_B) − (v_A + ω_A × r_A)
  const vrx = qd[6 * b] + (wBy * rBz - wBz * rBy) - qd[6 * a] - (wAy * rAz - wAz * rAy);
  const vry = qd[6 * b + 1] + (wBz * rBx - wBx * rBz) - qd[6 * a + 1] - (wAz * rAx - wAx * rAz);
  const vrz = qd[6 * b + 2] + (wBx * rBy - wBy * rBx) - qd[6 * a + 2] - (wAx * rAy - wAy * rAx);
  const vn = nx * vrx + ny * vry + nz * vrz;
  const vtx = vrx - vn * nx, vty = vry - vn * ny, vtz = vrz - vn * nz;
  _e.a = a;
  _e.b = b;
  _e.dist = geom.dist[i];
  _e.nx = nx; _e.ny = ny; _e.nz = nz;
  _e.rAx = rAx; _e.rAy = rAy; _e.rAz = rAz;
  _e.rBx = rBx; _e.rBy = rBy; _e.rBz = rBz;
  _e.wAx = wAx; _e.wAy = wAy; _e.wAz = wAz;
  _e.wBx = wBx; _e.wBy = wBy; _e.wBz = wBz;
  _e.vrx = vrx; _e.vry = vry; _e.vrz = vrz;
  _e.vn = vn;
  _e.vtx = vtx; _e.vty = vty; _e.vtz = vtz;
  _e.speed2 = vtx * vtx + vty * vty + vtz * vtz;
}

/** Normal law of the current contact into `_fn` (penetration rate φ̇ = −v_n). */
function normalLaw(p: ContactForceParams): void {
  _args.dist = _e.dist;
  _args.rate = -_e.vn;
  _args.stiffness = p.stiffness;
  _args.damping = p.damping;
  _args.temperature = p.temperature;
  if (p.mode === 'penalty') penaltyNormalForce(_args, _fn);
  else softNormalForce(_args, _fn);
}

/** Friction weight (`slip` picks the penalty branch) and pair coefficient of the current contact. */
function frictionLaw(p: ContactForceParams, slip: boolean): void {
  if (p.mode === 'penalty') penaltyFrictionWeight(_e.speed2, p.frictionVelocity, slip, _w);
  else softFrictionWeight(_e.speed2, p.frictionVelocity, _w);
  pairFriction(p.bodyFriction[_e.a], p.bodyFriction[_e.b], _mu);
}

/** Report the current contact's decisions within the sink's radius (kinks.ts `reportRadius`; before the force law). */
function reportGeometryKinks(p: ContactForceParams, sink: KinkSink): void {
  const radius = reportRadius(sink);
  if (p.mode === 'penalty') {
    const onset = Math.abs(_e.dist);
    if (onset <= radius) sink.kink(onset, contactKinkLabel(p.bodyName, _e.a, _e.b, KINK_ONSET));
    if (_e.dist < 0 && p.damping > 0) {
      // distance of φ̇ to the clamp speed −k/c
      const clamp = Math.abs(p.stiffness / p.damping - _e.vn);
      if (clamp <= radius) sink.kink(clamp, contactKinkLabel(p.bodyName, _e.a, _e.b, KINK_DAMPING_CLAMP));
    }
  } else {
    const edge = Math.abs(p.margin - _e.dist);
    if (edge <= radius) sink.kink(edge, contactKinkLabel(p.bodyName, _e.a, _e.b, KINK_MARGIN), true);
  }
}

/** Report the stick/slip decision of an active penalty contact with friction. */
function reportFrictionKink(p: ContactForceParams, sink: KinkSink): void {
  if (p.mode !== 'penalty' || !(_mu.value > 0)) return;
  const radius = reportRadius(sink);
  const slip = Math.abs(Math.sqrt(_e.speed2) - p.frictionVelocity);
  if (slip <= radius) sink.kink(slip, contactKinkLabel(p.bodyName, _e.a, _e.b, KINK_STICK_SLIP));
}

/** Zero `out` and accumulate every contact's wrench; report kinks to `sink` when given. */
function accumulateWrenches(
  p: ContactForceParams,
  geom: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  out: Float64Array,
  sink: KinkSink | null,
): Float64Array {
  out.fill(0, 0, 6 * p.nbody);
  const eps2 = p.frictionVelocity * p.frictionVelocity;
  for (let i = 0; i < geom.count; i++) {
    contactKinematics(geom, q, qd, i);
    if (sink !== null) reportGeometryKinks(p, sink);
    normalLaw(p);
    const fn = _fn.value;
    if (fn === 0) continue;
    frictionLaw(p, _e.speed2 >= eps2);
    if (sink !== null) reportFrictionKink(p, sink);
    // F = f_n n − μ f_n w v_t
    const s = _mu.value * fn * _w.value;
    const fx = fn * _e.nx - s * _e.vtx;
    const fy = fn * _e.ny - s * _e.vty;
    const fz = fn * _e.nz - s * _e.vtz;
    const ob = 6 * _e.b;
    out[ob] += fx;
    out[ob + 1] += fy;
    out[ob + 2] += fz;
    out[ob + 3] += _e.rBy * fz - _e.rBz * fy;
    out[ob + 4] += _e.rBz * fx - _e.rBx * fz;
    out[ob + 5] += _e.rBx * fy - _e.rBy * fx;
    const oa = 6 * _e.a;
    out[oa] -= fx;
    out[oa + 1] -= fy;
    out[oa + 2] -= fz;
    out[oa + 3] -= _e.rAy * fz - _e.rAz * fy;
    out[oa + 4] -= _e.rAz * fx - _e.rAx * fz;
    out[oa + 5] -= _e.rAx * fy - _e.rAy * fx;
  }
  return out;
}

// ---- plain kernel -----------------------------------------------------------------------

/**
 * Contact wrenches, plain: zeroes `wrenchOut` (nbody×6: force N, world; torque N·m about
 * the centre of mass, world), then accumulates the force of every contact in `contacts`
 * (see the module comment). `q` is nbody×7 (`bodyQ`), `qd` nbody×6 (`bodyQd`). No tape,
 * no allocation; kink reports go to `kinks` when given (a rollout's forward pass).
 * Returns `wrenchOut`.
 *
 * @example
 * const params = contactForceParams(model);
 * const wrench = new Float64Array(6 * model.nbody); // once, outside the loop
 * collide(model, state.bodyQ, params.margin, contacts);
 * contactWrenches(params, contacts, state.bodyQ, state.bodyQd, wrench);
 */
export function contactWrenches(
  p: ContactForceParams,
  contacts: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  wrenchOut: Float64Array,
  kinks: KinkSink | null = null,
): Float64Array {
  return accumulateWrenches(p, contacts, q, qd, wrenchOut, kinks);
}

/**
 * The adjoint of the kernel at the flat input `x` (layout {@link contactWrenchLayout} for
 * `contacts.count` contacts): x̄ = Jᵀ ȳ for the wrench cotangent `ybar` (nbody×6), a fresh
 * array. The primitive's backward rule, exported for rollouts that run their own adjoint
 * loop over the same contact set.
 */
export function contactWrenchesAdjoint(
  config: ContactStaticConfig,
  contacts: Pick<ContactGeometry, 'count' | 'bodyA' | 'bodyB'>,
  x: Float64Array,
  ybar: Float64Array,
  out?: Float64Array,
): Float64Array {
  const L = contactWrenchLayout(contacts.count, config.nbody);
  // the views of `x` are rebuilt only when the input buffer changes (a rollout reuses one
  // per contact count); the contact pairs are swapped in per call
  let v = _adjointViews;
  if (v === null || v.x !== x || v.config !== config) {
    v = { x, config, views: inputViews(config, contacts.bodyA, contacts.bodyB, L, x) };
    _adjointViews = v;
  } else {
    refreshScalars(v.views, L, x);
    if (v.views.geom.bodyA !== contacts.bodyA || v.views.geom.bodyB !== contacts.bodyB) {
      v.views.geom = { ...v.views.geom, bodyA: contacts.bodyA, bodyB: contacts.bodyB };
    }
  }
  return contactWrenchAdjoint(v.views, L, ybar, out !== undefined && out.length === L.size ? out : undefined);
}

let _adjointViews: { x: Float64Array; config: ContactStaticConfig; views: InputViews } | null = null;

/** The scalar parameters live in the views by value: re-read them (and re-check them) from `x`. */
function refreshScalars(v: InputViews, L: ContactWrenchLayout, x: Float64Array): void {
  const k = x[L.params], c = x[L.params + 1], tau = x[L.params + 2], eps = x[L.params + 3];
  const p = v.params;
  if (k !== p.stiffness || c !== p.damping || tau !== p.temperature || eps !== p.frictionVelocity) {
    checkScalars(k, c, tau, eps);
    v.params = { ...p, stiffness: k, damping: c, temperature: tau, frictionVelocity: eps };
  }
  checkFriction(v.params.bodyFriction);
}

// ---- primitive --------------------------------------------------------------------------

/**
 * Offsets of the input groups in the primitive's flat input vector, for `count` contacts
 * and `nbody` bodies. The geometry is struct-of-arrays, as in the `Contacts` buffer, so
 * the kernel reads it through `subarray` views:
 *
 *   [dist (c) | normal (3c) | point (3c) | q (7n) | qd (6n) | k, c, τ, ε | bodyFriction (n)]
 */
export interface ContactWrenchLayout {
  readonly count: number;
  readonly nbody: number;
  readonly dist: number;
  readonly normal: number;
  readonly point: number;
  readonly q: number;
  readonly qd: number;
  /** k at `params`, c at +1, τ at +2, ε at +3 */
  readonly params: number;
  readonly friction: number;
  /** total input length, 7c + 14n + 4 */
  readonly size: number;
}

/**
 * The flat input layout of {@link contactWrenchPrimitive}.
 *
 * @example
 * const L = contactWrenchLayout(contacts.count, model.nbody);
 * inputs[L.params + 1]; // the damping c
 */
export function contactWrenchLayout(count: number, nbody: number): ContactWrenchLayout {
  const q = 7 * count;
  const qd = q + 7 * nbody;
  const params = qd + 6 * nbody;
  const friction = params + 4;
  return { count, nbody, dist: 0, normal: count, point: 4 * count, q, qd, params, friction, size: friction + nbody };
}

/**
 * Pack plain inputs into the primitive's flat layout (a fresh array; for tests, and for
 * callers that then replace some entries with traced values).
 *
 * @example
 * const x: Real[] = Array.from(contactWrenchInputs(params, contacts, q, qd));
 * x[contactWrenchLayout(contacts.count, params.nbody).params] = stiffnessVar;
 */
export function contactWrenchInputs(
  p: ContactForceParams,
  contacts: ContactGeometry,
  q: Float64Array,
  qd: Float64Array,
  out?: Float64Array,
): Float64Array {
  const c = contacts.count;
  const L = contactWrenchLayout(c, p.nbody);
  // `out` is reused when it has exactly the layout's size (a rollout's adjoint loop)
  const x = out !== undefined && out.length === L.size ? out : new Float64Array(L.size);
  x.set(contacts.dist.subarray(0, c), L.dist);
  x.set(contacts.normal.subarray(0, 3 * c), L.normal);
  x.set(contacts.point.subarray(0, 3 * c), L.point);
  x.set(q.subarray(0, 7 * p.nbody), L.q);
  x.set(qd.subarray(0, 6 * p.nbody), L.qd);
  x[L.params] = p.stiffness;
  x[L.params + 1] = p.damping;
  x[L.params + 2] = p.temperature;
  x[L.params + 3] = p.frictionVelocity;
  x.set(p.bodyFriction.subarray(0, p.nbody), L.friction);
  return x;
}

/** Views of one flat input vector: the kernel's arguments, no copies. */
interface InputViews {
  params: ContactForceParams;
  geom: ContactGeometry;
  q: Float64Array;
  qd: Float64Array;
}

function inputViews(config: ContactStaticConfig, bodyA: Int32Array, bodyB: Int32Array, L: ContactWrenchLayout, x: Float64Array): InputViews {
  if (x.length !== L.size) {
    throw new RangeError(`contactWrenches primitive: expected ${L.size} inputs (${L.count} contacts, ${L.nbody} bodies), got ${x.length}`);
  }
  const n = L.nbody;
  const k = x[L.params], c = x[L.params + 1], tau = x[L.params + 2], eps = x[L.params + 3];
  checkScalars(k, c, tau, eps);
  const bodyFriction = x.subarray(L.friction, L.friction + n);
  checkFriction(bodyFriction);
  return {
    params: {
      mode: config.mode,
      nbody: n,
      stiffness: k,
      damping: c,
      temperature: tau,
      frictionVelocity: eps,
      bodyFriction,
      margin: config.margin,
      bodyName: config.bodyName,
    },
    geom: {
      count: L.count,
      bodyA,
      bodyB,
      dist: x.subarray(L.dist, L.dist + L.count),
      normal: x.subarray(L.normal, L.normal + 3 * L.count),
      point: x.subarray(L.point, L.point + 3 * L.count),
    },
    q: x.subarray(L.q, L.q + 7 * n),
    qd: x.subarray(L.qd, L.qd + 6 * n),
  };
}

/**
 * The contact-wrench kernel as an AD primitive for one collision pass. The contact count
 * and body pairs are static (the collision pass is not differentiated): they are copied
 * from `contacts` now, so the buffer may be refilled afterwards; the step makes one
 * primitive per time step. Input: the flat vector of {@link contactWrenchLayout}
 * (geometry, q, qd, k, c, τ, ε, body friction: all differentiable); output: the wrench,
 * nbody×6. Forward values are bitwise those of {@link contactWrenches}.
 *
 * Reverse mode differentiates the branch taken, with the conventions of penalty.ts and
 * friction.ts at the kinks; forward mode is one-sided there.
 *
 * @example
 * const wrenchOf = contactWrenchPrimitive(params, contacts);
 * const x: Real[] = Array.from(contactWrenchInputs(params, contacts, q, qd));
 * const wrench = wrenchOf(x); // Real[6·nbody], one tape entry
 */
export function contactWrenchPrimitive(config: ContactStaticConfig, contacts: ContactGeometry): (x: readonly Real[]) => Real[] {
  const count = contacts.count;
  const bodyA = contacts.bodyA.slice(0, count);
  const bodyB = contacts.bodyB.slice(0, count);
  for (let i = 0; i < count; i++) {
    if (!(bodyA[i] >= 0 && bodyA[i] < config.nbody && bodyB[i] >= 0 && bodyB[i] < config.nbody)) {
      throw new RangeError(`contactWrenchPrimitive: contact ${i} names body ${bodyA[i]}/${bodyB[i]}, outside 0..${config.nbody - 1}`);
    }
  }
  const layout = contactWrenchLayout(count, config.nbody);
  return customVjp<Float64Array>({
    name: 'contactWrenches',
    fwd: (x, kinks) => {
      const v = inputViews(config, bodyA, bodyB, layout, x);
      const y = accumulateWrenches(v.params, v.geom, v.q, v.qd, new Float64Array(6 * layout.nbody), kinks);
      // customVjp hands fwd a fresh input array, so it can serve as the residual as is
      return [y, x];
    },
    bwd: (x, ybar) => contactWrenchAdjoint(inputViews(config, bodyA, bodyB, layout, x), layout, ybar),
    jvp: (x, xdot, kinks) => {
      const v = inputViews(config, bodyA, bodyB, layout, x);
      const y = accumulateWrenches(v.params, v.geom, v.q, v.qd, new Float64Array(6 * layout.nbody), kinks);
      return [y, contactWrenchTangent(v, layout, xdot)];
    },
  });
}

// ---- adjoint ----------------------------------------------------------------------------

/** x̄ = Jᵀ ȳ, contact by contact, recomputing each contact's forward values. */
function contactWrenchAdjoint(v: InputViews, L: ContactWrenchLayout, ybar: Float64Array, out?: Float64Array): Float64Array {
  const { params: p, geom, q, qd } = v;
  const xbar = out === undefined ? new Float64Array(L.size) : out.fill(0);
  const eps2 = p.frictionVelocity * p.frictionVelocity;
  for (let i = 0; i < geom.count; i++) {
    contactKinematics(geom, q, qd, i);
    normalLaw(p);
    const fn = _fn.value;
    if (fn === 0) continue; // inactive: value and every partial are 0
    frictionLaw(p, _e.speed2 >= eps2);
    const { a, b, nx, ny, nz, rAx, rAy, rAz, rBx, rBy, rBz, vrx, vry, vrz, vn, vtx, vty, vtz } = _e;
    const mu = _mu.value, w = _w.value;
    const s = mu * fn * w;
    const fx = fn * nx - s * vtx, fy = fn * ny - s * vty, fz = fn * nz - s * vtz;
    const oa = 6 * a, ob = 6 * b;
    const tAx = ybar[oa + 3], tAy = ybar[oa + 4], tAz = ybar[oa + 5];
    const tBx = ybar[ob + 3], tBy = ybar[ob + 4], tBz = ybar[ob + 5];

    // wrench_B = [F, r_B × F], wrench_A = [−F, −r_A × F]
    const Fbx = ybar[ob] - ybar[oa] + (tBy * rBz - tBz * rBy) - (tAy * rAz - tAz * rAy);
    const Fby = ybar[ob + 1] - ybar[oa + 1] + (tBz * rBx - tBx * rBz) - (tAz * rAx - tAx * rAz);
    const Fbz = ybar[ob + 2] - ybar[oa + 2] + (tBx * rBy - tBy * rBx) - (tAx * rAy - tAy * rAx);
    let rBbx = fy * tBz - fz * tBy, rBby = fz * tBx - fx * tBz, rBbz = fx * tBy - fy * tBx;
    let rAbx = -(fy * tAz - fz * tAy), rAby = -(fz * tAx - fx * tAz), rAbz = -(fx * tAy - fy * tAx);

    // F = f_n n + f_t
    let fnBar = Fbx * nx + Fby * ny + Fbz * nz;
    let nbx = fn * Fbx, nby = fn * Fby, nbz = fn * Fbz;

    // f_t = −μ f_n w v_t
    const ftDotVt = Fbx * vtx + Fby * vty + Fbz * vtz;
    const muBar = -fn * w * ftDotVt;
    fnBar -= mu * w * ftDotVt;
    const wBar = -mu * fn * ftDotVt;
    const speed2Scale = 2 * wBar * _w.dSpeed2;
    const vtbx = -s * Fbx + speed2Scale * vtx;
    const vtby = -s * Fby + speed2Scale * vty;
    const vtbz = -s * Fbz + speed2Scale * vtz;
    const epsBar = wBar * _w.dVelocity;

    // v_t = v_rel − (n·v_rel) n
    const nDotVtb = nx * vtbx + ny * vtby + nz * vtbz;
    let vrbx = vtbx - nDotVtb * nx, vrby = vtby - nDotVtb * ny, vrbz = vtbz - nDotVtb * nz;
    nbx -= nDotVtb * vrx + vn * vtbx;
    nby -= nDotVtb * vry + vn * vtby;
    nbz -= nDotVtb * vrz + vn * vtbz;

    // normal law: f_n(d, φ̇ = −v_n; k, c, τ)
    const vnBar = -fnBar * _fn.dRate;
    const L0 = L.params;
    xbar[L.dist + i] += fnBar * _fn.dDist;
    xbar[L0] += fnBar * _fn.dStiffness;
    xbar[L0 + 1] += fnBar * _fn.dDamping;
    xbar[L0 + 2] += fnBar * _fn.dTemperature;
    xbar[L0 + 3] += epsBar;

    // v_n = n·v_rel
    vrbx += vnBar * nx;
    vrby += vnBar * ny;
    vrbz += vnBar * nz;
    nbx += vnBar * vrx;
    nby += vnBar * vry;
    nbz += vnBar * vrz;
    xbar[L.normal + 3 * i] += nbx;
    xbar[L.normal + 3 * i + 1] += nby;
    xbar[L.normal + 3 * i + 2] += nbz;

    // v_rel = v_B + ω_B × r_B − v_A − ω_A × r_A
    const qa = L.qd + oa, qb = L.qd + ob;
    xbar[qb] += vrbx;
    xbar[qb + 1] += vrby;
    xbar[qb + 2] += vrbz;
    xbar[qa] -= vrbx;
    xbar[qa + 1] -= vrby;
    xbar[qa + 2] -= vrbz;
    xbar[qb + 3] += rBy * vrbz - rBz * vrby;
    xbar[qb + 4] += rBz * vrbx - rBx * vrbz;
    xbar[qb + 5] += rBx * vrby - rBy * vrbx;
    xbar[qa + 3] -= rAy * vrbz - rAz * vrby;
    xbar[qa + 4] -= rAz * vrbx - rAx * vrbz;
    xbar[qa + 5] -= rAx * vrby - rAy * vrbx;
    const { wAx, wAy, wAz, wBx, wBy, wBz } = _e;
    rBbx += vrby * wBz - vrbz * wBy;
    rBby += vrbz * wBx - vrbx * wBz;
    rBbz += vrbx * wBy - vrby * wBx;
    rAbx -= vrby * wAz - vrbz * wAy;
    rAby -= vrbz * wAx - vrbx * wAz;
    rAbz -= vrbx * wAy - vrby * wAx;

    // r = p − x
    xbar[L.point + 3 * i] += rAbx + rBbx;
    xbar[L.point + 3 * i + 1] += rAby + rBby;
    xbar[L.point + 3 * i + 2] += rAbz + rBbz;
    xbar[L.q + 7 * a] -= rAbx;
    xbar[L.q + 7 * a + 1] -= rAby;
    xbar[L.q + 7 * a + 2] -= rAbz;
    xbar[L.q + 7 * b] -= rBbx;
    xbar[L.q + 7 * b + 1] -= rBby;
    xbar[L.q + 7 * b + 2] -= rBbz;

    // μ = √(μ_A μ_B)
    xbar[L.friction + a] += muBar * _mu.dA;
    xbar[L.friction + b] += muBar * _mu.dB;
  }
  return xbar;
}

// ---- tangent ----------------------------------------------------------------------------

/** ẏ = J ẋ, contact by contact; one-sided at the penalty kinks. */
function contactWrenchTangent(v: InputViews, L: ContactWrenchLayout, xdot: Float64Array): Float64Array {
  const { params: p, geom, q, qd } = v;
  const ydot = new Float64Array(6 * L.nbody);
  const kDot = xdot[L.params], cDot = xdot[L.params + 1], tauDot = xdot[L.params + 2], epsDot = xdot[L.params + 3];
  for (let i = 0; i < geom.count; i++) {
    contactKinematics(geom, q, qd, i);
    const { a, b, nx, ny, nz, rAx, rAy, rAz, rBx, rBy, rBz, wAx, wAy, wAz, wBx, wBy, wBz, vrx, vry, vrz, vn, vtx, vty, vtz } = _e;
    const distDot = xdot[L.dist + i];
    const ndx = xdot[L.normal + 3 * i], ndy = xdot[L.normal + 3 * i + 1], ndz = xdot[L.normal + 3 * i + 2];
    const pdx = xdot[L.point + 3 * i], pdy = xdot[L.point + 3 * i + 1], pdz = xdot[L.point + 3 * i + 2];
    const qa = L.q + 7 * a, qb = L.q + 7 * b;
    const rAdx = pdx - xdot[qa], rAdy = pdy - xdot[qa + 1], rAdz = pdz - xdot[qa + 2];
    const rBdx = pdx - xdot[qb], rBdy = pdy - xdot[qb + 1], rBdz = pdz - xdot[qb + 2];
    const va = L.qd + 6 * a, vb = L.qd + 6 * b;
    const wAdx = xdot[va + 3], wAdy = xdot[va + 4], wAdz = xdot[va + 5];
    const wBdx = xdot[vb + 3], wBdy = xdot[vb + 4], wBdz = xdot[vb + 5];

    // v̇_rel = v̇_B + ω̇_B × r_B + ω_B × ṙ_B − (v̇_A + ω̇_A × r_A + ω_A × ṙ_A)
    const vrdx = xdot[vb] + (wBdy * rBz - wBdz * rBy) + (wBy * rBdz - wBz * rBdy)
      - xdot[va] - (wAdy * rAz - wAdz * rAy) - (wAy * rAdz - wAz * rAdy);
    const vrdy = xdot[vb + 1] + (wBdz * rBx - wBdx * rBz) + (wBz * rBdx - wBx * rBdz)
      - xdot[va + 1] - (wAdz * rAx - wAdx * rAz) - (wAz * rAdx - wAx * rAdz);
    const vrdz = xdot[vb + 2] + (wBdx * rBy - wBdy * rBx) + (wBx * rBdy - wBy * rBdx)
      - xdot[va + 2] - (wAdx * rAy - wAdy * rAx) - (wAx * rAdy - wAy * rAdx);
    const vnd = ndx * vrx + ndy * vry + ndz * vrz + nx * vrdx + ny * vrdy + nz * vrdz;
    const vtdx = vrdx - vnd * nx - vn * ndx;
    const vtdy = vrdy - vnd * ny - vn * ndy;
    const vtdz = vrdz - vnd * nz - vn * ndz;

    // normal law
    normalLaw(p);
    const fn = _fn.value;
    let fnd: number;
    if (p.mode === 'penalty') {
      _argsDot.dist = distDot;
      _argsDot.rate = -vnd;
      _argsDot.stiffness = kDot;
      _argsDot.damping = cDot;
      fnd = penaltyNormalTangent(_args, _argsDot);
    } else {
      fnd = _fn.dDist * distDot - _fn.dRate * vnd + _fn.dStiffness * kDot + _fn.dDamping * cDot + _fn.dTemperature * tauDot;
    }
    if (fn === 0 && fnd === 0) continue;

    // friction
    const speed2Dot = 2 * (vtx * vtdx + vty * vtdy + vtz * vtdz);
    frictionLaw(p, penaltyWeightBranch(_e.speed2, p.frictionVelocity, speed2Dot, epsDot));
    const mu = _mu.value, w = _w.value;
    const muDot = _mu.dA * xdot[L.friction + a] + _mu.dB * xdot[L.friction + b];
    const wDot = _w.dSpeed2 * speed2Dot + _w.dVelocity * epsDot;
    const s = mu * fn * w;
    const sDot = muDot * fn * w + mu * fnd * w + mu * fn * wDot;
    const fx = fn * nx - s * vtx, fy = fn * ny - s * vty, fz = fn * nz - s * vtz;
    const fdx = fnd * nx + fn * ndx - sDot * vtx - s * vtdx;
    const fdy = fnd * ny + fn * ndy - sDot * vty - s * vtdy;
    const fdz = fnd * nz + fn * ndz - sDot * vtz - s * vtdz;

    // wrench tangents: (r × F)˙ = ṙ × F + r × Ḟ
    const ob = 6 * b, oa = 6 * a;
    ydot[ob] += fdx;
    ydot[ob + 1] += fdy;
    ydot[ob + 2] += fdz;
    ydot[ob + 3] += rBdy * fz - rBdz * fy + rBy * fdz - rBz * fdy;
    ydot[ob + 4] += rBdz * fx - rBdx * fz + rBz * fdx - rBx * fdz;
    ydot[ob + 5] += rBdx * fy - rBdy * fx + rBx * fdy - rBy * fdx;
    ydot[oa] -= fdx;
    ydot[oa + 1] -= fdy;
    ydot[oa + 2] -= fdz;
    ydot[oa + 3] -= rAdy * fz - rAdz * fy + rAy * fdz - rAz * fdy;
    ydot[oa + 4] -= rAdz * fx - rAdx * fz + rAz * fdx - rAx * fdz;
    ydot[oa + 5] -= rAdx * fy - rAdy * fx + rAx * fdy - rAy * fdx;
  }
  return ydot;
}
