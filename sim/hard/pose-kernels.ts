/**
 * The per-body pieces of the hard step's trace as primitives (one tape entry each for all
 * bodies, hand-written adjoints), so the trace of a step costs per contact rather than per
 * scalar operation of every body's rotation algebra:
 *
 *   worldInvInertiaPrimitive:  [q (4 per body) | d (3 per body)] ↦ [R(q̂) diag(d) R(q̂)ᵀ (9 per body)]
 *   advancePosesPrimitive:     [x (3) | q (4) | v (3) | ω (3)] per body ↦ [x + dt·v (3) | normalize(exp(½dt·ω) ⊗ q̂) (4)]
 *
 * with q̂ = q/|q| (the trace's pose quaternion is not renormalized between steps' inputs).
 * Both are the formulas the plain hard step evaluates (the world inertia's forward is
 * `worldInertiaMatrix` itself, as problem.ts calls it; the poses are integrate.ts's from
 * the end-of-step velocities), so values agree to rounding. The orientation's pullback is
 * the integrator's own (`advanceOrientationAdjoint`). Inputs flow in from the traced step
 * (test/sim/hard/oracle/traced-step.ts) and step-adjoint.ts; gradchecks in test/sim/hard/step-kernels.test.ts.
 */
import { customVjp, type PrimitiveRule } from '../../ad/primitive.ts';
import type { Real } from '../../ad/tape.ts';
import { quatExp } from '../integrator/quatExp.ts';
import { worldInertiaMatrix } from '../integrator/worldInertia.ts';
import {
  addNormalizeAdjoint,
  addRotationAdjoint,
  advanceOrientationAdjoint,
  loadUnitRotation,
} from '../integrator/semiImplicitEuler.ts';
import { quatMultiply } from '../math/quat.ts';

/** Floats per body in the pose kernel's input: position, quaternion, linear and angular velocity. */
export const POSE_INPUT_WIDTH = 13;
/** Floats per body in its output: position, unit quaternion. */
export const POSE_OUTPUT_WIDTH = 7;

const _qHat = new Float64Array(4);
const _rot = new Float64Array(9);
/** |q| of the pose loaded (an array: see loadUnitRotation) */
const _qLen = new Float64Array(1);
const _w = new Float64Array(9);
const _rotBar = new Float64Array(9);
const _qHatBar = new Float64Array(4);
const _u = new Float64Array(3);
const _dq = new Float64Array(4);
const _p = new Float64Array(4);
const _qNext = new Float64Array(4);
/** |p| of the pose {@link rotate} loaded */
const _pLen = new Float64Array(1);
const _uBar = new Float64Array(3);

/**
 * World inverse inertia of `count` bodies on the trace: `x` = [q₀ … q_{count−1} (raw
 * quaternions, w x y z) | d₀ … (inverse principal moments)] ↦ 9 row-major entries per body.
 *
 * @example
 * const W = worldInvInertiaPrimitive(2)([...qA, ...qB, ...dA, ...dB]); // W.slice(9, 18): body B's
 */
export function worldInvInertiaPrimitive(count: number): (x: readonly Real[]) => Real[] {
  return customVjp(worldInvInertiaRule(count));
}

/** The rule behind {@link worldInvInertiaPrimitive} (step-adjoint.ts calls its two halves directly). */
export function worldInvInertiaRule(count: number): PrimitiveRule<Float64Array> {
  return {
    name: 'worldInvInertia',
    fwd: (x: Float64Array): [Float64Array, Float64Array] => {
      if (x.length !== 7 * count)
        throw new RangeError(`worldInvInertia: input has length ${x.length}, expected 7·${count}`);
      return [worldInvInertiaValues(count, x, new Float64Array(9 * count)), x];
    },
    bwd: (x: Float64Array, ybar: Float64Array): Float64Array =>
      worldInvInertiaAdjoint(count, x, ybar, new Float64Array(7 * count)),
  };
}

/** The world inverse inertias of {@link worldInvInertiaPrimitive}'s input `x` into `out` (9 per body); returns `out`. */
export function worldInvInertiaValues(count: number, x: Float64Array, out: Float64Array): Float64Array {
  const dOff = 4 * count;
  for (let b = 0; b < count; b++) {
    worldInertiaMatrix(_w, x, dOff + 3 * b, x, 4 * b);
    for (let i = 0; i < 9; i++) out[9 * b + i] = _w[i];
  }
  return out;
}

/** x̄ of {@link worldInvInertiaPrimitive} at `x` for the cotangent `ybar`, written (not added) to `xbar`; returns it. */
export function worldInvInertiaAdjoint(
  count: number,
  x: Float64Array,
  ybar: Float64Array,
  xbar: Float64Array,
): Float64Array {
  const dOff = 4 * count;
  xbar.fill(0, 0, 7 * count);
  for (let b = 0; b < count; b++) {
    loadUnitRotation(x, 4 * b - 3, _qHat, _rot, _qLen, 0);
    const qLen = _qLen[0];
    const o = 9 * b;
    // W = R D Rᵀ: d̄_c = Σ_ij W̄_ij R_ic R_jc (i, j in row-major order, written out: the
    // loop nest was a twentieth of billiards' hard backward pass);  R̄_ac = d_c ((W̄ + W̄ᵀ) R)_ac
    const w00 = ybar[o],
      w01 = ybar[o + 1],
      w02 = ybar[o + 2],
      w10 = ybar[o + 3],
      w11 = ybar[o + 4],
      w12 = ybar[o + 5],
      w20 = ybar[o + 6],
      w21 = ybar[o + 7],
      w22 = ybar[o + 8];
    for (let c = 0; c < 3; c++) {
      const r0 = _rot[c],
        r1 = _rot[3 + c],
        r2 = _rot[6 + c];
      let dBar = 0;
      dBar += w00 * r0 * r0;
      dBar += w01 * r0 * r1;
      dBar += w02 * r0 * r2;
      dBar += w10 * r1 * r0;
      dBar += w11 * r1 * r1;
      dBar += w12 * r1 * r2;
      dBar += w20 * r2 * r0;
      dBar += w21 * r2 * r1;
      dBar += w22 * r2 * r2;
      xbar[dOff + 3 * b + c] = dBar;
    }
    // equal moments (a sphere): W = d R Rᵀ = d·1 whatever the orientation, so q̄ is zero
    // exactly (the formula below gives rounding noise in its place, and costs every ball of
    // billiards its rotation algebra each step)
    const d0 = x[dOff + 3 * b];
    if (d0 === x[dOff + 3 * b + 1] && d0 === x[dOff + 3 * b + 2]) continue;
    for (let c = 0; c < 3; c++) {
      const d = x[dOff + 3 * b + c];
      for (let a = 0; a < 3; a++) {
        let sum = 0;
        for (let j = 0; j < 3; j++) sum += (ybar[o + 3 * a + j] + ybar[o + 3 * j + a]) * _rot[3 * j + c];
        _rotBar[3 * a + c] = d * sum;
      }
    }
    _qHatBar.fill(0);
    addRotationAdjoint(_qHatBar, _qHat, _rotBar);
    addNormalizeAdjoint(xbar, 4 * b, _qHat, _qHatBar, qLen);
  }
  return xbar;
}

/**
 * Poses after a step of `dt` seconds at the given velocities, on the trace: per body
 * [x | q | v | ω] (POSE_INPUT_WIDTH) ↦ [x + dt·v | normalize(exp(½dt·ω) ⊗ q/|q|)]
 * (POSE_OUTPUT_WIDTH), for `count` bodies.
 *
 * @example
 * const next = advancePosesPrimitive(1, 1e-3)([...position, ...quaternion, ...velocity, ...omega]);
 */
export function advancePosesPrimitive(count: number, dt: number): (x: readonly Real[]) => Real[] {
  return customVjp(advancePosesRule(count, dt));
}

/**
 * The rule behind {@link advancePosesPrimitive} (step-adjoint.ts calls its adjoint
 * directly). Its residual is its input: the adjoint needs only the inputs.
 */
export function advancePosesRule(count: number, dt: number): PrimitiveRule<Float64Array> {
  return {
    name: 'advancePoses',
    fwd: (x: Float64Array): [Float64Array, Float64Array] => {
      if (x.length !== POSE_INPUT_WIDTH * count)
        throw new RangeError(`advancePoses: input has length ${x.length}, expected 13·${count}`);
      return [advancePosesValues(count, dt, x, new Float64Array(POSE_OUTPUT_WIDTH * count)), x];
    },
    bwd: (x: Float64Array, ybar: Float64Array): Float64Array =>
      advancePosesAdjoint(count, dt, x, ybar, new Float64Array(POSE_INPUT_WIDTH * count)),
  };
}

/** The poses of {@link advancePosesPrimitive}'s input `x` into `out` (7 per body); returns `out`. */
export function advancePosesValues(count: number, dt: number, x: Float64Array, out: Float64Array): Float64Array {
  const half = 0.5 * dt;
  for (let b = 0; b < count; b++) {
    const i = POSE_INPUT_WIDTH * b,
      o = POSE_OUTPUT_WIDTH * b;
    rotate(x, i, half);
    const pLen = _pLen[0];
    for (let k = 0; k < 3; k++) out[o + k] = x[i + k] + dt * x[i + 7 + k];
    for (let k = 0; k < 4; k++) out[o + 3 + k] = _p[k] / pLen;
  }
  return out;
}

/** x̄ of {@link advancePosesPrimitive} at `x` for the cotangent `ybar`, written (not added) to `xbar`; returns it. */
export function advancePosesAdjoint(
  count: number,
  dt: number,
  x: Float64Array,
  ybar: Float64Array,
  xbar: Float64Array,
): Float64Array {
  const half = 0.5 * dt;
  xbar.fill(0, 0, POSE_INPUT_WIDTH * count);
  for (let b = 0; b < count; b++) {
    const i = POSE_INPUT_WIDTH * b,
      o = POSE_OUTPUT_WIDTH * b;
    for (let k = 0; k < 3; k++) {
      xbar[i + k] = ybar[o + k];
      xbar[i + 7 + k] = dt * ybar[o + k];
    }
    // no cotangent on q': the orientation's adjoint is linear in it, so q̄ and ω̄ from it are
    // zero (left by the fill). Common: a ball's orientation reaches no loss of its position
    // ({@link dropIsotropicOrientation}), and this rotation algebra was a tenth of
    // billiards' hard backward pass
    if (ybar[o + 3] === 0 && ybar[o + 4] === 0 && ybar[o + 5] === 0 && ybar[o + 6] === 0) continue;
    rotate(x, i, half);
    const pLen = _pLen[0];
    // q' = normalize(exp(u) ⊗ q̂), u = ½dt·ω
    for (let k = 0; k < 4; k++) _qNext[k] = _p[k] / pLen;
    advanceOrientationAdjoint(ybar, o + 3, _qNext, 0, pLen, _qHat, _dq, _u, _qHatBar, _uBar);
    for (let k = 0; k < 3; k++) xbar[i + 10 + k] = half * _uBar[k];
    addNormalizeAdjoint(xbar, i + 3, _qHat, _qHatBar, quatLength(x, i + 3));
  }
  return xbar;
}

/**
 * q̂, u and p = exp(u) ⊗ q̂ of the body at `x[i ..]` and |p| (`_pLen`) into the module
 * scratch (a double returned from a call V8 does not inline is a new heap number: 16 bytes
 * per touched body per step of a hard gradient's backward pass).
 */
function rotate(x: Float64Array, i: number, half: number): void {
  const qLen = quatLength(x, i + 3);
  for (let k = 0; k < 4; k++) _qHat[k] = x[i + 3 + k] / qLen;
  for (let k = 0; k < 3; k++) _u[k] = half * x[i + 10 + k];
  quatExp(_dq, 0, _u, 0);
  quatMultiply(_p, 0, _dq, 0, _qHat, 0);
  _pLen[0] = Math.sqrt(_p[0] * _p[0] + _p[1] * _p[1] + _p[2] * _p[2] + _p[3] * _p[3]);
}

function quatLength(x: Float64Array, o: number): number {
  return Math.sqrt(x[o] * x[o] + x[o + 1] * x[o + 1] + x[o + 2] * x[o + 2] + x[o + 3] * x[o + 3]);
}

/**
 * Zero the orientation cotangents (q̄, 4 per body, `qBar` from `qBarAt`, poses 7 wide) that a
 * free flight's adjoint gave the dynamic bodies with equal principal moments (inverse
 * moments at `invInertia[at + 3b ..]`) whose end orientation had no cotangent (`poseBar`
 * from `poseBarAt`, poses 7 wide): those came from the velocity half alone, whose
 * gyroscopic step ω* = R·gyro(Rᵀω, I, Rᵀτ) is ω + dt·I⁻¹τ for every orientation when
 * I = i·1 (ω × iω = 0), so the exact q̄ is zero and the integrator's general formula gives
 * rounding noise (≤ 1e-14 on billiards) in its place. With it zero, a ball's orientation
 * cotangent stays zero through a rollout whose loss does not read it, and the poses' adjoint
 * skips its rotation algebra ({@link advancePosesAdjoint}). The inverse moments'
 * cotangents are untouched: perturbing one moment alone does turn the spin.
 */
export function dropIsotropicOrientation(
  qBar: Float64Array,
  qBarAt: number,
  poseBar: Float64Array,
  poseBarAt: number,
  invInertia: Float64Array,
  at: number,
  isStatic: Uint8Array,
): void {
  for (let b = 0; b < isStatic.length; b++) {
    if (isStatic[b]) continue;
    const d = at + 3 * b;
    if (invInertia[d] !== invInertia[d + 1] || invInertia[d] !== invInertia[d + 2]) continue;
    const y = poseBarAt + 7 * b + 3;
    if (poseBar[y] !== 0 || poseBar[y + 1] !== 0 || poseBar[y + 2] !== 0 || poseBar[y + 3] !== 0) continue;
    const q = qBarAt + 7 * b + 3;
    qBar[q] = 0;
    qBar[q + 1] = 0;
    qBar[q + 2] = 0;
    qBar[q + 3] = 0;
  }
}
