// The step-exact contact (sim/contact/step-exact.ts) and the weight feed-forward
// (sim/contact/wrenches.ts): κ against its closed form (the trace of the continuous step)
// and central differences, the window activation's partials, and a gradcheck of the
// wrench primitive on a static ground, where the feed-forward acts.
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { mul, add } from '../../../ad/ops.ts';
import type { Real } from '../../../ad/tape.ts';
import { createContacts } from '../../../sim/collision/contacts.ts';
import type { ContactForceMode, ContactForceParams } from '../../../sim/contact/params.ts';
import { createDampingRatio, dampingRatioOfRestitution } from '../../../sim/contact/restitution.ts';
import { createWindowActivation, stepStiffnessFactor, windowActivation } from '../../../sim/contact/step-exact.ts';
import {
  contactWrenchInputs,
  contactWrenchLayout,
  contactWrenchPrimitive,
  contactWrenches,
} from '../../../sim/contact/wrenches.ts';

const kappa = (p: number, y: number): Float64Array => {
  const out = Float64Array.of(0, 0, 0, p, y);
  stepStiffnessFactor(out);
  return out;
};

describe("κ: the spring factor that makes the step's trace exact", () => {
  it('undamped it is sinc²(ω·dt/2); damped, kick-then-drift with k·κ and b·φ₁(y) has the det of exp(A·dt), and its trace with the damping capped at critical', () => {
    for (const p of [1e-6, 1e-2, 0.3, 2]) {
      const w = Math.sqrt(p);
      expect(kappa(p, 0)[0]).toBeCloseTo((Math.sin(w / 2) / (w / 2)) ** 2, 12);
      for (const zeta of [0.05, 0.5, 0.999, 1.001, 3, 40]) {
        const y = 2 * zeta * w; // y = dt·b·W = 2ζ·ω·dt
        const k = kappa(p, y)[0];
        // step matrix of (x, u) with u̇ = −(ω²x + 2ζω u), dt = 1, ω² = p: kick u, then drift x
        // κ sees the damping capped smoothly at critical: y/(1 + ζ⁸)^{1/8}; the trace is
        // exact for that damping, the det (φ₁) for the true one
        const yk = y / Math.pow(1 + zeta ** 8, 1 / 8);
        const trace = 2 - k * p - -Math.expm1(-yk);
        const det = 1 - -Math.expm1(-y); // 1 − (1 − e^{−y}), 1 − e^{−y} = y·φ₁(y)
        const s = yk / 2,
          q = p - s * s;
        const c = q >= 0 ? Math.cos(Math.sqrt(q)) : Math.cosh(Math.sqrt(-q));
        expect(trace).toBeCloseTo(2 * Math.exp(-s) * c, 10);
        expect(det).toBeCloseTo(Math.exp(-y), 14);
        expect(k * p).toBeLessThanOrEqual(4);
      }
    }
  });

  it('partials ∂κ/∂p and ∂κ/∂y equal central differences (under-, critically and over-damped, and the series branch)', () => {
    for (const [p, y] of [
      [1e-2, 0],
      [1e-2, 0.02],
      [1e-2, 0.2],
      [1e-2, 0.98],
      [0.3, 5],
      [1e-5, 1e-3],
      [1e-2, 0.2 + 1e-9],
    ]) {
      const k = kappa(p, y);
      const h = 1e-6;
      const dp = (kappa(p * (1 + h), y)[0] - kappa(p * (1 - h), y)[0]) / (2 * p * h);
      const hy = Math.max(y, 1e-3) * h;
      const dy = (kappa(p, y + hy)[0] - kappa(p, Math.max(0, y - hy))[0]) / (y >= hy ? 2 * hy : hy + y);
      expect(Math.abs(k[1] - dp), `∂κ/∂p at p ${p}, y ${y}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(dp)));
      expect(Math.abs(k[2] - dy), `∂κ/∂y at p ${p}, y ${y}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(dy)));
    }
  });
});

describe('the window activation: the share of the step in contact', () => {
  const at = (mode: ContactForceMode, dist: number, normalVelocity: number, temperature: number) => {
    const w = createWindowActivation();
    Object.assign(w, { dist, normalVelocity, temperature, dt: 1e-3 });
    return windowActivation(mode, w);
  };

  it('penalty: a linear ramp over d ∈ [−h, h], h = ½√(τ² + (v_n·dt)²); half in contact at d = 0; soft: the same slope at d = 0', () => {
    const w = at('penalty', 0, -4, 1e-4);
    expect(w.value).toBe(0.5);
    expect(w.width).toBeCloseTo(0.5 * Math.hypot(1e-4, 4e-3), 15);
    expect(at('penalty', w.width * 1.0001, -4, 1e-4).value).toBe(0);
    expect(at('penalty', -w.width * 1.0001, -4, 1e-4).value).toBe(1);
    const soft = at('soft', 0, -4, 1e-4);
    expect(soft.value).toBe(0.5);
    // slopes at d = 0: −1/(2h) and −1/(4s)
    expect(soft.dDist).toBeCloseTo(w.dDist, -1);
    expect(Math.abs(soft.dDist / w.dDist - 1)).toBeLessThan(0.01);
  });

  it("partials ∂a/∂d, ∂a/∂v_n, ∂a/∂τ and the width's equal central differences", () => {
    for (const mode of ['penalty', 'soft'] as const) {
      for (const [d, v, tau] of [
        [3e-4, -4, 1e-4],
        [-7e-4, -2, 1e-3],
        [2e-4, 0.5, 2e-3],
        [-1e-4, 0, 1e-3],
      ]) {
        const w = at(mode, d, v, tau);
        const h = 1e-7;
        const num = (f: (e: number) => ReturnType<typeof at>, pick: (r: ReturnType<typeof at>) => number, x: number) =>
          (pick(f(x + h * Math.max(1, Math.abs(x)))) - pick(f(x - h * Math.max(1, Math.abs(x))))) /
          (2 * h * Math.max(1, Math.abs(x)));
        const tauStep = 1e-3 * tau;
        const dTau = (at(mode, d, v, tau + tauStep).value - at(mode, d, v, tau - tauStep).value) / (2 * tauStep);
        const dD = (at(mode, d + 1e-9, v, tau).value - at(mode, d - 1e-9, v, tau).value) / 2e-9;
        const dV = num(
          (x) => at(mode, d, x, tau),
          (r) => r.value,
          v,
        );
        const dWv = num(
          (x) => at(mode, d, x, tau),
          (r) => r.width,
          v,
        );
        const dWt = (at(mode, d, v, tau + tauStep).width - at(mode, d, v, tau - tauStep).width) / (2 * tauStep);
        const tol = (x: number) => 1e-5 * Math.max(1, Math.abs(x));
        expect(Math.abs(w.dDist - dD), `${mode} ∂a/∂d`).toBeLessThan(tol(dD));
        expect(Math.abs(w.dNormalVelocity - dV), `${mode} ∂a/∂v`).toBeLessThan(tol(dV));
        expect(Math.abs(w.dTemperature - dTau), `${mode} ∂a/∂τ`).toBeLessThan(1e-3 * Math.max(1, Math.abs(dTau)));
        expect(Math.abs(w.widthDNormalVelocity - dWv)).toBeLessThan(1e-9);
        expect(Math.abs(w.widthDTemperature - dWt)).toBeLessThan(1e-6);
      }
    }
  });
});

describe('the weight feed-forward on a static ground', () => {
  // ground static (0), a ball (1) and a box (2) on it; the box's contact also carries its
  // share of a second, parallel one
  const NB = 3;
  const params = (mode: ContactForceMode): ContactForceParams => ({
    mode,
    nbody: NB,
    stiffness: 2e3,
    damping: 0,
    dampingFromRestitution: true,
    dt: 1e-3,
    temperature: 2e-3,
    frictionVelocity: 0.02,
    bodyFriction: Float64Array.of(0.8, 0.5, 0.3),
    invMass: Float64Array.of(0, 2, 0.5),
    invInertia: Float64Array.of(0, 0, 0, 60, 50, 40, 8, 6, 10),
    bodyRestitution: Float64Array.of(0.3, 0.6, 0.2),
    gravity: Float64Array.of(0.4, -0.3, -9.81),
    margin: 0.04,
    bodyName: ['ground', 'ball', 'box'],
  });
  const contacts = () => {
    const c = createContacts(3);
    c.count = 3;
    const n = [0.05, -0.02, 1];
    const len = Math.hypot(...n);
    for (let i = 0; i < 3; i++) {
      c.bodyA[i] = 0;
      c.bodyB[i] = i === 0 ? 1 : 2;
      c.dist[i] = [-0.004, -0.0007, 0.0003][i];
      c.normal.set(
        n.map((v) => v / len),
        3 * i,
      );
      c.point.set(
        [
          [0.1, 0.0, 0.0],
          [1.05, 0.1, -0.1],
          [0.95, -0.1, -0.1],
        ][i],
        3 * i,
      );
    }
    return c;
  };
  const state = () => {
    const q = new Float64Array(7 * NB);
    const qd = new Float64Array(6 * NB);
    q.set([0, 0, 0, 1, 0, 0, 0, 0.1, 0, 0.1, 0.99, 0.1, 0, 0, 1, 0, 0.1, 0.98, 0.1, 0.05, 0.1]);
    qd.set([0, 0, 0, 0, 0, 0, 0.3, 0.1, -2, 1, -2, 0.5, 0.05, 0, -0.3, 0.2, 0.1, -0.4]);
    return { q, qd };
  };

  it('a ball resting on the ground carries its weight: f_n = k·κ·φ + m·(−n·g) (1e-9)', () => {
    const p = params('penalty');
    const c = createContacts(1);
    c.count = 1;
    c.bodyA[0] = 0;
    c.bodyB[0] = 1;
    c.dist[0] = -0.004;
    c.normal.set([0, 0, 1]);
    c.point.set([0, 0, 0]);
    const q = Float64Array.of(0, 0, 0, 1, 0, 0, 0, 0, 0, 0.1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
    const w = contactWrenches(p, c, q, new Float64Array(18), new Float64Array(18));
    // y = dt·b·W, b = 2ζ(0.6)·√(k/W), W = 1/m = 2 (the ball's lever is along n)
    const b = 2 * dampingRatioOfRestitution(0.6, createDampingRatio()).value * Math.sqrt(2e3 / 2);
    const k = Float64Array.of(0, 0, 0, 2e3 * 2 * 1e-6, 1e-3 * b * 2);
    stepStiffnessFactor(k);
    expect(w[8]).toBeCloseTo(2e3 * k[0] * 0.004 + 9.81 / 2, 9);
  });

  for (const mode of ['penalty', 'soft'] as const) {
    it(`${mode}: gradcheck of the wrench primitive in every input but the static ground's masses`, () => {
      const p = params(mode);
      const c = contacts();
      const { q, qd } = state();
      const x = Array.from(contactWrenchInputs(p, c, q, qd));
      const L = contactWrenchLayout(c.count, NB);
      const prim = contactWrenchPrimitive(p, c);
      const weights = Array.from({ length: 6 * NB }, (_, i) => Math.sin(1.3 * i + 0.4));
      // (and the damping override, unused: the dashpot comes from restitution)
      const frozen = new Set([L.invMass, L.invInertia, L.invInertia + 1, L.invInertia + 2, L.params + 1]);
      const free = x.map((_, j) => j).filter((j) => !frozen.has(j));
      const f = (g: Real[]): Real => {
        const xs: Real[] = [...x];
        free.forEach((j, k) => (xs[j] = g[k]));
        return prim(xs).reduce<Real>((acc, y, i) => add(acc, mul(y, weights[i])), 0);
      };
      const r = gradcheck(
        f,
        free.map((j) => x[j]),
        { steps: [1e-4, 1e-5, 1e-6, 1e-7, 1e-8] },
      );
      expect(r.ok, `AD ${r.ad}\nFD ${r.fd}`).toBe(true);
      // the feed-forward is there: the gravity inputs have a gradient
      const gIdx = free.indexOf(L.gravity + 2);
      expect(Math.abs(r.ad[gIdx])).toBeGreaterThan(0);
    });
  }
});
