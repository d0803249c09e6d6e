/**
 * Union–find over integer ids in a caller-owned `parent` array (`parent[i] === i` at a
 * root): the islands of the hard solve (impulse-adjoint.ts), its placed-impact split
 * (sim/hard/placed-split.ts) and the impulses a placement moves (placement-islands.ts).
 */

/**
 * The root of `i`, halving the path on the way (each visited id is pointed at its
 * grandparent), so repeated finds stay near constant time without recursion.
 *
 * @example
 * const parent = Int32Array.from([0, 1, 2]);
 * parent[unionRoot(parent, 2)] = unionRoot(parent, 0); // join 2's set to 0's
 * unionRoot(parent, 2); // 0
 */
export function unionRoot(parent: Int32Array, i: number): number {
  while (parent[i] !== i) i = parent[i] = parent[parent[i]];
  return i;
}
