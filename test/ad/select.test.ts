// Discrete selection: argmax/topk against a brute-force reference on seeded random inputs,
// their tie rules, the kink each records (margin = the deciding gap), and the gradients of
// gather (scatter-add of the cotangent) and stopGradient (a cut path).
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/index.ts';
import { seededRng } from '../../ad/random.ts';
import { argmax, gather, stopGradient, topk } from '../../ad/select.ts';

function randomValues(seed: number, n: number): number[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => 4 * rng.uniform() - 2);
}

describe('argmax', () => {
  it('agrees with a brute-force scan on random inputs', () => {
    for (let seed = 0; seed < 20; seed++) {
      const xs = randomValues(seed, 1 + (seed % 7));
      const i = argmax(xs);
      for (const x of xs) expect(xs[i]).toBeGreaterThanOrEqual(x);
    }
  });
  it('ties go to the lowest index; empty and NaN inputs are rejected', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([-Infinity, -Infinity])).toBe(0);
    expect(() => argmax([])).toThrow(RangeError);
    expect(() => argmax([1, NaN])).toThrow(/NaN at index 1/);
  });
  it('records a jump kink with margin (top − runner-up) on traced inputs, none on numbers', () => {
    const r = ad.valueAndGrad(
      (x) => {
        expect(argmax(x, { label: 'winner' })).toBe(2);
        return x[0];
      },
      [0.5, 1.25, 1.5],
      { kinkTol: 1 },
    );
    expect(r.kinks).toEqual([{ label: 'winner', margin: 0.25, op: 'argmax', jump: true }]);
    const tie = ad.valueAndGrad((x) => (argmax(x), x[0]), [2, 2]);
    expect(tie.kinks[0].margin).toBe(0);
    const plain = ad.valueAndGrad((x) => (argmax([1, 2]), x[0]), [0], { kinkTol: 10 });
    expect(plain.kinks).toEqual([]);
  });
});

describe('topk', () => {
  it('agrees with a full sort on random inputs, largest first', () => {
    for (let seed = 0; seed < 20; seed++) {
      const n = 2 + (seed % 6);
      const xs = randomValues(100 + seed, n);
      const sorted = xs.slice().sort((a, b) => b - a);
      for (let k = 0; k <= n; k++) expect(topk(xs, k).map((i) => xs[i])).toEqual(sorted.slice(0, k));
    }
  });
  it('keeps index order among equal values and validates k', () => {
    expect(topk([1, 5, 5, 0, 5], 3)).toEqual([1, 2, 4]);
    expect(topk([1, 2], 0)).toEqual([]);
    expect(() => topk([1, 2], 3)).toThrow(RangeError);
    expect(() => topk([1, 2], 1.5)).toThrow(RangeError);
  });
  it('records a jump kink with margin (k-th − (k+1)-th) for 0 < k < n only', () => {
    const margins = (k: number) =>
      ad.valueAndGrad((x) => (topk(x, k), x[0]), [3, -1, 2, 0.5], { kinkTol: 10 }).kinks.map((c) => c.margin);
    expect(margins(1)).toEqual([1]);
    expect(margins(2)).toEqual([1.5]);
    expect(margins(0)).toEqual([]);
    expect(margins(4)).toEqual([]);
  });
});

describe('gather', () => {
  it('returns the selected Reals; the gradient is the scatter-add of the cotangent', () => {
    const x = [0.3, -1.2, 2.5, 0.7];
    const idx = [2, 0, 2, 3];
    const w = [1.5, -2, 0.25, 4];
    const f = (v: Real[]) => ad.sum(gather(v, idx).map((y, j) => ad.mul(w[j], ad.sin(y))));
    const expected = [0, 0, 0, 0];
    idx.forEach((i, j) => (expected[i] += w[j] * Math.cos(x[i])));
    const g = ad.grad(f, x);
    g.forEach((gi, i) => expect(gi).toBeCloseTo(expected[i], 14));
    expect(ad.gradcheck(f, x).ok).toBe(true);
  });
  it('through topk: the gradient of the sum of the 2 largest is their indicator', () => {
    expect(ad.grad((v) => ad.sum(gather(v, topk(v, 2))), [1, 5, 3, -2])).toEqual([0, 1, 1, 0]);
  });
  it('rejects indices out of range or not integers', () => {
    expect(() => gather([1, 2], [2])).toThrow(/out of range/);
    expect(() => gather([1, 2], [-1])).toThrow(RangeError);
    expect(() => gather([1, 2], [0.5])).toThrow(RangeError);
  });
});

describe('stopGradient', () => {
  it('returns the plain value and cuts only its own path: d/dx [x · stop(x)] = x', () => {
    const f = ([x]: Real[]) => ad.mul(x, stopGradient(x));
    for (const x of [-1.5, 0.25, 3]) {
      const r = ad.valueAndGrad(f, [x]);
      expect(r.value).toBe(x * x);
      expect(r.grad).toEqual([x]);
      expect(ad.jvp(f, [x], [2]).tangent).toBe(2 * x);
    }
    const seen: unknown[] = [];
    ad.valueAndGrad(([x]) => (seen.push(stopGradient(x)), x), [1.25]);
    expect(seen).toEqual([1.25]);
  });
});
