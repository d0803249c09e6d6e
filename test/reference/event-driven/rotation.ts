/**
 * Torque-free rotation of a rigid body (its flight between events: gravity exerts no torque
 * about the centre of mass).
 *
 * - Spherical inertia (sphere, cube): ω is constant in the world, q(t) = exp(ω t) ⊗ q₀ —
 *   closed form.
 * - Otherwise (capsules, boxes): Euler's equations in the body frame, I ω̇ = (I ω) × ω, and
 *   q̇ = ½ q ⊗ (0, ω_body), integrated by classical RK4 at a step h ≤ 1e-4 s with |ω|·h ≤
 *   2e-3 rad. The global error is O(h⁴): below 1e-10 in q and ω/|ω| over a second (measured
 *   in rotation.test.ts against conserved energy and angular momentum, and against the
 *   symmetric top's closed form). Samples on the grid k·h are kept, and the state at any t
 *   is one RK4 step of size t − k·h from the sample below, so it is continuous in t and
 *   smooth in the initial state (a finite difference of it differentiates the RK4 map).
 */
import { cross, matVec, qFromRotationVector, qMul, qNormalize, qToMatrix, scale, transpose, type Q, type V3 } from './vec.ts';

export interface Rotation {
  /** orientation and world angular velocity at time t ≥ 0 after the start */
  at(t: number): { q: Q; w: V3 };
}

const MAX_STEP = 1e-4;
const MAX_ANGLE_PER_STEP = 2e-3;

export function isSpherical(inertia: V3): boolean {
  const mean = (inertia[0] + inertia[1] + inertia[2]) / 3;
  return Math.abs(inertia[0] - mean) + Math.abs(inertia[1] - mean) + Math.abs(inertia[2] - mean) <= 1e-12 * mean;
}

export function torqueFreeRotation(q0: Q, w0: V3, inertia: V3): Rotation {
  if (isSpherical(inertia)) return { at: (t) => ({ q: qNormalize(qMul(qFromRotationVector(scale(w0, t)), q0)), w: w0 }) };
  return new EulerRotation(q0, w0, inertia);
}

interface Sample {
  q: Q;
  /** body-frame angular velocity */
  wb: V3;
}

class EulerRotation implements Rotation {
  private readonly samples: Sample[];
  private readonly h: number;

  constructor(q0: Q, w0: V3, private readonly inertia: V3) {
    const wb = matVec(transpose(qToMatrix(q0)), w0);
    const speed = Math.hypot(...wb);
    this.h = Math.min(MAX_STEP, MAX_ANGLE_PER_STEP / Math.max(speed, 1e-12));
    this.samples = [{ q: q0, wb }];
  }

  at(t: number): { q: Q; w: V3 } {
    if (!(t >= 0)) throw new Error(`reference: rotation asked at t = ${t} before its start`);
    const k = Math.floor(t / this.h);
    while (this.samples.length <= k) this.samples.push(this.step(this.samples[this.samples.length - 1], this.h));
    const s = this.step(this.samples[k], t - k * this.h);
    return { q: s.q, w: matVec(qToMatrix(s.q), s.wb) };
  }

  private derivative(q: Q, wb: V3): [Q, V3] {
    const I = this.inertia;
    const L = [I[0] * wb[0], I[1] * wb[1], I[2] * wb[2]] as const;
    const torque = cross(L, wb);
    const dq = qMul(q, [0, wb[0], wb[1], wb[2]]).map((c) => 0.5 * c) as unknown as Q;
    return [dq, [torque[0] / I[0], torque[1] / I[1], torque[2] / I[2]]];
  }

  private step(s: Sample, h: number): Sample {
    if (h === 0) return s;
    const shift = (q: Q, wb: V3, d: [Q, V3], f: number): [Q, V3] => [
      q.map((c, i) => c + f * d[0][i]) as unknown as Q,
      wb.map((c, i) => c + f * d[1][i]) as unknown as V3,
    ];
    const k1 = this.derivative(s.q, s.wb);
    const k2 = this.derivative(...shift(s.q, s.wb, k1, h / 2));
    const k3 = this.derivative(...shift(s.q, s.wb, k2, h / 2));
    const k4 = this.derivative(...shift(s.q, s.wb, k3, h));
    const combine = (a: readonly number[], i: 0 | 1): number[] =>
      a.map((c, j) => c + (h / 6) * (k1[i][j] + 2 * k2[i][j] + 2 * k3[i][j] + k4[i][j]));
    return { q: qNormalize(combine(s.q, 0) as unknown as Q), wb: combine(s.wb, 1) as unknown as V3 };
  }
}
