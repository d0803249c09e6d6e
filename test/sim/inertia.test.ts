// Volumes and inertia of the solid shapes, checked against integrals of the solid computed
// here independently of sim/inertia.ts: a seeded Monte-Carlo estimate over the shape's
// indicator function (every shape), and a quadrature over disc slices (the capsule).
import { describe, expect, it } from 'vitest';
import { shapeInertia, shapeVolume } from '../../sim/inertia.ts';
import { ShapeType } from '../../sim/shapes.ts';
import { mulberry32 } from '../seeded-random.ts';

// the table's formulas by shape (sim/shapes/<shape>.ts), named for the cases below
const sphereVolume = (r: number) => shapeVolume(ShapeType.sphere, [r]);
const boxVolume = (hx: number, hy: number, hz: number) => shapeVolume(ShapeType.box, [hx, hy, hz]);
const capsuleVolume = (r: number, h: number) => shapeVolume(ShapeType.capsule, [r, h]);
const sphereInertia = (m: number, r: number, out: number[]) => shapeInertia(ShapeType.sphere, [r], m, out);
const boxInertia = (m: number, hx: number, hy: number, hz: number, out: number[]) =>
  shapeInertia(ShapeType.box, [hx, hy, hz], m, out);
const capsuleInertia = (m: number, r: number, h: number, out: number[]) =>
  shapeInertia(ShapeType.capsule, [r, h], m, out);

interface MonteCarlo {
  volume: number;
  volumeStdErr: number;
  /** per unit mass: E[y² + z²], E[x² + z²], E[x² + y²] over the solid */
  inertiaPerMass: number[];
  inertiaStdErr: number[];
  /** E[x], E[y], E[z] (centre of mass) and E[xy], E[xz], E[yz] (products of inertia per mass) */
  centroid: number[];
  products: number[];
  /** a standard error scale for the first and mixed moments */
  momentStdErr: number;
}

/**
 * Uniform samples in the box [-a, a] × [-b, b] × [-c, c]; the fraction inside estimates the
 * volume, the sample means over the inside points estimate the moments per unit mass.
 */
function monteCarloSolid(
  inside: (x: number, y: number, z: number) => boolean,
  a: number,
  b: number,
  c: number,
  n: number,
  seed: number,
): MonteCarlo {
  const rand = mulberry32(seed);
  let count = 0;
  const sum = [0, 0, 0];
  const sumSq = [0, 0, 0];
  const first = [0, 0, 0];
  const mixed = [0, 0, 0];
  let maxSq = 0;
  for (let k = 0; k < n; k++) {
    const x = (2 * rand() - 1) * a;
    const y = (2 * rand() - 1) * b;
    const z = (2 * rand() - 1) * c;
    if (!inside(x, y, z)) continue;
    count++;
    const axes = [y * y + z * z, x * x + z * z, x * x + y * y];
    for (let i = 0; i < 3; i++) {
      sum[i] += axes[i];
      sumSq[i] += axes[i] * axes[i];
    }
    first[0] += x;
    first[1] += y;
    first[2] += z;
    mixed[0] += x * y;
    mixed[1] += x * z;
    mixed[2] += y * z;
    maxSq = Math.max(maxSq, x * x + y * y + z * z);
  }
  const boxVol = 8 * a * b * c;
  const p = count / n;
  const mean = sum.map((s) => s / count);
  const stdErr = sumSq.map((s, i) => Math.sqrt((s / count - mean[i] * mean[i]) / count));
  return {
    volume: boxVol * p,
    volumeStdErr: boxVol * Math.sqrt((p * (1 - p)) / n),
    inertiaPerMass: mean,
    inertiaStdErr: stdErr,
    centroid: first.map((s) => s / count),
    products: mixed.map((s) => s / count),
    // |x|, |xy| are bounded by the largest squared radius seen, so this bounds their spread
    momentStdErr: Math.max(maxSq, Math.sqrt(maxSq)) / Math.sqrt(count),
  };
}

// 4 standard errors: with a fixed seed the check is deterministic, and a correct formula
// would fail it with probability ~6e-5 for a fresh seed
const SIGMAS = 4;
const SAMPLES = 300_000;

function expectWithinStdErr(estimate: number, exact: number, stdErr: number): void {
  expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(SIGMAS * stdErr);
}

function capsuleInside(r: number, h: number) {
  // within r of the segment between (0, 0, -h) and (0, 0, h)
  return (x: number, y: number, z: number) => {
    const dz = Math.max(0, Math.abs(z) - h);
    return x * x + y * y + dz * dz <= r * r;
  };
}

describe('Monte-Carlo integrals of the solids', () => {
  it('sphere: volume 4/3 π r³ and moments 2/5 m r²', () => {
    const r = 0.7;
    const mc = monteCarloSolid((x, y, z) => x * x + y * y + z * z <= r * r, r, r, r, SAMPLES, 1);
    expectWithinStdErr(mc.volume, sphereVolume(r), mc.volumeStdErr);
    const I = sphereInertia(1, r, [0, 0, 0]);
    for (let i = 0; i < 3; i++) expectWithinStdErr(mc.inertiaPerMass[i], I[i], mc.inertiaStdErr[i]);
  });

  it('box: volume 8 hx hy hz and moments m/3 (hy² + hz²), …', () => {
    const [hx, hy, hz] = [0.2, 0.5, 1.1];
    const mc = monteCarloSolid(() => true, hx, hy, hz, SAMPLES, 2);
    expect(mc.volume).toBeCloseTo(boxVolume(hx, hy, hz), 12);
    const I = boxInertia(1, hx, hy, hz, [0, 0, 0]);
    for (let i = 0; i < 3; i++) expectWithinStdErr(mc.inertiaPerMass[i], I[i], mc.inertiaStdErr[i]);
  });

  it.each([
    [0.3, 0.5],
    [0.5, 0.1],
    [0.1, 1.0],
  ])('capsule r = %f, halfLength = %f: volume, moments, centre of mass at the origin, principal axes', (r, h) => {
    const mc = monteCarloSolid(capsuleInside(r, h), r, r, h + r, SAMPLES, 3);
    expectWithinStdErr(mc.volume, capsuleVolume(r, h), mc.volumeStdErr);
    const I = capsuleInertia(1, r, h, [0, 0, 0]);
    for (let i = 0; i < 3; i++) expectWithinStdErr(mc.inertiaPerMass[i], I[i], mc.inertiaStdErr[i]);
    // zero centroid and zero products: the body axes are principal axes through the centre of mass
    for (const m of [...mc.centroid, ...mc.products]) expect(Math.abs(m)).toBeLessThanOrEqual(SIGMAS * mc.momentStdErr);
  });
});

/**
 * The capsule as a stack of discs along z: radius ρ(z) = r on the cylinder, √(r² − (|z| − h)²)
 * on the caps. A disc of radius ρ has area πρ², axial moment πρ⁴/2 and diametral moment πρ⁴/4
 * (per unit density and thickness); the parallel-axis shift of a slice at height z adds z² πρ².
 * Composite Simpson on each piece (the integrands are polynomials of degree ≤ 4 in z there).
 */
function capsuleBySlices(r: number, h: number): { volume: number; axial: number; transverse: number } {
  const rho2 = (z: number) => (Math.abs(z) <= h ? r * r : Math.max(0, r * r - (Math.abs(z) - h) ** 2));
  const simpson = (f: (z: number) => number, lo: number, hi: number, n: number) => {
    const step = (hi - lo) / n;
    let s = f(lo) + f(hi);
    for (let k = 1; k < n; k++) s += (k % 2 === 1 ? 4 : 2) * f(lo + k * step);
    return (s * step) / 3;
  };
  const integrate = (f: (z: number) => number) =>
    simpson(f, -h - r, -h, 2000) + simpson(f, -h, h, 2000) + simpson(f, h, h + r, 2000);
  return {
    volume: integrate((z) => Math.PI * rho2(z)),
    axial: integrate((z) => (Math.PI * rho2(z) ** 2) / 2),
    transverse: integrate((z) => (Math.PI * rho2(z) ** 2) / 4 + z * z * Math.PI * rho2(z)),
  };
}

describe('capsule against a quadrature over disc slices', () => {
  it.each([
    [0.3, 0.5],
    [1.0, 0.0],
    [0.05, 2.0],
    [2.0, 0.3],
  ])('r = %f, halfLength = %f: agrees to 1e-10 relative', (r, h) => {
    const slices = capsuleBySlices(r, h);
    // relative tolerance 1e-10: Simpson is exact for these quartic integrands up to rounding
    expect(capsuleVolume(r, h)).toBeCloseTo(slices.volume, 10);
    const density = 800; // kg/m³, any value: moments scale with it
    const m = density * slices.volume;
    const I = capsuleInertia(m, r, h, [0, 0, 0]);
    expect(Math.abs(I[2] / (density * slices.axial) - 1)).toBeLessThan(1e-10);
    expect(Math.abs(I[0] / (density * slices.transverse) - 1)).toBeLessThan(1e-10);
    expect(I[1]).toBe(I[0]);
  });
});

describe('limits and textbook cases', () => {
  it('a capsule of zero half-length is a sphere', () => {
    const I = capsuleInertia(2, 0.4, 0, [0, 0, 0]);
    const S = sphereInertia(2, 0.4, [0, 0, 0]);
    for (let i = 0; i < 3; i++) expect(I[i]).toBeCloseTo(S[i], 15);
    expect(capsuleVolume(0.4, 0)).toBeCloseTo(sphereVolume(0.4), 15);
  });

  it('a thin capsule tends to a thin rod: m L²/12 across, 0 along', () => {
    const m = 3;
    const h = 0.5;
    const I = capsuleInertia(m, 1e-6, h, [0, 0, 0]);
    expect(I[0] / ((m * (2 * h) ** 2) / 12)).toBeCloseTo(1, 5);
    expect(I[2]).toBeLessThan(1e-11);
  });

  it('a cube of side s has m s²/6 about every axis', () => {
    const s = 0.5;
    const I = boxInertia(1, s / 2, s / 2, s / 2, [0, 0, 0]);
    for (const v of I) expect(v).toBeCloseTo((s * s) / 6, 15);
  });

  it('moments satisfy the triangle inequality of any rigid body (Ixx + Iyy ≥ Izz, …)', () => {
    for (const I of [
      capsuleInertia(1, 0.2, 3, [0, 0, 0]),
      boxInertia(1, 0.01, 2, 0.3, [0, 0, 0]),
      capsuleInertia(1, 3, 0.01, [0, 0, 0]),
    ]) {
      expect(I[0] + I[1]).toBeGreaterThanOrEqual(I[2]);
      expect(I[0] + I[2]).toBeGreaterThanOrEqual(I[1]);
      expect(I[1] + I[2]).toBeGreaterThanOrEqual(I[0]);
    }
  });
});

describe('dispatch by shape type code', () => {
  it('reads sizes at an offset and writes moments at an offset', () => {
    const size = new Float64Array([9, 9, 9, 9, 0.1, 0.2, 0.3, 0]);
    const out = new Float64Array(6).fill(-1);
    shapeInertia(ShapeType.box, size, 2, out, 4, 3);
    expect([...out]).toEqual([-1, -1, -1, ...boxInertia(2, 0.1, 0.2, 0.3, [0, 0, 0])]);
    expect(shapeVolume(ShapeType.box, size, 4)).toBe(boxVolume(0.1, 0.2, 0.3));
    expect(shapeVolume(ShapeType.sphere, [0.5])).toBe(sphereVolume(0.5));
    expect(shapeVolume(ShapeType.capsule, [0.5, 1])).toBe(capsuleVolume(0.5, 1));
    shapeInertia(ShapeType.capsule, [0.5, 1], 2, out);
    expect([...out.subarray(0, 3)]).toEqual(capsuleInertia(2, 0.5, 1, [0, 0, 0]));
  });

  it('a plane has no volume or inertia', () => {
    expect(() => shapeVolume(ShapeType.plane, [0, 0, 1, 0])).toThrow(/plane has no finite volume/);
    expect(() => shapeInertia(ShapeType.plane, [0, 0, 1, 0], 1, new Float64Array(3))).toThrow(/plane/);
  });
});
