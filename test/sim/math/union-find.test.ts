import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unionRoot } from '../../../sim/math/union-find.ts';

/** Components by repeated relaxation over the edges (no union–find): the reference. */
function componentsByRelaxation(n: number, edges: readonly (readonly [number, number])[]): number[] {
  const label = Array.from({ length: n }, (_, i) => i);
  for (let changed = true; changed;) {
    changed = false;
    for (const [a, b] of edges) {
      const m = Math.min(label[a], label[b]);
      if (label[a] !== m || label[b] !== m) {
        label[a] = label[b] = m;
        changed = true;
      }
    }
  }
  return label;
}

describe('unionRoot', () => {
  it('puts two ids in one set exactly when a path of unions joins them', () => {
    const graph = fc
      .integer({ min: 1, max: 40 })
      .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 2 * n })));
    fc.assert(
      fc.property(graph, ([n, edges]) => {
        const parent = Int32Array.from({ length: n }, (_, i) => i);
        for (const [a, b] of edges) parent[unionRoot(parent, a)] = unionRoot(parent, b);
        const label = componentsByRelaxation(n, edges);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) expect(unionRoot(parent, i) === unionRoot(parent, j)).toBe(label[i] === label[j]);
      }),
    );
  });

  it('halves the path it walks: a chain of 8 is at most half as deep after one find', () => {
    const parent = Int32Array.from([0, 0, 1, 2, 3, 4, 5, 6]); // 7 → 6 → … → 0
    const depth = (i: number) => {
      let d = 0;
      while (parent[i] !== i) {
        i = parent[i];
        d++;
      }
      return d;
    };
    expect(depth(7)).toBe(7);
    expect(unionRoot(parent, 7)).toBe(0);
    expect(depth(7)).toBeLessThanOrEqual(4);
  });
});
