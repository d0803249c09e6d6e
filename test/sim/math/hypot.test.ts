import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hypot2 } from '../../../sim/math/hypot.ts';

/** Math.hypot is the reference: hypot2 must return its very bits (Object.is, so −0/NaN count). */
function same(x: number, y: number): boolean {
  return Object.is(hypot2(x, y), Math.hypot(x, y));
}

describe('hypot2', () => {
  it('returns Math.hypot bit for bit on edge cases', () => {
    const edges = [0, -0, 1, -1, 3, 4, 1e-310, -5e-324, 1e308, -1.7976931348623157e308, Infinity, -Infinity, NaN, 0.1];
    for (const x of edges) for (const y of edges) expect(same(x, y), `hypot2(${x}, ${y})`).toBe(true);
  });

  it('returns Math.hypot bit for bit on random doubles, of any and of close magnitudes', () => {
    fc.assert(
      fc.property(fc.double(), fc.double(), (x, y) => same(x, y)),
      { numRuns: 20000 },
    );
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10 }),
        fc.double({ min: -1e-3, max: 1e-3 }),
        (x, y) => same(x, y) && same(y, x),
      ),
      { numRuns: 20000 },
    );
  });
});
