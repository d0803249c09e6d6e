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
import { matVec, qFromRotationVector, qMul, qNormalize, qToMatrix, scale, transpose, type Q, type V3 } from './vec.ts';

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
  if (isSpherical(inertia))
    return { at: (t) => ({ q: qNormalize(qMul(qFromRotationVector(scale(w0, t)), q0)), w: w0 }) };
  return new EulerRotation(q0, w0, inertia);
}

/** Doubles per grid sample: q (w, x, y, z) then the body-frame ω. */
const SAMPLE = 7;

class EulerRotation implements Rotation {
  /** samples k·h, SAMPLE doubles each, grown on demand */
  private samples: Float64Array;
  private count = 1;
  private readonly h: number;
  private readonly k = new Float64Array(4 * SAMPLE);
  private readonly tmp = new Float64Array(SAMPLE);

  constructor(
    q0: Q,
    w0: V3,
    private readonly inertia: V3,
  ) {
    const wb = matVec(transpose(qToMatrix(q0)), w0);
    const speed = Math.hypot(...wb);
    this.h = Math.min(MAX_STEP, MAX_ANGLE_PER_STEP / Math.max(speed, 1e-12));
    this.samples = new Float64Array(SAMPLE * 64);
    this.samples.set([...q0, ...wb]);
  }

  at(t: number): { q: Q; w: V3 } {
    if (!(t >= 0)) throw new Error(`reference: rotation asked at t = ${t} before its start`);
    const k = Math.floor(t / this.h);
    while (this.count <= k) {
      if ((this.count + 1) * SAMPLE > this.samples.length) {
        const grown = new Float64Array(this.samples.length * 2);
        grown.set(this.samples);
        this.samples = grown;
      }
      this.step(this.samples, (this.count - 1) * SAMPLE, this.h, this.samples, this.count * SAMPLE);
      this.count++;
    }
    const out = new Float64Array(SAMPLE);
    this.step(this.samples, k * SAMPLE, t - k * this.h, out, 0);
    const q: Q = [out[0], out[1], out[2], out[3]];
    return { q, w: matVec(qToMatrix(q), [out[4], out[5], out[6]]) };
  }

  /** d/dt of (q, ω_body) at `s[o..o+6]`, written to `d[od..od+6]`. */
  private derivative(s: Float64Array, o: number, d: Float64Array, od: number): void {
    const [I0, I1, I2] = this.inertia;
    const [w, x, y, z, a, b, c] = [s[o], s[o + 1], s[o + 2], s[o + 3], s[o + 4], s[o + 5], s[o + 6]];
    // q̇ = ½ q ⊗ (0, ω)
    d[od] = 0.5 * (-x * a - y * b - z * c);
    d[od + 1] = 0.5 * (w * a + y * c - z * b);
    d[od + 2] = 0.5 * (w * b - x * c + z * a);
    d[od + 3] = 0.5 * (w * c + x * b - y * a);
    // I ω̇ = (I ω) × ω
    d[od + 4] = ((I1 - I2) * b * c) / I0;
    d[od + 5] = ((I2 - I0) * c * a) / I1;
    d[od + 6] = ((I0 - I1) * a * b) / I2;
  }

  /** One classical RK4 step of size h from `s[o..]` into `out[oo..]` (q renormalized). */
  private step(s: Float64Array, o: number, h: number, out: Float64Array, oo: number): void {
    const { k, tmp } = this;
    if (h === 0) {
      for (let i = 0; i < SAMPLE; i++) out[oo + i] = s[o + i];
      return;
    }
    this.derivative(s, o, k, 0);
    for (let i = 0; i < SAMPLE; i++) tmp[i] = s[o + i] + 0.5 * h * k[i];
    this.derivative(tmp, 0, k, SAMPLE);
    for (let i = 0; i < SAMPLE; i++) tmp[i] = s[o + i] + 0.5 * h * k[SAMPLE + i];
    this.derivative(tmp, 0, k, 2 * SAMPLE);
    for (let i = 0; i < SAMPLE; i++) tmp[i] = s[o + i] + h * k[2 * SAMPLE + i];
    this.derivative(tmp, 0, k, 3 * SAMPLE);
    for (let i = 0; i < SAMPLE; i++)
      out[oo + i] = s[o + i] + (h / 6) * (k[i] + 2 * k[SAMPLE + i] + 2 * k[2 * SAMPLE + i] + k[3 * SAMPLE + i]);
    const n = Math.hypot(out[oo], out[oo + 1], out[oo + 2], out[oo + 3]);
    for (let i = 0; i < 4; i++) out[oo + i] /= n;
  }
}
