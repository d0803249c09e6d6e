/**
 * Semi-implicit (symplectic) Euler for free rigid bodies: the last stage of a step.
 * Two faces of one kernel:
 *
 * - `integrate(m, q, qd, wrench, qOut, qdOut)`: plain, on typed arrays, allocation-free;
 *   the forward step calls it with no tape.
 * - `integratePrimitive(config)`: the same computation as one AD primitive over a flat
 *   input vector, with a hand-written adjoint (`bwd`) and tangent (`jvp`).
 *
 * Per dynamic body, with h = dt/2 and R = R(q/|q|):
 *
 *   v' = v + dt·(g + m⁻¹ f)                       gravity only on dynamic bodies
 *   ω' = R·gyro(Rᵀω, I, Rᵀτ)                       implicit gyroscopic step (gyroscopic.ts)
 *   x' = x + dt·v'
 *   q' = normalize(exp(h·ω') ⊗ q/|q|)              exact exponential map (quatExp.ts)
 *
 * Velocities first, then positions with the new velocities: the symplectic ordering, so
 * free flight follows the discrete closed form x_N = x₀ + N dt v₀ + dt² g N(N+1)/2.
 * Static bodies are copied unchanged.
 *
 * The input quaternion is normalized before use, so the step depends on the orientation
 * only (the derivative along q itself is 0): drift of |q| by rounding does not scale the
 * rotation, and the derivative w.r.t. q is the same whatever the caller's |q|. The final
 * normalization is the identity up to rounding (exp and ⊗ preserve unit length) and only
 * stops |q| from drifting over long runs.
 *
 * Nothing here is non-smooth: the series/closed-form switch inside the exponential map is
 * between two expressions of the same analytic function, so no kink is reported.
 * Dynamic bodies need positive inverse inertia (the moments are its reciprocals).
 */
import { customVjp, type KinkSink, type PrimitiveRule } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';
import type { Model } from '../model.ts';
import { quatMultiply } from '../math/quat.ts';
import {
  createGyroscopicWork,
  gyroscopicAdjoint,
  gyroscopicStep,
  gyroscopicTangent,
  type GyroscopicWork,
} from './gyroscopic.ts';
import { expMapCoefficientsIn, quatExp, quatExpAdjoint } from './quatExp.ts';

/** Floats per body of `bodyQ` (position, quaternion) and `bodyQd`/wrench (linear, angular). */
const Q_WIDTH = 7;
const QD_WIDTH = 6;

/** What the plain kernel reads besides the state: one SoA entry per body. */
export interface IntegratorParams {
  /** number of bodies */
  readonly nbody: number;
  /** step length, s */
  readonly dt: number;
  /** (3) gravitational acceleration, world, m/s² */
  readonly gravity: Float64Array;
  /** (nbody) inverse masses, 1/kg; 0 for static bodies */
  readonly invMass: Float64Array;
  /** (nbody×3) inverse principal moments, body frame, 1/(kg·m²); positive for dynamic bodies, 0 for static */
  readonly invInertia: Float64Array;
  /** (nbody) 1 for a static body (copied unchanged), else 0 */
  readonly isStatic: Uint8Array;
}

/**
 * The integrator parameters of a Model (views on its arrays, nothing copied).
 *
 * @example
 * const p = integratorParams(model);
 * integrate(p, state.bodyQ, state.bodyQd, wrench, next.bodyQ, next.bodyQd);
 */
export function integratorParams(model: Model): IntegratorParams {
  return {
    nbody: model.nbody,
    dt: model.dt,
    gravity: model.gravity,
    invMass: model.bodyInvMass,
    invInertia: model.bodyInvInertia,
    isStatic: model.bodyStatic,
  };
}

// ---- scratch of one body's step (module-private; kept for its tangent and adjoint) ----

const _gyro = createGyroscopicWork();
/** q/|q| */
const _qHat = new Float64Array(4);
/** R(q/|q|), row-major: R_ac = _rot[3a + c] */
const _rot = new Float64Array(9);
/** ω' in the world frame */
const _omegaNext = new Float64Array(3);
/** u = h·ω', the argument of the exponential map */
const _u = new Float64Array(3);
/** exp(u) */
const _dq = new Float64Array(4);
/** exp(u) ⊗ q/|q| before the final normalization */
const _p = new Float64Array(4);
/** [|q|, |p|] */
const _norms = new Float64Array(2);
/** the body's outputs: position, quaternion; linear, angular velocity */
const _qNext = new Float64Array(Q_WIDTH);
const _qdNext = new Float64Array(QD_WIDTH);

/**
 * One dynamic body's step: reads body `b` of the inputs, writes `_qNext`, `_qdNext` and
 * every intermediate above. The one forward computation shared by the plain kernel, the
 * adjoint and the tangent, so they all see bitwise the same values.
 */
function stepBody(
  m: IntegratorParams,
  b: number,
  q: Float64Array,
  qd: Float64Array,
  wrench: Float64Array,
  wrenchAt = 0,
): void {
  const dt = m.dt;
  const qo = Q_WIDTH * b;
  const vo = QD_WIDTH * b;
  const wo = wrenchAt + vo;
  const invMass = m.invMass[b];
  const g = m.gravity;

  // linear: velocities first, then positions with the new velocities
  for (let k = 0; k < 3; k++) {
    const v = qd[vo + k] + dt * (g[k] + invMass * wrench[wo + k]);
    _qdNext[k] = v;
    _qNext[k] = q[qo + k] + dt * v;
  }

  // orientation of the unit quaternion q/|q|
  loadUnitRotation(q, qo, _qHat, _rot, _norms, 0);
  const r = _rot;

  // angular: the gyroscopic step in the principal frame (ω_b = Rᵀω, τ_b = Rᵀτ)
  angularVelocityStep(m, b, r, qd, vo, wrench, wo + 3, _gyro, _omegaNext, 0);
  const h = 0.5 * dt;
  for (let a = 0; a < 3; a++) {
    const wa = _omegaNext[a];
    _qdNext[3 + a] = wa;
    _u[a] = h * wa;
  }

  // orientation: q' = normalize(exp(h ω') ⊗ q̂)
  advanceOrientation(_qHat, _u, _qNext, 3, _norms, 1);
  _uCoefValid = false;
  _mapValid = false;
}

/**
 * exp's coefficients [C, S, dS/ds] at the last `stepBody`'s u, for its tangents: computed
 * by the first direction's `tangentBody` and reused by the others (they depend on u only);
 * [3] is their argument |u|² (quatExp.ts `expMapCoefficientsIn`).
 */
const _uCoef = new Float64Array(4);
let _uCoefValid = false;

/**
 * The end-of-step angular velocity (world) of body `b` with rotation `rot` (row-major,
 * from `loadUnitRotation`): ω (world, `qd[vo + 3 .. vo + 5]`) and the torque (world, N·m,
 * `torque[to .. to + 2]`, or none when `torque` is null) go to the principal frame, one
 * implicit-midpoint gyroscopic step runs in `gyro` (whose fields the adjoint reads
 * afterwards), and ω' comes back to the world in `out[outOff .. outOff + 2]`. Shared with
 * the hard-contact step. (The torque comes in an array: doubles passed to a call V8 does
 * not inline are boxed, 48 bytes per body per step.)
 */
export function angularVelocityStep(
  m: IntegratorParams,
  b: number,
  rot: Float64Array,
  qd: Float64Array,
  vo: number,
  torque: Float64Array | null,
  to: number,
  gyro: GyroscopicWork,
  out: Float64Array,
  outOff: number,
): void {
  const r = rot;
  const wx = qd[vo + 3],
    wy = qd[vo + 4],
    wz = qd[vo + 5];
  const tx = torque === null ? 0 : torque[to],
    ty = torque === null ? 0 : torque[to + 1],
    tz = torque === null ? 0 : torque[to + 2];
  gyro.dt = m.dt;
  for (let c = 0; c < 3; c++) {
    gyro.omega[c] = r[c] * wx + r[3 + c] * wy + r[6 + c] * wz;
    gyro.torque[c] = r[c] * tx + r[3 + c] * ty + r[6 + c] * tz;
    gyro.inertia[c] = 1 / m.invInertia[3 * b + c];
  }
  gyroscopicStep(gyro);
  const nb = gyro.omegaNext;
  for (let a = 0; a < 3; a++) out[outOff + a] = r[3 * a] * nb[0] + r[3 * a + 1] * nb[1] + r[3 * a + 2] * nb[2];
}

/**
 * q̂ = q/|q| of the quaternion at `q[qo + 3 .. qo + 6]` into `qHat` and its rotation
 * matrix (row-major: r[3a + c] = R_ac, body → world) into `rot`, and |q| into
 * `norm[normAt]` (an array, not a return value: a double returned from a call V8 does not
 * inline is boxed). Shared by the semi-implicit step and the hard-contact step so both see
 * bitwise the same values.
 */
export function loadUnitRotation(
  q: Float64Array,
  qo: number,
  qHat: Float64Array,
  rot: Float64Array,
  norm: Float64Array,
  normAt: number,
): void {
  const qw = q[qo + 3],
    qx = q[qo + 4],
    qy = q[qo + 5],
    qz = q[qo + 6];
  const qLen = Math.sqrt(qw * qw + qx * qx + qy * qy + qz * qz);
  const w = qw / qLen,
    x = qx / qLen,
    y = qy / qLen,
    z = qz / qLen;
  qHat[0] = w;
  qHat[1] = x;
  qHat[2] = y;
  qHat[3] = z;
  rot[0] = 1 - 2 * (y * y + z * z);
  rot[1] = 2 * (x * y - w * z);
  rot[2] = 2 * (x * z + w * y);
  rot[3] = 2 * (x * y + w * z);
  rot[4] = 1 - 2 * (x * x + z * z);
  rot[5] = 2 * (y * z - w * x);
  rot[6] = 2 * (x * z - w * y);
  rot[7] = 2 * (y * z + w * x);
  rot[8] = 1 - 2 * (x * x + y * y);
  norm[normAt] = qLen;
}

/**
 * normalize(exp(u) ⊗ q̂) into `out[outOff .. outOff + 3]`, with u = ½·dt·ω (the
 * rotation vector of half the step); |exp(u) ⊗ q̂| before normalizing into `norm[normAt]`
 * (see {@link loadUnitRotation}).
 */
export function advanceOrientation(
  qHat: Float64Array,
  u: Float64Array,
  out: Float64Array,
  outOff: number,
  norm: Float64Array,
  normAt: number,
): void {
  quatExp(_dq, 0, u, 0);
  turnByIncrement(qHat, out, outOff, norm, normAt);
}

/** normalize(Δq ⊗ q̂) into `out[outOff .. outOff + 3]` for the increment Δq in `_dq`; |Δq ⊗ q̂| into `norm[normAt]`. */
function turnByIncrement(
  qHat: Float64Array,
  out: Float64Array,
  outOff: number,
  norm: Float64Array,
  normAt: number,
): void {
  quatMultiply(_p, 0, _dq, 0, qHat, 0);
  const pLen = Math.sqrt(_p[0] * _p[0] + _p[1] * _p[1] + _p[2] * _p[2] + _p[3] * _p[3]);
  for (let k = 0; k < 4; k++) out[outOff + k] = _p[k] / pLen;
  norm[normAt] = pLen;
}

/**
 * One semi-implicit Euler step of every body: reads the pose `q` (nbody×7), velocities
 * `qd` (nbody×6) and applied `wrench` (nbody×6: force, world, N; torque about the centre
 * of mass, world, N·m), writes the next pose and velocities to `qOut`, `qdOut`.
 * Allocates nothing; the outputs may alias the inputs (in-place stepping). With `kept`
 * (nbody × {@link INTEGRATOR_KEPT_PER_BODY}), each dynamic body's costly intermediates go
 * there too (body b's block at `keptAt + b × INTEGRATOR_KEPT_PER_BODY`: a rollout points it
 * at the step's place in its kept records, nothing copied afterwards), so that
 * {@link integrateAdjointInPlace} need not compute the step again.
 *
 * @example
 * const p = integratorParams(model);
 * integrate(p, state.bodyQ, state.bodyQd, wrench, state.bodyQ, state.bodyQd); // in place
 */
export function integrate(
  m: IntegratorParams,
  q: Float64Array,
  qd: Float64Array,
  wrench: Float64Array,
  qOut: Float64Array,
  qdOut: Float64Array,
  kept: Float64Array | null = null,
  keptAt = 0,
): void {
  for (let b = 0; b < m.nbody; b++) {
    const qo = Q_WIDTH * b;
    const vo = QD_WIDTH * b;
    if (m.isStatic[b]) {
      for (let k = 0; k < Q_WIDTH; k++) qOut[qo + k] = q[qo + k];
      for (let k = 0; k < QD_WIDTH; k++) qdOut[vo + k] = qd[vo + k];
      continue;
    }
    stepBody(m, b, q, qd, wrench);
    if (kept !== null) keepBody(kept, keptAt + INTEGRATOR_KEPT_PER_BODY * b);
    for (let k = 0; k < Q_WIDTH; k++) qOut[qo + k] = _qNext[k];
    for (let k = 0; k < QD_WIDTH; k++) qdOut[vo + k] = _qdNext[k];
  }
}

// ---- kept intermediates: what the adjoint reads that is costly to compute again ----------

/**
 * Floats per body of a step's kept intermediates (`integrate`'s `kept`): exp(h·ω') (4), the
 * gyroscopic Newton increment (3) and J⁻¹ (9). The rest of what the adjoint reads (q̂, R,
 * ω_b, I, ω', u, q', |p|) is a few products of these and the state before the step,
 * computed again bitwise as the step computed them.
 */
export const INTEGRATOR_KEPT_PER_BODY = 16;
/** offsets in one body's kept block */
const KEPT_DQ = 0;
const KEPT_INCREMENT = 4;
const KEPT_JACOBIAN_INV = 7;

/** The intermediates of the body `stepBody` just stepped into `kept[at ..]`. */
function keepBody(kept: Float64Array, at: number): void {
  for (let k = 0; k < 4; k++) kept[at + KEPT_DQ + k] = _dq[k];
  const y = _gyro.increment,
    jinv = _gyro.jacobianInv;
  for (let k = 0; k < 3; k++) kept[at + KEPT_INCREMENT + k] = y[k];
  for (let k = 0; k < 9; k++) kept[at + KEPT_JACOBIAN_INV + k] = jinv[k];
}

/**
 * The scratch `stepBody` leaves for the adjoint (everything but the linear part), for body
 * b from the state before the step and its kept block `kept[at ..]`: the same expressions
 * in the same order as `stepBody`, `angularVelocityStep`, `gyroscopicStep` and
 * `advanceOrientation`, so the adjoint sees bitwise the values it would see after `stepBody`.
 */
function restoreBody(
  m: IntegratorParams,
  b: number,
  q: Float64Array,
  qd: Float64Array,
  kept: Float64Array,
  at: number,
  qAt: number,
  qdAt: number,
): void {
  const dt = m.dt;
  restoreVelocityBody(m, b, q, qd, kept, at + KEPT_INCREMENT, at + KEPT_JACOBIAN_INV, qAt, qdAt);
  const r = _rot;
  const nb = _gyro.omegaNext;
  const h = 0.5 * dt;
  for (let a = 0; a < 3; a++) _u[a] = h * (r[3 * a] * nb[0] + r[3 * a + 1] * nb[1] + r[3 * a + 2] * nb[2]);
  for (let k = 0; k < 4; k++) _dq[k] = kept[at + KEPT_DQ + k];
  turnByIncrement(_qHat, _qNext, 3, _norms, 1);
  _uCoefValid = false;
  _mapValid = false;
}

// ---- the primitive -------------------------------------------------------------------

/** Static configuration of the primitive: not differentiable. */
export interface IntegratorConfig {
  readonly nbody: number;
  /** step length, s */
  readonly dt: number;
  /** (nbody) 1 for a static body */
  readonly isStatic: Uint8Array;
}

/** Offsets of each input group in the primitive's flat input, and its length. */
export interface IntegratorLayout {
  /** nbody×7 poses */
  readonly q: number;
  /** nbody×6 velocities */
  readonly qd: number;
  /** nbody×6 wrenches */
  readonly wrench: number;
  /** nbody inverse masses */
  readonly invMass: number;
  /** nbody×3 inverse principal moments */
  readonly invInertia: number;
  /** 3 gravity components */
  readonly gravity: number;
  /** total input length, 23·nbody + 3 */
  readonly size: number;
}

/**
 * The flat input layout `[q (7n) | qd (6n) | wrench (6n) | invMass (n) | invInertia (3n) |
 * gravity (3)]` of {@link integratePrimitive}; the output is `[q' (7n) | qd' (6n)]`.
 *
 * @example
 * const L = integratorLayout(2); // L.wrench === 26, L.size === 49
 */
export function integratorLayout(nbody: number): IntegratorLayout {
  return {
    q: 0,
    qd: Q_WIDTH * nbody,
    wrench: (Q_WIDTH + QD_WIDTH) * nbody,
    invMass: (Q_WIDTH + 2 * QD_WIDTH) * nbody,
    invInertia: (Q_WIDTH + 2 * QD_WIDTH + 1) * nbody,
    gravity: (Q_WIDTH + 2 * QD_WIDTH + 4) * nbody,
    size: (Q_WIDTH + 2 * QD_WIDTH + 4) * nbody + 3,
  };
}

/** Plain-kernel views onto a flat input (no copies). */
function viewsOf(config: IntegratorConfig, L: IntegratorLayout, x: Float64Array) {
  const n = config.nbody;
  const params: IntegratorParams = {
    nbody: n,
    dt: config.dt,
    gravity: x.subarray(L.gravity, L.gravity + 3),
    invMass: x.subarray(L.invMass, L.invMass + n),
    invInertia: x.subarray(L.invInertia, L.invInertia + 3 * n),
    isStatic: config.isStatic,
  };
  return {
    params,
    q: x.subarray(L.q, L.qd),
    qd: x.subarray(L.qd, L.wrench),
    wrench: x.subarray(L.wrench, L.invMass),
  };
}

// adjoint and tangent scratch (module-private)
const _omegaBodyNextBar = new Float64Array(3);
const _omegaBodyBar = new Float64Array(3);
const _inertiaBar = new Float64Array(3);
const _torqueBodyBar = new Float64Array(3);
const _rotBar = new Float64Array(9);
const _pBar = new Float64Array(4);
const _conj = new Float64Array(4);
const _dqBar = new Float64Array(4);
const _qHatBar = new Float64Array(4);
const _uBar = new Float64Array(3);
const _inertiaDot = new Float64Array(3);
const _omegaBodyNextDot = new Float64Array(3);

function conjugate(out: Float64Array, a: Float64Array): Float64Array {
  out[0] = a[0];
  out[1] = -a[1];
  out[2] = -a[2];
  out[3] = -a[3];
  return out;
}

/**
 * `advanceOrientation` pulled back. For q' = p/|p|, p = Δq ⊗ q̂, Δq = exp(u), given the
 * cotangent of q' at `qNextBar[off .. off + 3]`, q' itself at `qNext[qOff ..]`, |p| =
 * `pLen`, q̂ and Δq: writes q̂̄ to `qHatBar` and ū to `uBar` (both overwritten).
 * Shared by the integrator's adjoint and the hard step's pose kernel (sim/hard/pose-kernels.ts).
 */
export function advanceOrientationAdjoint(
  qNextBar: Float64Array,
  off: number,
  qNext: Float64Array,
  qOff: number,
  pLen: number,
  qHat: Float64Array,
  dq: Float64Array,
  u: Float64Array,
  qHatBar: Float64Array,
  uBar: Float64Array,
): void {
  // q' = p/|p|: p̄ = (q̄' − q'(q'·q̄'))/|p|
  let dot = 0;
  for (let k = 0; k < 4; k++) dot += qNext[qOff + k] * qNextBar[off + k];
  for (let k = 0; k < 4; k++) _pBar[k] = (qNextBar[off + k] - qNext[qOff + k] * dot) / pLen;
  // p = Δq ⊗ q̂: Δq̄ = p̄ ⊗ q̂*, q̂̄ = Δq* ⊗ p̄
  quatMultiply(_dqBar, 0, _pBar, 0, conjugate(_conj, qHat), 0);
  quatMultiply(qHatBar, 0, conjugate(_conj, dq), 0, _pBar, 0);
  // Δq = exp(u)
  quatExpAdjoint(uBar, 0, u, 0, _dqBar, 0);
}

/**
 * Where the adjoint of one body reads and writes: its inputs and output cotangents, and
 * where its input cotangents go (added), each array with the body's own offset. One
 * module-private object, refilled per body: the flat primitive's adjoint and the
 * rollout's in-place adjoint run the same body adjoint over different layouts.
 */
interface AdjointPorts {
  /** ȳ: the cotangent of q' at `yq` (7) and of q̇' at `yqd` (6) */
  ybar: Float64Array;
  yq: number;
  yqd: number;
  /** the body's velocity (6) and wrench (6) before the step */
  qd: Float64Array;
  qdAt: number;
  wrench: Float64Array;
  wrenchAt: number;
  /** cotangents of the pose (7), velocity (6) and wrench (6) */
  qBar: Float64Array;
  qBarAt: number;
  qdBar: Float64Array;
  qdBarAt: number;
  wrenchBar: Float64Array;
  wrenchBarAt: number;
  /** cotangents of the inverse mass (1), inverse inertia (3) and gravity (3, shared by all bodies) */
  paramBar: Float64Array;
  invMassAt: number;
  invInertiaAt: number;
  gravityAt: number;
}
const NONE = new Float64Array(0);
const _ports: AdjointPorts = {
  ybar: NONE,
  yq: 0,
  yqd: 0,
  qd: NONE,
  qdAt: 0,
  wrench: NONE,
  wrenchAt: 0,
  qBar: NONE,
  qBarAt: 0,
  qdBar: NONE,
  qdBarAt: 0,
  wrenchBar: NONE,
  wrenchBarAt: 0,
  paramBar: NONE,
  invMassAt: 0,
  invInertiaAt: 0,
  gravityAt: 0,
};

/**
 * Cotangent of body b's inputs from the cotangent of its outputs, after `stepBody` (or
 * `restoreBody`) has run on the same inputs. Reads and adds where `_ports` says (gravity
 * accumulates over bodies).
 */
function adjointBody(m: IntegratorParams, b: number): void {
  const P = _ports;
  const ybar = P.ybar,
    qd = P.qd,
    wrench = P.wrench;
  const dt = m.dt;
  const h = 0.5 * dt;
  const yq = P.yq;
  const yqd = P.yqd;
  const vo = P.qdAt;
  const wo = P.wrenchAt;

  // q' = normalize(exp(h ω') ⊗ q̂) (nothing to pull back when q' has no cotangent)
  if (_poseFree) {
    for (let k = 0; k < 4; k++) _qHatBar[k] = 0;
    for (let k = 0; k < 3; k++) _uBar[k] = 0;
  } else advanceOrientationAdjoint(ybar, yq + 3, _qNext, 3, _norms[1], _qHat, _dq, _u, _qHatBar, _uBar);

  // linear: v̄' collects its own cotangent and x' = x + dt v'
  const invMass = m.invMass[b];
  let invMassBar = 0;
  for (let k = 0; k < 3; k++) {
    const vBar = ybar[yqd + k] + dt * ybar[yq + k];
    const f = wrench[wo + k];
    P.qBar[P.qBarAt + k] += ybar[yq + k];
    P.qdBar[P.qdBarAt + k] += vBar;
    P.paramBar[P.gravityAt + k] += dt * vBar;
    P.wrenchBar[P.wrenchBarAt + k] += dt * invMass * vBar;
    invMassBar += dt * f * vBar;
  }
  P.paramBar[P.invMassAt] += invMassBar;

  // ω' = R ω_b': ω̄_b' = Rᵀω̄', R̄_ac = ω̄'_a ω_b'_c
  const r = _rot;
  const nb = _gyro.omegaNext;
  const wb0 = ybar[yqd + 3] + h * _uBar[0];
  const wb1 = ybar[yqd + 4] + h * _uBar[1];
  const wb2 = ybar[yqd + 5] + h * _uBar[2];
  for (let c = 0; c < 3; c++) _omegaBodyNextBar[c] = r[c] * wb0 + r[3 + c] * wb1 + r[6 + c] * wb2;
  for (let c = 0; c < 3; c++) {
    _rotBar[c] = wb0 * nb[c];
    _rotBar[3 + c] = wb1 * nb[c];
    _rotBar[6 + c] = wb2 * nb[c];
  }

  gyroscopicAdjoint(_gyro, _omegaBodyNextBar, _omegaBodyBar, _inertiaBar, _torqueBodyBar);
  // I = 1/d: d̄ = −I² Ī
  for (let c = 0; c < 3; c++) {
    const inertia = _gyro.inertia[c];
    P.paramBar[P.invInertiaAt + c] += -inertia * inertia * _inertiaBar[c];
  }

  // ω_b = Rᵀω, τ_b = Rᵀτ: ω̄ = Rω̄_b, τ̄ = Rτ̄_b, R̄_ac += ω_a ω̄_b,c + τ_a τ̄_b,c
  for (let a = 0; a < 3; a++) {
    const wa = qd[vo + 3 + a];
    const ta = wrench[wo + 3 + a];
    let wBar = 0;
    let tBar = 0;
    for (let c = 0; c < 3; c++) {
      wBar += r[3 * a + c] * _omegaBodyBar[c];
      tBar += r[3 * a + c] * _torqueBodyBar[c];
      _rotBar[3 * a + c] += wa * _omegaBodyBar[c] + ta * _torqueBodyBar[c];
    }
    P.qdBar[P.qdBarAt + 3 + a] += wBar;
    P.wrenchBar[P.wrenchBarAt + 3 + a] += tBar;
  }

  addRotationAdjoint(_qHatBar, _qHat, _rotBar);
  addNormalizeAdjoint(P.qBar, P.qBarAt + 3, _qHat, _qHatBar, _norms[0]);
}

/**
 * R(q̂) pulled back: adds the cotangent of the unit quaternion `qHat` (w, x, y, z) from the
 * cotangent `rotBar` of its rotation matrix (row-major, as `loadUnitRotation` writes it)
 * into `qHatBar`: the transpose of the differential in `rotationTangent`.
 */
export function addRotationAdjoint(qHatBar: Float64Array, qHat: Float64Array, rotBar: Float64Array): void {
  const w = qHat[0],
    qx = qHat[1],
    qy = qHat[2],
    qz = qHat[3];
  const R = rotBar;
  qHatBar[0] += 2 * (-R[1] * qz + R[2] * qy + R[3] * qz - R[5] * qx - R[6] * qy + R[7] * qx);
  qHatBar[1] +=
    2 * (R[1] * qy + R[2] * qz + R[3] * qy - 2 * R[4] * qx - R[5] * w + R[6] * qz + R[7] * w - 2 * R[8] * qx);
  qHatBar[2] +=
    2 * (-2 * R[0] * qy + R[1] * qx + R[2] * w + R[3] * qx + R[5] * qz - R[6] * w + R[7] * qz - 2 * R[8] * qy);
  qHatBar[3] +=
    2 * (-2 * R[0] * qz - R[1] * w + R[2] * qx + R[3] * w - 2 * R[4] * qz + R[5] * qy + R[6] * qx + R[7] * qy);
}

/**
 * q̂ = q/|q| pulled back: adds q̄ = (q̂̄ − q̂(q̂·q̂̄))/|q| into `out[off .. off + 3]`, for the
 * unit quaternion `qHat`, its cotangent `qHatBar` and `qLen` = |q|.
 */
export function addNormalizeAdjoint(
  out: Float64Array,
  off: number,
  qHat: Float64Array,
  qHatBar: Float64Array,
  qLen: number,
): void {
  const radial = qHat[0] * qHatBar[0] + qHat[1] * qHatBar[1] + qHat[2] * qHatBar[2] + qHat[3] * qHatBar[3];
  for (let k = 0; k < 4; k++) out[off + k] += (qHatBar[k] - qHat[k] * radial) / qLen;
}

/** Ṙ for the unit quaternion q̂ and its tangent q̂̇ (row-major), the differential of R(q̂) (also the hard step's tangent, sim/hard/step-tangent.ts). */
export function rotationTangent(out: Float64Array, q: Float64Array, qDot: Float64Array): Float64Array {
  const w = q[0],
    x = q[1],
    y = q[2],
    z = q[3];
  const dw = qDot[0],
    dx = qDot[1],
    dy = qDot[2],
    dz = qDot[3];
  out[0] = -4 * (y * dy + z * dz);
  out[1] = 2 * (dx * y + x * dy - dw * z - w * dz);
  out[2] = 2 * (dx * z + x * dz + dw * y + w * dy);
  out[3] = 2 * (dx * y + x * dy + dw * z + w * dz);
  out[4] = -4 * (x * dx + z * dz);
  out[5] = 2 * (dy * z + y * dz - dw * x - w * dx);
  out[6] = 2 * (dx * z + x * dz - dw * y - w * dy);
  out[7] = 2 * (dy * z + y * dz + dw * x + w * dx);
  out[8] = -4 * (x * dx + y * dy);
  return out;
}

/**
 * One body step's angular tangent as a linear map, built once per body step and applied to
 * every direction (the map depends on the step's values only). A quaternion tangent q̇ turns
 * the body by δθ = 2·vec(q̂̇ ⊗ q̂*) = W q̇ (world; W is 3×4 and drops q̇'s radial part), so
 * Ṙ = [δθ]×R, Ṙᵀa = Rᵀ(a × δθ) and Ṙb = −(Rb) × δθ. With the gyroscopic step's tangent
 * ω̇_b' = G_ω ω̇_b + G_τ τ̇_b (gyroscopic.ts with İ = 0: G_ω = 1 + J⁻¹([dt·Iω + c·Iy]× −
 * [dt·ω + c·y]× I), G_τ = dt·J⁻¹, c = dt/2, all body frame):
 *
 *   ω̇' = A_ω ω̇ + A_τ τ̇ + A_q q̇,   A_ω = R G_ω Rᵀ, A_τ = R G_τ Rᵀ, A_q = (A_ω[ω]× + A_τ[τ]× − [ω']×) W
 *
 * and q' = p/|p|, p = Δq ⊗ q̂, Δq = exp(u), u = h ω':
 *
 *   q̇' = C_q q̇ + C_ω ω̇',   C_q = N L(Δq)/|q|,   C_ω = h N R(q̂) E
 *
 * with N = (1 − q'q'ᵀ)/|p|, L(a)b = R(b)a = a ⊗ b and E = ∂exp/∂u (N p = 0 absorbs q̂̇'s
 * projection). A direction costs 58 multiply-adds instead of the stages' few hundred. A
 * direction that moves an inverse inertia adds İ's part through the gyroscopic tangent.
 * Layout of `_map`:
 */
const MAP_AQ = 0, // 3×4
  MAP_AW = 12, // 3×3
  MAP_AT = 21, // 3×3
  MAP_CQ = 30, // 4×4
  MAP_CW = 46, // 4×3
  /** a ball's dt/I (the map's A_τ = dt/I·1; a module `let` double would be boxed at every write) */
  MAP_TORQUE_SCALE = 58,
  MAP_SIZE = 59;
const _map = new Float64Array(MAP_SIZE);
/** whether `_map` is that of the last body step (`stepBody` / `restoreBody` clear it) */
let _mapValid = false;
/**
 * whether that map is a ball's (A_ω = 1, A_τ = s·1 with s at `_map[MAP_TORQUE_SCALE]`, A_q = 0): ω̇' = ω̇ + s τ̇,
 * the terms the general product adds being exact zeros
 */
let _mapIsotropic = false;
const _gw = new Float64Array(9);
const _gt = new Float64Array(9);
const _rgw = new Float64Array(9);
const _rgt = new Float64Array(9);
const _sq = new Float64Array(9);
const _zero3 = new Float64Array(3);

/** Builds `_map` for the last body step (module scratch of `stepBody`), its world ω and τ read from `x` at `wo`, `to`. */
function buildBodyTangentMap(m: IntegratorParams, x: Float64Array, wo: number, to: number): void {
  // (the step length read here, not passed: a double argument of a call not inlined is boxed)
  const dt = m.dt;
  const M = _map;
  const g = _gyro;
  const I = g.inertia;
  if (I[0] === I[1] && I[1] === I[2]) {
    // equal principal moments (a ball): ω × Iω = 0 and J = I exactly (gyroscopicStep's J⁻¹
    // is the diagonal 1/I), so G_ω = 1, G_τ = dt/I·1, A_ω = 1, A_τ = dt/I·1 and, with
    // ω' = ω + dt/I·τ, A_q = 0: the general products below would give these up to rounding
    const s = dt * g.jacobianInv[0];
    M.fill(0, MAP_AQ, MAP_CQ);
    for (let k = 0; k < 3; k++) {
      M[MAP_AW + 4 * k] = 1;
      M[MAP_AT + 4 * k] = s;
    }
    _map[MAP_TORQUE_SCALE] = s;
    _mapIsotropic = true;
  } else {
    buildAngularMap(m, x, wo, to);
    _mapIsotropic = false;
  }
  buildOrientationMap(m);
  _mapValid = true;
}

/** A_ω, A_τ and A_q of `_map` for the last body step (general inertia). */
function buildAngularMap(m: IntegratorParams, x: Float64Array, wo: number, to: number): void {
  const dt = m.dt;
  const M = _map;
  const r = _rot;
  const g = _gyro;
  // G_ω = 1 + J⁻¹K, K = [α]× − [β]× I, α = dt·Iω + c·Iy, β = dt·ω + c·y; G_τ = dt·J⁻¹
  const c = 0.5 * dt;
  const w = g.omega,
    I = g.inertia,
    y = g.increment,
    Ji = g.jacobianInv;
  const a0 = dt * I[0] * w[0] + c * I[0] * y[0],
    a1 = dt * I[1] * w[1] + c * I[1] * y[1],
    a2 = dt * I[2] * w[2] + c * I[2] * y[2];
  const b0 = dt * w[0] + c * y[0],
    b1 = dt * w[1] + c * y[1],
    b2 = dt * w[2] + c * y[2];
  // K row-major ([v]× = [[0, −v2, v1], [v2, 0, −v0], [−v1, v0, 0]])
  const k01 = -a2 + b2 * I[1],
    k02 = a1 - b1 * I[2],
    k10 = a2 - b2 * I[0],
    k12 = -a0 + b0 * I[2],
    k20 = -a1 + b1 * I[0],
    k21 = a0 - b0 * I[1];
  for (let i = 0; i < 3; i++) {
    const j0 = Ji[3 * i],
      j1 = Ji[3 * i + 1],
      j2 = Ji[3 * i + 2];
    _gw[3 * i] = (i === 0 ? 1 : 0) + j1 * k10 + j2 * k20;
    _gw[3 * i + 1] = (i === 1 ? 1 : 0) + j0 * k01 + j2 * k21;
    _gw[3 * i + 2] = (i === 2 ? 1 : 0) + j0 * k02 + j1 * k12;
    _gt[3 * i] = dt * j0;
    _gt[3 * i + 1] = dt * j1;
    _gt[3 * i + 2] = dt * j2;
  }
  // R G_ω, R G_τ, then A_ω = (R G_ω) Rᵀ, A_τ = (R G_τ) Rᵀ
  for (let i = 0; i < 3; i++) {
    const r0 = r[3 * i],
      r1 = r[3 * i + 1],
      r2 = r[3 * i + 2];
    for (let j = 0; j < 3; j++) {
      _rgw[3 * i + j] = r0 * _gw[j] + r1 * _gw[3 + j] + r2 * _gw[6 + j];
      _rgt[3 * i + j] = r0 * _gt[j] + r1 * _gt[3 + j] + r2 * _gt[6 + j];
    }
  }
  for (let i = 0; i < 3; i++) {
    const gw0 = _rgw[3 * i],
      gw1 = _rgw[3 * i + 1],
      gw2 = _rgw[3 * i + 2],
      gt0 = _rgt[3 * i],
      gt1 = _rgt[3 * i + 1],
      gt2 = _rgt[3 * i + 2];
    for (let j = 0; j < 3; j++) {
      M[MAP_AW + 3 * i + j] = gw0 * r[3 * j] + gw1 * r[3 * j + 1] + gw2 * r[3 * j + 2];
      M[MAP_AT + 3 * i + j] = gt0 * r[3 * j] + gt1 * r[3 * j + 1] + gt2 * r[3 * j + 2];
    }
  }
  // S = A_ω[ω]× + A_τ[τ]× − [ω']× (world ω, τ, ω'), then A_q = S W
  const om0 = x[wo],
    om1 = x[wo + 1],
    om2 = x[wo + 2];
  const ta0 = x[to],
    ta1 = x[to + 1],
    ta2 = x[to + 2];
  const on = _omegaNext;
  for (let i = 0; i < 3; i++) {
    const aw = MAP_AW + 3 * i,
      at = MAP_AT + 3 * i;
    // (X[a]×)_i = (X_i1 a2 − X_i2 a1, X_i2 a0 − X_i0 a2, X_i0 a1 − X_i1 a0)
    _sq[3 * i] = M[aw + 1] * om2 - M[aw + 2] * om1 + M[at + 1] * ta2 - M[at + 2] * ta1;
    _sq[3 * i + 1] = M[aw + 2] * om0 - M[aw] * om2 + M[at + 2] * ta0 - M[at] * ta2;
    _sq[3 * i + 2] = M[aw] * om1 - M[aw + 1] * om0 + M[at] * ta1 - M[at + 1] * ta0;
  }
  // − [ω']×
  _sq[1] += on[2];
  _sq[2] -= on[1];
  _sq[3] -= on[2];
  _sq[5] += on[0];
  _sq[6] += on[1];
  _sq[7] -= on[0];
  // W = (2/|q|)·rows (−x, w, −z, y), (−y, z, w, −x), (−z, −y, x, w) over q̇ = (ẇ, ẋ, ẏ, ż)
  const qw = _qHat[0],
    qx = _qHat[1],
    qy = _qHat[2],
    qz = _qHat[3];
  const qLen = _norms[0];
  const sw = 2 / qLen;
  for (let i = 0; i < 3; i++) {
    const s0 = sw * _sq[3 * i],
      s1 = sw * _sq[3 * i + 1],
      s2 = sw * _sq[3 * i + 2];
    const aq = MAP_AQ + 4 * i;
    M[aq] = -s0 * qx - s1 * qy - s2 * qz;
    M[aq + 1] = s0 * qw + s1 * qz - s2 * qy;
    M[aq + 2] = -s0 * qz + s1 * qw + s2 * qx;
    M[aq + 3] = s0 * qy - s1 * qx + s2 * qw;
  }
}

/** C_q and C_ω of `_map` for the last body step. */
function buildOrientationMap(m: IntegratorParams): void {
  const dt = m.dt;
  const M = _map;
  const qw = _qHat[0],
    qx = _qHat[1],
    qy = _qHat[2],
    qz = _qHat[3];
  const qLen = _norms[0];
  // C_q = N L(Δq)/|q| = (L − q'(Lᵀq')ᵀ)/(|p||q|), L(Δq) rows (dw, −dx, −dy, −dz), (dx, dw, −dz, dy),
  // (dy, dz, dw, −dx), (dz, −dy, dx, dw)
  const dw = _dq[0],
    dx = _dq[1],
    dy = _dq[2],
    dz = _dq[3];
  const n0 = _qNext[3],
    n1 = _qNext[4],
    n2 = _qNext[5],
    n3 = _qNext[6];
  const pLen = _norms[1];
  const e0 = dw * n0 + dx * n1 + dy * n2 + dz * n3,
    e1 = -dx * n0 + dw * n1 + dz * n2 - dy * n3,
    e2 = -dy * n0 - dz * n1 + dw * n2 + dx * n3,
    e3 = -dz * n0 + dy * n1 - dx * n2 + dw * n3;
  const sq = 1 / (pLen * qLen);
  M[MAP_CQ] = (dw - n0 * e0) * sq;
  M[MAP_CQ + 1] = (-dx - n0 * e1) * sq;
  M[MAP_CQ + 2] = (-dy - n0 * e2) * sq;
  M[MAP_CQ + 3] = (-dz - n0 * e3) * sq;
  M[MAP_CQ + 4] = (dx - n1 * e0) * sq;
  M[MAP_CQ + 5] = (dw - n1 * e1) * sq;
  M[MAP_CQ + 6] = (-dz - n1 * e2) * sq;
  M[MAP_CQ + 7] = (dy - n1 * e3) * sq;
  M[MAP_CQ + 8] = (dy - n2 * e0) * sq;
  M[MAP_CQ + 9] = (dz - n2 * e1) * sq;
  M[MAP_CQ + 10] = (dw - n2 * e2) * sq;
  M[MAP_CQ + 11] = (-dx - n2 * e3) * sq;
  M[MAP_CQ + 12] = (dz - n3 * e0) * sq;
  M[MAP_CQ + 13] = (-dy - n3 * e1) * sq;
  M[MAP_CQ + 14] = (dx - n3 * e2) * sq;
  M[MAP_CQ + 15] = (dw - n3 * e3) * sq;
  // C_ω = h N R(q̂) E, E's column i = (−S u_i, 2S'u u_i + S e_i) (quatExp.ts), R(q̂) rows
  // (qw, −qx, −qy, −qz), (qx, qw, qz, −qy), (qy, −qz, qw, qx), (qz, qy, −qx, qw)
  if (!_uCoefValid) {
    // (the argument in the array: a double argument of a call not inlined is boxed)
    _uCoef[3] = _u[0] * _u[0] + _u[1] * _u[1] + _u[2] * _u[2];
    expMapCoefficientsIn(_uCoef);
    _uCoefValid = true;
  }
  const S = _uCoef[1],
    S2 = 2 * _uCoef[2];
  const u0 = _u[0],
    u1 = _u[1],
    u2 = _u[2];
  const hp = (0.5 * dt) / pLen;
  for (let i = 0; i < 3; i++) {
    const ui = i === 0 ? u0 : i === 1 ? u1 : u2;
    const c0 = -S * ui,
      c1 = S2 * u0 * ui + (i === 0 ? S : 0),
      c2 = S2 * u1 * ui + (i === 1 ? S : 0),
      c3 = S2 * u2 * ui + (i === 2 ? S : 0);
    const p0 = qw * c0 - qx * c1 - qy * c2 - qz * c3,
      p1 = qx * c0 + qw * c1 + qz * c2 - qy * c3,
      p2 = qy * c0 - qz * c1 + qw * c2 + qx * c3,
      p3 = qz * c0 + qy * c1 - qx * c2 + qw * c3;
    const d = n0 * p0 + n1 * p1 + n2 * p2 + n3 * p3;
    M[MAP_CW + i] = hp * (p0 - n0 * d);
    M[MAP_CW + 3 + i] = hp * (p1 - n1 * d);
    M[MAP_CW + 6 + i] = hp * (p2 - n2 * d);
    M[MAP_CW + 9 + i] = hp * (p3 - n3 * d);
  }
}

/**
 * Tangents of body b's outputs from the tangents of its inputs, direction by direction
 * (`xdots[j]` → `ydots[j]`, body b's slots), after `stepBody` has run on the same inputs.
 * The linear part is written out; the angular part applies the body step's map (`_map`,
 * built once, its entries read once for all directions). A direction that moves none of the
 * body's inputs gets zeros.
 *
 * The inputs' tangents may come from separate arrays: the pose and velocity from
 * `states[j]` (at `L.q`, `L.qd`: `[q̇ (7n) | q̇d (6n)]`, the state's own layout), the wrench
 * from `wrenches[j]` at `wrenchAt`, the parameters from `xdots[j]`. Every input of body b
 * is read before its outputs are written, so `ydots[j]` may be `states[j]` (in place).
 */
function tangentsOfBody(
  m: IntegratorParams,
  L: IntegratorLayout,
  b: number,
  x: Float64Array,
  xdots: readonly Float64Array[],
  ydots: readonly Float64Array[],
  states: readonly Float64Array[] = xdots,
  wrenches: readonly Float64Array[] = xdots,
  wrenchAt: number = L.wrench,
): void {
  const dt = m.dt;
  const n = m.nbody;
  const qo = Q_WIDTH * b;
  const vo = QD_WIDTH * b;
  const yq = qo;
  const yqd = Q_WIDTH * n + vo;
  const invMass = m.invMass[b];
  const f0 = x[L.wrench + vo],
    f1 = x[L.wrench + vo + 1],
    f2 = x[L.wrench + vo + 2];
  if (!_mapValid) buildBodyTangentMap(m, x, L.qd + vo + 3, L.wrench + vo + 3);
  const M = _map;
  const aq00 = M[MAP_AQ],
    aq01 = M[MAP_AQ + 1],
    aq02 = M[MAP_AQ + 2],
    aq03 = M[MAP_AQ + 3],
    aq10 = M[MAP_AQ + 4],
    aq11 = M[MAP_AQ + 5],
    aq12 = M[MAP_AQ + 6],
    aq13 = M[MAP_AQ + 7],
    aq20 = M[MAP_AQ + 8],
    aq21 = M[MAP_AQ + 9],
    aq22 = M[MAP_AQ + 10],
    aq23 = M[MAP_AQ + 11];
  const aw00 = M[MAP_AW],
    aw01 = M[MAP_AW + 1],
    aw02 = M[MAP_AW + 2],
    aw10 = M[MAP_AW + 3],
    aw11 = M[MAP_AW + 4],
    aw12 = M[MAP_AW + 5],
    aw20 = M[MAP_AW + 6],
    aw21 = M[MAP_AW + 7],
    aw22 = M[MAP_AW + 8];
  const at00 = M[MAP_AT],
    at01 = M[MAP_AT + 1],
    at02 = M[MAP_AT + 2],
    at10 = M[MAP_AT + 3],
    at11 = M[MAP_AT + 4],
    at12 = M[MAP_AT + 5],
    at20 = M[MAP_AT + 6],
    at21 = M[MAP_AT + 7],
    at22 = M[MAP_AT + 8];
  const cq00 = M[MAP_CQ],
    cq01 = M[MAP_CQ + 1],
    cq02 = M[MAP_CQ + 2],
    cq03 = M[MAP_CQ + 3],
    cq10 = M[MAP_CQ + 4],
    cq11 = M[MAP_CQ + 5],
    cq12 = M[MAP_CQ + 6],
    cq13 = M[MAP_CQ + 7],
    cq20 = M[MAP_CQ + 8],
    cq21 = M[MAP_CQ + 9],
    cq22 = M[MAP_CQ + 10],
    cq23 = M[MAP_CQ + 11],
    cq30 = M[MAP_CQ + 12],
    cq31 = M[MAP_CQ + 13],
    cq32 = M[MAP_CQ + 14],
    cq33 = M[MAP_CQ + 15];
  const cw00 = M[MAP_CW],
    cw01 = M[MAP_CW + 1],
    cw02 = M[MAP_CW + 2],
    cw10 = M[MAP_CW + 3],
    cw11 = M[MAP_CW + 4],
    cw12 = M[MAP_CW + 5],
    cw20 = M[MAP_CW + 6],
    cw21 = M[MAP_CW + 7],
    cw22 = M[MAP_CW + 8],
    cw30 = M[MAP_CW + 9],
    cw31 = M[MAP_CW + 10],
    cw32 = M[MAP_CW + 11];
  const isotropic = _mapIsotropic,
    torqueScale = M[MAP_TORQUE_SCALE];
  const qa = L.q + qo + 3,
    wa = L.qd + vo + 3,
    lq = L.q + qo,
    lv = L.qd + vo,
    lg = L.gravity,
    fa = wrenchAt + vo,
    ta = fa + 3,
    li = L.invInertia + 3 * b;
  for (let j = 0; j < xdots.length; j++) {
    const xdot = xdots[j],
      sdot = states[j],
      fdot = wrenches[j],
      ydot = ydots[j];
    if (!movesBody(L, b, xdot, sdot, fdot, wrenchAt)) {
      ydot.fill(0, yq, yq + Q_WIDTH);
      ydot.fill(0, yqd, yqd + QD_WIDTH);
      continue;
    }
    // linear, written out per axis (each slot read before it is written: in place, the
    // state's tangent is ydot)
    const invMassDot = xdot[L.invMass + b];
    const v0 = sdot[lv] + dt * (xdot[lg] + invMassDot * f0 + invMass * fdot[fa]);
    ydot[yqd] = v0;
    ydot[yq] = sdot[lq] + dt * v0;
    const v1 = sdot[lv + 1] + dt * (xdot[lg + 1] + invMassDot * f1 + invMass * fdot[fa + 1]);
    ydot[yqd + 1] = v1;
    ydot[yq + 1] = sdot[lq + 1] + dt * v1;
    const v2 = sdot[lv + 2] + dt * (xdot[lg + 2] + invMassDot * f2 + invMass * fdot[fa + 2]);
    ydot[yqd + 2] = v2;
    ydot[yq + 2] = sdot[lq + 2] + dt * v2;
    // angular: ω̇' = A_q q̇ + A_ω ω̇ + A_τ τ̇, then q̇' = C_q q̇ + C_ω ω̇'
    const q0 = sdot[qa],
      q1 = sdot[qa + 1],
      q2 = sdot[qa + 2],
      q3 = sdot[qa + 3];
    const w0 = sdot[wa],
      w1 = sdot[wa + 1],
      w2 = sdot[wa + 2];
    const t0 = fdot[ta],
      t1 = fdot[ta + 1],
      t2 = fdot[ta + 2];
    let o0: number, o1: number, o2: number;
    if (isotropic) {
      o0 = w0 + torqueScale * t0;
      o1 = w1 + torqueScale * t1;
      o2 = w2 + torqueScale * t2;
    } else {
      o0 =
        aq00 * q0 +
        aq01 * q1 +
        aq02 * q2 +
        aq03 * q3 +
        aw00 * w0 +
        aw01 * w1 +
        aw02 * w2 +
        at00 * t0 +
        at01 * t1 +
        at02 * t2;
      o1 =
        aq10 * q0 +
        aq11 * q1 +
        aq12 * q2 +
        aq13 * q3 +
        aw10 * w0 +
        aw11 * w1 +
        aw12 * w2 +
        at10 * t0 +
        at11 * t1 +
        at12 * t2;
      o2 =
        aq20 * q0 +
        aq21 * q1 +
        aq22 * q2 +
        aq23 * q3 +
        aw20 * w0 +
        aw21 * w1 +
        aw22 * w2 +
        at20 * t0 +
        at21 * t1 +
        at22 * t2;
    }
    // İ = −I²·(I⁻¹)˙: its part of ω̇' through the gyroscopic tangent (rare: a direction moving an inverse inertia)
    if (xdot[li] !== 0 || xdot[li + 1] !== 0 || xdot[li + 2] !== 0) {
      for (let c = 0; c < 3; c++) {
        const inertia = _gyro.inertia[c];
        _inertiaDot[c] = -inertia * inertia * xdot[li + c];
      }
      gyroscopicTangent(_gyro, _zero3, _inertiaDot, _zero3, _omegaBodyNextDot, 0);
      const r = _rot,
        d = _omegaBodyNextDot;
      o0 += r[0] * d[0] + r[1] * d[1] + r[2] * d[2];
      o1 += r[3] * d[0] + r[4] * d[1] + r[5] * d[2];
      o2 += r[6] * d[0] + r[7] * d[1] + r[8] * d[2];
    }
    ydot[yqd + 3] = o0;
    ydot[yqd + 4] = o1;
    ydot[yqd + 5] = o2;
    ydot[yq + 3] = cq00 * q0 + cq01 * q1 + cq02 * q2 + cq03 * q3 + cw00 * o0 + cw01 * o1 + cw02 * o2;
    ydot[yq + 4] = cq10 * q0 + cq11 * q1 + cq12 * q2 + cq13 * q3 + cw10 * o0 + cw11 * o1 + cw12 * o2;
    ydot[yq + 5] = cq20 * q0 + cq21 * q1 + cq22 * q2 + cq23 * q3 + cw20 * o0 + cw21 * o1 + cw22 * o2;
    ydot[yq + 6] = cq30 * q0 + cq31 * q1 + cq32 * q2 + cq33 * q3 + cw30 * o0 + cw31 * o1 + cw32 * o2;
  }
}

/** the jvp rule's one direction, as {@link tangentsOfBody} takes directions */
const _oneIn: Float64Array[] = [new Float64Array(0)];
const _oneOut: Float64Array[] = [new Float64Array(0)];

let _adjointViews: {
  config: IntegratorConfig;
  x: Float64Array;
  L: IntegratorLayout;
  v: ReturnType<typeof viewsOf>;
} | null = null;

/**
 * The adjoint of `integrate` at the flat input `x` (layout `integratorLayout(nbody)`):
 * writes x̄ = Jᵀ ȳ into `xbar` (overwritten, length `layout.size`) and returns it. `ybar`
 * is the cotangent of `[q' (7n) | qd' (6n)]`. The primitive's backward rule, exported
 * for rollouts that run their own adjoint loop. With `velocityKept` (what
 * {@link keepVelocityStep} kept of the same step, e.g. sim/hard/integrate.ts `predictVelocities`), a body whose pose has no cotangent
 * (all 7 zero: a hard step whose contacts set that body's pose) is not stepped again and
 * skips the orientation's adjoint (whose terms are all products with that zero cotangent):
 * the same cotangents up to the sign of a zero.
 */
export function integrateAdjoint(
  config: IntegratorConfig,
  x: Float64Array,
  ybar: Float64Array,
  xbar: Float64Array,
  velocityKept: Float64Array | null = null,
): Float64Array {
  const n = config.nbody;
  // a rollout calls this every step with the same config and input buffer: reuse the views
  if (_adjointViews === null || _adjointViews.config !== config || _adjointViews.x !== x) {
    const L = integratorLayout(n);
    _adjointViews = { config, x, L, v: viewsOf(config, L, x) };
  }
  const { L, v } = _adjointViews;
  xbar.fill(0);
  for (let b = 0; b < n; b++) {
    if (config.isStatic[b]) {
      for (let k = 0; k < Q_WIDTH; k++) xbar[L.q + Q_WIDTH * b + k] = ybar[Q_WIDTH * b + k];
      for (let k = 0; k < QD_WIDTH; k++) xbar[L.qd + QD_WIDTH * b + k] = ybar[Q_WIDTH * n + QD_WIDTH * b + k];
      continue;
    }
    _poseFree = velocityKept !== null && isZeroRange(ybar, Q_WIDTH * b, Q_WIDTH);
    if (_poseFree) {
      const at = VELOCITY_KEPT_PER_BODY * b;
      restoreVelocityBody(v.params, b, v.q, v.qd, velocityKept!, at, at + 3);
    } else stepBody(v.params, b, v.q, v.qd, v.wrench);
    const P = _ports;
    P.ybar = ybar;
    P.yq = Q_WIDTH * b;
    P.yqd = Q_WIDTH * n + QD_WIDTH * b;
    P.qd = x;
    P.qdAt = L.qd + QD_WIDTH * b;
    P.wrench = x;
    P.wrenchAt = L.wrench + QD_WIDTH * b;
    P.qBar = P.qdBar = P.wrenchBar = P.paramBar = xbar;
    P.qBarAt = L.q + Q_WIDTH * b;
    P.qdBarAt = L.qd + QD_WIDTH * b;
    P.wrenchBarAt = L.wrench + QD_WIDTH * b;
    P.invMassAt = L.invMass + b;
    P.invInertiaAt = L.invInertia + 3 * b;
    P.gravityAt = L.gravity;
    adjointBody(v.params, b);
  }
  _poseFree = false;
  return xbar;
}

/** Whether a[from .. from + count] are all zero. */
function isZeroRange(a: Float64Array, from: number, count: number): boolean {
  for (let k = 0; k < count; k++) if (a[from + k] !== 0) return false;
  return true;
}

/**
 * Set while {@link adjointBody} pulls back a body whose pose has no cotangent: it then
 * skips the orientation's adjoint (q̂̄ and ū from it are zero), whose forward values
 * (`restoreVelocityBody`) were not computed.
 */
let _poseFree = false;

/**
 * Floats per body of a velocity step's kept block ({@link keepVelocityStep}): the
 * gyroscopic Newton increment (3) and J⁻¹ (9), what the velocity half of the adjoint reads
 * that is costly to compute again.
 */
export const VELOCITY_KEPT_PER_BODY = 12;

/**
 * Keep the gyroscopic step `gyro` just ran (by {@link angularVelocityStep}) into
 * `kept[at .. at + VELOCITY_KEPT_PER_BODY]`, for {@link integrateAdjoint}'s `velocityKept`
 * (sim/hard/integrate.ts `predictVelocities` keeps them for the hard step's adjoint).
 */
export function keepVelocityStep(gyro: GyroscopicWork, kept: Float64Array, at: number): void {
  const y = gyro.increment,
    jinv = gyro.jacobianInv;
  for (let k = 0; k < 3; k++) kept[at + k] = y[k];
  for (let k = 0; k < 9; k++) kept[at + 3 + k] = jinv[k];
}

/**
 * What `adjointBody` reads of body b's velocity step (q̂, |q|, R and the gyroscopic step),
 * from the state before the step and the kept increment and J⁻¹ at `kept[incrementAt ..]`,
 * `kept[jacobianInvAt ..]`: the expressions of `stepBody` before the orientation.
 */
function restoreVelocityBody(
  m: IntegratorParams,
  b: number,
  q: Float64Array,
  qd: Float64Array,
  kept: Float64Array,
  incrementAt: number,
  jacobianInvAt: number,
  qAt = 0,
  qdAt = 0,
): void {
  const vo = qdAt + QD_WIDTH * b;
  loadUnitRotation(q, qAt + Q_WIDTH * b, _qHat, _rot, _norms, 0);
  const r = _rot;
  const g = _gyro;
  const wx = qd[vo + 3],
    wy = qd[vo + 4],
    wz = qd[vo + 5];
  g.dt = m.dt;
  for (let c = 0; c < 3; c++) {
    g.omega[c] = r[c] * wx + r[3 + c] * wy + r[6 + c] * wz;
    g.inertia[c] = 1 / m.invInertia[3 * b + c];
  }
  for (let k = 0; k < 3; k++) {
    g.increment[k] = kept[incrementAt + k];
    g.omegaNext[k] = g.omega[k] + g.increment[k];
  }
  for (let k = 0; k < 9; k++) g.jacobianInv[k] = kept[jacobianInvAt + k];
  _uCoefValid = false;
  _mapValid = false;
}

/** Where a rollout keeps the integrator's parameter cotangents in its x̄: inverse masses (n), inverse inertias (3n), gravity (3). */
export interface IntegratorParamBarOffsets {
  readonly invMass: number;
  readonly invInertia: number;
  readonly gravity: number;
}

/** One body's output cotangents, copied out of λ before λ's slots take its input cotangents. */
const _ybody = new Float64Array(Q_WIDTH + QD_WIDTH);

/**
 * The adjoint of `integrate` as a rollout's backward pass runs it: on the step's own
 * arrays, in place, with no flat input. `lambda` (13n: [q̄' | q̇̄']) is the cotangent of the
 * state after the step and becomes that of the state before it (`q`, `qd`); the wrench's
 * cotangent (nbody×6) is written to `wrenchBar`; the cotangents of the inverse masses,
 * inverse inertias and gravity are added into `paramBar` at `at`. `wrench` is read from
 * `wrenchAt`. With `kept` (the step's intermediates, from `integrate`'s `kept`, at
 * `keptAt`) the step is not computed again, and the state may be read at offsets `qAt`,
 * `qdAt` of its arrays (a rollout's kept states, not copied out). A body whose outputs have
 * no cotangent (all 13 zero) has none on its inputs and is skipped. The same body adjoint as
 * {@link integrateAdjoint}: the same cotangents, bit for bit.
 */
export function integrateAdjointInPlace(
  m: IntegratorParams,
  q: Float64Array,
  qd: Float64Array,
  wrench: Float64Array,
  wrenchAt: number,
  kept: Float64Array | null,
  keptAt: number,
  lambda: Float64Array,
  wrenchBar: Float64Array,
  paramBar: Float64Array,
  at: IntegratorParamBarOffsets,
  qAt = 0,
  qdAt = 0,
): void {
  const n = m.nbody;
  const P = _ports;
  const yb = _ybody;
  // the state may sit inside a larger array (a rollout's kept states) when the step is restored, not stepped again
  if (kept === null && (qAt !== 0 || qdAt !== 0))
    throw new RangeError('integrateAdjointInPlace: a state at an offset needs the kept intermediates');
  for (let b = 0; b < n; b++) {
    const qo = Q_WIDTH * b;
    const vo = QD_WIDTH * b;
    const lqd = Q_WIDTH * n + vo;
    for (let k = 0; k < QD_WIDTH; k++) wrenchBar[vo + k] = 0;
    // a static body passes its cotangent through
    if (m.isStatic[b]) continue;
    let live = false;
    for (let k = 0; k < Q_WIDTH; k++) {
      yb[k] = lambda[qo + k];
      lambda[qo + k] = 0;
      if (yb[k] !== 0) live = true;
    }
    for (let k = 0; k < QD_WIDTH; k++) {
      yb[Q_WIDTH + k] = lambda[lqd + k];
      lambda[lqd + k] = 0;
      if (yb[Q_WIDTH + k] !== 0) live = true;
    }
    if (!live) continue;
    if (kept !== null) restoreBody(m, b, q, qd, kept, keptAt + INTEGRATOR_KEPT_PER_BODY * b, qAt, qdAt);
    else stepBody(m, b, q, qd, wrench, wrenchAt);
    P.ybar = yb;
    P.yq = 0;
    P.yqd = Q_WIDTH;
    P.qd = qd;
    P.qdAt = qdAt + vo;
    P.wrench = wrench;
    P.wrenchAt = wrenchAt + vo;
    P.qBar = P.qdBar = lambda;
    P.qBarAt = qo;
    P.qdBarAt = lqd;
    P.wrenchBar = wrenchBar;
    P.wrenchBarAt = vo;
    P.paramBar = paramBar;
    P.invMassAt = at.invMass + b;
    P.invInertiaAt = at.invInertia + 3 * b;
    P.gravityAt = at.gravity;
    adjointBody(m, b);
  }
}

/**
 * The integrator as an AD primitive: `(x: Real[]) => Real[]` over the flat input of
 * {@link integratorLayout} (poses, velocities, wrenches, inverse masses, inverse inertias,
 * gravity), returning `[q' (7n) | qd' (6n)]`. Every input is differentiable; its forward
 * is the plain `integrate` (bitwise the same values), its adjoint and tangent hand-written
 * loops. Static bodies pass their pose and velocity through (identity derivative) and
 * take no gravity, force or parameter derivative.
 *
 * @example
 * const L = integratorLayout(model.nbody);
 * const stepFn = integratePrimitive({ nbody: model.nbody, dt: model.dt, isStatic: model.bodyStatic });
 * const out = stepFn(flatInputs); // Real[] of length 13·nbody
 */
export function integratePrimitive(config: IntegratorConfig): (x: readonly Real[]) => Real[] {
  return customVjp(integrateRule(config));
}

/**
 * The rule behind {@link integratePrimitive} (forward, hand-written adjoint and tangent), for
 * callers that compose kernels' adjoints by hand without a tape (sim/hard/step-adjoint.ts).
 */
export function integrateRule(config: IntegratorConfig): PrimitiveRule<Float64Array> {
  const n = config.nbody;
  const L = integratorLayout(n);
  const outSize = (Q_WIDTH + QD_WIDTH) * n;
  const checkSize = (x: Float64Array): void => {
    if (x.length !== L.size) {
      throw new RangeError(`integrate: flat input has length ${x.length}, expected 23·${n} + 3 = ${L.size}`);
    }
  };
  return {
    name: 'integrate',
    fwd: (x: Float64Array, _kinks: KinkSink): [Float64Array, Float64Array] => {
      checkSize(x);
      const v = viewsOf(config, L, x);
      const y = new Float64Array(outSize);
      integrate(v.params, v.q, v.qd, v.wrench, y.subarray(0, Q_WIDTH * n), y.subarray(Q_WIDTH * n));
      // the wrapper built x for this call alone, so keeping it (no copy) is safe
      return [y, x];
    },
    bwd: (x: Float64Array, ybar: Float64Array): Float64Array =>
      integrateAdjoint(config, x, ybar, new Float64Array(L.size)),
    jvp: (x: Float64Array, xdot: Float64Array, _kinks: KinkSink): [Float64Array, Float64Array] => {
      checkSize(x);
      const v = viewsOf(config, L, x);
      const y = new Float64Array(outSize);
      const ydot = new Float64Array(outSize);
      for (let b = 0; b < n; b++) {
        const qo = Q_WIDTH * b;
        const yqd = Q_WIDTH * n + QD_WIDTH * b;
        if (config.isStatic[b]) {
          for (let k = 0; k < Q_WIDTH; k++) {
            y[qo + k] = x[L.q + qo + k];
            ydot[qo + k] = xdot[L.q + qo + k];
          }
          for (let k = 0; k < QD_WIDTH; k++) {
            y[yqd + k] = x[L.qd + QD_WIDTH * b + k];
            ydot[yqd + k] = xdot[L.qd + QD_WIDTH * b + k];
          }
          continue;
        }
        stepBody(v.params, b, v.q, v.qd, v.wrench);
        for (let k = 0; k < Q_WIDTH; k++) y[qo + k] = _qNext[k];
        for (let k = 0; k < QD_WIDTH; k++) y[yqd + k] = _qdNext[k];
        _oneIn[0] = xdot;
        _oneOut[0] = ydot;
        tangentsOfBody(v.params, L, b, x, _oneIn, _oneOut);
      }
      return [y, ydot];
    },
  };
}

/**
 * Forward mode of `integrate` along several directions at once: the flat input `x`
 * (layout `integratorLayout(nbody)`) is stepped once per body, and each direction's
 * tangent `xdots[j]` (same layout) is carried through that body's step into `ydots[j]`
 * (`[q' (7n) | qd' (6n)]`, overwritten); the step's values go to `qOut`, `qdOut` (as
 * `integrate` writes them). Static bodies pass their values and tangents through. For
 * batched tangent rollouts (sim/driver/force-tangent.ts): each body's forward values are
 * computed once for all directions. With `kept`, each dynamic body's intermediates go there
 * as `integrate` keeps them (a gradient's forward pass that carries tangents, whose
 * adjoint reads them).
 */
export function integrateTangents(
  config: IntegratorConfig,
  x: Float64Array,
  xdots: readonly Float64Array[],
  ydots: readonly Float64Array[],
  qOut: Float64Array,
  qdOut: Float64Array,
  kept: Float64Array | null = null,
): void {
  const L = tangentViewsOf(config, x).L;
  tangentsOfStep(config, x, xdots, ydots, xdots, xdots, L.wrench, qOut, qdOut, kept);
}

/**
 * {@link integrateTangents} with each direction's input tangent in parts, the state's
 * advanced in place: `stateDots[j]` (`[q̇ (7n) | q̇d (6n)]`) is read as the pose and velocity
 * tangents and overwritten with the step's output tangents, `wrenchDots[j]` (6n) is the
 * wrench tangent, and `paramDots[j]` (layout `integratorLayout(nbody)`) supplies the
 * parameters' (inverse mass and inertia, gravity; its state and wrench slots are not read).
 * The same values as {@link integrateTangents} on the assembled inputs, without assembling
 * them: what a tangent rollout's step does (sim/driver/force-tangent.ts).
 */
export function integrateStateTangents(
  config: IntegratorConfig,
  x: Float64Array,
  paramDots: readonly Float64Array[],
  stateDots: readonly Float64Array[],
  wrenchDots: readonly Float64Array[],
  qOut: Float64Array,
  qdOut: Float64Array,
  kept: Float64Array | null = null,
): void {
  tangentsOfStep(config, x, paramDots, stateDots, stateDots, wrenchDots, 0, qOut, qdOut, kept);
}

/** The integrator's flat input `x` viewed by body (one set of views per config and input array). */
function tangentViewsOf(config: IntegratorConfig, x: Float64Array) {
  if (_tangentViews === null || _tangentViews.config !== config || _tangentViews.x !== x) {
    const L = integratorLayout(config.nbody);
    _tangentViews = { config, x, L, v: viewsOf(config, L, x) };
  }
  return _tangentViews;
}

/** The step and its tangents, the inputs' tangents in parts ({@link tangentsOfBody}'s `states`, `wrenches`, `wrenchAt`). */
function tangentsOfStep(
  config: IntegratorConfig,
  x: Float64Array,
  xdots: readonly Float64Array[],
  ydots: readonly Float64Array[],
  states: readonly Float64Array[],
  wrenches: readonly Float64Array[],
  wrenchAt: number,
  qOut: Float64Array,
  qdOut: Float64Array,
  kept: Float64Array | null,
): void {
  const n = config.nbody;
  const { L, v } = tangentViewsOf(config, x);
  for (let b = 0; b < n; b++) {
    const qo = Q_WIDTH * b;
    const yqd = Q_WIDTH * n + QD_WIDTH * b;
    if (config.isStatic[b]) {
      for (let k = 0; k < Q_WIDTH; k++) qOut[qo + k] = x[L.q + qo + k];
      for (let k = 0; k < QD_WIDTH; k++) qdOut[QD_WIDTH * b + k] = x[L.qd + QD_WIDTH * b + k];
      for (let j = 0; j < ydots.length; j++) {
        const sdot = states[j],
          ydot = ydots[j];
        if (ydot === sdot) continue; // in place: passed through already
        for (let k = 0; k < Q_WIDTH; k++) ydot[qo + k] = sdot[L.q + qo + k];
        for (let k = 0; k < QD_WIDTH; k++) ydot[yqd + k] = sdot[L.qd + QD_WIDTH * b + k];
      }
      continue;
    }
    stepBody(v.params, b, v.q, v.qd, v.wrench);
    if (kept !== null) keepBody(kept, INTEGRATOR_KEPT_PER_BODY * b);
    tangentsOfBody(v.params, L, b, x, xdots, ydots, states, wrenches, wrenchAt);
    for (let k = 0; k < Q_WIDTH; k++) qOut[qo + k] = _qNext[k];
    for (let k = 0; k < QD_WIDTH; k++) qdOut[QD_WIDTH * b + k] = _qdNext[k];
  }
}

/**
 * Whether body b's inputs (pose, velocity, wrench, inverse mass and inertia) or gravity have
 * a nonzero tangent: the pose and velocity in `sdot`, the wrench in `fdot` at `wrenchAt`, the
 * rest in `xdot` (all three `xdot`, the wrench at `L.wrench`, for one flat input tangent).
 */
function movesBody(
  L: IntegratorLayout,
  b: number,
  xdot: Float64Array,
  sdot: Float64Array,
  fdot: Float64Array,
  wrenchAt: number,
): boolean {
  for (let k = 0; k < Q_WIDTH; k++) if (sdot[L.q + Q_WIDTH * b + k] !== 0) return true;
  for (let k = 0; k < QD_WIDTH; k++) {
    if (sdot[L.qd + QD_WIDTH * b + k] !== 0 || fdot[wrenchAt + QD_WIDTH * b + k] !== 0) return true;
  }
  if (xdot[L.invMass + b] !== 0) return true;
  for (let k = 0; k < 3; k++) if (xdot[L.invInertia + 3 * b + k] !== 0 || xdot[L.gravity + k] !== 0) return true;
  return false;
}

let _tangentViews: {
  config: IntegratorConfig;
  x: Float64Array;
  L: IntegratorLayout;
  v: ReturnType<typeof viewsOf>;
} | null = null;
