// Vector and quaternion helpers: closed forms (cross-product identities, rotations by
// known quaternions, Rodrigues' formula, quaternion algebra), gradcheck and forward mode
// at seeded random points, and the documented convention of norm at the zero vector.
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/index.ts';
import { seededRng, type Rng } from '../../ad/random.ts';
import { T, entriesBetween } from '../../ad/tape.ts';
import {
  addVec,
  cross,
  dot,
  norm,
  normalize,
  quatConj,
  quatMul,
  quatNormalize,
  quatRotate,
  scale,
  subVec,
} from '../../ad/vec.ts';

function randomVec(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.normal());
}

function expectVecClose(a: readonly Real[], b: readonly number[], digits = 13): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v as number).toBeCloseTo(b[i], digits));
}

/** Rodrigues: v cos θ + (k × v) sin θ + k (k·v)(1 − cos θ), for a unit axis k. */
function rodrigues(k: number[], theta: number, v: number[]): number[] {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const kv = k[0] * v[0] + k[1] * v[1] + k[2] * v[2];
  const kxv = [k[1] * v[2] - k[2] * v[1], k[2] * v[0] - k[0] * v[2], k[0] * v[1] - k[1] * v[0]];
  return v.map((vi, i) => vi * c + kxv[i] * s + k[i] * kv * (1 - c));
}

function axisAngle(k: number[], theta: number): number[] {
  const s = Math.sin(theta / 2);
  return [Math.cos(theta / 2), k[0] * s, k[1] * s, k[2] * s];
}

describe('vector closed forms', () => {
  const rng = seededRng(11);
  it('cross: basis products, orthogonality, Lagrange identity, triple product expansion', () => {
    expectVecClose(cross([1, 0, 0], [0, 1, 0]), [0, 0, 1]);
    expectVecClose(cross([0, 1, 0], [0, 0, 1]), [1, 0, 0]);
    expectVecClose(cross([0, 0, 1], [1, 0, 0]), [0, 1, 0]);
    for (let k = 0; k < 10; k++) {
      const [a, b, c] = [randomVec(rng, 3), randomVec(rng, 3), randomVec(rng, 3)];
      const axb = cross(a, b) as number[];
      expect(dot(axb, a)).toBeCloseTo(0, 13);
      expect(dot(axb, b)).toBeCloseTo(0, 13);
      const ab = dot(a, b) as number;
      expect(dot(axb, axb)).toBeCloseTo((dot(a, a) as number) * (dot(b, b) as number) - ab * ab, 12);
      // a × (b × c) = b (a·c) − c (a·b)
      expectVecClose(cross(a, cross(b, c)), subVec(scale(b, dot(a, c)), scale(c, ab)) as number[], 12);
      expectVecClose(cross(b, a), scale(axb, -1) as number[]);
    }
  });
  it('dot, norm, normalize, add/sub/scale against component formulas', () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(norm([3, 4, 12])).toBe(13);
    expectVecClose(normalize([0, 3, 4]), [0, 0.6, 0.8]);
    expectVecClose(addVec([1, 2, 3], [0.5, -2, 1]), [1.5, 0, 4]);
    expectVecClose(subVec([1, 2, 3], [0.5, -2, 1]), [0.5, 4, 2]);
    expectVecClose(scale([1, -2, 3], 0.5), [0.5, -1, 1.5]);
    expect(norm([1e200, 1e200, 0])).toBeCloseTo(Math.SQRT2 * 1e200, -186); // no overflow
    expect(() => dot([1, 2], [1, 2, 3])).toThrow(/lengths differ/);
    expect(() => cross([1, 2], [1, 2, 3])).toThrow(/length 3/);
  });
});

describe('quaternion closed forms', () => {
  const rng = seededRng(12);
  it('Hamilton product: i j = k, j k = i, k i = j, i² = −1; |pq| = |p||q|; q q* = |q|²', () => {
    expectVecClose(quatMul([0, 1, 0, 0], [0, 0, 1, 0]), [0, 0, 0, 1]);
    expectVecClose(quatMul([0, 0, 1, 0], [0, 0, 0, 1]), [0, 1, 0, 0]);
    expectVecClose(quatMul([0, 0, 0, 1], [0, 1, 0, 0]), [0, 0, 1, 0]);
    expectVecClose(quatMul([0, 1, 0, 0], [0, 1, 0, 0]), [-1, 0, 0, 0]);
    for (let k = 0; k < 10; k++) {
      const [p, q] = [randomVec(rng, 4), randomVec(rng, 4)];
      expect(norm(quatMul(p, q))).toBeCloseTo((norm(p) as number) * (norm(q) as number), 12);
      expectVecClose(quatMul(q, quatConj(q)), [dot(q, q) as number, 0, 0, 0], 12);
    }
  });
  it('rotation by known quaternions: 90° about z maps x to y; 180° about x maps y to −y', () => {
    const h = Math.SQRT1_2;
    expectVecClose(quatRotate([h, 0, 0, h], [1, 0, 0]), [0, 1, 0], 15);
    expectVecClose(quatRotate([0, 1, 0, 0], [0, 1, 0]), [0, -1, 0], 15);
    expectVecClose(quatRotate([1, 0, 0, 0], [0.3, -2, 5]), [0.3, -2, 5], 15);
  });
  it('quatRotate agrees with Rodrigues’ formula, with q ⊗ (0, v) ⊗ q*, and composes as p ⊗ q', () => {
    for (let k = 0; k < 10; k++) {
      const axis = normalize(randomVec(rng, 3)) as number[];
      const theta = 2 * Math.PI * rng.uniform();
      const q = axisAngle(axis, theta);
      const v = randomVec(rng, 3);
      const rotated = quatRotate(q, v) as number[];
      expectVecClose(rotated, rodrigues(axis, theta, v), 12);
      const sandwich = quatMul(quatMul(q, [0, ...v]), quatConj(q)) as number[];
      expect(sandwich[0]).toBeCloseTo(0, 13);
      expectVecClose(sandwich.slice(1), rotated, 12);
      expect(norm(rotated)).toBeCloseTo(norm(v) as number, 12);
      const p = quatNormalize(randomVec(rng, 4)) as number[];
      expectVecClose(quatRotate(quatMul(p, q), v), quatRotate(p, rotated) as number[], 12);
    }
  });
  it('quatNormalize gives a unit quaternion in the same direction', () => {
    const q = quatNormalize([2, 0, -2, 1]) as number[];
    expectVecClose(q, [2 / 3, 0, -2 / 3, 1 / 3], 15);
    expect(() => quatNormalize([0, 0, 0, 0])).toThrow(/no direction/);
    expect(() => quatNormalize([1, 0, 0])).toThrow(/length 4/);
  });
});

describe('derivatives', () => {
  // each vector op reduced to a scalar by a fixed random projection
  const rng = seededRng(13);
  const w = randomVec(rng, 4);
  const project = (ys: readonly Real[]) => ad.sum(ys.map((y, i) => ad.mul(w[i], y)));
  const cases: [string, (x: Real[]) => Real, number][] = [
    ['dot', (x) => dot(x.slice(0, 3), x.slice(3)), 6],
    ['cross', (x) => project(cross(x.slice(0, 3), x.slice(3))), 6],
    ['norm', (x) => norm(x), 3],
    ['normalize', (x) => project(normalize(x)), 3],
    ['scale', (x) => project(scale(x.slice(0, 3), x[3])), 4],
    ['addVec', (x) => project(addVec(x.slice(0, 3), x.slice(3))), 6],
    ['subVec', (x) => project(subVec(x.slice(0, 3), x.slice(3))), 6],
    ['quatMul', (x) => project(quatMul(x.slice(0, 4), x.slice(4))), 8],
    ['quatConj', (x) => project(quatConj(x)), 4],
    ['quatRotate', (x) => project(quatRotate(quatNormalize(x.slice(0, 4)), x.slice(4))), 7],
    ['quatNormalize', (x) => project(quatNormalize(x)), 4],
  ];
  for (const [name, f, n] of cases) {
    it(`${name}: gradcheck at random points; jvp = reverse`, () => {
      for (let k = 0; k < 5; k++) {
        const x = randomVec(rng, n);
        const r = ad.gradcheck(f, x);
        expect(r.ok, `${name} at [${x}]: AD ${r.ad} FD ${r.fd}`).toBe(true);
        const v = randomVec(rng, n);
        const reverse = r.ad.reduce((s, g, j) => s + g * v[j], 0);
        expect(ad.jvp(f, x, v).tangent).toBeCloseTo(reverse, 12);
      }
    });
  }
  it('norm: ∇‖v‖ = v/‖v‖ with some components constant; one tape entry per extra traced component', () => {
    const g = ad.grad(([a, b]) => norm([a, 2, b]), [1, 2]);
    expectVecClose(g, [1 / 3, 2 / 3]);
    expect(ad.grad(([a]) => norm([3, a, 0]), [4])[0]).toBeCloseTo(0.8, 15);
    const entries = (x: number[]) => {
      let n = 0;
      ad.valueAndGrad((v) => {
        const before = T.n;
        const y = norm(v);
        n = entriesBetween(before, T.n);
        return y;
      }, x);
      return n;
    };
    expect(entries([1])).toBe(1);
    expect(entries([1, 2, 3])).toBe(2);
    expect(entries([1, 2, 3, 4])).toBe(3);
  });
});

describe('norm at the zero vector', () => {
  it('value 0, gradient 0 (minimum-norm subgradient), forward tangent ‖v̇‖, kink of margin 0', () => {
    const r = ad.valueAndGrad((v) => norm(v, { label: 'offset' }), [0, 0, 0]);
    expect(r.value).toBe(0);
    expect(r.grad).toEqual([0, 0, 0]);
    expect(r.kinks).toEqual([{ label: 'offset', margin: 0, op: 'norm', jump: false }]);
    const dir = [3, -4, 12];
    const j = ad.jvp((v) => norm(v), [0, 0, 0], dir);
    expect(j.tangent).toBe(13);
    // the one-sided difference quotient (‖0 + h v‖ − 0)/h is ‖v‖ for every h > 0
    expect((norm(dir.map((d) => 1e-7 * d)) as number) / 1e-7).toBeCloseTo(13, 8);
  });
  it('normalize at zero throws instead of returning NaN', () => {
    expect(() => normalize([0, 0, 0])).toThrow(/no direction/);
    expect(() => ad.grad((v) => normalize(v)[0], [0, 0, 0])).toThrow(/no direction/);
  });
});
