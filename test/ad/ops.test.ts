// Elementary ops: gradcheck at spread-out points away from singularities, forward mode
// against reverse mode, numbers in -> numbers out.
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/index.ts';
import { spreadPoints } from '../helpers.ts';

type Unary = (x: Real) => Real;
type Binary = (a: Real, b: Real) => Real;

// [name, op, domain [lo, hi]] — domains avoid each op's singularities
const unaryOps: [string, Unary, number, number][] = [
  ['neg', ad.neg, -3, 3],
  ['square', ad.square, -3, 3],
  ['exp', ad.exp, -3, 3],
  ['log', ad.log, 0.1, 5],
  ['log1p', ad.log1p, -0.9, 5],
  ['sqrt', ad.sqrt, 0.1, 5],
  ['sin', ad.sin, -4, 4],
  ['cos', ad.cos, -4, 4],
  ['tan', ad.tan, -1.4, 1.4],
  ['tanh', ad.tanh, -3, 3],
  ['asin', ad.asin, -0.9, 0.9],
  ['acos', ad.acos, -0.9, 0.9],
  ['atan', ad.atan, -4, 4],
];

const binaryOps: [string, Binary, number, number][] = [
  ['add', ad.add, -3, 3],
  ['sub', ad.sub, -3, 3],
  ['mul', ad.mul, -3, 3],
  ['div', ad.div, 0.2, 3],
  ['pow', ad.pow, 0.2, 3],
  ['atan2', ad.atan2, -3, 3],
  ['hypot', ad.hypot, -3, 3],
];

describe('elementary ops', () => {
  for (const [name, op, lo, hi] of unaryOps) {
    it(`${name}: gradcheck at 8 points and forward mode equals reverse mode`, () => {
      for (const x of spreadPoints(8, lo, hi, name.length)) {
        const r = ad.gradcheck(([u]) => op(u), [x]);
        expect(r.ok, `${name}(${x}): AD ${r.ad[0]} vs FD ${r.fd[0]}`).toBe(true);
        const f = ad.jvp(([u]) => op(u), [x], [0.7]);
        expect(f.tangent).toBeCloseTo(0.7 * r.ad[0], 12);
        expect(f.value).toBe(r.value);
      }
    });
  }

  for (const [name, op, lo, hi] of binaryOps) {
    it(`${name}: gradcheck in both arguments, with constants on either side`, () => {
      const xs = spreadPoints(6, lo, hi, 3 + name.length);
      const ys = spreadPoints(6, lo, hi, 11 + name.length);
      for (let k = 0; k < xs.length; k++) {
        const [a, b] = [xs[k], ys[k]];
        const both = ad.gradcheck(([u, v]) => op(u, v), [a, b]);
        expect(both.ok, `${name}(${a}, ${b}): AD ${both.ad} vs FD ${both.fd}`).toBe(true);
        // constant second argument, constant first argument
        const left = ad.valueAndGrad(([u]) => op(u, b), [a]);
        const right = ad.valueAndGrad(([v]) => op(a, v), [b]);
        expect(left.grad[0]).toBeCloseTo(both.ad[0], 12);
        expect(right.grad[0]).toBeCloseTo(both.ad[1], 12);
        const f = ad.jvp(([u, v]) => op(u, v), [a, b], [0.3, -1.1]);
        expect(f.tangent).toBeCloseTo(0.3 * both.ad[0] - 1.1 * both.ad[1], 10);
      }
    });
  }

  it('closed-form derivatives: d sin = cos, d exp = exp, d log = 1/x, d x^p = p x^(p-1)', () => {
    expect(ad.grad(([x]) => ad.sin(x), [0.3])[0]).toBe(Math.cos(0.3));
    expect(ad.grad(([x]) => ad.exp(x), [1.7])[0]).toBe(Math.exp(1.7));
    expect(ad.grad(([x]) => ad.log(x), [4])[0]).toBe(0.25);
    expect(ad.grad(([x]) => ad.pow(x, 3), [2])[0]).toBe(12);
    // traced exponent: d/dp 2^p = 2^p ln 2
    expect(ad.grad(([p]) => ad.pow(2, p), [3])[0]).toBeCloseTo(8 * Math.LN2, 14);
  });

  it('numbers in, numbers out: no trace is needed for constants', () => {
    expect(ad.add(1, 2)).toBe(3);
    expect(ad.mul(ad.sin(0.5), 2)).toBe(Math.sin(0.5) * 2);
    expect(typeof ad.hypot(3, 4)).toBe('number');
    expect(ad.sum([1, 2, 3])).toBe(6);
  });

  it('a variable used many times accumulates its adjoint: d/dx (x·x·x) = 3x²', () => {
    const g = ad.grad(([x]) => ad.mul(ad.mul(x, x), x), [1.5])[0];
    expect(g).toBeCloseTo(3 * 1.5 * 1.5, 14);
  });

  it('atan2 and hypot have no derivative at the origin: a clear error, not NaN', () => {
    expect(() => ad.valueAndGrad(([x, y]) => ad.atan2(y, x), [0, 0])).toThrow(/atan2/);
    expect(() => ad.valueAndGrad(([x, y]) => ad.hypot(x, y), [0, 0])).toThrow(/hypot/);
  });
});
