// The Latin hypercube: every coordinate's range holds exactly one point per stratum (the
// defining property, McKay et al. 1979), points stay in the box, and a seed fixes them.
import { describe, expect, it } from 'vitest';
import { latinHypercube } from '../../ad/optim/space-filling.ts';
import { seededRng } from '../../ad/random.ts';

describe('latinHypercube', () => {
  const box = { lower: [-5, 0, 2], upper: [5, 10, 2.5] };

  it('puts exactly one of n points in each of the n strata of every coordinate', () => {
    for (const n of [1, 2, 7, 16]) {
      const points = latinHypercube(n, box, seededRng(3));
      expect(points).toHaveLength(n);
      for (let j = 0; j < 3; j++) {
        const width = box.upper[j] - box.lower[j];
        const strata = points.map((p) => Math.floor(((p[j] - box.lower[j]) / width) * n)).sort((a, b) => a - b);
        expect(strata).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    }
  });

  it('is fixed by its seed and changes with it', () => {
    expect(latinHypercube(8, box, seededRng(1))).toEqual(latinHypercube(8, box, seededRng(1)));
    expect(latinHypercube(8, box, seededRng(2))).not.toEqual(latinHypercube(8, box, seededRng(1)));
  });

  it('refuses an open side or a bad count', () => {
    expect(() => latinHypercube(4, { lower: [0], upper: [Infinity] }, seededRng(1))).toThrow(/finite range/);
    expect(() => latinHypercube(0, box, seededRng(1))).toThrow(/n must be/);
  });
});
