// The integrator kernel and its primitive (sim/integrator/):
// - the exponential map's coefficients against cos/sin, on both sides of the series switch;
// - plain kernel, primitive forward (reverse and forward traces) bitwise equal; in place = out of place;
// - gradcheck of the primitive against central differences for every input group, at seeded
//   random points (one with |ω| ≈ 1e-9, where the series branch of the exponential map runs,
//   and non-unit input quaternions); forward mode equals reverse mode; static bodies pass through;
// - the rollout's in-place adjoint (with the step's kept intermediates, and computing the step
//   again) equals the primitive's adjoint bit for bit, and skips a body with no cotangent;
// - free flight: the discrete closed form of semi-implicit Euler, values and exact gradients;
// - world inertia helpers against their defining properties.
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { add, mul, value } from '../../../ad/ops.ts';
import { seededRng, type Rng } from '../../../ad/random.ts';
import type { Real } from '../../../ad/tape.ts';
import { jacfwd, jacrev, jvp, valueAndGrad, vjp } from '../../../ad/transforms.ts';
import { quatRotate } from '../../../sim/math/quat.ts';
import { EXP_TAYLOR_MAX_S, expMapCoefficients } from '../../../sim/integrator/quatExp.ts';
import {
  INTEGRATOR_KEPT_PER_BODY,
  integrate,
  integrateAdjoint,
  integrateAdjointInPlace,
  integratePrimitive,
  integratorLayout,
  type IntegratorLayout,
  type IntegratorParams,
} from '../../../sim/integrator/semiImplicitEuler.ts';
import { worldInertiaMatrix, worldInertiaMul } from '../../../sim/integrator/worldInertia.ts';

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

describe('exponential map coefficients', () => {
  const c = new Float64Array(3);
  // a point on each side of the series switch and at it; s = |u|², u = ½ dt ω
  const samples = [0, 1e-18, 1e-8, 1e-3, 0.1, EXP_TAYLOR_MAX_S * (1 - 1e-9), EXP_TAYLOR_MAX_S, 0.6, 2, 9];

  it('C = cos√s and S = sin√s/√s to rounding on both branches', () => {
    for (const s of samples) {
      expMapCoefficients(c, s);
      const a = Math.sqrt(s);
      const cos = Math.cos(a);
      const sinc = s === 0 ? 1 : Math.sin(a) / a;
      expect(Math.abs(c[0] - cos), `C at s=${s}`).toBeLessThanOrEqual(4e-16);
      expect(Math.abs(c[1] - sinc), `S at s=${s}`).toBeLessThanOrEqual(4e-16);
    }
  });

  it('dS/ds equals the closed form (cos a − sin a/a)/(2a²), and −1/6 at s = 0', () => {
    expMapCoefficients(c, 0);
    expect(c[2]).toBe(-1 / 6);
    // where the closed form is accurate (s not tiny), both branches must match it
    for (const s of [0.05, 0.2, EXP_TAYLOR_MAX_S * (1 - 1e-9), 0.6, 2]) {
      const a = Math.sqrt(s);
      const closed = (Math.cos(a) - Math.sin(a) / a) / (2 * s);
      expMapCoefficients(c, s);
      expect(Math.abs(c[2] - closed), `s=${s}`).toBeLessThanOrEqual(1e-14);
    }
    // near 0, against the derivative of the series' first terms: −1/6 + s/60
    expMapCoefficients(c, 1e-10);
    expect(Math.abs(c[2] - (-1 / 6 + 1e-10 / 60))).toBeLessThanOrEqual(1e-17);
  });
});

// ---- random inputs ---------------------------------------------------------------------

/** Three bodies: two dynamic, the last static. */
const NBODY = 3;
const IS_STATIC = Uint8Array.of(0, 0, 1);
/** A long step (50 ms) so gyroscopic and exponential-map terms are large enough to be checked. */
const DT_CHECK = 0.05;
const L: IntegratorLayout = integratorLayout(NBODY);

interface PointOptions {
  /** scale of the angular velocities, rad/s */
  omegaScale?: number;
  /** scale the input quaternions off unit length */
  nonUnit?: boolean;
}

/** A flat input vector of the primitive, drawn from a seeded stream. */
function randomInput(rng: Rng, opts: PointOptions = {}): number[] {
  const omegaScale = opts.omegaScale ?? 3;
  const x = new Array<number>(L.size).fill(0);
  for (let b = 0; b < NBODY; b++) {
    for (let k = 0; k < 3; k++) x[L.q + 7 * b + k] = uniform(rng, -1, 1);
    const quat = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const len = Math.hypot(...quat) / (opts.nonUnit ? uniform(rng, 0.7, 1.4) : 1);
    for (let k = 0; k < 4; k++) x[L.q + 7 * b + 3 + k] = quat[k] / len;
    for (let k = 0; k < 3; k++) x[L.qd + 6 * b + k] = uniform(rng, -2, 2);
    for (let k = 0; k < 3; k++) x[L.qd + 6 * b + 3 + k] = omegaScale * uniform(rng, -1, 1);
    for (let k = 0; k < 3; k++) x[L.wrench + 6 * b + k] = uniform(rng, -5, 5);
    for (let k = 0; k < 3; k++) x[L.wrench + 6 * b + 3 + k] = uniform(rng, -2, 2);
    if (!IS_STATIC[b]) {
      x[L.invMass + b] = uniform(rng, 0.5, 2);
      for (let k = 0; k < 3; k++) x[L.invInertia + 3 * b + k] = uniform(rng, 0.5, 5);
    }
  }
  for (let k = 0; k < 3; k++) x[L.gravity + k] = uniform(rng, -10, 10);
  return x;
}

const GROUPS: { name: string; from: number; to: number }[] = [
  { name: 'q', from: L.q, to: L.qd },
  { name: 'qd', from: L.qd, to: L.wrench },
  { name: 'wrench', from: L.wrench, to: L.invMass },
  { name: 'invMass', from: L.invMass, to: L.invInertia },
  { name: 'invInertia', from: L.invInertia, to: L.gravity },
  { name: 'gravity', from: L.gravity, to: L.size },
];

function paramsOf(x: Float64Array, dt: number): IntegratorParams {
  return {
    nbody: NBODY,
    dt,
    gravity: x.subarray(L.gravity, L.gravity + 3),
    invMass: x.subarray(L.invMass, L.invMass + NBODY),
    invInertia: x.subarray(L.invInertia, L.invInertia + 3 * NBODY),
    isStatic: IS_STATIC,
  };
}

function plainStep(x: number[], dt: number): number[] {
  const xs = Float64Array.from(x);
  const q = new Float64Array(7 * NBODY);
  const qd = new Float64Array(6 * NBODY);
  integrate(
    paramsOf(xs, dt),
    xs.subarray(L.q, L.qd),
    xs.subarray(L.qd, L.wrench),
    xs.subarray(L.wrench, L.invMass),
    q,
    qd,
  );
  return [...q, ...qd];
}

describe('integrate: plain kernel and primitive forward', () => {
  const prim = integratePrimitive({ nbody: NBODY, dt: DT_CHECK, isStatic: IS_STATIC });

  it('are bitwise identical (untraced, reverse trace, forward trace)', () => {
    const rng = seededRng(11);
    for (let trial = 0; trial < 4; trial++) {
      const x = randomInput(rng, { nonUnit: trial % 2 === 1 });
      const plain = plainStep(x, DT_CHECK);
      const untraced = prim(x).map(value);
      const reverse = vjp(prim, x).value;
      let forward: number[] = [];
      jvp(
        (xs: Real[]) => {
          forward = prim(xs).map(value);
          return 0;
        },
        x,
        x.map((_, j) => (j % 3) - 1),
      );
      for (let k = 0; k < plain.length; k++) {
        expect(Object.is(untraced[k], plain[k]), `untraced output ${k}`).toBe(true);
        expect(Object.is(reverse[k], plain[k]), `reverse output ${k}`).toBe(true);
        expect(Object.is(forward[k], plain[k]), `forward output ${k}`).toBe(true);
      }
    }
  });

  it('stepping in place equals stepping into separate outputs; static bodies are copied', () => {
    const x = Float64Array.from(randomInput(seededRng(12)));
    const p = paramsOf(x, DT_CHECK);
    const q = x.slice(L.q, L.qd);
    const qd = x.slice(L.qd, L.wrench);
    const wrench = x.subarray(L.wrench, L.invMass);
    const qOut = new Float64Array(q.length);
    const qdOut = new Float64Array(qd.length);
    integrate(p, q, qd, wrench, qOut, qdOut);
    integrate(p, q, qd, wrench, q, qd);
    expect(Array.from(q)).toEqual(Array.from(qOut));
    expect(Array.from(qd)).toEqual(Array.from(qdOut));
    // body 2 is static: pose and velocity unchanged, whatever the wrench and gravity
    expect(Array.from(qOut.subarray(14, 21))).toEqual(Array.from(x.subarray(L.q + 14, L.q + 21)));
    expect(Array.from(qdOut.subarray(12, 18))).toEqual(Array.from(x.subarray(L.qd + 12, L.qd + 18)));
  });

  it('rejects a flat input of the wrong length, naming the expected one', () => {
    expect(() => prim(new Array<number>(L.size - 1).fill(1))).toThrow(/expected 23·3 \+ 3 = 72/);
  });
});

describe('integrate primitive: derivatives', () => {
  const prim = integratePrimitive({ nbody: NBODY, dt: DT_CHECK, isStatic: IS_STATIC });

  /** A scalar of the outputs: a random projection plus a square, so every output matters. */
  function lossOf(weights: number[]) {
    return (x: Real[]): Real => {
      const y = prim(x);
      let acc: Real = 0;
      for (let k = 0; k < y.length; k++) acc = addMul(acc, weights[k], y[k]);
      return acc;
    };
  }

  const cases: { name: string; seed: number; opts: PointOptions }[] = [
    { name: 'random point A', seed: 1, opts: {} },
    { name: 'random point B, non-unit quaternions', seed: 2, opts: { nonUnit: true } },
    { name: 'random point C, fast spin', seed: 3, opts: { omegaScale: 8 } },
    { name: '|ω| ≈ 1e-9 (series branch of the exponential map)', seed: 4, opts: { omegaScale: 1e-9 } },
    { name: 'ω = 0 exactly', seed: 5, opts: { omegaScale: 0 } },
  ];

  for (const c of cases) {
    it(`gradcheck, every input group: ${c.name}`, () => {
      const rng = seededRng(100 + c.seed);
      const x = randomInput(rng, c.opts);
      const weights = Array.from({ length: 13 * NBODY }, () => uniform(rng, -1, 1));
      const r = gradcheck(lossOf(weights), x, { atol: 1e-8, rtol: 1e-6 });
      for (const g of GROUPS) {
        let worst = 0;
        let largest = 0;
        for (let j = g.from; j < g.to; j++) {
          worst = Math.max(worst, Math.abs(r.ad[j] - r.fd[j]) / (1e-8 + 1e-6 * Math.abs(r.fd[j])));
          largest = Math.max(largest, Math.abs(r.fd[j]));
        }
        expect(worst, `${g.name}: worst |AD − FD| / tolerance`).toBeLessThanOrEqual(1);
        // the group really influences the output, so the comparison can fail
        expect(largest, `${g.name}: some derivative is non-zero`).toBeGreaterThan(1e-4);
      }
      expect(r.unstable).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.kinks).toEqual([]);
    });
  }

  it('the q derivative is tangent to the unit sphere (the step sees q/|q| only)', () => {
    const rng = seededRng(7);
    const x = randomInput(rng, { nonUnit: true });
    const weights = Array.from({ length: 13 * NBODY }, () => uniform(rng, -1, 1));
    const { grad } = valueAndGrad(lossOf(weights), x);
    for (const b of [0, 1]) {
      let radial = 0;
      for (let k = 0; k < 4; k++) radial += grad[L.q + 7 * b + 3 + k] * x[L.q + 7 * b + 3 + k];
      expect(Math.abs(radial)).toBeLessThanOrEqual(1e-13);
    }
  });

  it('forward mode (jvp rule) equals reverse mode: full Jacobians and a directional derivative', () => {
    for (const [seed, opts] of [
      [21, {}],
      [22, { omegaScale: 1e-9, nonUnit: true }],
    ] as [number, PointOptions][]) {
      const rng = seededRng(seed);
      const x = randomInput(rng, opts);
      const rev = jacrev(prim, x);
      const fwd = jacfwd(prim, x);
      for (let k = 0; k < rev.length; k++) {
        for (let j = 0; j < x.length; j++) {
          expect(Math.abs(fwd[k][j] - rev[k][j]), `∂y${k}/∂x${j}`).toBeLessThanOrEqual(
            1e-13 * (1 + Math.abs(rev[k][j])),
          );
        }
      }
      const weights = Array.from({ length: 13 * NBODY }, () => uniform(rng, -1, 1));
      const dir = x.map(() => uniform(rng, -1, 1));
      const { grad } = valueAndGrad(lossOf(weights), x);
      const expected = grad.reduce((s, g, j) => s + g * dir[j], 0);
      const t = jvp(lossOf(weights), x, dir).tangent;
      expect(Math.abs(t - expected)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(expected)));
    }
  });

  it('a static body: identity derivative for its pose and velocity, zero for everything else', () => {
    const x = randomInput(seededRng(31));
    const jac = jacrev(prim, x);
    const qOut = 14; // body 2's pose outputs 14..20
    const qdOut = 7 * NBODY + 12; // its velocity outputs
    const rows = [
      ...Array.from({ length: 7 }, (_, k) => [qOut + k, L.q + 14 + k]),
      ...Array.from({ length: 6 }, (_, k) => [qdOut + k, L.qd + 12 + k]),
    ];
    for (const [row, input] of rows) {
      for (let j = 0; j < x.length; j++) expect(jac[row][j], `row ${row}, input ${j}`).toBe(j === input ? 1 : 0);
    }
    // nor does it feed any other output
    for (let k = 0; k < jac.length; k++) {
      if (rows.some(([row]) => row === k)) continue;
      for (const [, input] of rows) expect(jac[k][input]).toBe(0);
    }
  });

  it('gradcheck through a 20-step tumbling rollout (initial spin and inertia)', () => {
    const dt = 0.01;
    const one = integratePrimitive({ nbody: 1, dt, isStatic: Uint8Array.of(0) });
    const L1 = integratorLayout(1);
    // inputs: ω₀ (3), invInertia (3), torque (3)
    const rollout = ([wx, wy, wz, d0, d1, d2, tx, ty, tz]: Real[]): Real => {
      let q: Real[] = [0, 0, 0, 0.9, 0.1, -0.3, 0.2];
      let qd: Real[] = [0, 0, 0, wx, wy, wz];
      for (let s = 0; s < 20; s++) {
        const x: Real[] = new Array<Real>(L1.size).fill(0);
        for (let k = 0; k < 7; k++) x[L1.q + k] = q[k];
        for (let k = 0; k < 6; k++) x[L1.qd + k] = qd[k];
        x[L1.wrench + 3] = tx;
        x[L1.wrench + 4] = ty;
        x[L1.wrench + 5] = tz;
        x[L1.invMass] = 1;
        x[L1.invInertia] = d0;
        x[L1.invInertia + 1] = d1;
        x[L1.invInertia + 2] = d2;
        const y = one(x);
        q = y.slice(0, 7);
        qd = y.slice(7);
      }
      // a final-orientation quantity and a final-spin quantity
      return addMul(addMul(q[4], 0.7, q[5]), 0.3, qd[4]);
    };
    const r = gradcheck(rollout, [2, -3, 4, 1.5, 2.5, 6, 0.3, -0.2, 0.5], { atol: 1e-8, rtol: 1e-6 });
    expect(r.ok, `AD ${r.ad} FD ${r.fd}`).toBe(true);
  });
});

/** acc + w·y on Reals. */
function addMul(acc: Real, w: Real, y: Real): Real {
  return add(acc, mul(w, y));
}

describe("integrate: the rollout's in-place adjoint", () => {
  /** x̄ of the primitive's adjoint and of the in-place one (with or without kept intermediates), same point and ȳ */
  function bothAdjoints(seed: number, opts: PointOptions, zeroBody: number | null) {
    const rng = seededRng(300 + seed);
    const x = Float64Array.from(randomInput(rng, opts));
    const ybar = Float64Array.from({ length: 13 * NBODY }, () => uniform(rng, -1, 1));
    if (zeroBody !== null) {
      ybar.fill(0, 7 * zeroBody, 7 * zeroBody + 7);
      ybar.fill(0, 7 * NBODY + 6 * zeroBody, 7 * NBODY + 6 * zeroBody + 6);
    }
    const flat = integrateAdjoint(
      { nbody: NBODY, dt: DT_CHECK, isStatic: IS_STATIC },
      x,
      ybar,
      new Float64Array(L.size),
    );
    const p = paramsOf(x, DT_CHECK);
    const q = x.slice(L.q, L.qd),
      qd = x.slice(L.qd, L.wrench);
    // the wrench at an offset, as a rollout's kept wrenches hold it
    const wrenchAt = 5;
    const wrench = new Float64Array(wrenchAt + 6 * NBODY);
    wrench.set(x.subarray(L.wrench, L.invMass), wrenchAt);
    const kept = new Float64Array(INTEGRATOR_KEPT_PER_BODY * NBODY);
    integrate(p, q, qd, wrench.subarray(wrenchAt), new Float64Array(7 * NBODY), new Float64Array(6 * NBODY), kept);
    const at = { invMass: L.invMass, invInertia: L.invInertia, gravity: L.gravity };
    const inPlace = (withKept: boolean): Float64Array => {
      const lambda = ybar.slice();
      const out = new Float64Array(L.size);
      const wrenchBar = new Float64Array(6 * NBODY).fill(NaN); // overwritten
      integrateAdjointInPlace(p, q, qd, wrench, wrenchAt, withKept ? kept : null, 0, lambda, wrenchBar, out, at);
      out.set(lambda, L.q); // [q̄ | q̇̄], adjacent in both layouts
      out.set(wrenchBar, L.wrench);
      return out;
    };
    return { flat, kept: inPlace(true), again: inPlace(false) };
  }

  const cases: { name: string; seed: number; opts: PointOptions }[] = [
    { name: 'random point, non-unit quaternions', seed: 1, opts: { nonUnit: true } },
    { name: 'fast spin', seed: 2, opts: { omegaScale: 8 } },
    { name: '|ω| ≈ 1e-9 (series branch)', seed: 3, opts: { omegaScale: 1e-9 } },
  ];
  for (const c of cases) {
    it(`bit for bit the primitive's adjoint, with and without kept intermediates: ${c.name}`, () => {
      const { flat, kept, again } = bothAdjoints(c.seed, c.opts, null);
      // every group is reached (a comparison of zeros could not fail)
      for (const g of GROUPS)
        expect(
          flat.subarray(g.from, g.to).some((v) => v !== 0),
          g.name,
        ).toBe(true);
      expect(Array.from(kept)).toEqual(Array.from(flat));
      expect(Array.from(again)).toEqual(Array.from(flat));
    });
  }

  it('a body whose outputs have no cotangent gets none on its inputs (and is skipped)', () => {
    const { flat, kept } = bothAdjoints(4, {}, 0);
    expect(Array.from(kept)).toEqual(Array.from(flat));
    expect(kept.subarray(L.q, L.q + 7).every((v) => v === 0)).toBe(true);
    expect(kept[L.invMass]).toBe(0);
    // the other dynamic body still has its cotangents
    expect(kept.subarray(L.q + 7, L.q + 14).some((v) => v !== 0)).toBe(true);
  });
});

describe('free flight: the discrete closed form of semi-implicit Euler', () => {
  const dt = 1e-3;
  const x0 = [0.1, -0.2, 1.5];
  const v0 = [1.2, -0.7, 3.1];
  const g = [0.3, -0.2, -9.81];
  const f = [0.5, 1.5, -2];
  const invMass = 0.8;

  /** x_N = x₀ + N dt v₀ + dt² a N(N+1)/2, v_N = v₀ + N dt a, with a = g + f/m. */
  function closedForm(n: number): { x: number[]; v: number[] } {
    const a = g.map((gk, k) => gk + invMass * f[k]);
    return {
      x: x0.map((xk, k) => xk + n * dt * v0[k] + (dt * dt * a[k] * (n * (n + 1))) / 2),
      v: v0.map((vk, k) => vk + n * dt * a[k]),
    };
  }

  it('plain kernel, 1000 steps: positions and velocities to 1e-12 relative', () => {
    const n = 1000;
    const p: IntegratorParams = {
      nbody: 1,
      dt,
      gravity: Float64Array.from(g),
      invMass: Float64Array.of(invMass),
      invInertia: Float64Array.of(2, 3, 4),
      isStatic: Uint8Array.of(0),
    };
    const q = Float64Array.of(...x0, 1, 0, 0, 0);
    const qd = Float64Array.of(...v0, 0, 0, 0);
    const wrench = Float64Array.of(...f, 0, 0, 0);
    for (let s = 0; s < n; s++) integrate(p, q, qd, wrench, q, qd);
    const cf = closedForm(n);
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(q[k] - cf.x[k])).toBeLessThanOrEqual(1e-12 * Math.abs(cf.x[k]));
      expect(Math.abs(qd[k] - cf.v[k])).toBeLessThanOrEqual(1e-12 * Math.abs(cf.v[k]));
    }
    // no spin, no torque: the orientation stays the identity
    expect(Array.from(q.subarray(3))).toEqual([1, 0, 0, 0]);
  });

  it('gradients through 100 steps of the primitive are the closed form derivatives', () => {
    const n = 100;
    const prim = integratePrimitive({ nbody: 1, dt, isStatic: Uint8Array.of(0) });
    const L1 = integratorLayout(1);
    // inputs: x₀ (3), v₀ (3), g (3), f (3), 1/m
    const rollout = (z: Real[]): Real[] => {
      let q: Real[] = [z[0], z[1], z[2], 1, 0, 0, 0];
      let qd: Real[] = [z[3], z[4], z[5], 0, 0, 0];
      for (let s = 0; s < n; s++) {
        const x: Real[] = new Array<Real>(L1.size).fill(0);
        for (let k = 0; k < 7; k++) x[L1.q + k] = q[k];
        for (let k = 0; k < 6; k++) x[L1.qd + k] = qd[k];
        for (let k = 0; k < 3; k++) {
          x[L1.wrench + k] = z[9 + k];
          x[L1.gravity + k] = z[6 + k];
        }
        x[L1.invMass] = z[12];
        x[L1.invInertia] = 2;
        x[L1.invInertia + 1] = 3;
        x[L1.invInertia + 2] = 4;
        const y = prim(x);
        q = y.slice(0, 7);
        qd = y.slice(7);
      }
      return [q[0], q[1], q[2], qd[0], qd[1], qd[2]];
    };
    const z = [...x0, ...v0, ...g, ...f, invMass];
    const triangle = (dt * dt * n * (n + 1)) / 2;
    const eye = (i: number, k: number): number => (i === k ? 1 : 0);
    // expected rows: ∂x_N/∂(x₀, v₀, g, f, 1/m), then ∂v_N/∂(...)
    const expected: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const row = [0, 1, 2].map((k) => eye(i, k));
      row.push(...[0, 1, 2].map((k) => n * dt * eye(i, k)));
      row.push(...[0, 1, 2].map((k) => triangle * eye(i, k)));
      row.push(...[0, 1, 2].map((k) => triangle * invMass * eye(i, k)));
      row.push(triangle * f[i]);
      expected.push(row);
    }
    for (let i = 0; i < 3; i++) {
      const row = [0, 0, 0];
      row.push(...[0, 1, 2].map((k) => eye(i, k)));
      row.push(...[0, 1, 2].map((k) => n * dt * eye(i, k)));
      row.push(...[0, 1, 2].map((k) => n * dt * invMass * eye(i, k)));
      row.push(n * dt * f[i]);
      expected.push(row);
    }
    for (const jac of [jacrev(rollout, z), jacfwd(rollout, z)]) {
      for (let r = 0; r < 6; r++) {
        for (let c = 0; c < z.length; c++) {
          expect(Math.abs(jac[r][c] - expected[r][c]), `∂y${r}/∂z${c}`).toBeLessThanOrEqual(
            1e-12 * Math.max(1, Math.abs(expected[r][c])),
          );
        }
      }
    }
    const cf = closedForm(n);
    const y = rollout(z).map(value);
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(y[k] - cf.x[k])).toBeLessThanOrEqual(1e-12 * Math.abs(cf.x[k]));
      expect(Math.abs(y[3 + k] - cf.v[k])).toBeLessThanOrEqual(1e-12 * Math.abs(cf.v[k]));
    }
  });
});

describe('world inertia helpers', () => {
  const rng = seededRng(5);
  const quat = Float64Array.of(rng.normal(), rng.normal(), rng.normal(), rng.normal());
  const n = Math.hypot(...quat);
  for (let k = 0; k < 4; k++) quat[k] /= n;
  const moments = Float64Array.of(0.3, 1.1, 2.4);
  const inverse = moments.map((m) => 1 / m);

  it('each body axis R e_k is an eigenvector of I_w with eigenvalue I_k', () => {
    const axis = new Float64Array(3);
    const out = new Float64Array(3);
    for (let k = 0; k < 3; k++) {
      const e = new Float64Array(3);
      e[k] = 1;
      quatRotate(axis, 0, quat, 0, e, 0);
      worldInertiaMul(out, 0, quat, 0, moments, 0, axis, 0);
      for (let i = 0; i < 3; i++) expect(Math.abs(out[i] - moments[k] * axis[i])).toBeLessThanOrEqual(1e-15);
    }
  });

  it('I_w⁻¹ I_w v = v, and the matrix form is symmetric and agrees with the product', () => {
    const v = Float64Array.of(0.4, -1.3, 2.2);
    const Iv = worldInertiaMul(new Float64Array(3), 0, quat, 0, moments, 0, v, 0);
    const back = worldInertiaMul(new Float64Array(3), 0, quat, 0, inverse, 0, Iv, 0);
    for (let i = 0; i < 3; i++) expect(Math.abs(back[i] - v[i])).toBeLessThanOrEqual(1e-14);
    const M = worldInertiaMatrix(new Float64Array(9), moments, 0, quat, 0);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) expect(M[3 * j + i]).toBe(M[3 * i + j]);
      const row = M[i] * v[0] + M[3 + i] * v[1] + M[6 + i] * v[2];
      expect(Math.abs(row - Iv[i])).toBeLessThanOrEqual(1e-14);
    }
  });
});
