// The hard step's trace primitives (sim/hard/pose-kernels.ts, sim/hard/frame.ts):
// - gradcheck of each against central differences, every input, at seeded random points
//   with non-unit quaternions (the trace's inputs are not renormalized), for a fast spin
//   and for |ω| in the exponential map's series branch;
// - values against independent formulas: the world inverse inertia applied to a vector
//   equals R(q̂)·(d ⊙ R(q̂)ᵀv) computed by rotating with sim/math/quat.ts, and the pose
//   update equals the plain integrator's positions (semi-implicit Euler) for a body
//   moving at the given end-of-step velocity;
// - the contact frames: gradcheck on both sides of n_z = 0 (where the basis switches
//   branch), and orthonormality with n as the first direction.
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../../ad/gradcheck.ts';
import { add, mul } from '../../../ad/ops.ts';
import { valueAndGrad } from '../../../ad/transforms.ts';
import { seededRng } from '../../../ad/random.ts';
import type { Real } from '../../../ad/tape.ts';
import { contactFramesPrimitive } from '../../../sim/hard/frame.ts';
import { advancePosesPrimitive, POSE_INPUT_WIDTH, worldInvInertiaPrimitive } from '../../../sim/hard/pose-kernels.ts';
import { quatRotate } from '../../../sim/math/quat.ts';

const uniform = (rng: ReturnType<typeof seededRng>, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

/** A weighted sum of a primitive's outputs: a scalar loss whose gradient is the full VJP. */
function weighted(f: (x: readonly Real[]) => Real[], weights: number[]): (x: Real[]) => Real {
  return (x) => f(x).reduce<Real>((acc, y, k) => add(acc, mul(weights[k], y)), 0);
}

/** A quaternion of length 0.7–1.4 (not unit) in random direction. */
function rawQuat(rng: ReturnType<typeof seededRng>): number[] {
  const q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const scale = uniform(rng, 0.7, 1.4) / Math.hypot(...q);
  return q.map((v) => v * scale);
}

describe('worldInvInertiaPrimitive', () => {
  it('gradcheck over quaternions and inverse moments of three bodies', () => {
    const rng = seededRng(11);
    const count = 3;
    const x = [
      ...Array.from({ length: count }, () => rawQuat(rng)).flat(),
      ...Array.from({ length: 3 * count }, () => uniform(rng, 0.5, 20)),
    ];
    const weights = Array.from({ length: 9 * count }, () => uniform(rng, -1, 1));
    const r = gradcheck(weighted(worldInvInertiaPrimitive(count), weights), x, { atol: 1e-8, rtol: 1e-6 });
    expect(r.ok, `max error ${r.maxError}`).toBe(true);
  });

  it('gradcheck with equal moments (a ball): q̄ exactly 0, the limit of nearly equal moments', () => {
    const rng = seededRng(13);
    // body 0 a ball (equal moments), body 1 not
    const x = [...rawQuat(rng), ...rawQuat(rng), 2.5, 2.5, 2.5, 0.5, 4, 11];
    const weights = Array.from({ length: 18 }, () => uniform(rng, -1, 1));
    const loss = weighted(worldInvInertiaPrimitive(2), weights);
    const r = gradcheck(loss, x, { atol: 1e-8, rtol: 1e-6 });
    expect(r.ok, `max error ${r.maxError}`).toBe(true);
    const g = valueAndGrad(loss, x).grad;
    for (let k = 0; k < 4; k++) expect(g[k]).toBe(0);
    expect(g.slice(4, 8).some((v) => v !== 0)).toBe(true);
    // moments 1e-9 apart: the general formula's q̄ is of that order (W depends on q by d₂ − d₀)
    const near = x.slice();
    near[10] = 2.5 * (1 + 1e-9);
    const gNear = valueAndGrad(loss, near).grad;
    for (let k = 0; k < 4; k++) expect(Math.abs(gNear[k])).toBeLessThan(1e-7);
    expect(gNear.slice(0, 4).some((v) => v !== 0)).toBe(true);
  });

  it('applied to v, equals rotating v into the body, scaling by d and rotating back', () => {
    const rng = seededRng(12);
    const q = rawQuat(rng);
    const d = [1.5, 4, 0.25];
    const W = worldInvInertiaPrimitive(1)([...q, ...d]) as number[];
    const len = Math.hypot(...q);
    const unit = Float64Array.from(q, (v) => v / len);
    const conj = Float64Array.of(unit[0], -unit[1], -unit[2], -unit[3]);
    const v = Float64Array.of(0.3, -1.2, 0.7);
    const body = quatRotate(new Float64Array(3), 0, conj, 0, v, 0);
    const scaled = Float64Array.of(d[0] * body[0], d[1] * body[1], d[2] * body[2]);
    const expected = quatRotate(new Float64Array(3), 0, unit, 0, scaled, 0);
    for (let i = 0; i < 3; i++) {
      const got = W[3 * i] * v[0] + W[3 * i + 1] * v[1] + W[3 * i + 2] * v[2];
      expect(Math.abs(got - expected[i])).toBeLessThan(1e-14);
    }
  });
});

describe('advancePosesPrimitive', () => {
  const cases = [
    { name: 'random spins', seed: 21, omega: 5 },
    { name: 'fast spin (|ω|·dt/2 ≈ 0.1)', seed: 22, omega: 200 },
    { name: '|ω| ≈ 1e-9 (series branch of the exponential map)', seed: 23, omega: 1e-9 },
  ];
  for (const c of cases) {
    it(`gradcheck over positions, quaternions and velocities of two bodies: ${c.name}`, () => {
      const rng = seededRng(c.seed);
      const count = 2;
      const x = Array.from({ length: count }, () => [
        ...[0, 0, 0].map(() => uniform(rng, -1, 1)),
        ...rawQuat(rng),
        ...[0, 0, 0].map(() => uniform(rng, -3, 3)),
        ...[0, 0, 0].map(() => c.omega * uniform(rng, -1, 1)),
      ]).flat();
      expect(x).toHaveLength(POSE_INPUT_WIDTH * count);
      const weights = Array.from({ length: 7 * count }, () => uniform(rng, -1, 1));
      const r = gradcheck(weighted(advancePosesPrimitive(count, 1e-3), weights), x, { atol: 1e-8, rtol: 1e-6 });
      expect(r.ok, `max error ${r.maxError}`).toBe(true);
    });
  }

  it('a body spinning at ω about z for one step turns by ω·dt and moves by v·dt', () => {
    const dt = 0.01,
      omega = 3;
    const out = advancePosesPrimitive(1, dt)([1, 2, 3, 1, 0, 0, 0, 0.5, -1, 2, 0, 0, omega]) as number[];
    expect(
      out
        .slice(0, 3)
        .map((v, i) => v - [1.005, 1.99, 3.02][i])
        .every((e) => Math.abs(e) < 1e-15),
    ).toBe(true);
    // a rotation by θ about z is (cos θ/2, 0, 0, sin θ/2)
    const theta = omega * dt;
    expect(Math.abs(out[3] - Math.cos(theta / 2))).toBeLessThan(1e-15);
    expect(Math.abs(out[6] - Math.sin(theta / 2))).toBeLessThan(1e-15);
  });
});

describe('contactFramesPrimitive', () => {
  /** Unit normals spread over the sphere, some with n_z < 0 (the basis's other branch). */
  function normals(rng: ReturnType<typeof seededRng>, count: number): number[] {
    return Array.from({ length: count }, () => {
      const v = [rng.normal(), rng.normal(), rng.normal()];
      const len = Math.hypot(...v);
      return v.map((c) => c / len);
    }).flat();
  }

  it('gradcheck over the normals of six contacts, both branches (n_z ≥ 0 and n_z < 0)', () => {
    const rng = seededRng(31);
    const x = normals(rng, 6);
    expect(x.some((v, j) => j % 3 === 2 && v < 0) && x.some((v, j) => j % 3 === 2 && v > 0)).toBe(true);
    const weights = Array.from({ length: 9 * 6 }, () => uniform(rng, -1, 1));
    const r = gradcheck(weighted(contactFramesPrimitive(6), weights), x, { atol: 1e-8, rtol: 1e-6 });
    expect(r.ok, `max error ${r.maxError}`).toBe(true);
  });

  it('(n, t₁, t₂) is orthonormal and right-handed with n first', () => {
    const rng = seededRng(32);
    const x = normals(rng, 8);
    const y = contactFramesPrimitive(8)(x) as number[];
    const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    for (let k = 0; k < 8; k++) {
      const [n, t1, t2] = [0, 1, 2].map((j) => y.slice(9 * k + 3 * j, 9 * k + 3 * j + 3));
      expect(n).toEqual(x.slice(3 * k, 3 * k + 3));
      for (const [a, b, e] of [
        [n, n, 1],
        [t1, t1, 1],
        [t2, t2, 1],
        [n, t1, 0],
        [n, t2, 0],
        [t1, t2, 0],
      ] as const) {
        expect(Math.abs(dot(a, b) - e)).toBeLessThan(1e-14);
      }
      // t₁ × t₂ = n
      const cross = [t1[1] * t2[2] - t1[2] * t2[1], t1[2] * t2[0] - t1[0] * t2[2], t1[0] * t2[1] - t1[1] * t2[0]];
      expect(Math.abs(dot(cross, n) - 1)).toBeLessThan(1e-14);
    }
  });
});
