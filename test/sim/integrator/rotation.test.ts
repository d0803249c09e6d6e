// Rotational physics of the integrator against closed forms and an independent reference:
// - torque-free rotation of an asymmetric box: kinetic energy ½ωᵀIω, |L| and the world
//   direction of L = I_w ω conserved to measured tolerances; spin about the major and minor
//   axes stays put; spin about the intermediate axis flips (Dzhanibekov effect) at the times
//   a fine RK4 integration of Euler's equations predicts, while L stays fixed in the world;
// - a constant torque about a principal axis: ω(t) = τ t / I and the rotation angle of the
//   scheme's closed form;
// - |q| = 1 to 1e-12 over a long tumbling run.
import { describe, expect, it } from 'vitest';
import { shapeInertia } from '../../../sim/inertia.ts';
import { ShapeType } from '../../../sim/shapes.ts';
import { quatRotate } from '../../../sim/math/quat.ts';
import { integrate, type IntegratorParams } from '../../../sim/integrator/semiImplicitEuler.ts';
import { worldInertiaMul } from '../../../sim/integrator/worldInertia.ts';

/** A 1 kg box with half extents 0.1, 0.2, 0.4 m: moments I_x > I_y > I_z (major x, intermediate y, minor z). */
const MOMENTS = shapeInertia(ShapeType.box, [0.1, 0.2, 0.4], 1, new Float64Array(3));
const DT = 1e-3;

function params(moments: Float64Array, dt = DT): IntegratorParams {
  return {
    nbody: 1,
    dt,
    gravity: new Float64Array(3),
    invMass: Float64Array.of(1),
    invInertia: moments.map((m) => 1 / m),
    isStatic: Uint8Array.of(0),
  };
}

/** A fixed tilted orientation, so body and world frames differ from the start. */
const TILT = (() => {
  const q = [0.9, 0.2, -0.3, 0.25];
  const n = Math.hypot(...q);
  return Float64Array.from(q.map((c) => c / n));
})();

function conjugate(q: Float64Array): Float64Array {
  return Float64Array.of(q[0], -q[1], -q[2], -q[3]);
}

interface Run {
  /** max over steps of |E/E₀ − 1| */
  energyDrift: number;
  /** max over steps of ||L|/|L₀| − 1| */
  momentumDrift: number;
  /** max over steps of the angle between L and L₀, rad */
  directionDrift: number;
  /** body-frame angular velocity after every step */
  omegaBody: Float64Array[];
}

/** Integrate a torque-free body starting with body-frame spin `omegaBody0` at orientation TILT. */
function torqueFree(omegaBody0: number[], seconds: number): Run {
  const p = params(MOMENTS);
  const q = Float64Array.of(0, 0, 0, ...TILT);
  const qd = new Float64Array(6);
  quatRotate(qd, 3, TILT, 0, Float64Array.from(omegaBody0), 0);
  const wrench = new Float64Array(6);
  const L = new Float64Array(3);
  const measure = (): { E: number; L: number[] } => {
    worldInertiaMul(L, 0, q, 3, MOMENTS, 0, qd, 3);
    return { E: 0.5 * (L[0] * qd[3] + L[1] * qd[4] + L[2] * qd[5]), L: [L[0], L[1], L[2]] };
  };
  const start = measure();
  const L0 = Math.hypot(...start.L);
  const run: Run = { energyDrift: 0, momentumDrift: 0, directionDrift: 0, omegaBody: [] };
  const steps = Math.round(seconds / DT);
  for (let s = 0; s < steps; s++) {
    integrate(p, q, qd, wrench, q, qd);
    const now = measure();
    const Ln = Math.hypot(...now.L);
    const cos = (now.L[0] * start.L[0] + now.L[1] * start.L[1] + now.L[2] * start.L[2]) / (Ln * L0);
    run.energyDrift = Math.max(run.energyDrift, Math.abs(now.E / start.E - 1));
    run.momentumDrift = Math.max(run.momentumDrift, Math.abs(Ln / L0 - 1));
    run.directionDrift = Math.max(run.directionDrift, Math.acos(Math.min(1, cos)));
    run.omegaBody.push(quatRotate(new Float64Array(3), 0, conjugate(q.subarray(3, 7)), 0, qd, 3));
  }
  return run;
}

/**
 * Reference: Euler's equations I ω̇ = −ω × Iω in the body frame by classical RK4 at a step
 * 1/10 of the integrator's; its error is far below the integrator's.
 */
function eulerRk4(omega0: number[], seconds: number, dt: number): number[][] {
  const [a, b, c] = MOMENTS;
  const f = (w: number[]) => [((b - c) * w[1] * w[2]) / a, ((c - a) * w[2] * w[0]) / b, ((a - b) * w[0] * w[1]) / c];
  const out: number[][] = [];
  let w = omega0.slice();
  for (let s = 0; s < Math.round(seconds / dt); s++) {
    const k1 = f(w);
    const k2 = f(w.map((x, i) => x + 0.5 * dt * k1[i]));
    const k3 = f(w.map((x, i) => x + 0.5 * dt * k2[i]));
    const k4 = f(w.map((x, i) => x + dt * k3[i]));
    w = w.map((x, i) => x + (dt / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
    out.push(w);
  }
  return out;
}

/** Times (s) at which component `k` of a sampled series changes sign. */
function signChanges(series: ArrayLike<number>[], k: number, dt: number): number[] {
  const times: number[] = [];
  for (let s = 1; s < series.length; s++) {
    const a = series[s - 1][k];
    const b = series[s][k];
    if (Math.sign(a) !== Math.sign(b)) times.push((s + a / (a - b)) * dt);
  }
  return times;
}

const SPIN = 5; // rad/s about the chosen axis
/**
 * The perturbation about the other two axes, rad/s. Unequal on purpose: for this box
 * I_x(I_x − I_y) = I_z(I_y − I_z), so equal x and z wobbles put the intermediate-axis spin
 * exactly on the separatrix, where the flip period is infinite (one flip, never back).
 */
const WOBBLE = [0.1, 0.03];

describe('torque-free rotation of an asymmetric box (dt = 1 ms)', () => {
  it('spin about the intermediate axis flips (Dzhanibekov) while E, |L| and the world direction of L are kept (8 s)', () => {
    const omega0 = [WOBBLE[0], SPIN, WOBBLE[1]];
    const run = torqueFree(omega0, 8);
    // measured: energy 2.3e-6, |L| 1.1e-6 (second order in dt), direction 1.5e-3 rad
    // (first order: the orientation advances with the end-of-step ω), none growing after 5 s
    expect(run.energyDrift).toBeLessThan(5e-6);
    expect(run.momentumDrift).toBeLessThan(3e-6);
    expect(run.directionDrift).toBeLessThan(3e-3);
    // the body turns over and back: ω_y reverses fully, twice
    const flips = signChanges(run.omegaBody, 1, DT);
    expect(flips.length).toBe(2);
    expect(Math.min(...run.omegaBody.map((w) => w[1]))).toBeLessThan(-0.999 * SPIN);
    // at the times a fine RK4 solution of Euler's equations gives (measured: within 0.1 ms)
    const reference = signChanges(eulerRk4(omega0, 8, DT / 10), 1, DT / 10);
    expect(reference.length).toBe(2);
    flips.forEach((t, i) =>
      expect(Math.abs(t - reference[i]), `flip ${i} at ${t} s vs ${reference[i]} s`).toBeLessThan(1e-3),
    );
  });

  for (const [name, axis] of [
    ['major (x)', 0],
    ['minor (z)', 2],
  ] as [string, number][]) {
    it(`spin about the ${name} axis stays about that axis; E, |L| and L's direction kept (5 s)`, () => {
      const omega0 = axis === 0 ? [SPIN, ...WOBBLE] : [...WOBBLE, SPIN];
      const run = torqueFree(omega0, 5);
      // measured: energy and |L| 3e-10 and 2e-10, direction 4e-5 (major) and 2e-4 rad (minor)
      expect(run.energyDrift).toBeLessThan(2e-9);
      expect(run.momentumDrift).toBeLessThan(1e-9);
      expect(run.directionDrift).toBeLessThan(1e-3);
      // the spin axis wobbles but never leaves the neighbourhood of the principal axis
      const initialTilt = Math.acos(SPIN / Math.hypot(...omega0));
      for (const w of run.omegaBody) {
        const tilt = Math.acos(Math.abs(w[axis]) / Math.hypot(w[0], w[1], w[2]));
        expect(tilt).toBeLessThan(3 * initialTilt);
        expect(w[axis]).toBeGreaterThan(0);
      }
    });
  }
});

describe('constant torque about a principal axis', () => {
  // a symmetric body: square cross-section, I_x = I_y ≠ I_z
  const moments = shapeInertia(ShapeType.box, [0.2, 0.2, 0.5], 2, new Float64Array(3));
  const tau = 0.3; // N·m
  const steps = 2000;

  for (const axis of [2, 0]) {
    it(`about body axis ${'xyz'[axis]}: ω_N = N dt τ/I and the angle dt² τ/I · N(N+1)/2`, () => {
      const p = params(moments);
      const q = Float64Array.of(0, 0, 0, ...TILT);
      const qd = new Float64Array(6);
      const e = new Float64Array(3);
      e[axis] = 1;
      const worldAxis = quatRotate(new Float64Array(3), 0, TILT, 0, e, 0);
      const wrench = Float64Array.of(0, 0, 0, tau * worldAxis[0], tau * worldAxis[1], tau * worldAxis[2]);
      for (let s = 0; s < steps; s++) integrate(p, q, qd, wrench, q, qd);
      const I = moments[axis];
      const omega = (steps * DT * tau) / I;
      for (let k = 0; k < 3; k++) expect(Math.abs(qd[3 + k] - omega * worldAxis[k])).toBeLessThanOrEqual(1e-12 * omega);
      // semi-implicit Euler turns by dt·ω_k with ω_k = k dt τ/I, k = 1..N
      const angle = (DT * DT * tau * steps * (steps + 1)) / (2 * I);
      const turn = [Math.cos(angle / 2), ...[0, 1, 2].map((k) => Math.sin(angle / 2) * worldAxis[k])];
      // expected q_N = turn ⊗ TILT (Hamilton product)
      const [aw, ax, ay, az] = turn;
      const [bw, bx, by, bz] = TILT;
      const expected = [
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
      ];
      for (let k = 0; k < 4; k++) expect(Math.abs(q[3 + k] - expected[k])).toBeLessThanOrEqual(1e-12);
      // and the centre of mass has not moved
      expect(Array.from(q.subarray(0, 3))).toEqual([0, 0, 0]);
    });
  }
});

describe('unit quaternion', () => {
  it('|q| = 1 to 1e-12 at every step of 50,000 steps of a fast tumble', () => {
    const p = params(MOMENTS);
    const q = Float64Array.of(0, 0, 0, ...TILT);
    const qd = Float64Array.of(0, 0, 0, 7, -9, 11);
    const wrench = Float64Array.of(0, 0, 0, 0.01, 0.02, -0.015);
    let worst = 0;
    for (let s = 0; s < 50_000; s++) {
      integrate(p, q, qd, wrench, q, qd);
      worst = Math.max(worst, Math.abs(Math.hypot(q[3], q[4], q[5], q[6]) - 1));
    }
    expect(worst).toBeLessThanOrEqual(1e-12);
  });
});
