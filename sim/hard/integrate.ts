/**
 * The two halves of semi-implicit Euler that a hard-contact step puts its impulses
 * between (the same arithmetic as sim/integrator/semiImplicitEuler.ts `integrate`, split):
 *
 *   predictVelocities:   v* = v + dt·(g + m⁻¹ f),   ω* = R·gyro(Rᵀω, I, Rᵀτ)
 *   (impulse solve:      v⁺ = v* + M⁻¹ Jᵀ λ)
 *   integratePositions:  x' = x + dt·(v⁺ + v_p),   q' = normalize(exp(dt/2·(ω⁺ + ω_p)) ⊗ q/|q|)
 *
 * where (v_p, ω_p) is the split-impulse pseudo-velocity of the position pass (zero when
 * it did not run): it moves the bodies but is never stored, so it adds no kinetic energy.
 * With no contacts the two halves reproduce `integrate` bit for bit. Static bodies are
 * copied unchanged. Plain typed-array kernels, nothing allocated.
 */
import { createGyroscopicWork } from '../integrator/gyroscopic.ts';
import {
  advanceOrientation,
  angularVelocityStep,
  keepVelocityStep,
  loadUnitRotation,
  VELOCITY_KEPT_PER_BODY,
  type IntegratorParams,
} from '../integrator/semiImplicitEuler.ts';

const Q_WIDTH = 7;
const QD_WIDTH = 6;

const _gyro = createGyroscopicWork();
const _rot = new Float64Array(9);
const _qHat = new Float64Array(4);
const _u = new Float64Array(3);
/** |q| and |exp(u) ⊗ q̂| of the last pose loaded and advanced (the plain step does not use them) */
const _norms = new Float64Array(2);

/** R(q/|q|) of body b into `_rot` (row-major) and q/|q| into `_qHat`. */
function loadRotation(q: Float64Array, qo: number): void {
  loadUnitRotation(q, qo, _qHat, _rot, _norms, 0);
}

/**
 * Free-flight velocities at the end of the step, before any contact impulse: gravity and
 * the applied `wrench` (nbody×6: force, world, N; torque about the centre of mass,
 * world, N·m; null for none) through the implicit gyroscopic step. Writes `qdOut`
 * (nbody×6), which may alias `qd`. With `kept` (nbody × VELOCITY_KEPT_PER_BODY), each
 * dynamic body's gyroscopic step goes there too, for the integrator's adjoint
 * (sim/hard/step-adjoint.ts: bitwise `integrate`'s velocities, whose adjoint it takes).
 *
 * @example
 * predictVelocities(integratorParams(model), state.bodyQ, state.bodyQd, null, data.velocity);
 */
export function predictVelocities(
  m: IntegratorParams,
  q: Float64Array,
  qd: Float64Array,
  wrench: Float64Array | null,
  qdOut: Float64Array,
  kept: Float64Array | null = null,
): Float64Array {
  const dt = m.dt;
  const g = m.gravity;
  for (let b = 0; b < m.nbody; b++) {
    const vo = QD_WIDTH * b;
    if (m.isStatic[b]) {
      for (let k = 0; k < QD_WIDTH; k++) qdOut[vo + k] = qd[vo + k];
      continue;
    }
    const invMass = m.invMass[b];
    for (let k = 0; k < 3; k++) {
      const f = wrench === null ? 0 : wrench[vo + k];
      qdOut[vo + k] = qd[vo + k] + dt * (g[k] + invMass * f);
    }
    // angular: the gyroscopic step in the principal frame (ω_b = Rᵀω, τ_b = Rᵀτ)
    loadRotation(q, Q_WIDTH * b);
    angularVelocityStep(m, b, _rot, qd, vo, wrench, vo + 3, _gyro, qdOut, vo + 3);
    if (kept !== null) keepVelocityStep(_gyro, kept, VELOCITY_KEPT_PER_BODY * b);
  }
  return qdOut;
}

/**
 * Positions and orientations at the end of the step from the end-of-step velocities `qd`
 * plus the pseudo-velocities `pseudo` (nbody×6, or null for none). Writes `qOut`
 * (nbody×7), which may alias `q`.
 *
 * @example
 * integratePositions(params, state.bodyQ, velocities, null, out.bodyQ);
 */
export function integratePositions(
  m: IntegratorParams,
  q: Float64Array,
  qd: Float64Array,
  pseudo: Float64Array | null,
  qOut: Float64Array,
): Float64Array {
  const dt = m.dt;
  const h = 0.5 * dt;
  for (let b = 0; b < m.nbody; b++) {
    const qo = Q_WIDTH * b;
    const vo = QD_WIDTH * b;
    if (m.isStatic[b]) {
      for (let k = 0; k < Q_WIDTH; k++) qOut[qo + k] = q[qo + k];
      continue;
    }
    // pseudo-velocities join the position update only: written so that a zero pseudo
    // velocity leaves the arithmetic of `integrate` unchanged
    for (let k = 0; k < 3; k++) {
      const v = pseudo === null ? qd[vo + k] : qd[vo + k] + pseudo[vo + k];
      qOut[qo + k] = q[qo + k] + dt * v;
    }
    loadRotation(q, qo);
    for (let a = 0; a < 3; a++) {
      const w = pseudo === null ? qd[vo + 3 + a] : qd[vo + 3 + a] + pseudo[vo + 3 + a];
      _u[a] = h * w;
    }
    advanceOrientation(_qHat, _u, qOut, qo + 3, _norms, 1);
  }
  return qOut;
}

/**
 * The pose of body `b` after `h` seconds of free flight at the velocities `qd` (nbody×6),
 * with the arithmetic of {@link integratePositions}: x + h·v, normalize(exp(½h·ω) ⊗ q/|q|),
 * into `out[outOff..outOff+6]`. The pose at a time of impact (problem.ts).
 *
 * @example
 * flightPose(state.bodyQ, velocity, ball, 0.4 * dt, impactQ, 7 * ball);
 */
export function flightPose(
  q: Float64Array,
  qd: Float64Array,
  b: number,
  h: number,
  out: Float64Array,
  outOff: number,
): void {
  const qo = Q_WIDTH * b;
  const vo = QD_WIDTH * b;
  for (let k = 0; k < 3; k++) out[outOff + k] = q[qo + k] + h * qd[vo + k];
  loadRotation(q, qo);
  for (let a = 0; a < 3; a++) _u[a] = 0.5 * h * qd[vo + 3 + a];
  advanceOrientation(_qHat, _u, out, outOff + 3, _norms, 1);
}

const _gyroAfter = new Float64Array(3);
const _gyroBefore = new Float64Array(3);

/**
 * The free flight's gyroscopic term after a placed impact (problem.ts): the prediction
 * turned the start-of-step angular velocity ω₀ over the whole step, but from the impact
 * at s·dt on it acts on the post-impact ω. Writes `qdOut` ← `qd` (the velocities after the
 * solve), where every body whose impact is `delay[b]` = s·dt into the step (−1: none) gains
 * (1 − s)·[(G(ω) − ω) − (G(ω₀) − ω₀)], G the torque-free gyroscopic step over dt at the
 * start-of-step orientation. Zero for a spherical inertia (G(ω) = ω); first order in dt,
 * like the rest of the placement, and what makes the precession after an impact follow the
 * impact time. The step stores it as the end-of-step velocity; its positions integrate `qd`
 * (a difference of O(dt²), and the solve's constraints hold at `qd`). Allocates nothing.
 *
 * @example
 * gyroscopicAfterImpacts(params, state.bodyQ, state.bodyQd, isolatedImpactDelays(problem), velocity, afterImpact);
 */
export function gyroscopicAfterImpacts(
  m: IntegratorParams,
  q: Float64Array,
  startQd: Float64Array,
  delay: Float64Array,
  qd: Float64Array,
  qdOut: Float64Array,
): void {
  qdOut.set(qd);
  for (let b = 0; b < m.nbody; b++) {
    if (delay[b] < 0 || m.isStatic[b]) continue;
    const after = 1 - delay[b] / m.dt;
    const vo = QD_WIDTH * b;
    loadRotation(q, Q_WIDTH * b);
    angularVelocityStep(m, b, _rot, qd, vo, null, 0, _gyro, _gyroAfter, 0);
    angularVelocityStep(m, b, _rot, startQd, vo, null, 0, _gyro, _gyroBefore, 0);
    for (let k = 0; k < 3; k++) {
      qdOut[vo + 3 + k] += after * (_gyroAfter[k] - qd[vo + 3 + k] - (_gyroBefore[k] - startQd[vo + 3 + k]));
    }
  }
}
