// Non-smooth ops: ordinary derivatives away from their kinks (gradcheck), and at each kink
// the documented default, the `atKink` override, the one-sided directional derivative of
// forward mode, and the recorded margin.
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/index.ts';
import { spreadPoints } from '../helpers.ts';

/** The one-sided difference quotient (f(x + h v) − f(x)) / h for a small h. */
function oneSided(f: (x: number[]) => number, x: number[], v: number[], h = 1e-7): number {
  const xp = x.map((xi, i) => xi + h * v[i]);
  return (f(xp) - f(x)) / h;
}

function plain(f: (x: Real[]) => Real): (x: number[]) => number {
  return (x) => f(x) as number;
}

describe('non-smooth ops away from their kinks', () => {
  const cases: [string, (x: Real[]) => Real, number][] = [
    ['abs', ([x]) => ad.abs(x), 1],
    ['relu', ([x]) => ad.relu(x), 1],
    ['max', ([x, y]) => ad.max(x, y), 2],
    ['min', ([x, y]) => ad.min(x, y), 2],
    ['clamp', ([x, lo, hi]) => ad.clamp(x, ad.sub(lo, 2), ad.add(hi, 2)), 3],
    ['sign', ([x]) => ad.mul(ad.sign(x), x), 1],
    ['step', ([x]) => ad.mul(ad.step(x), ad.sin(x)), 1],
    ['floor', ([x]) => ad.add(ad.floor(x), x), 1],
    ['round', ([x]) => ad.mul(ad.round(x), x), 1],
    ['where', ([c, a, b]) => ad.where(c, ad.mul(a, a), ad.exp(b)), 3],
  ];
  for (const [name, f, n] of cases) {
    it(`${name}: gradcheck at points off the boundary, forward mode equals reverse`, () => {
      const cols = Array.from({ length: n }, (_, j) => spreadPoints(10, -3.3, 3.3, 7 * j + name.length));
      for (let k = 0; k < 10; k++) {
        const x = cols.map((c) => c[k]);
        const r = ad.gradcheck(f, x, { kinkTol: 1e-3 });
        if (r.kinks.length > 0) continue; // too close to a boundary for finite differences
        expect(r.ok, `${name} at ${x}: AD ${r.ad} FD ${r.fd}`).toBe(true);
        const v = x.map((_, j) => 0.5 - j);
        const t = ad.jvp(f, x, v).tangent;
        expect(t).toBeCloseTo(
          r.ad.reduce((s, g, j) => s + g * v[j], 0),
          10,
        );
      }
    });
  }
});

describe('abs at 0', () => {
  const f = ([x]: Real[]) => ad.abs(x);
  it('default slope 0, override in [-1, 1], out-of-range override rejected', () => {
    expect(ad.grad(f, [0])).toEqual([0]);
    expect(ad.grad(([x]) => ad.abs(x, { atKink: -1 }), [0])).toEqual([-1]);
    expect(ad.grad(([x]) => ad.abs(x, { atKink: 0.25 }), [0])).toEqual([0.25]);
    expect(() => ad.grad(([x]) => ad.abs(x, { atKink: 2 }), [0])).toThrow(/subdifferential/);
  });
  it('forward mode gives |v|, the one-sided derivative, in both directions', () => {
    for (const v of [2, -2]) {
      expect(ad.jvp(f, [0], [v]).tangent).toBe(Math.abs(v));
      expect(ad.jvp(f, [0], [v]).tangent).toBeCloseTo(oneSided(plain(f), [0], [v]), 6);
    }
  });
  it('records margin |x| with its label', () => {
    const r = ad.valueAndGrad(([x]) => ad.abs(x, { label: 'gap' }), [-3e-9]);
    expect(r.kinks).toEqual([{ label: 'gap', margin: 3e-9, op: 'abs', jump: false }]);
    expect(ad.valueAndGrad(f, [0.5]).kinks).toEqual([]); // beyond the default tolerance
    expect(ad.valueAndGrad(f, [0.5], { kinkTol: 1 }).kinks[0].margin).toBe(0.5);
  });
});

describe('relu at 0', () => {
  const f = ([x]: Real[]) => ad.relu(x);
  it('default slope 0, override in [0, 1]', () => {
    expect(ad.grad(f, [0])).toEqual([0]);
    expect(ad.grad(([x]) => ad.relu(x, { atKink: 1 }), [0])).toEqual([1]);
    expect(() => ad.grad(([x]) => ad.relu(x, { atKink: -0.5 }), [0])).toThrow(RangeError);
  });
  it('forward mode gives max(0, v)', () => {
    expect(ad.jvp(f, [0], [3]).tangent).toBe(3);
    expect(ad.jvp(f, [0], [-3]).tangent).toBe(0);
    expect(oneSided(plain(f), [0], [-3])).toBe(0);
    expect(oneSided(plain(f), [0], [3])).toBeCloseTo(3, 6);
  });
});

describe('max and min at a tie', () => {
  it('default: each argument gets ½; override: weight of the first argument', () => {
    expect(ad.grad(([a, b]) => ad.max(a, b), [1, 1])).toEqual([0.5, 0.5]);
    expect(ad.grad(([a, b]) => ad.min(a, b), [1, 1])).toEqual([0.5, 0.5]);
    expect(ad.grad(([a, b]) => ad.max(a, b, { atKink: 1 }), [1, 1])).toEqual([1, 0]);
    expect(ad.grad(([a, b]) => ad.min(a, b, { atKink: 0.2 }), [1, 1])).toEqual([0.2, 0.8]);
    // with a constant on one side
    expect(ad.grad(([a]) => ad.max(a, 1), [1])).toEqual([0.5]);
  });
  it('forward mode: max of the tangents for max, min of the tangents for min', () => {
    const fmax = ([a, b]: Real[]) => ad.max(a, b);
    const fmin = ([a, b]: Real[]) => ad.min(a, b);
    expect(ad.jvp(fmax, [1, 1], [2, -1]).tangent).toBe(2);
    expect(ad.jvp(fmax, [1, 1], [-2, -1]).tangent).toBe(-1);
    expect(ad.jvp(fmin, [1, 1], [2, -1]).tangent).toBe(-1);
    expect(ad.jvp(fmax, [1, 1], [2, -1]).tangent).toBeCloseTo(oneSided(plain(fmax), [1, 1], [2, -1]), 6);
    expect(ad.jvp(fmin, [1, 1], [2, -1]).tangent).toBeCloseTo(oneSided(plain(fmin), [1, 1], [2, -1]), 6);
  });
  it('records margin |a − b|', () => {
    expect(ad.valueAndGrad(([a, b]) => ad.max(a, b), [1, 1 + 1e-8]).kinks[0].margin).toBe(1 + 1e-8 - 1);
  });
});

describe('clamp at its bounds', () => {
  it('default ½ to x and ½ to the bound; override weight of x; strictly inside/outside ordinary', () => {
    expect(ad.grad(([x, lo]) => ad.clamp(x, lo, 5), [1, 1])).toEqual([0.5, 0.5]);
    expect(ad.grad(([x, hi]) => ad.clamp(x, -5, hi), [2, 2])).toEqual([0.5, 0.5]);
    expect(ad.grad(([x, lo]) => ad.clamp(x, lo, 5, { atKink: 1 }), [1, 1])).toEqual([1, 0]);
    expect(ad.grad(([x, lo]) => ad.clamp(x, lo, 5), [0, 1])).toEqual([0, 1]);
    expect(ad.grad(([x, lo]) => ad.clamp(x, lo, 5), [3, 1])).toEqual([1, 0]);
  });
  it('forward mode: the one-sided derivative at each bound', () => {
    const f = ([x]: Real[]) => ad.clamp(x, 0, 1);
    expect(ad.jvp(f, [0], [1]).tangent).toBe(1);
    expect(ad.jvp(f, [0], [-1]).tangent).toBe(0);
    expect(ad.jvp(f, [1], [1]).tangent).toBe(0);
    expect(ad.jvp(f, [1], [-1]).tangent).toBe(-1);
    for (const [x, v] of [
      [0, 1],
      [0, -1],
      [1, 1],
      [1, -1],
    ]) {
      expect(ad.jvp(f, [x], [v]).tangent).toBeCloseTo(oneSided(plain(f), [x], [v]), 6);
    }
  });
  it('rejects lo > hi', () => {
    expect(() => ad.grad(([x]) => ad.clamp(x, 2, 1), [0])).toThrow(/exceeds/);
  });
});

describe('piecewise-constant ops at their jumps: sign, step, floor, round', () => {
  const ops: [string, (x: Real, o?: ad.KinkOptions) => Real, number, number][] = [
    // name, op, a boundary point, its value there
    ['sign', ad.sign, 0, 0],
    ['step', ad.step, 0, 0],
    ['floor', ad.floor, 2, 2],
    ['round', ad.round, 2.5, 3],
  ];
  for (const [name, op, x0, v0] of ops) {
    it(`${name}: value, default slope 0, surrogate-slope override, jump recorded`, () => {
      const r = ad.valueAndGrad(([x]) => op(x), [x0]);
      expect(r.value).toBe(v0);
      expect(r.grad).toEqual([0]);
      expect(r.kinks).toEqual([{ label: name, margin: 0, op: name, jump: true }]);
      expect(ad.grad(([x]) => op(x, { atKink: 7 }), [x0])).toEqual([7]);
      // the override applies only exactly at the boundary
      expect(ad.grad(([x]) => op(x, { atKink: 7 }), [x0 + 0.25])).toEqual([0]);
    });
    it(`${name}: forward mode gives the entered branch's tangent (0) and flags the jump`, () => {
      for (const v of [1, -1]) {
        const j = ad.jvp(([x]) => op(x), [x0], [v]);
        expect(j.tangent).toBe(0);
        expect(j.kinks[0].jump).toBe(true);
      }
      // the value really jumps in at least one direction: the difference quotient blows up
      const f = plain(([x]) => op(x));
      const q = Math.max(Math.abs(oneSided(f, [x0], [1], 1e-9)), Math.abs(oneSided(f, [x0], [-1], 1e-9)));
      expect(q).toBeGreaterThan(1e8);
    });
  }
  it('margins: distance to the nearest jump', () => {
    expect(ad.valueAndGrad(([x]) => ad.floor(x), [2.9], { kinkTol: 1 }).kinks[0].margin).toBeCloseTo(0.1, 12);
    expect(ad.valueAndGrad(([x]) => ad.round(x), [2.9], { kinkTol: 1 }).kinks[0].margin).toBeCloseTo(0.4, 12);
    expect(ad.valueAndGrad(([x]) => ad.sign(x), [-0.2], { kinkTol: 1 }).kinks[0].margin).toBeCloseTo(0.2, 12);
  });
});

describe('where(c, a, b)', () => {
  const f = ([c, a, b]: Real[]) => ad.where(c, ad.mul(a, 2), ad.mul(b, 3));
  it('differentiates the taken branch only; no gradient into c', () => {
    expect(ad.grad(f, [0.5, 1, 1])).toEqual([0, 2, 0]);
    expect(ad.grad(f, [-0.5, 1, 1])).toEqual([0, 0, 3]);
  });
  it('at c = 0: the b branch by default; atKink blends the derivative but not the value', () => {
    expect(ad.valueAndGrad(f, [0, 1, 1]).grad).toEqual([0, 0, 3]);
    const r = ad.valueAndGrad(([c, a, b]) => ad.where(c, ad.mul(a, 2), ad.mul(b, 3), { atKink: 0.5 }), [0, 1, 1]);
    expect(r.value).toBe(3);
    expect(r.grad).toEqual([0, 1, 1.5]);
  });
  it('forward mode at c = 0 follows the direction of c', () => {
    expect(ad.jvp(f, [0, 1, 1], [1, 1, 1]).tangent).toBe(2);
    expect(ad.jvp(f, [0, 1, 1], [-1, 1, 1]).tangent).toBe(3);
  });
  it('records |c| and whether the value jumps', () => {
    expect(ad.valueAndGrad(f, [1e-9, 1, 1]).kinks).toEqual([{ label: 'where', margin: 1e-9, op: 'where', jump: true }]);
    // equal branch values: the value is continuous across c = 0
    expect(ad.valueAndGrad(([c, a]) => ad.where(c, a, a), [0, 1]).kinks[0].jump).toBe(false);
  });
});
