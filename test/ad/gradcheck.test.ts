// gradcheck must be able to fail: a wrong derivative is caught, and finite differences
// that drift with the step size (near a kink or a jump) are flagged as unstable.
import { describe, expect, it } from 'vitest';
import * as ad from '../../ad/index.ts';

describe('gradcheck', () => {
  it('passes a correct gradient', () => {
    const r = ad.gradcheck(([x, y]) => ad.mul(ad.exp(x), ad.cos(y)), [0.3, 1.1]);
    expect(r.ok).toBe(true);
    expect(r.unstable).toEqual([]);
    expect(r.maxError).toBeLessThan(1e-8);
  });

  it('catches a wrong backward rule', () => {
    const wrong = ad.customVjp({
      name: 'wrongSquare',
      fwd: (x) => [Float64Array.of(x[0] * x[0]), x[0]],
      bwd: (x0: number, ybar) => Float64Array.of(2.001 * x0 * ybar[0]), // 0.05 % off
    });
    const r = ad.gradcheck(([x]) => wrong([x])[0], [1.5]);
    expect(r.ok).toBe(false);
    expect(r.maxError).toBeCloseTo(0.001 * 1.5, 6);
  });

  it('flags finite differences that drift with the step size near a kink', () => {
    // |x| at x = 1e-4: steps larger than 1e-4 straddle the kink and see slope x/h, smaller ones see 1
    const r = ad.gradcheck(([x]) => ad.abs(x), [1e-4], { kinkTol: 1e-3 });
    expect(r.unstable).toEqual([0]);
    // estimates 0.1 (h = 1e-3) vs 1 (h ≤ 1e-4): spread (1 − 0.1) / (1 + 1)
    expect(r.fdSpread[0]).toBeCloseTo(0.45, 6);
    expect(r.kinks[0].op).toBe('abs');
  });

  it('flags a jump: the central difference grows like 1/h', () => {
    const r = ad.gradcheck(([x]) => ad.step(x), [0]);
    expect(r.unstable).toEqual([0]);
    expect(r.kinks[0].jump).toBe(true);
  });
});
