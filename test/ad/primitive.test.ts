// Primitives (customVjp): one tape entry with its own VJP and optional JVP.
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';
import type { Real } from '../../ad/index.ts';

// polar -> cartesian, a 2 -> 2 map with a closed-form Jacobian
const polar = ad.customVjp({
  name: 'polar',
  fwd: (x) => {
    const [r, th] = x;
    return [Float64Array.of(r * Math.cos(th), r * Math.sin(th)), Float64Array.of(r, th)];
  },
  bwd: ([r, th], ybar) =>
    Float64Array.of(
      ybar[0] * Math.cos(th) + ybar[1] * Math.sin(th),
      -ybar[0] * r * Math.sin(th) + ybar[1] * r * Math.cos(th),
    ),
});

const polarWithJvp = ad.customVjp({
  name: 'polarJvp',
  fwd: (x) => [Float64Array.of(x[0] * Math.cos(x[1]), x[0] * Math.sin(x[1])), x],
  bwd: (x, ybar) =>
    Float64Array.of(
      ybar[0] * Math.cos(x[1]) + ybar[1] * Math.sin(x[1]),
      x[0] * (-ybar[0] * Math.sin(x[1]) + ybar[1] * Math.cos(x[1])),
    ),
  jvp: (x, xd) => {
    const [r, th] = x;
    const y = Float64Array.of(r * Math.cos(th), r * Math.sin(th));
    const yd = Float64Array.of(
      xd[0] * Math.cos(th) - r * Math.sin(th) * xd[1],
      xd[0] * Math.sin(th) + r * Math.cos(th) * xd[1],
    );
    return [y, yd];
  },
});

function loss(p: (x: Real[]) => Real[]) {
  return ([r, th, w]: Real[]): Real => {
    const [x, y] = p([r, th]);
    return ad.add(ad.mul(ad.mul(x, x), w), ad.sin(y));
  };
}

describe('customVjp', () => {
  it('gradcheck through a primitive composed with elementary ops', () => {
    for (const x of [
      [1.3, 0.4, 2],
      [0.2, -2.1, -0.5],
    ]) {
      const r = ad.gradcheck(loss(polar), x);
      expect(r.ok, `AD ${r.ad} FD ${r.fd}`).toBe(true);
    }
  });

  it('forward mode without a jvp rule (built from pullbacks) equals reverse mode', () => {
    const x = [1.3, 0.4, 2];
    const g = ad.grad(loss(polar), x);
    const v = [0.5, -1, 0.25];
    expect(ad.jvp(loss(polar), x, v).tangent).toBeCloseTo(g[0] * v[0] + g[1] * v[1] + g[2] * v[2], 12);
  });

  it('forward mode with a jvp rule equals reverse mode', () => {
    const x = [0.9, 2.2, -1];
    const g = ad.grad(loss(polarWithJvp), x);
    const v = [0.1, 0.7, -0.3];
    expect(ad.jvp(loss(polarWithJvp), x, v).tangent).toBeCloseTo(g[0] * v[0] + g[1] * v[1] + g[2] * v[2], 12);
  });

  it('constant inputs: plain numbers out, nothing recorded; mixed inputs differentiate the traced one', () => {
    const out = polar([2, 0]);
    expect(out).toEqual([2, 0]);
    const r = ad.valueAndGrad(([th]) => polar([2, th])[1], [0]);
    expect(r.grad[0]).toBeCloseTo(2, 15);
  });

  it('kinks reported by a primitive reach the gradient report with its label', () => {
    const clip = ad.customVjp({
      name: 'clipPositive',
      fwd: (x, kinks) => {
        kinks.kink(Math.abs(x[0]), 'contact a/b step 4');
        return [Float64Array.of(Math.max(0, x[0])), x[0] > 0 ? 1 : 0];
      },
      bwd: (slope: number, ybar) => Float64Array.of(slope * ybar[0]),
    });
    const r = ad.valueAndGrad(([x]) => clip([x])[0], [1e-9]);
    expect(r.kinks).toEqual([{ label: 'contact a/b step 4', margin: 1e-9, op: 'clipPositive', jump: false }]);
    expect(r.grad).toEqual([1]);
  });

  it('a backward rule with the wrong number of cotangents is an error naming the primitive', () => {
    const bad = ad.customVjp({
      name: 'badArity',
      fwd: (x) => [Float64Array.of(x[0] + x[1]), null],
      bwd: (_res, ybar) => Float64Array.of(ybar[0]),
    });
    expect(() => ad.grad(([a, b]) => bad([a, b])[0], [1, 2])).toThrow(/badArity.*1 cotangents for 2 inputs/);
  });

  it('a non-finite cotangent or output is a NonFiniteError naming the primitive', () => {
    const infSlope = ad.customVjp({
      name: 'infSlope',
      fwd: (x) => [Float64Array.of(Math.cbrt(x[0])), x[0]],
      bwd: (x0: number, ybar) => Float64Array.of(ybar[0] / (3 * Math.cbrt(x0) ** 2)),
    });
    expect(() => ad.grad(([x]) => infSlope([x])[0], [0])).toThrow(/infSlope/);
    const nanOut = ad.customVjp({
      name: 'nanOut',
      fwd: (x) => [Float64Array.of(Math.log(x[0])), null],
      bwd: () => Float64Array.of(0),
    });
    expect(() => ad.grad(([x]) => nanOut([x])[0], [-1])).toThrow(ad.NonFiniteError);
  });

  it('outputs not reached by the loss cost no backward call', () => {
    let calls = 0;
    const counted = ad.customVjp({
      name: 'counted',
      fwd: (x) => [Float64Array.of(2 * x[0]), null],
      bwd: (_r, ybar) => {
        calls++;
        return Float64Array.of(2 * ybar[0]);
      },
    });
    ad.grad(
      ([x]) => {
        counted([x]);
        return ad.mul(x, 3);
      },
      [1],
    );
    expect(calls).toBe(0);
    expect(ad.grad(([x]) => counted([x])[0], [1])).toEqual([2]);
    expect(calls).toBe(1);
  });
});
